// Live loss plot (QCustomPlot): raw train loss per step (faint), its de-biased EMA, validation
// loss per evaluation, the best point, the patience stretch and the stop marker. Data arrives
// through append calls; the widget replots on a ~50 ms timer, never per point. Renders only.
#pragma once

#include <QTimer>
#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QCPItemRect;
class QSlider;

class LossPlotWidget : public QWidget {
    Q_OBJECT
public:
    explicit LossPlotWidget(QWidget* parent = nullptr);

    void clear();
    void addTrainPoint(double step, double loss);
    void addValPoint(double step, double loss, bool improved, int wait, int patience, double bestStep, double bestLoss);
    void markStop(double step, const QString& reason);

    int trainPointCount() const;
    int valPointCount() const;
    QString bestLabel() const;
    QString stopLabel() const;
    QCustomPlot* plot() const { return m_plot; }
    void setSmoothing(double weight); // 0 = none, 0.99 = heavy
    void replotNow();

private:
    void recomputeSmoothed();
    QCustomPlot* m_plot;
    QCPGraph* m_raw;
    QCPGraph* m_smooth;
    QCPGraph* m_val;
    QCPGraph* m_bestPoint;
    QCPItemStraightLine* m_bestLine;
    QCPItemText* m_bestText;
    QCPItemRect* m_waitRect;
    QCPItemText* m_waitText;
    QCPItemStraightLine* m_stopLine;
    QCPItemText* m_stopText;
    QSlider* m_smoothSlider;
    QTimer m_replot;
    bool m_dirty = false;
    double m_smoothing = 0.6;
    double m_ema = 0;
    int m_emaCount = 0;
    double m_bestStep = -1;
};
