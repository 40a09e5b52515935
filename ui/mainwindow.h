// The main window only assembles panels: SetupPanel (left), LossPlotWidget with the patience
// explorer and the event log (centre), ChatPanel (right), the progress line; it wires the
// Train / Pause / Stop / Export / Open run actions to the trainer worker and the export dialog.
#pragma once

#include "run.h"

#include "metrics.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QTimer>

#include <vector>

class QAction;
class QDoubleSpinBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QSpinBox;
class ChatPanel;
class ExportDialog;
class LossPlotWidget;
class SampleStrip;
class SetupPanel;
namespace azllm {
class TrainerWorker;
}

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum class State { Idle, Running, Paused, Stopping };

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    State state() const { return m_state; }
    QAction* trainAction() const { return m_train; }
    QAction* pauseAction() const { return m_pause; }
    QAction* stopAction() const { return m_stop; }
    QAction* exportAction() const { return m_export; }
    QAction* openRunAction() const { return m_openRun; }
    SetupPanel* setupPanel() const { return m_setup; }
    LossPlotWidget* lossPlot() const { return m_plot; }
    ChatPanel* chatPanel() const { return m_chat; }
    SampleStrip* sampleStrip() const { return m_samples; }
    // The longest GUI event-loop stall (timer drift) measured during the last or current run, in ms.
    double maxStallMs() const { return m_maxStallMs; }
    QSpinBox* whatIfPatience() const { return m_whatIfPatience; }
    QDoubleSpinBox* whatIfMinDelta() const { return m_whatIfDelta; }
    QLabel* whatIfLabel() const { return m_whatIfLabel; }
    QString lastRunDir() const { return m_runDir; }
    QString logText() const;
    // Opens an existing run: the plot is rebuilt from metrics.csv and Train resumes it.
    bool openRun(const QString& dir);
    // The export dialog for the current run (non-modal; nullptr without a best checkpoint).
    ExportDialog* openExportDialog();
    // Builds a new window in the language now set (View > Language), reopening old's run, and closes
    // old. For heap windows with Qt::WA_DeleteOnClose (the app's); returns the new window.
    static MainWindow* rebuildForLanguage(MainWindow* old);
    // Closing during training asks first; tests turn the question off.
    void setConfirmClose(bool on) { m_confirmClose = on; }

protected:
    void closeEvent(QCloseEvent* e) override;

private:
    void startTraining();
    // Resuming an opened run, once its corpus was compared with config.json (changed: what
    // checkCorpusUnchanged said; empty when unchanged).
    void resumeOpenedRun(const azllm::RunConfig& cfg, const QString& changed);
    void setState(State s);
    void log(const QString& line);
    void updateExportEnabled();
    void updateWhatIf();

    SetupPanel* m_setup;
    LossPlotWidget* m_plot;
    ChatPanel* m_chat;
    SampleStrip* m_samples;
    QPlainTextEdit* m_log;
    QProgressBar* m_progress;
    QLabel* m_speed;
    QLabel* m_best;
    QSpinBox* m_whatIfPatience;
    QDoubleSpinBox* m_whatIfDelta;
    QLabel* m_whatIfLabel;
    QAction* m_train;
    QAction* m_pause;
    QAction* m_stop;
    QAction* m_export;
    QAction* m_openRun;
    azllm::TrainerWorker* m_worker;
    State m_state = State::Idle;
    QString m_runDir;
    bool m_openedRun = false; // Train resumes m_runDir
    bool m_confirmClose = true;
    qint64 m_maxSteps = 0;
    int m_patience = 3;
    std::vector<azllm::MetricsRow> m_record;
    bool m_samplePending = false; // an evaluation's weights reach `last` before the next step
    qint64 m_sampleStep = 0;
    double m_sampleVal = 0;
    QTimer m_stallTimer;          // 10 ms ticks; lateness = event-loop stall
    QElapsedTimer m_stallClock;
    double m_maxStallMs = 0;
    qint64 m_maxStallStep = 0, m_lastStep = 0; // what the plot shows, for the patience explorer
};
