// Live loss plot (QCustomPlot): raw train loss per step (faint), its de-biased EMA with a
// smoothing slider, validation loss per evaluation, the best point, the patience stretch and the
// stop marker, plus a "what if" marker from the patience explorer. The x axis shows step, epoch,
// tokens or elapsed time; log-y toggle; hover tooltip with exact values; wheel zoom and drag
// (double-click resets); save as PNG, PDF or CSV. Data arrives through append calls; the widget
// replots on a ~50 ms timer, never per point. Renders only.
#pragma once

#include <QTimer>
#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QCPItemRect;
class QCheckBox;
class QComboBox;
class QSlider;

class LossPlotWidget : public QWidget {
    Q_OBJECT
public:
    enum class XAxis { Step, Epoch, Tokens, Elapsed };

    explicit LossPlotWidget(QWidget* parent = nullptr);

    void clear();
    // epoch, tokens and elapsed seconds let the x axis switch; NaN/-1 when unknown.
    void addTrainPoint(double step, double loss, double epoch = -1, double tokens = -1, double elapsedS = -1);
    void addValPoint(double step, double loss, bool improved, int wait, int patience, double bestStep, double bestLoss,
                     double epoch = -1, double tokens = -1, double elapsedS = -1);
    void markStop(double step, const QString& reason);
    // Patience explorer: where other settings would have stopped (stopStep < 0: would not stop).
    void setWhatIf(double stopStep, double bestStep, const QString& label);
    void clearWhatIf();

    void setXAxis(XAxis a);
    XAxis xAxisMode() const { return m_xMode; }
    void setLogY(bool on);
    bool logY() const;
    void setSmoothing(double weight); // 0 = none, 0.99 = heavy

    bool savePng(const QString& path);
    bool savePdf(const QString& path);
    bool saveCsv(const QString& path) const;
    // The tooltip text for the data point nearest to a widget position on the plot ("" if none).
    QString tooltipAt(const QPoint& plotPos) const;

    int trainPointCount() const;
    int valPointCount() const;
    QString bestLabel() const;
    QString stopLabel() const;
    QString whatIfLabel() const;
    double stopStep() const { return m_stopStep; }
    QCustomPlot* plot() const { return m_plot; }
    QComboBox* xAxisBox() const { return m_xBox; }
    QCheckBox* logYBox() const { return m_logBox; }
    void replotNow();

private:
    struct Sample {
        double step, epoch, tokens, elapsed, loss;
    };
    double key(const Sample& s) const;
    double xOfStep(double step) const;
    void rebuild();
    void recomputeSmoothed();
    void placeItems();
    void saveDialog();

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
    QCPItemStraightLine* m_whatIfLine;
    QCPItemText* m_whatIfText;
    QSlider* m_smoothSlider;
    QComboBox* m_xBox;
    QCheckBox* m_logBox;
    QTimer m_replot;
    bool m_dirty = false;
    bool m_autoRange = true; // off after the user zooms or drags; double-click restores
    double m_smoothing = 0.6;
    double m_ema = 0;
    XAxis m_xMode = XAxis::Step;
    std::vector<Sample> m_train, m_vals;
    double m_bestStep = -1, m_bestLoss = 0;
    double m_waitToStep = -1;
    double m_stopStep = -1;
    double m_whatIfStep = -1;
};
