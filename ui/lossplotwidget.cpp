// Live loss plot (see lossplotwidget.h).
#include "lossplotwidget.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QSaveFile>
#include <QSlider>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
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
    row->addWidget(new QLabel(tr("x axis"), this));
    m_xBox = new QComboBox(this);
    m_xBox->setObjectName("xAxisBox");
    m_xBox->addItems({tr("step"), tr("epoch"), tr("tokens"), tr("elapsed time (s)")});
    row->addWidget(m_xBox);
    m_logBox = new QCheckBox(tr("log y"), this);
    m_logBox->setObjectName("logYBox");
    row->addWidget(m_logBox);
    auto* save = new QToolButton(this);
    save->setText(tr("Save…"));
    save->setToolTip(tr("Save the plot as PNG or PDF, or its data as CSV"));
    row->addWidget(save);
    layout->addLayout(row);
    connect(m_smoothSlider, &QSlider::valueChanged, this, [this](int v) { setSmoothing(v / 100.0); });
    connect(m_xBox, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int i) { setXAxis(static_cast<XAxis>(i)); });
    connect(m_logBox, &QCheckBox::toggled, this, &LossPlotWidget::setLogY);
    connect(save, &QToolButton::clicked, this, &LossPlotWidget::saveDialog);

    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->xAxis->setLabel(tr("step"));
    m_plot->yAxis->setLabel(tr("loss"));
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(QFont(font().family(), 8));
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignLeft);

    m_raw = m_plot->addGraph();
    m_raw->setName(tr("train (raw)"));
    m_raw->setPen(QPen(QColor(31, 119, 180, 70), 1));
    m_raw->setAntialiased(false); // a faint 1-px line: antialiasing costs most of a 100k-point replot
    m_plot->setPlottingHint(QCP::phFastPolylines, true);
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
    m_bestText = new QCPItemText(m_plot);
    m_bestText->setColor(QColor(30, 120, 30));
    m_waitRect = new QCPItemRect(m_plot);
    m_waitRect->setPen(Qt::NoPen);
    m_waitRect->setBrush(QColor(214, 39, 40, 28));
    m_waitText = new QCPItemText(m_plot);
    m_waitText->setColor(QColor(170, 30, 30));
    m_waitText->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
    m_stopLine = new QCPItemStraightLine(m_plot);
    m_stopLine->setPen(QPen(QColor(214, 39, 40), 2));
    m_stopText = new QCPItemText(m_plot);
    m_stopText->setColor(QColor(214, 39, 40));
    m_stopText->setPositionAlignment(Qt::AlignRight | Qt::AlignTop);
    m_whatIfLine = new QCPItemStraightLine(m_plot);
    m_whatIfLine->setPen(QPen(QColor(148, 103, 189), 2, Qt::DotLine));
    m_whatIfText = new QCPItemText(m_plot);
    m_whatIfText->setColor(QColor(118, 73, 159));
    m_whatIfText->setPositionAlignment(Qt::AlignRight | Qt::AlignTop);
    for (QCPItemText* t : {m_waitText, m_stopText, m_whatIfText}) {
        t->position->setTypeX(QCPItemPosition::ptPlotCoords);
        t->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    }
    for (QCPItemPosition* p : {m_waitRect->topLeft, m_waitRect->bottomRight}) {
        p->setTypeX(QCPItemPosition::ptPlotCoords);
        p->setTypeY(QCPItemPosition::ptAxisRectRatio);
    }
    clear();

    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] {
        m_autoRange = true;
        replotNow();
    });
    connect(m_plot, &QCustomPlot::mouseWheel, this, [this] { m_autoRange = false; });
    connect(m_plot, &QCustomPlot::mousePress, this, [this] { m_autoRange = false; });
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        const QString tip = tooltipAt(e->pos());
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(m_plot->mapToGlobal(e->pos()), tip, m_plot);
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
    m_train.clear();
    m_vals.clear();
    m_bestStep = -1;
    m_waitToStep = -1;
    m_stopStep = -1;
    m_whatIfStep = -1;
    m_autoRange = true;
    rebuild();
}

