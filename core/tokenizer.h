// Tokenizer: sentencepiece behind our plugin (spmplugin/), loaded with dlmopen(LM_ID_NEWLM) so its
// bundled protobuf 3.14 never meets LibTorch's protobuf 3.21 in one link namespace.
// Train, load, encode, decode, id<->piece. Does not know about corpora or datasets.
#pragma once

#include "result.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct azspm_processor;

namespace azllm {

struct TokenizerTrainConfig {
    std::string modelType = "unigram"; // "unigram" or "bpe"
    int vocabSize = 2000;              // total pieces, specials and 256 byte pieces included
    double characterCoverage = 1.0;    // 1.0 keeps every character (ə ğ ı İ ö ü ç ş)
    bool byteFallback = true;          // unseen characters become UTF-8 byte pieces, never <unk>
    bool hardVocabLimit = true;        // false = vocabSize is an upper bound
    int maxSentenceBytes = 4096;       // longer lines are cut (at spaces) for training only
    int64_t inputSentenceSize = 2000000; // sentences sampled for training; 0 = all
    int threads = 2;
    unsigned int seed = 1337;          // sentencepiece's sampling/shuffling seed (reproducible models)
};

// Fixed special ids in every model this app trains.
constexpr int kUnkId = 0;
constexpr int kBosId = 1;
constexpr int kEosId = 2;
constexpr int kPadId = 3;

class Tokenizer {
public:
    ~Tokenizer();
    Tokenizer(const Tokenizer&) = delete;
    Tokenizer& operator=(const Tokenizer&) = delete;

    // Trains on UTF-8 text (lines are sentences) and writes outModel (a .model file).
    static Status train(const std::string& text, const TokenizerTrainConfig& cfg, const std::string& outModel);
    static Result<std::unique_ptr<Tokenizer>> load(const std::string& modelPath);
    static Result<std::unique_ptr<Tokenizer>> fromBytes(const std::string& serialized);

    int vocabSize() const;
    int unkId() const;
    int bosId() const;
    int eosId() const;
    int padId() const;

    Result<std::vector<int32_t>> encode(const std::string& text) const;
    Result<std::string> decode(const std::vector<int32_t>& ids) const;
    std::string idToPiece(int id) const;
    int pieceToId(const std::string& piece) const;
    float score(int id) const;
    int pieceType(int id) const; // 1 normal, 2 unknown, 3 control, 4 user, 5 unused, 6 byte
    // The byte a byte-fallback piece ("<0xE2>") stands for, or -1.
    int byteValue(int id) const;
    std::string serialized() const;
    std::string modelType() const; // "unigram" or "bpe" (from the model's piece scores)

    // Where the plugin was loaded from, or a message why it cannot be.
    static Result<std::string> pluginPath();

private:
    explicit Tokenizer(azspm_processor* p) : m_p(p) {}
    azspm_processor* m_p = nullptr;
};

} // namespace azllm
