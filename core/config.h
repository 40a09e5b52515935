// Configuration structs, one per concern, each field with its default and sentinel, plus the model
// presets and JSON (de)serialisation. Every checkpoint stores all of them.
#pragma once

#include "result.h"

#include <QJsonObject>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace azllm {

struct GptConfig {
    int64_t vocabSize = 2000;  // set from the tokenizer when one is trained or loaded
    int64_t blockSize = 128;   // context length (tokens)
    int64_t nLayer = 4;
    int64_t nHead = 4;
    int64_t nEmbd = 128;
    double dropout = 0.0;      // 0 = disabled
    bool bias = true;          // biases in Linear and LayerNorm, as GPT-2
    double layerNormEps = 1e-5;

    int64_t parameterCount() const; // unique parameters (lm_head is tied to wte)
    Status validate() const;
};

struct TrainConfig {
    int64_t batchSize = 16;         // sequences per micro-batch
    int64_t gradAccum = 1;          // micro-batches per optimizer step
    double learningRate = 1e-3;     // peak learning rate
    double minLr = -1;              // cosine floor; -1 = learningRate / 10
    int64_t warmupSteps = 20;       // linear warm-up from 0
    int64_t lrDecaySteps = 0;       // cosine length; 0 = maxSteps, else maxEpochs x steps per epoch
    double weightDecay = 0.1;       // on 2-D weights only
    double beta1 = 0.9;
    double beta2 = 0.95;
    double eps = 1e-8;
    double gradClip = 1.0;          // global-norm clip; 0 = disabled
    int64_t maxEpochs = 50;         // 0 = unlimited
    int64_t maxSteps = 0;           // 0 = unlimited
    int64_t evalEvery = 0;          // optimizer steps between evaluations; 0 = once per epoch
    int64_t evalIters = 50;         // batches per split when the split is larger than that
    uint64_t seed = 1337;
    int threads = 0;                // intra-op threads; 0 = all cores
    double valFraction = 0.1;       // share of the corpus held out for validation
    std::string precision = "fp32"; // "fp32", or "bf16": autocast matrix products, fp32 weights and state

    Status validate() const;
};

// A training precision as config.json and --precision take it: "fp32" or "bf16" (precision.h).
Status validatePrecision(const std::string& precision);

struct EarlyStoppingConfig {
    int patience = 3;               // evaluations without improvement before stopping; 0 = never
    double minDelta = 0.0;          // improvement means val < best - minDelta
    double stopThreshold = std::numeric_limits<double>::quiet_NaN(); // stop when val <= this; NaN = off
    bool restoreBest = true;        // load the best weights when the run ends

    Status validate() const;
};

struct SamplingConfig {
    double temperature = 0.8;       // 0 = greedy
    int topK = 50;                  // 0 = disabled
    double topP = 0.95;             // 1.0 = disabled
    double minP = 0.0;              // 0 = disabled
    double repetitionPenalty = 1.1; // 1.0 = disabled
    int maxNewTokens = 200;
    int64_t seed = -1;              // -1 = random
    std::vector<std::string> stop;  // stop strings (not emitted)

    Status validate() const;
};

// A named preset: model shape plus the tokenizer vocabulary and batch it is meant for.
struct Preset {
    std::string name;
    GptConfig model;
    TrainConfig train;
};
std::vector<std::string> presetNames();
Result<Preset> presetByName(const std::string& name);

QJsonObject toJson(const GptConfig& c);
QJsonObject toJson(const TrainConfig& c);
QJsonObject toJson(const EarlyStoppingConfig& c);
QJsonObject toJson(const SamplingConfig& c);
Result<GptConfig> gptConfigFromJson(const QJsonObject& o);
Result<TrainConfig> trainConfigFromJson(const QJsonObject& o);
Result<EarlyStoppingConfig> earlyStoppingConfigFromJson(const QJsonObject& o);
Result<SamplingConfig> samplingConfigFromJson(const QJsonObject& o);

// JSON helpers shared by checkpoints and exports.
Result<QJsonObject> readJsonFile(const std::string& path);
Status writeJsonFile(const std::string& path, const QJsonObject& o);

} // namespace azllm
