// The Qt edge of the trainer: runs azllm::train on a named QThread it owns and turns the callback
// into queued signals. Pause, resume and stop go through the trainer's atomic control block.
// Nothing throws across the thread boundary: failures arrive as failed(message).
#pragma once

#include "run.h"
#include "trainer.h"

#include <QObject>
#include <QThread>

#include <memory>

namespace azllm {

class TrainerWorker : public QObject {
    Q_OBJECT
public:
    explicit TrainerWorker(QObject* parent = nullptr);
    ~TrainerWorker() override; // stops and joins a running training

    // Starts training on a background thread; false when one is already running.
    bool start(const RunConfig& cfg, bool resume);
    // Creates the run (tokenizer, data) and trains it, all on the background thread.
    bool startNew(const RunSetup& setup);
    void pause();
    void resume();
    void stop();
    bool isRunning() const;
    bool isPaused() const { return m_control.pause.load(); }
    // Blocks until the background thread ends (tests, shutdown).
    bool wait(unsigned long ms = ULONG_MAX);

signals:
    void started(qint64 stepsPerEpoch, qint64 maxSteps, const QString& message);
    void stepReported(qint64 step, double epoch, qint64 tokens, double loss, double lr, double tokensPerS, double elapsedS);
    void evalReported(qint64 step, double epoch, qint64 tokens, double trainLoss, double valLoss, bool improved, int wait,
                      int patience, double bestValLoss, qint64 bestStep, double elapsedS);
    void logMessage(const QString& message);
    // The best checkpoint on disk was replaced by the weights of `step` (a new snapshot to chat with).
    void bestSaved(qint64 step);
    void finished(const QString& reason, qint64 stopStep, qint64 bestStep, double bestValLoss, const QString& runDir);
    void failed(const QString& message);

private:
    void launch(std::function<void()> job);
    bool onEvent(const TrainEvent& e);

    TrainControl m_control;
    std::unique_ptr<QThread> m_thread;
};

} // namespace azllm
