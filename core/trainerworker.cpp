// Trainer worker (see trainerworker.h).
#include "trainerworker.h"

#include <exception>

#include <c10/util/Exception.h>

namespace azllm {

TrainerWorker::TrainerWorker(QObject* parent) : QObject(parent) {}

TrainerWorker::~TrainerWorker()
{
    stop();
    wait();
}

bool TrainerWorker::isRunning() const { return m_thread && m_thread->isRunning(); }

bool TrainerWorker::wait(unsigned long ms)
{
    return !m_thread || m_thread->wait(QDeadlineTimer(ms == ULONG_MAX ? QDeadlineTimer::Forever : QDeadlineTimer(qint64(ms))));
}

void TrainerWorker::pause() { m_control.pause = true; }
void TrainerWorker::resume() { m_control.pause = false; }
void TrainerWorker::stop()
{
    m_control.stop = true;
    m_control.pause = false;
}

bool TrainerWorker::onEvent(const TrainEvent& e)
{
    switch (e.kind) {
    case TrainEvent::Kind::Started:
        emit started(e.stepsPerEpoch, e.maxSteps, QString::fromStdString(e.message));
        break;
    case TrainEvent::Kind::Step:
        emit stepReported(e.step, e.epoch, e.tokens, e.loss, e.lr, e.tokensPerS, e.elapsedS);
        break;
    case TrainEvent::Kind::Eval:
        emit evalReported(e.step, e.epoch, e.tokens, e.trainLoss, e.valLoss, e.improved, e.wait, e.patience, e.bestValLoss,
                          e.bestStep, e.elapsedS);
        break;
    case TrainEvent::Kind::Checkpoint:
        if (e.message.rfind("saved best", 0) == 0)
            emit bestSaved(e.step);
        [[fallthrough]];
    case TrainEvent::Kind::Log:
        emit logMessage(QString::fromStdString(e.message));
        break;
    case TrainEvent::Kind::Finished:
        break;
    }
    return !m_control.stop.load();
}

void TrainerWorker::launch(std::function<void()> job)
{
    m_control.stop = false;
    m_control.pause = false;
    m_thread.reset(QThread::create([job = std::move(job)] { job(); }));
    m_thread->setObjectName("azllm-trainer");
    m_thread->start();
}

bool TrainerWorker::start(const RunConfig& cfg, bool resume)
{
    if (isRunning())
        return false;
    launch([this, cfg, resume] {
        try {
            auto r = train(cfg, resume, m_control, [this](const TrainEvent& e) { return onEvent(e); });
            if (!r) {
                emit failed(QString::fromStdString(r.message()));
                return;
            }
            emit finished(QString::fromStdString(toString(r->reason)), r->stopStep, r->bestStep, r->bestValLoss,
                          QString::fromStdString(cfg.runDir));
        } catch (const c10::Error& e) {
            emit failed(QString::fromStdString(e.what_without_backtrace()));
        } catch (const std::exception& e) {
            emit failed(QString::fromUtf8(e.what()));
        }
    });
    return true;
}

bool TrainerWorker::startNew(const RunSetup& setup)
{
    if (isRunning())
        return false;
    launch([this, setup] {
        try {
            auto cfg = prepareRun(setup, [this](const std::string& m) { emit logMessage(QString::fromStdString(m)); });
            if (!cfg) {
                emit failed(QString::fromStdString(cfg.message()));
                return;
            }
            auto r = train(*cfg, false, m_control, [this](const TrainEvent& e) { return onEvent(e); });
            if (!r) {
                emit failed(QString::fromStdString(r.message()));
                return;
            }
            emit finished(QString::fromStdString(toString(r->reason)), r->stopStep, r->bestStep, r->bestValLoss,
                          QString::fromStdString(cfg->runDir));
        } catch (const c10::Error& e) {
            emit failed(QString::fromStdString(e.what_without_backtrace()));
        } catch (const std::exception& e) {
            emit failed(QString::fromUtf8(e.what()));
        }
    });
    return true;
}

} // namespace azllm
