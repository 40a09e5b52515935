// Live loss plot (see lossplotwidget.h).
#include "lossplotwidget.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>

#include <cmath>

LossPlotWidget::LossPlotWidget(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot, 1);
    auto* row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Smoothing"), this));
    m_smoothSlider = new QSlider(Qt::Horizontal, this);
    m_smoothSlider->setRange(0, 99);
    m_smoothSlider->setValue(60);
    m_smoothSlider->setObjectName("smoothingSlider");
    row->addWidget(m_smoothSlider, 1);
    layout->addLayout(row);
    connect(m_smoothSlider, &QSlider::valueChanged, this, [this](int v) { setSmoothing(v / 100.0); });

    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->xAxis->setLabel(tr("step"));
    m_plot->yAxis->setLabel(tr("loss"));
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(QFont(font().family(), 8));
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignLeft);

    m_raw = m_plot->addGraph();
    m_raw->setName(tr("train (raw)"));
    m_raw->setPen(QPen(QColor(31, 119, 180, 70), 1));
    m_smooth = m_plot->addGraph();
    m_smooth->setName(tr("train (smoothed)"));
    m_smooth->setPen(QPen(QColor(31, 119, 180), 2));
    m_val = m_plot->addGraph();
    m_val->setName(tr("validation"));
    m_val->setPen(QPen(QColor(255, 127, 14), 2));
    m_val->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
    m_bestPoint = m_plot->addGraph();
    m_bestPoint->setName(tr("best"));
    m_bestPoint->setLineStyle(QCPGraph::lsNone);
    m_bestPoint->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, QColor(44, 160, 44), 14));

    m_bestLine = new QCPItemStraightLine(m_plot);
    m_bestLine->setPen(QPen(QColor(44, 160, 44), 1, Qt::DashLine));
    m_bestLine->setVisible(false);
    m_bestText = new QCPItemText(m_plot);
    m_bestText->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_bestText->setColor(QColor(30, 120, 30));
    m_bestText->setVisible(false);

    m_waitRect = new QCPItemRect(m_plot);
    m_waitRect->setPen(Qt::NoPen);
    m_waitRect->setBrush(QColor(214, 39, 40, 28));
    m_waitRect->setVisible(false);
    m_waitText = new QCPItemText(m_plot);
    m_waitText->setColor(QColor(170, 30, 30));
    m_waitText->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    m_waitText->setVisible(false);

    m_stopLine = new QCPItemStraightLine(m_plot);
    m_stopLine->setPen(QPen(QColor(214, 39, 40), 2));
    m_stopLine->setVisible(false);
    m_stopText = new QCPItemText(m_plot);
    m_stopText->setColor(QColor(214, 39, 40));
    m_stopText->setPositionAlignment(Qt::AlignRight | Qt::AlignTop);
    m_stopText->setVisible(false);

    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] {
        m_plot->rescaleAxes();
        m_plot->replot();
    });
    m_replot.setInterval(50);
    connect(&m_replot, &QTimer::timeout, this, [this] {
        if (m_dirty)
            replotNow();
    });
    m_replot.start();
}

void LossPlotWidget::clear()
{
    for (auto* g : {m_raw, m_smooth, m_val, m_bestPoint})
        g->data()->clear();
    for (QCPAbstractItem* i : std::initializer_list<QCPAbstractItem*>{m_bestLine, m_bestText, m_waitRect, m_waitText, m_stopLine, m_stopText})
        i->setVisible(false);
    m_ema = 0;
    m_emaCount = 0;
    m_bestStep = -1;
    m_dirty = true;
}

void LossPlotWidget::addTrainPoint(double step, double loss)
{
    m_raw->addData(step, loss);
    // TensorBoard-style EMA, de-biased for the first points.
    ++m_emaCount;
    m_ema = m_smoothing * m_ema + (1 - m_smoothing) * loss;
    const double debias = 1 - std::pow(m_smoothing, m_emaCount);
    m_smooth->addData(step, debias > 0 ? m_ema / debias : loss);
    m_dirty = true;
}

