// Text generation and scoring on an InferenceModel: prompt encoding (an empty prompt starts from
// BOS), a context window of the most recent block_size tokens, KV-cache incremental decoding,
// sampling (temperature, top-k, top-p, min-p, repetition penalty, seed), stop at EOS, at
// max_new_tokens or at stop strings (never emitted, also across token boundaries), and streaming
// of whole UTF-8 characters. Runs under inference mode; cancellable between tokens.
#pragma once

#include "config.h"
#include "inference.h"
#include "result.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace azllm {

struct GenerateOptions {
    bool useCache = true;       // false = full recompute every token (the benchmark's baseline)
    bool recordLogits = false;  // keep each step's raw logits (tests)
};

struct GenerationResult {
    std::vector<int32_t> promptIds;   // the context actually used (after cropping)
    bool promptTruncated = false;     // the prompt was longer than the block
    std::vector<int32_t> ids;         // generated ids (the stop token or stop string's tokens included)
    std::vector<std::string> pieces;  // their pieces
    std::string text;                 // emitted text (without the stop string)
    std::string stopReason;           // eos, stop_string, max_tokens, cancelled
    double promptMs = 0, firstTokenMs = 0, totalMs = 0;
    double tokensPerS = 0;            // generated tokens / time after the first token
    std::vector<std::vector<float>> logits; // with recordLogits: logits that chose ids[i]
};

// Receives text as soon as it forms whole UTF-8 characters; return false to stop.
using TextCallback = std::function<bool(const std::string&)>;

class Generator {
public:
    explicit Generator(std::shared_ptr<const InferenceModel> model);
    Result<GenerationResult> generate(const std::string& prompt, const SamplingConfig& s, const TextCallback& onText = {},
                                      const std::atomic<bool>* cancel = nullptr, const GenerateOptions& opt = {}) const;
    // The same from token ids (the prompt's encoding is skipped).
    Result<GenerationResult> generateIds(std::vector<int32_t> context, const SamplingConfig& s, const TextCallback& onText = {},
                                         const std::atomic<bool>* cancel = nullptr, const GenerateOptions& opt = {}) const;
    // The bytes a token stands for in decoded text (byte pieces give one raw byte, specials none).
    std::string tokenBytes(int32_t id) const;
    const InferenceModel& model() const { return *m_model; }

private:
    std::shared_ptr<const InferenceModel> m_model;
    std::vector<std::string> m_bytes; // per id
};

struct ScoreResult {
    std::vector<int32_t> ids;      // BOS followed by the text's tokens
    std::vector<double> logprobs;  // log p(ids[i] | ids[<i]) for i >= 1 (natural log)
    double meanNll = 0;
    double perplexity = 0;
};
// Scores text with a sliding window (stride block/2) when it is longer than the block.
Result<ScoreResult> scoreText(const InferenceModel& m, const std::string& text);
Result<ScoreResult> scoreIds(const InferenceModel& m, const std::vector<int32_t>& ids);

// Sampling steps, in the order generate applies them (exposed for tests). Filters set removed
// logits to -inf. Ties at a cut-off are kept, so results never depend on sort order.
namespace sampling {
void applyRepetitionPenalty(std::vector<float>& logits, const std::vector<int32_t>& context, double penalty);
void applyTemperature(std::vector<float>& logits, double temperature);
void filterTopK(std::vector<float>& logits, int k);
void filterTopP(std::vector<float>& logits, double p);
void filterMinP(std::vector<float>& logits, double minP);
std::vector<double> softmax(const std::vector<float>& logits);
int argmax(const std::vector<float>& logits); // lowest id among equal maxima
int sample(const std::vector<double>& probs, std::mt19937_64& rng);
// Picks the next token from raw logits with every setting of s (temperature 0 = greedy).
int nextToken(std::vector<float> logits, const std::vector<int32_t>& context, const SamplingConfig& s, std::mt19937_64& rng);
} // namespace sampling

// Length of the longest prefix of s that ends on a whole UTF-8 character.
size_t completeUtf8Prefix(const std::string& s);

} // namespace azllm
