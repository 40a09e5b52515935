// The training loop (see trainer.h).
#include "trainer.h"

#include "adamw.h"
#include "checkpoint.h"
#include "dataset.h"
#include "distributed.h"
#include "fsutil.h"
#include "model.h"
#include "platform.h"
#include "precision.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/nn/utils/clip_grad.h>

#include <QByteArray>
#include <QFile>
#include <QTextStream>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>

namespace azllm {

QJsonObject TrainSummary::toJson() const
{
    return {{"stop_reason", QString::fromStdString(azllm::toString(reason))},
            {"best_step", double(bestStep)},
            {"best_val_loss", bestStep >= 0 ? QJsonValue(bestValLoss) : QJsonValue()},
            {"stop_step", double(stopStep)},
            {"epochs", epochs},
            {"tokens", double(tokens)},
            {"wall_s", wallS},
            {"tokens_per_s", tokensPerS},
            {"restored_best", restoredBest}};
}

int effectiveThreads(int requested)
{
    if (requested > 0)
        return requested;
    const unsigned hw = std::thread::hardware_concurrency();
    return hw > 0 ? static_cast<int>(hw) : 1;
}

namespace {

using Clock = std::chrono::steady_clock;

// Window order for one epoch: a Fisher-Yates permutation seeded by (seed, epoch), so the data
// position is fully described by (epoch, index) and needs no saved RNG.
std::vector<int64_t> epochOrder(int64_t windows, uint64_t seed, int64_t epoch)
{
    std::vector<int64_t> order(static_cast<size_t>(windows));
    for (int64_t i = 0; i < windows; ++i)
        order[static_cast<size_t>(i)] = i;
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(epoch) + 1);
    for (int64_t i = windows - 1; i > 0; --i)
        std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(rng() % static_cast<uint64_t>(i + 1))]);
    return order;
}

// x, y (B, T) for the windows [first, first + count) of order.
std::pair<at::Tensor, at::Tensor> makeBatch(const TokenData& data, const std::vector<int64_t>& windows,
                                            size_t first, size_t count, int64_t T)
{
    auto x = at::empty({static_cast<int64_t>(count), T}, at::kLong);
    auto y = at::empty({static_cast<int64_t>(count), T}, at::kLong);
    int64_t* xp = x.data_ptr<int64_t>();
    int64_t* yp = y.data_ptr<int64_t>();
    for (size_t b = 0; b < count; ++b) {
        const int64_t off = windows[first + b] * T;
        for (int64_t t = 0; t < T; ++t) {
            xp[b * T + t] = data[off + t];
            yp[b * T + t] = data[off + t + 1];
        }
    }
    return {x, y};
}

// splitmix64's finaliser: distinct (seed, rank, step) give unrelated dropout seeds.
uint64_t mix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

double lrAt(const TrainConfig& c, int64_t it, int64_t decaySteps)
{
    const double minLr = c.minLr < 0 ? c.learningRate / 10.0 : c.minLr;
    if (it < c.warmupSteps)
        return c.learningRate * static_cast<double>(it + 1) / static_cast<double>(c.warmupSteps + 1);
    if (it >= decaySteps)
        return minLr;
    const double ratio = static_cast<double>(it - c.warmupSteps) / static_cast<double>(std::max<int64_t>(1, decaySteps - c.warmupSteps));
    const double coeff = 0.5 * (1.0 + std::cos(M_PI * ratio));
    return minLr + coeff * (c.learningRate - minLr);
}

// Windows evaluated each time for a split: all of them when few, else a fixed seeded sample.
std::vector<int64_t> evalWindows(int64_t windows, int64_t maxWindows, uint64_t seed)
{
    if (windows <= maxWindows) {
        std::vector<int64_t> all(static_cast<size_t>(windows));
        for (int64_t i = 0; i < windows; ++i)
            all[static_cast<size_t>(i)] = i;
        return all;
    }
    auto order = epochOrder(windows, seed ^ 0xE7A1ULL, -7);
    order.resize(static_cast<size_t>(maxWindows));
    return order;
}