double LossPlotWidget::key(const Sample& s) const
{
    switch (m_xMode) {
    case XAxis::Epoch: return s.epoch >= 0 ? s.epoch : s.step;
    case XAxis::Tokens: return s.tokens >= 0 ? s.tokens : s.step;
    case XAxis::Elapsed: return s.elapsed >= 0 ? s.elapsed : s.step;
    default: return s.step;
    }
}

// The x position of a step in the current mode (from the nearest recorded train step).
double LossPlotWidget::xOfStep(double step) const
{
    if (m_xMode == XAxis::Step || m_train.empty())
        return step;
    auto it = std::lower_bound(m_train.begin(), m_train.end(), step, [](const Sample& s, double v) { return s.step < v; });
    if (it == m_train.end())
        --it;
    return key(*it);
}

void LossPlotWidget::addTrainPoint(double step, double loss, double epoch, double tokens, double elapsedS)
{
    const Sample s{step, epoch, tokens, elapsedS, loss};
    m_train.push_back(s);
    m_raw->addData(key(s), loss);
    // TensorBoard-style EMA, de-biased for the first points.
    const int n = static_cast<int>(m_train.size());
    if (n == 1)
        m_ema = 0;
    m_ema = m_smoothing * m_ema + (1 - m_smoothing) * loss;
    const double debias = 1 - std::pow(m_smoothing, n);
    m_smooth->addData(key(s), debias > 0 ? m_ema / debias : loss);
    m_dirty = true;
}

void LossPlotWidget::recomputeSmoothed()
{
    m_smooth->data()->clear();
    double ema = 0;
    int n = 0;
    for (const auto& s : m_train) {
        ++n;
        ema = m_smoothing * ema + (1 - m_smoothing) * s.loss;
        const double debias = 1 - std::pow(m_smoothing, n);
        m_smooth->addData(key(s), debias > 0 ? ema / debias : s.loss);
    }
    m_ema = ema;
}

void LossPlotWidget::setSmoothing(double weight)
{
    m_smoothing = std::clamp(weight, 0.0, 0.99);
    recomputeSmoothed();
    m_dirty = true;
}

void LossPlotWidget::addValPoint(double step, double loss, bool improved, int wait, int patience, double bestStep, double bestLoss,
                                 double epoch, double tokens, double elapsedS)
{
    const Sample s{step, epoch, tokens, elapsedS, loss};
    m_vals.push_back(s);
    m_val->addData(key(s), loss);
    if (improved || m_bestStep < 0) {
        m_bestStep = bestStep;
        m_bestLoss = bestLoss;
        m_bestText->setText(tr("best: step %1 · val %2").arg(qint64(bestStep)).arg(bestLoss, 0, 'f', 3));
    }
    m_waitToStep = wait > 0 ? step : -1;
    if (wait > 0)
        m_waitText->setText(tr("no improvement %1/%2").arg(wait).arg(patience));
    placeItems();
    m_dirty = true;
}

void LossPlotWidget::markStop(double step, const QString& reason)
{
    m_stopStep = step;
    m_stopText->setText(reason);
    placeItems();
    m_dirty = true;
}

void LossPlotWidget::setWhatIf(double stopStep, double bestStep, const QString& label)
{
    m_whatIfStep = stopStep >= 0 ? stopStep : (m_vals.empty() ? -1 : m_vals.back().step);
    m_whatIfText->setText(label);
    (void)bestStep;
    placeItems();
    m_dirty = true;
}

void LossPlotWidget::clearWhatIf()
{
    m_whatIfStep = -1;
    placeItems();
    m_dirty = true;
}

