// The main window only assembles panels: SetupPanel (left), LossPlotWidget (centre), the event log
// and the progress line, and wires the Train / Pause / Stop actions to the trainer worker.
#pragma once

#include <QMainWindow>

class QAction;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class LossPlotWidget;
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
    SetupPanel* setupPanel() const { return m_setup; }
    LossPlotWidget* lossPlot() const { return m_plot; }
    QString lastRunDir() const { return m_runDir; }
    QString logText() const;

protected:
    void closeEvent(QCloseEvent* e) override;

private:
    void startTraining();
    void setState(State s);
    void log(const QString& line);

    SetupPanel* m_setup;
    LossPlotWidget* m_plot;
    QPlainTextEdit* m_log;
    QProgressBar* m_progress;
    QLabel* m_speed;
    QLabel* m_best;
    QAction* m_train;
    QAction* m_pause;
    QAction* m_stop;
    azllm::TrainerWorker* m_worker;
    State m_state = State::Idle;
    QString m_runDir;
    qint64 m_maxSteps = 0;
};