double evaluate(Gpt& model, const TokenData& data, const std::vector<int64_t>& windows, int64_t batch, int64_t T,
                at::Device device = at::kCPU)
{
    at::NoGradGuard noGrad;
    model->eval();
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < windows.size(); i += static_cast<size_t>(batch)) {
        const size_t count = std::min(static_cast<size_t>(batch), windows.size() - i);
        auto [x, y] = makeBatch(data, windows, i, count, T);
        if (device.type() != at::kCPU) {
            x = x.to(device);
            y = y.to(device);
        }
        auto logits = model->forward(x);
        sum += GptImpl::loss(logits, y).item<double>() * static_cast<double>(count);
        n += count;
    }
    model->train();
    return n ? sum / static_cast<double>(n) : std::nan("");
}

std::string rngStateBase64()
{
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    at::Tensor state = gen.get_state();
    QByteArray bytes(static_cast<const char*>(state.data_ptr()), static_cast<qsizetype>(state.numel()));
    return bytes.toBase64().toStdString();
}

bool restoreRngState(const std::string& b64)
{
    QByteArray bytes = QByteArray::fromBase64(QByteArray::fromStdString(b64));
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    at::Tensor current = gen.get_state();
    if (current.numel() != bytes.size())
        return false;
    at::Tensor state = at::empty({bytes.size()}, at::kByte);
    std::memcpy(state.data_ptr(), bytes.constData(), static_cast<size_t>(bytes.size()));
    gen.set_state(state);
    return true;
}

// metrics.csv: rewritten on resume to the rows up to the resumed step, then appended to.
class MetricsWriter {
public:
    Status open(const std::string& path, int64_t keepUpToStep)
    {
        m_path = path;
        std::string kept = "step,epoch,tokens,train_loss,val_loss,lr,tokens_per_s,elapsed_s\n";
        if (keepUpToStep >= 0 && fs::exists(path)) {
            auto old = fs::readFile(path);
            if (old) {
                size_t pos = old->find('\n');
                while (pos != std::string::npos && pos + 1 < old->size()) {
                    size_t end = old->find('\n', pos + 1);
                    std::string line = old->substr(pos + 1, (end == std::string::npos ? old->size() : end) - pos - 1);
                    if (!line.empty() && std::stoll(line.substr(0, line.find(','))) <= keepUpToStep)
                        kept += line + "\n";
                    pos = end;
                }
            }
        }
        if (auto st = fs::writeFileAtomic(path, kept); !st)
            return st;
        m_file = std::fopen(path.c_str(), "a");
        if (!m_file)
            return Status::error(fs::describeErrno(errno, "opening", path));
        return {};
    }
    ~MetricsWriter()
    {
        if (m_file)
            std::fclose(m_file);
    }
    void row(const TrainEvent& e, bool eval)
    {
        if (!m_file)
            return;
        if (eval)
            std::fprintf(m_file, "%lld,%.6f,%lld,%.6f,%.6f,%.6g,%.2f,%.3f\n", static_cast<long long>(e.step), e.epoch,
                         static_cast<long long>(e.tokens), e.trainLoss, e.valLoss, e.lr, e.tokensPerS, e.elapsedS);
        else
            std::fprintf(m_file, "%lld,%.6f,%lld,%.6f,,%.6g,%.2f,%.3f\n", static_cast<long long>(e.step), e.epoch,
                         static_cast<long long>(e.tokens), e.loss, e.lr, e.tokensPerS, e.elapsedS);
        std::fflush(m_file);
    }

private:
    std::string m_path;
    FILE* m_file = nullptr;
};

} // namespace

Result<RunConfig> mergeResumeConfig(const RunConfig& saved, const RunConfig& requested, const std::vector<std::string>& changedFlags)
{
    static const std::vector<std::string> allowed = {"patience", "min-delta", "max-epochs", "max-steps", "threads",
                                                     "stop-threshold", "json", "resume", "run-dir", "corpus",
                                                     "ignore-corpus-change", "device", "precision"};
    std::vector<std::string> conflicts;
    RunConfig merged = saved;
    for (const auto& f : changedFlags)
        if (std::find(allowed.begin(), allowed.end(), f) == allowed.end())
            conflicts.push_back("--" + f);
    if (!conflicts.empty()) {
        std::string list;
        for (const auto& c : conflicts)
            list += (list.empty() ? "" : ", ") + c;
        return Result<RunConfig>::error("--resume continues the saved configuration; " + list +
                                        (conflicts.size() == 1 ? " conflicts" : " conflict") +
                                        " with it (only --patience, --min-delta, --stop-threshold, --max-epochs, --max-steps, --threads and "
                                        "--precision may change); "
                                        "start a new --run-dir to change it");
    }
    auto has = [&](const char* f) { return std::find(changedFlags.begin(), changedFlags.end(), f) != changedFlags.end(); };
    if (has("patience")) merged.earlyStopping.patience = requested.earlyStopping.patience;
    if (has("min-delta")) merged.earlyStopping.minDelta = requested.earlyStopping.minDelta;
    if (has("stop-threshold")) merged.earlyStopping.stopThreshold = requested.earlyStopping.stopThreshold;
    if (has("max-epochs")) merged.train.maxEpochs = requested.train.maxEpochs;
    if (has("max-steps")) merged.train.maxSteps = requested.train.maxSteps;
    if (has("threads")) merged.train.threads = requested.train.threads;
    if (has("precision")) merged.train.precision = requested.train.precision; // weights and state stay fp32
    merged.raw = runConfigJson(merged);
    return merged;
}

