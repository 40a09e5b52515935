// metrics.csv read back (step,epoch,tokens,train_loss,val_loss,lr,tokens_per_s,elapsed_s: a step
// row has no val_loss, an evaluation row has both losses), and early stopping replayed on the
// recorded validation curve with other settings: where it would have stopped and which step would
// have been best, without retraining.
#pragma once

#include "config.h"
#include "result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace azllm {

struct MetricsRow {
    int64_t step = 0;
    double epoch = 0;
    int64_t tokens = 0;
    double trainLoss = 0;
    double valLoss = 0; // evaluation rows only
    double lr = 0;
    double tokensPerS = 0;
    double elapsedS = 0;
    bool eval = false;
};

Result<std::vector<MetricsRow>> readMetrics(const std::string& path);

struct EvalReplay {
    int64_t step = 0;
    double valLoss = 0;
    bool improved = false;
    int wait = 0;
    int64_t bestStep = -1;
    double bestLoss = 0;
};

struct ReplayResult {
    std::vector<EvalReplay> evals; // one per evaluation, up to the stop
    int64_t bestStep = -1;
    double bestLoss = 0;
    int64_t stopStep = -1;         // -1: these settings would not have stopped within the record
    std::string reason;            // patience, diverged, threshold or "" when it would not stop
};
ReplayResult replayEarlyStopping(const std::vector<MetricsRow>& rows, const EarlyStoppingConfig& cfg);

} // namespace azllm
