// Background generation and export for the GUI (see chatworker.h).
#include "chatworker.h"

#include "export.h"
#include "generate.h"
#include "inference.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace azllm {

namespace {

// One background job at a time; joined before the next starts and on destruction. A job returns
// what to announce when it is done; that runs after the job stops counting as busy, so a receiver
// can start the next job straight from the signal.
using Announce = std::function<void()>;
class Job {
public:
    ~Job() { join(); }
    bool busy() const { return m_busy.load(); }
    bool start(std::function<Announce()> f)
    {
        if (m_busy.exchange(true))
            return false;
        join();
        m_thread = std::thread([this, f = std::move(f)] {
            Announce done = f();
            m_busy = false;
            if (done)
                done();
        });
        return true;
    }
    void join()
    {
        if (m_thread.joinable())
            m_thread.join();
    }
    bool wait(int ms)
    {
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms < 0 ? 1LL << 40 : ms);
        while (m_busy.load()) {
            if (std::chrono::steady_clock::now() > end)
                return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        join();
        return true;
    }

private:
    std::atomic<bool> m_busy{false};
    std::thread m_thread;
};

} // namespace

struct ChatWorker::Impl {
    std::shared_ptr<const InferenceModel> model;
    std::unique_ptr<Generator> gen;
    QString path;
    std::atomic<bool> cancel{false};
    mutable std::mutex mutex; // guards model, gen, path
    Job job;
};

ChatWorker::ChatWorker(QObject* parent) : QObject(parent), d(std::make_unique<Impl>()) {}

ChatWorker::~ChatWorker()
{
    d->cancel = true;
    d->job.join();
}

bool ChatWorker::load(const QString& path, const QString& checkpoint)
{
    return d->job.start([this, path, checkpoint] {
        auto m = loadInferenceModel(path.toStdString(), checkpoint.toStdString());
        if (!m) {
            const QString message = QString::fromStdString(m.message());
            return Announce([this, message] { Q_EMIT loadFailed(message); });
        }
        auto model = *m;
        QString description = tr("%1 · %2 · %3 parameters")
                                  .arg(QString::fromStdString(model->location.dir), QString::fromLatin1(formatName(model->location.format)))
                                  .arg(static_cast<qlonglong>(model->config.parameterCount()));
        if (model->info.contains("best_step") && !model->info["best_step"].isNull())
            description += tr(" · best step %1").arg(static_cast<qlonglong>(model->info["best_step"].toDouble()));
        {
            std::lock_guard<std::mutex> lock(d->mutex);
            d->model = model;
            d->gen = std::make_unique<Generator>(model);
            d->path = path;
        }
        const int block = static_cast<int>(model->config.blockSize);
        const qint64 step = model->info.contains("step") ? static_cast<qint64>(model->info["step"].toDouble()) : -1;
        return Announce([this, description, block, step] { Q_EMIT loaded(description, block, step); });
    });
}

bool ChatWorker::generate(const QString& prompt, const SamplingConfig& s)
{
    if (!hasModel())
        return false;
    d->cancel = false;
    return d->job.start([this, prompt, s] {
        const Generator* gen;
        {
            std::lock_guard<std::mutex> lock(d->mutex);
            gen = d->gen.get();
        }
        auto r = gen->generate(prompt.toStdString(), s,
                               [this](const std::string& piece) {
                                   Q_EMIT this->piece(QString::fromStdString(piece));
                                   return true;
                               },
                               &d->cancel);
        if (!r) {
            const QString message = QString::fromStdString(r.message());
            return Announce([this, message] { Q_EMIT failed(message); });
        }
        const QString reason = QString::fromStdString(r->stopReason);
        const int tokens = static_cast<int>(r->ids.size());
        const double tps = r->tokensPerS, first = r->firstTokenMs;
        const bool truncated = r->promptTruncated;
        return Announce([=] { Q_EMIT finished(reason, tokens, tps, first, truncated); });
    });
}

void ChatWorker::stop() { d->cancel = true; }
bool ChatWorker::isBusy() const { return d->job.busy(); }

bool ChatWorker::hasModel() const
{
    std::lock_guard<std::mutex> lock(d->mutex);
    return d->gen != nullptr;
}

QString ChatWorker::modelPath() const
{
    std::lock_guard<std::mutex> lock(d->mutex);
    return d->path;
}

bool ChatWorker::wait(int ms) { return d->job.wait(ms); }

struct ExportWorker::Impl {
    Job job;
};

ExportWorker::ExportWorker(QObject* parent) : QObject(parent), d(std::make_unique<Impl>()) {}
ExportWorker::~ExportWorker() { d->job.join(); }

bool ExportWorker::start(const ExportOptions& o)
{
    return d->job.start([this, o] {
        auto r = exportRun(o);
        if (!r) {
            const QString message = QString::fromStdString(r.message());
            return Announce([this, message] { Q_EMIT failed(message); });
        }
        QStringList files;
        for (const auto& [path, bytes] : r->files)
            files << QString::fromStdString(path) + '\t' + QString::number(bytes);
        const QString pt = QString::fromStdString(r->ptPath), hf = QString::fromStdString(r->hfDir);
        const qint64 params = r->parameters, step = r->step;
        return Announce([=] { Q_EMIT finished(pt, hf, params, step, files); });
    });
}

bool ExportWorker::isRunning() const { return d->job.busy(); }
bool ExportWorker::wait(int ms) { return d->job.wait(ms); }

} // namespace azllm