void LossPlotWidget::placeItems()
{
    const bool best = m_bestStep >= 0;
    m_bestPoint->data()->clear();
    if (best) {
        const double x = xOfStep(m_bestStep);
        m_bestPoint->addData(x, m_bestLoss);
        m_bestLine->point1->setCoords(x, 0);
        m_bestLine->point2->setCoords(x, 1);
        m_bestText->position->setType(QCPItemPosition::ptPlotCoords);
        m_bestText->position->setCoords(x, m_bestLoss);
    }
    m_bestLine->setVisible(best);
    m_bestText->setVisible(best);
    const bool waiting = best && m_waitToStep >= 0;
    if (waiting) {
        m_waitRect->topLeft->setCoords(xOfStep(m_bestStep), 0);
        m_waitRect->bottomRight->setCoords(xOfStep(m_waitToStep), 1);
        m_waitText->position->setCoords(xOfStep(m_waitToStep), 0.98);
    }
    m_waitRect->setVisible(waiting);
    m_waitText->setVisible(waiting);
    const bool stopped = m_stopStep >= 0;
    if (stopped) {
        const double x = xOfStep(m_stopStep);
        m_stopLine->point1->setCoords(x, 0);
        m_stopLine->point2->setCoords(x, 1);
        m_stopText->position->setCoords(x, 0.02);
    }
    m_stopLine->setVisible(stopped);
    m_stopText->setVisible(stopped);
    const bool whatIf = m_whatIfStep >= 0 && m_whatIfStep != m_stopStep; // the same point needs no second marker
    if (whatIf) {
        const double x = xOfStep(m_whatIfStep);
        m_whatIfLine->point1->setCoords(x, 0);
        m_whatIfLine->point2->setCoords(x, 1);
        m_whatIfText->position->setCoords(x, 0.10);
    }
    m_whatIfLine->setVisible(whatIf);
    m_whatIfText->setVisible(whatIf);
}

void LossPlotWidget::rebuild()
{
    m_raw->data()->clear();
    m_val->data()->clear();
    for (const auto& s : m_train)
        m_raw->addData(key(s), s.loss);
    for (const auto& s : m_vals)
        m_val->addData(key(s), s.loss);
    recomputeSmoothed();
    placeItems();
    m_dirty = true;
}

void LossPlotWidget::setXAxis(XAxis a)
{
    m_xMode = a;
    if (m_xBox->currentIndex() != static_cast<int>(a))
        m_xBox->setCurrentIndex(static_cast<int>(a));
    static const char* labels[] = {QT_TR_NOOP("step"), QT_TR_NOOP("epoch"), QT_TR_NOOP("tokens"), QT_TR_NOOP("elapsed time (s)")};
    m_plot->xAxis->setLabel(tr(labels[static_cast<int>(a)]));
    m_autoRange = true;
    rebuild();
}

void LossPlotWidget::setLogY(bool on)
{
    if (m_logBox->isChecked() != on)
        m_logBox->setChecked(on);
    m_plot->yAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (on)
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    else
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    m_dirty = true;
}

bool LossPlotWidget::logY() const { return m_plot->yAxis->scaleType() == QCPAxis::stLogarithmic; }

QString LossPlotWidget::tooltipAt(const QPoint& pos) const
{
    const Sample* best = nullptr;
    const char* kind = "";
    double bestDist = 12.0; // pixels
    auto consider = [&](const std::vector<Sample>& v, const char* k) {
        for (const auto& s : v) {
            const double px = m_plot->xAxis->coordToPixel(key(s)), py = m_plot->yAxis->coordToPixel(s.loss);
            const double d = std::hypot(px - pos.x(), py - pos.y());
            if (d < bestDist) {
                bestDist = d;
                best = &s;
                kind = k;
            }
        }
    };
    consider(m_vals, QT_TR_NOOP("validation"));
    consider(m_train, QT_TR_NOOP("train"));
    if (!best)
        return {};
    QString t = tr("%1 loss %2\nstep %3").arg(tr(kind)).arg(best->loss, 0, 'f', 4).arg(qint64(best->step));
    if (best->epoch >= 0)
        t += tr(" · epoch %1").arg(best->epoch, 0, 'f', 2);
    if (best->tokens >= 0)
        t += tr(" · %1 tokens").arg(qint64(best->tokens));
    if (best->elapsed >= 0)
        t += tr(" · %1 s").arg(best->elapsed, 0, 'f', 1);
    return t;
}