void LossPlotWidget::recomputeSmoothed()
{
    m_smooth->data()->clear();
    m_ema = 0;
    m_emaCount = 0;
    for (auto it = m_raw->data()->constBegin(); it != m_raw->data()->constEnd(); ++it) {
        ++m_emaCount;
        m_ema = m_smoothing * m_ema + (1 - m_smoothing) * it->value;
        const double debias = 1 - std::pow(m_smoothing, m_emaCount);
        m_smooth->addData(it->key, debias > 0 ? m_ema / debias : it->value);
    }
}

void LossPlotWidget::setSmoothing(double weight)
{
    m_smoothing = std::clamp(weight, 0.0, 0.99);
    recomputeSmoothed();
    m_dirty = true;
}

void LossPlotWidget::addValPoint(double step, double loss, bool improved, int wait, int patience, double bestStep, double bestLoss)
{
    m_val->addData(step, loss);
    if (improved || m_bestStep < 0) {
        m_bestStep = bestStep;
        m_bestPoint->data()->clear();
        m_bestPoint->addData(bestStep, bestLoss);
        m_bestLine->point1->setCoords(bestStep, 0);
        m_bestLine->point2->setCoords(bestStep, 1);
        m_bestLine->setVisible(true);
        m_bestText->setText(tr("best: step %1 · val %2").arg(qint64(bestStep)).arg(bestLoss, 0, 'f', 3));
        m_bestText->position->setType(QCPItemPosition::ptPlotCoords);
        m_bestText->position->setCoords(bestStep, bestLoss);
        m_bestText->setVisible(true);
    }
    if (wait > 0) {
        m_waitRect->topLeft->setTypeX(QCPItemPosition::ptPlotCoords);
        m_waitRect->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
        m_waitRect->bottomRight->setTypeX(QCPItemPosition::ptPlotCoords);
        m_waitRect->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
        m_waitRect->topLeft->setCoords(m_bestStep, 0);
        m_waitRect->bottomRight->setCoords(step, 1);
        m_waitRect->setVisible(true);
        m_waitText->position->setTypeX(QCPItemPosition::ptPlotCoords);
        m_waitText->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        m_waitText->position->setCoords(m_bestStep, 0.98);
        m_waitText->setText(tr("no improvement %1/%2").arg(wait).arg(patience));
        m_waitText->setVisible(true);
    } else {
        m_waitRect->setVisible(false);
        m_waitText->setVisible(false);
    }
    m_dirty = true;
}

void LossPlotWidget::markStop(double step, const QString& reason)
{
    m_stopLine->point1->setCoords(step, 0);
    m_stopLine->point2->setCoords(step, 1);
    m_stopLine->setVisible(true);
    m_stopText->position->setTypeX(QCPItemPosition::ptPlotCoords);
    m_stopText->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_stopText->position->setCoords(step, 0.02);
    m_stopText->setText(reason);
    m_stopText->setVisible(true);
    m_dirty = true;
}

int LossPlotWidget::trainPointCount() const { return m_raw->data()->size(); }
int LossPlotWidget::valPointCount() const { return m_val->data()->size(); }
QString LossPlotWidget::bestLabel() const { return m_bestText->visible() ? m_bestText->text() : QString(); }
QString LossPlotWidget::stopLabel() const { return m_stopText->visible() ? m_stopText->text() : QString(); }

void LossPlotWidget::replotNow()
{
    m_dirty = false;
    m_plot->rescaleAxes();
    // Leave room above for the labels.
    const auto y = m_plot->yAxis->range();
    m_plot->yAxis->setRange(y.lower - 0.05 * y.size(), y.upper + 0.15 * y.size());
    const auto x = m_plot->xAxis->range();
    m_plot->xAxis->setRange(x.lower, x.upper + 0.04 * x.size());
    // Labels near the right edge grow leftwards so they stay inside the plot.
    if (m_bestText->visible()) {
        const bool rightHalf = m_bestStep > x.lower + 0.6 * x.size();
        m_bestText->setPositionAlignment((rightHalf ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignBottom);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}
