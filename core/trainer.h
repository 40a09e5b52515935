// The training loop: AdamW, warm-up + cosine learning rate, gradient clipping and accumulation,
// seeded sampling without replacement within an epoch, evaluation, early stopping, best/last
// checkpoints and exact resume. It reports through a callback (return false = stop) and polls an
// atomic control block every step; it knows nothing of Qt widgets or threads (see trainerworker.h).
#pragma once

#include "earlystopping.h"
#include "result.h"
#include "run.h"

#include <atomic>
#include <functional>
#include <string>

namespace azllm {

struct TrainEvent {
    enum class Kind { Started, Step, Eval, Checkpoint, Log, Finished };
    Kind kind = Kind::Log;
    int64_t step = 0;        // optimizer steps done
    double epoch = 0;        // fractional epochs done
    int64_t tokens = 0;      // training tokens seen
    double loss = 0;         // Step: training loss of this step
    double lr = 0;
    double tokensPerS = 0;
    double elapsedS = 0;     // training time (pauses excluded)
    // Eval
    double trainLoss = 0;
    double valLoss = 0;
    bool improved = false;
    int wait = 0;
    int patience = 0;
    double bestValLoss = 0;
    int64_t bestStep = -1;
    // Started: totals for progress and ETA
    int64_t stepsPerEpoch = 0;
    int64_t maxSteps = 0;    // the step limit implied by max steps / max epochs
    // Checkpoint / Log / Finished
    std::string message;
    StopReason reason = StopReason::None;
};

struct TrainSummary {
    StopReason reason = StopReason::None;
    int64_t bestStep = -1;
    double bestValLoss = 0;
    int64_t stopStep = 0;
    double epochs = 0;
    int64_t tokens = 0;
    double wallS = 0;
    double tokensPerS = 0;
    bool restoredBest = false;
    QJsonObject toJson() const;
};

struct TrainControl {
    std::atomic<bool> stop{false};
    std::atomic<bool> pause{false};
};

using TrainCallback = std::function<bool(const TrainEvent&)>;

class Distributed;

// Where and how the loop runs; not part of the run's saved configuration.
struct TrainRuntime {
    // Data-parallel group (distributed.h), or null for one process. With one, batch_size is per
    // rank, each step consumes world x batch windows, rank 0 evaluates, logs and writes every
    // file, and the other ranks write nothing and receive the token data from rank 0.
    Distributed* dist = nullptr;
    std::string device = "cpu"; // "cpu", "cuda" or "cuda:N" (checked by checkDevice)
};

// Checks a --device value against this LibTorch: cuda needs a CUDA build and a visible GPU.
Status checkDevice(const std::string& device);

// Runs (or, with resume, continues from checkpoints/last) the run in cfg.runDir.
Result<TrainSummary> train(const RunConfig& cfg, bool resume, TrainControl& control, const TrainCallback& cb,
                           const TrainRuntime& runtime = {});

// Checks a resume request: which settings may change (patience, min_delta, stop threshold,
// max epochs, max steps, threads) and whether the saved run can continue. Returns the merged config.
Result<RunConfig> mergeResumeConfig(const RunConfig& saved, const RunConfig& requested, const std::vector<std::string>& changedFlags);

int effectiveThreads(int requested);

} // namespace azllm