bool LossPlotWidget::savePng(const QString& path)
{
    replotNow();
    m_plot->replot(QCustomPlot::rpImmediateRefresh);
    return m_plot->savePng(path, 0, 0, 2.0);
}

bool LossPlotWidget::savePdf(const QString& path)
{
    replotNow();
    m_plot->replot(QCustomPlot::rpImmediateRefresh);
    return m_plot->savePdf(path);
}

bool LossPlotWidget::saveCsv(const QString& path) const
{
    QString out = "kind,step,epoch,tokens,elapsed_s,loss\n";
    for (const auto& s : m_train)
        out += QString("train,%1,%2,%3,%4,%5\n").arg(qint64(s.step)).arg(s.epoch).arg(qint64(s.tokens)).arg(s.elapsed).arg(s.loss, 0, 'g', 9);
    for (const auto& s : m_vals)
        out += QString("validation,%1,%2,%3,%4,%5\n").arg(qint64(s.step)).arg(s.epoch).arg(qint64(s.tokens)).arg(s.elapsed).arg(s.loss, 0, 'g', 9);
    // Written to a temporary sibling and renamed into place.
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return false;
    f.write(out.toUtf8());
    return f.commit();
}

void LossPlotWidget::saveDialog()
{
    QString filter;
    const QString path = QFileDialog::getSaveFileName(this, tr("Save plot"), QStringLiteral("loss.png"),
                                                      tr("PNG image (*.png);;PDF document (*.pdf);;CSV data (*.csv)"), &filter);
    if (path.isEmpty())
        return;
    bool ok = path.endsWith(".pdf", Qt::CaseInsensitive) ? savePdf(path)
              : path.endsWith(".csv", Qt::CaseInsensitive) ? saveCsv(path)
                                                           : savePng(path);
    if (!ok)
        QToolTip::showText(mapToGlobal(rect().center()), tr("Could not save '%1'").arg(path), this);
}

int LossPlotWidget::trainPointCount() const { return static_cast<int>(m_train.size()); }
int LossPlotWidget::valPointCount() const { return static_cast<int>(m_vals.size()); }
QString LossPlotWidget::bestLabel() const { return m_bestText->visible() ? m_bestText->text() : QString(); }
QString LossPlotWidget::stopLabel() const { return m_stopText->visible() ? m_stopText->text() : QString(); }
QString LossPlotWidget::whatIfLabel() const { return m_whatIfText->visible() ? m_whatIfText->text() : QString(); }

void LossPlotWidget::replotNow()
{
    m_dirty = false;
    if (m_autoRange) {
        m_plot->rescaleAxes();
        // Leave room above for the labels.
        const auto y = m_plot->yAxis->range();
        if (logY())
            m_plot->yAxis->setRange(y.lower * 0.95, y.upper * 1.3);
        else
            m_plot->yAxis->setRange(y.lower - 0.05 * y.size(), y.upper + 0.15 * y.size());
        const auto x = m_plot->xAxis->range();
        m_plot->xAxis->setRange(x.lower, x.upper + 0.04 * x.size());
    }
    // Labels near the right edge grow leftwards so they stay inside the plot.
    if (m_bestText->visible()) {
        const auto x = m_plot->xAxis->range();
        const bool rightHalf = xOfStep(m_bestStep) > x.lower + 0.6 * x.size();
        m_bestText->setPositionAlignment((rightHalf ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignBottom);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}