Status checkDevice(const std::string& device)
{
    if (device == "cpu")
        return {};
    if (device != "cuda" && device.rfind("cuda:", 0) != 0)
        return Status::error("--device must be cpu or cuda (or cuda:N), not '" + device + "'");
    if (!torch::cuda::is_available())
        return Status::error("--device " + device +
                             ": this LibTorch has no CUDA support or sees no GPU (Debian's libtorch is CPU-only); build AzLLM "
                             "Studio against a CUDA build of LibTorch (cmake -DTorch_DIR=<libtorch>/share/cmake/Torch) on a "
                             "machine with a GPU, or use --device cpu");
    if (device.size() > 5) {
        const std::string idx = device.substr(5);
        if (idx.empty() || idx.find_first_not_of("0123456789") != std::string::npos || idx.size() > 4 ||
            std::stoi(idx) >= static_cast<int>(torch::cuda::device_count()))
            return Status::error("--device " + device + ": this machine has " + std::to_string(torch::cuda::device_count()) +
                                 " GPU(s), numbered from 0");
    }
    return {};
}

Result<TrainSummary> train(const RunConfig& cfg, bool resume, TrainControl& control, const TrainCallback& cb,
                           const TrainRuntime& runtime)
{
    // Declared first, so it runs last: once the run's tensors are freed, the heap that
    // tuneAllocator() keeps for the steps goes back to the system.
    struct ReleaseOnExit {
        ~ReleaseOnExit() { releaseFreedMemory(); }
    } releaseOnExit;
    using R = Result<TrainSummary>;
    const std::string& runDir = cfg.runDir;
    const TrainConfig& tc = cfg.train;
    const int64_t T = cfg.model.blockSize;
    Distributed* dist = runtime.dist;
    const bool lead = !dist || dist->lead();          // evaluates, logs, writes files
    const int64_t world = dist ? dist->size() : 1;
    const int64_t rank = dist ? dist->rank() : 0;

    if (auto st = checkDevice(runtime.device); !st)
        return R::error(st.message());
    at::Device device(at::kCPU);
    if (runtime.device != "cpu") {
        // One GPU per process: without an index, rank r of a node takes GPU LOCAL_RANK.
        const int index = runtime.device.size() > 5 ? std::stoi(runtime.device.substr(5))
                                                    : (dist ? dist->env().localRank % std::max<int>(1, static_cast<int>(torch::cuda::device_count())) : 0);
        device = at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
    }

    // Rank 0 reads and checks everything that can fail before the group commits to training;
    // the other ranks learn the outcome (and rank 0's message) from agree().
    TokenData trainData, valData;
    auto setup = [&]() -> Status {
        if (!lead)
            return {};
        auto tr = TokenData::open(runpaths::trainBin(runDir));
        if (!tr)
            return Status::error(tr.message());
        auto va = TokenData::open(runpaths::valBin(runDir));
        if (!va)
            return Status::error(va.message());
        trainData = std::move(*tr);
        valData = std::move(*va);
        if ((trainData.size() - 1) / T < world || (valData.size() - 1) / T < 1)
            return Status::error("the corpus is too small for block size " + std::to_string(T) + " (" + std::to_string(trainData.size()) +
                                 " training and " + std::to_string(valData.size()) +
                                 " validation tokens); use a larger corpus or a smaller block size");
        // Ids were checked against each file's vocabulary; that must fit the model's.
        for (const auto* d : {&trainData, &valData})
            if (d->vocabSize() > cfg.model.vocabSize)
                return Status::error("the run's token data does not match its model vocabulary; start a new run");
        if (auto st = fs::makeDirs(fs::join(runDir, "checkpoints")); !st)
            return st;
        // Fail early, before any work, when the run directory is not writable.
        const std::string probe = fs::join(runDir, ".write-test");
        if (auto st = fs::writeFileAtomic(probe, std::string("ok")); !st)
            return Status::error("the run directory '" + runDir + "' is not writable: " + st.message());
        std::remove(probe.c_str());
        return {};
    };
    {
        Status st = setup();
        if (dist)
            st = dist->agree(st);
        if (!st)
            return R::error(st.message());
    }
    if (dist) {
        // The other ranks hold the training tokens in memory only: they need not see the run
        // directory (another machine, another file system). Sent as the file's bytes, in pieces.
        auto shape = at::tensor(std::vector<int64_t>{trainData.byteSize(), trainData.width(), trainData.vocabSize()}, at::kLong);
        if (auto st = dist->broadcast({shape}); !st)
            return R::error(st.message());
        const int64_t bytes = shape[0].item<int64_t>();
        std::vector<unsigned char> received;
        unsigned char* dst = nullptr;
        if (!lead) {
            received.resize(static_cast<size_t>(bytes));
            dst = received.data();
        } else {
            dst = const_cast<unsigned char*>(trainData.bytes()); // read-only mapping: the root only sends
        }
        if (lead)
            trainData.advise(true);
        constexpr int64_t kPiece = int64_t(64) << 20;
        for (int64_t off = 0; off < bytes; off += kPiece) {
            auto t = at::from_blob(dst + off, {std::min(kPiece, bytes - off)}, at::kByte);
            if (auto st = dist->broadcast({t}); !st)
                return R::error(st.message());
        }
        if (lead)
            trainData.advise(false);
        if (!lead)
            trainData = TokenData::fromBytes(std::move(received), static_cast<int>(shape[1].item<int64_t>()), shape[2].item<int64_t>());
    }

    const int64_t trainWindows = (static_cast<int64_t>(trainData.size()) - 1) / T;
    const int64_t valWindowsTotal = lead ? (static_cast<int64_t>(valData.size()) - 1) / T : 1; // checked in setup()

    // Several ranks on one machine share its cores: torchrun's OMP_NUM_THREADS when set, else
    // the cores divided by the ranks on this node.
    int threads = effectiveThreads(tc.threads);
    if (dist && tc.threads <= 0) {
        const char* omp = std::getenv("OMP_NUM_THREADS");
        const int fromOmp = omp ? std::atoi(omp) : 0;
        threads = fromOmp > 0 ? fromOmp : std::max(1, effectiveThreads(0) / std::max(1, dist->env().localWorldSize));
    }
    at::set_num_threads(threads);

    // batch_size is per process: a step takes world x B windows, rank r the r-th slice of B.
    // Every micro-batch of every rank must fit in one epoch's windows.
    const int64_t B = std::min<int64_t>(tc.batchSize, trainWindows / (world * tc.gradAccum));
    if (B < 1)
        return R::error("the corpus is too small for " + std::to_string(tc.gradAccum) + " gradient-accumulation step(s)" +
                        (world > 1 ? " on " + std::to_string(world) + " ranks" : std::string()) + ": it has " +
                        std::to_string(trainWindows) + " training windows of " + std::to_string(T) +
                        " tokens; use a larger corpus, a smaller block size or a smaller --grad-accum");
    const int64_t stepsPerEpoch = std::max<int64_t>(1, trainWindows / (B * tc.gradAccum * world));
    int64_t stepLimit = 0;
    if (tc.maxSteps > 0)
        stepLimit = tc.maxSteps;
    if (tc.maxEpochs > 0)
        stepLimit = stepLimit > 0 ? std::min(stepLimit, tc.maxEpochs * stepsPerEpoch) : tc.maxEpochs * stepsPerEpoch;
    const int64_t decaySteps = tc.lrDecaySteps > 0 ? tc.lrDecaySteps : stepLimit;
    const int64_t evalEvery = tc.evalEvery > 0 ? tc.evalEvery : stepsPerEpoch;
    const auto valWindows = lead ? evalWindows(valWindowsTotal, tc.evalIters * B, tc.seed) : std::vector<int64_t>{};
    const auto trainEvalWindows = lead ? evalWindows(trainWindows, static_cast<int64_t>(valWindows.size()), tc.seed + 1)
                                       : std::vector<int64_t>{};

    at::manual_seed(tc.seed);
    Gpt model(cfg.model);
    model->to(device);
    model->train();
    AdamW opt({tc.beta1, tc.beta2, tc.eps, tc.weightDecay});
    for (const auto& p : model->named_parameters())
        opt.addParameter(p.key(), p.value(), isDecayed(p.key(), p.value()));

    EarlyStopping es(cfg.earlyStopping);
    int64_t step = 0, tokens = 0;
    double elapsed = 0;
    MetricsWriter metrics;
    auto restore = [&]() -> Status {
        if (!lead)
            return {};
        if (resume) {
            auto ck = readCheckpoint(runpaths::last(runDir), /*withOptimizer=*/true);
            if (!ck)
                return Status::error("cannot resume: " + ck.message());
            if (auto st = model->loadStateDict(ck->model); !st)
                return Status::error("cannot resume from '" + runpaths::last(runDir) + "': " + st.message());
            if (auto st = opt.loadState(ck->optimizer); !st)
                return Status::error("cannot resume from '" + runpaths::last(runDir) + "': " + st.message());
            const QJsonObject& s = ck->trainerState;
            step = static_cast<int64_t>(s.value("step").toDouble());
            tokens = static_cast<int64_t>(s.value("tokens").toDouble());
            elapsed = s.value("elapsed_s").toDouble();
            const int64_t savedWorld = static_cast<int64_t>(s.value("world_size").toDouble(1));
            if (savedWorld != world)
                return Status::error("cannot resume: this run was trained by " + std::to_string(savedWorld) + " process(es) and is resumed by " +
                                     std::to_string(world) + "; resume it with WORLD_SIZE=" + std::to_string(savedWorld) +
                                     " (the batch order depends on it)");
            if (!es.restoreState(s.value("early_stopping").toObject()))
                return Status::error("cannot resume: the early-stopping state in '" + runpaths::last(runDir) + "' is damaged");
            if (!restoreRngState(s.value("rng_state").toString().toStdString()))
                return Status::error("cannot resume: the random-number state in '" + runpaths::last(runDir) + "' is damaged");
            const StopReason prev = stopReasonFromString(s.value("stop_reason").toString().toStdString());
            if (prev == StopReason::Diverged)
                return Status::error("this run diverged (non-finite loss); there is nothing sound to resume — start a new run with a lower learning rate");
            if (stepLimit > 0 && step >= stepLimit)
                return Status::error("this run already reached its limit (step " + std::to_string(step) +
                                     "); pass a larger --max-epochs or --max-steps to continue it");
            if (prev == StopReason::Patience && cfg.earlyStopping.patience > 0 && es.wait() >= cfg.earlyStopping.patience)
                return Status::error("this run already stopped early (no improvement for " + std::to_string(es.wait()) +
                                     " evaluations); pass a larger --patience to continue it");
            if (prev == StopReason::Threshold && !std::isnan(cfg.earlyStopping.stopThreshold) && es.best() <= cfg.earlyStopping.stopThreshold)
                return Status::error("this run already reached its stopping threshold; lower it to continue");
        }
        return metrics.open(runpaths::metrics(runDir), resume ? step : -1);
    };
    {
        Status st = restore();
        if (dist)
            st = dist->agree(st);
        if (!st)
            return R::error(st.message());
    }
    es.setConfig(cfg.earlyStopping);
    if (dist) {
        // Rank 0's weights, optimizer moments and position reach every rank, so all replicas
        // start identical (fresh or resumed) and stay so: they apply the same averaged gradients.
        std::vector<at::Tensor> all;
        for (const auto& p : model->parameters())
            all.push_back(p.detach());
        auto optState = opt.state();
        for (auto& kv : optState)
            all.push_back(kv.second.device() == device ? kv.second : kv.second.to(device));
        auto pos = at::tensor(std::vector<double>{double(step), double(tokens), elapsed}, at::kDouble);
        all.push_back(pos);
        {
            at::NoGradGuard noGrad;
            if (auto st = dist->broadcast(all); !st)
                return R::error(st.message());
        }
        size_t i = model->parameters().size();
        for (auto& kv : optState)
            kv.second = all[i++];
        if (auto st = opt.loadState(optState); !st)
            return R::error(st.message());
        step = static_cast<int64_t>(pos[0].item<double>());
        tokens = static_cast<int64_t>(pos[1].item<double>());
        elapsed = pos[2].item<double>();
    }

    TrainEvent ev;
    // Only rank 0 reports steps and evaluations; the others report Started, Log and Finished.
    auto report = [&](TrainEvent::Kind k) {
        ev.kind = k;
        if (!lead && (k == TrainEvent::Kind::Step || k == TrainEvent::Kind::Eval || k == TrainEvent::Kind::Checkpoint))
            return true;
        return cb ? cb(ev) : true;
    };
    auto log = [&](const std::string& msg) {
        ev.message = msg;
        report(TrainEvent::Kind::Log);
    };

    auto stateJson = [&](int64_t atStep) {
        return QJsonObject{{"step", double(atStep)},
                           {"epoch", double(atStep) / double(stepsPerEpoch)},
                           {"epoch_index", double(atStep / stepsPerEpoch)},
                           {"step_in_epoch", double(atStep % stepsPerEpoch)},
                           {"tokens", double(tokens)},
                           {"elapsed_s", elapsed},
                           {"steps_per_epoch", double(stepsPerEpoch)},
                           {"early_stopping", es.saveState()},
                           {"best_step", double(es.bestStep())},
                           {"best_val_loss", es.bestStep() >= 0 ? QJsonValue(es.best()) : QJsonValue()},
                           {"patience_counter", es.wait()},
                           {"rng_state", QString::fromStdString(rngStateBase64())},
                           {"threads", threads},
                           {"world_size", double(world)},
                           {"config", cfg.raw}};
    };
    auto saveCheckpoint = [&](const std::string& dir, int64_t atStep) -> Status {
        CheckpointData data;
        data.model = model->stateDict();
        auto optState = opt.state();
        data.optimizer.assign(optState.begin(), optState.end());
        if (device.type() != at::kCPU) {
            for (auto& kv : data.model)
                kv.second = kv.second.to(at::kCPU);
            for (auto& kv : data.optimizer)
                kv.second = kv.second.to(at::kCPU);
        }
        data.trainerState = stateJson(atStep);
        return writeCheckpoint(dir, data);
    };

    ev = TrainEvent{};
    ev.step = step;
    ev.stepsPerEpoch = stepsPerEpoch;
    ev.maxSteps = stepLimit;
    ev.patience = cfg.earlyStopping.patience;
    ev.bestStep = es.bestStep();
    ev.bestValLoss = es.best();
    ev.message = std::string(resume ? "resuming at step " + std::to_string(step) : "starting") + ": " +
                 std::to_string(model->config().parameterCount()) + " parameters, " + std::to_string(stepsPerEpoch) +
                 " steps per epoch, batch " + std::to_string(B) + "x" + std::to_string(tc.gradAccum) +
                 (world > 1 ? "x" + std::to_string(world) + " ranks" : std::string()) + ", block " + std::to_string(T) + ", " +
                 std::to_string(threads) + " thread(s)" + (device.type() != at::kCPU ? ", on " + device.str() : std::string()) +
                 (tc.precision == "bf16" ? ", bf16 autocast (fp32 weights and optimizer state)" : std::string()) +
                 (dist ? ", " + dist->env().describe() : std::string());
    report(TrainEvent::Kind::Started);

    StopReason reason = StopReason::None;
    int64_t lastSavedStep = resume ? step : -1;
    const int64_t tokensPerStep = B * tc.gradAccum * T * world;
    std::vector<at::Tensor> params;
    for (const auto& p : model->parameters())
        params.push_back(p);
    std::pair<int64_t, double> remoteBest{-1, 0.0}; // rank 0's best (step, loss), as broadcast
    bool groupStop = false; // some rank asked to stop (Ctrl+C): all stop after the same step

    int64_t cachedEpoch = -1;
    std::vector<int64_t> order;
    while (reason == StopReason::None) {
        if (stepLimit > 0 && step >= stepLimit) {
            reason = (tc.maxSteps > 0 && step >= tc.maxSteps) ? StopReason::MaxSteps : StopReason::MaxEpochs;
            break;
        }
        if (dist) {
            if (groupStop) {
                reason = StopReason::User;
                break;
            }
        } else {
            while (control.pause.load() && !control.stop.load())
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            if (control.stop.load()) {
                reason = StopReason::User;
                break;
            }
        }
        const auto t0 = Clock::now();
        const int64_t epochIndex = step / stepsPerEpoch;
        const int64_t inEpoch = step % stepsPerEpoch;
        if (cachedEpoch != epochIndex || order.size() != static_cast<size_t>(trainWindows)) {
            order = epochOrder(trainWindows, tc.seed, epochIndex);
            cachedEpoch = epochIndex;
        }
        if (dist && cfg.model.dropout > 0) {
            // Each rank its own dropout masks, reproducible from (seed, rank, step) so a resumed
            // group continues exactly.
            at::manual_seed(mix64(mix64(mix64(tc.seed) ^ static_cast<uint64_t>(rank)) ^ static_cast<uint64_t>(step)));
        }
        const double lr = lrAt(tc, step, decaySteps);
        opt.zeroGrad();
        double lossSum = 0;
        for (int64_t m = 0; m < tc.gradAccum; ++m) {
            const size_t first = static_cast<size_t>(((inEpoch * tc.gradAccum + m) * world + rank) * B);
            auto [x, y] = makeBatch(trainData, order, first, static_cast<size_t>(B), T);
            if (device.type() != at::kCPU) {
                x = x.to(device);
                y = y.to(device);
            }
            at::Tensor loss;
            {
                // bf16: matrix products in bfloat16 on fp32 weights; backward outside the scope.
                AutocastScope autocast(tc.precision == "bf16", device.type());
                loss = GptImpl::loss(model->forward(x), y);
            }
            lossSum += loss.item<double>();
            (loss / static_cast<double>(tc.gradAccum)).backward();
        }
        double stepLoss = lossSum / static_cast<double>(tc.gradAccum);
        if (dist) {
            std::vector<at::Tensor> grads;
            grads.reserve(params.size());
            for (auto& p : params) {
                if (!p.grad().defined())
                    p.mutable_grad() = at::zeros_like(p);
                grads.push_back(p.grad());
            }
            auto extras = at::tensor(std::vector<double>{std::isfinite(lossSum) ? lossSum : 0.0, std::isfinite(lossSum) ? 0.0 : 1.0,
                                                         control.stop.load() ? 1.0 : 0.0},
                                     at::kDouble);
            if (device.type() != at::kCPU)
                extras = extras.to(device);
            if (auto st = dist->allReduceGradients(grads, extras); !st)
                return R::error(st.message());
            extras = extras.to(at::kCPU);
            const double* e = extras.data_ptr<double>();
            stepLoss = e[1] > 0 ? std::nan("") : e[0] / static_cast<double>(tc.gradAccum * world);
            groupStop = e[2] > 0;
        }
        if (!std::isfinite(stepLoss)) {
            reason = StopReason::Diverged;
            log("training loss is not finite at step " + std::to_string(step + 1) + "; stopping (diverged)");
            break;
        }
        if (tc.gradClip > 0)
            torch::nn::utils::clip_grad_norm_(model->parameters(), tc.gradClip);
        opt.step(lr);
        ++step;
        tokens += tokensPerStep;
        const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
        elapsed += dt;

        ev = TrainEvent{};
        ev.step = step;
        ev.epoch = static_cast<double>(step) / static_cast<double>(stepsPerEpoch);
        ev.tokens = tokens;
        ev.loss = stepLoss;
        ev.lr = lr;
        ev.tokensPerS = dt > 0 ? static_cast<double>(tokensPerStep) / dt : 0;
        ev.elapsedS = elapsed;
        ev.stepsPerEpoch = stepsPerEpoch;
        ev.maxSteps = stepLimit;
        if (lead)
            metrics.row(ev, false);
        if (!report(TrainEvent::Kind::Step)) {
            if (!dist) {
                reason = StopReason::User;
                break;
            }
            control.stop = true; // joins the group's stop at the next all-reduce
        }

        if (step % evalEvery == 0 || (stepLimit > 0 && step == stepLimit)) {
            // Rank 0 evaluates and writes checkpoints; its decision (and any failure to save)
            // reaches every rank, so the group stops at the same step.
            Status saved;
            StopReason stopReason = StopReason::None;
            if (lead) {
                const auto e0 = Clock::now();
                const double valLoss = evaluate(model, valData, valWindows, B, T, device);
                const double trainLoss = evaluate(model, trainData, trainEvalWindows, B, T, device);
                elapsed += std::chrono::duration<double>(Clock::now() - e0).count();
                const auto decision = es.update(valLoss, step);
                ev.kind = TrainEvent::Kind::Eval;
                ev.trainLoss = trainLoss;
                ev.valLoss = valLoss;
                ev.improved = es.improvedOnLastUpdate();
                ev.wait = es.wait();
                ev.patience = cfg.earlyStopping.patience;
                ev.bestValLoss = es.best();
                ev.bestStep = es.bestStep();
                ev.elapsedS = elapsed;
                metrics.row(ev, true);
                const bool keepGoing = report(TrainEvent::Kind::Eval);
                if (decision != EarlyStopping::Decision::Stop || es.reason() != StopReason::Diverged) {
                    if (es.improvedOnLastUpdate()) {
                        saved = saveCheckpoint(runpaths::best(runDir), step);
                        if (saved) {
                            ev.message = "saved best checkpoint (step " + std::to_string(step) + ")";
                            report(TrainEvent::Kind::Checkpoint);
                        }
                    }
                    if (saved) {
                        saved = saveCheckpoint(runpaths::last(runDir), step);
                        lastSavedStep = step;
                    }
                }
                if (decision == EarlyStopping::Decision::Stop)
                    stopReason = es.reason();
                else if (!keepGoing)
                    stopReason = StopReason::User;
            }
            if (dist) {
                auto d = at::tensor(std::vector<double>{saved.ok() ? 0.0 : 1.0, static_cast<double>(stopReason), elapsed,
                                                        double(es.bestStep()), es.best()},
                                    at::kDouble);
                if (auto st = dist->broadcast({d}); !st)
                    return R::error(st.message());
                const double* dp = d.data_ptr<double>();
                if (!lead) {
                    if (dp[0] != 0)
                        return R::error("rank 0 could not write a checkpoint; see its output");
                    stopReason = static_cast<StopReason>(static_cast<int>(dp[1]));
                    elapsed = dp[2];
                    remoteBest = {static_cast<int64_t>(dp[3]), dp[4]};
                }
            }
            if (!saved)
                return R::error(saved.message());
            if (stopReason != StopReason::None)
                reason = stopReason;
        }
    }

    // Make `last` describe where the run ended, so --resume continues from there.
    TrainSummary summary;
    summary.reason = reason;
    summary.bestStep = lead ? es.bestStep() : remoteBest.first;
    summary.bestValLoss = lead ? es.best() : remoteBest.second;
    summary.stopStep = step;
    summary.epochs = static_cast<double>(step) / static_cast<double>(stepsPerEpoch);
    summary.tokens = tokens;
    summary.wallS = elapsed;
    summary.tokensPerS = elapsed > 0 ? static_cast<double>(tokens) / elapsed : 0;
    if (lead) {
        if (reason != StopReason::Diverged && lastSavedStep != step) {
            if (auto st = saveCheckpoint(runpaths::last(runDir), step); !st)
                return R::error(st.message());
            lastSavedStep = step;
        }
        const QJsonObject patch{{"stop_reason", QString::fromStdString(toString(reason))},
                                {"stop_step", double(step)},
                                {"best_step", double(es.bestStep())},
                                {"best_val_loss", es.bestStep() >= 0 ? QJsonValue(es.best()) : QJsonValue()}};
        if (fs::isDir(runpaths::last(runDir)))
            if (auto st = updateTrainerState(runpaths::last(runDir), patch); !st)
                return R::error(st.message());
        if (fs::isDir(runpaths::best(runDir))) {
            if (auto st = updateTrainerState(runpaths::best(runDir), patch); !st)
                return R::error(st.message());
            if (cfg.earlyStopping.restoreBest) {
                auto best = readCheckpoint(runpaths::best(runDir), false);
                if (!best)
                    return R::error("restoring the best checkpoint failed: " + best.message());
                if (auto st = model->loadStateDict(best->model); !st)
                    return R::error("restoring the best checkpoint failed: " + st.message());
                summary.restoredBest = true;
            }
        }
        if (auto st = writeJsonFile(runpaths::summary(runDir), summary.toJson()); !st)
            return R::error(st.message());
    }
    ev = TrainEvent{};
    ev.step = step;
    ev.reason = reason;
    ev.bestStep = summary.bestStep;
    ev.bestValLoss = summary.bestValLoss;
    ev.elapsedS = elapsed;
    ev.message = toString(reason);
    report(TrainEvent::Kind::Finished);
    return summary;
}

} // namespace azllm
