// Token datasets: the corpus tokenized and split (deterministically, seeded, in contiguous chunks)
// into data/train.bin and data/val.bin. A .bin holds a 1 KiB header (magic, version, token width,
// vocab size, token count) followed by little-endian uint16 (vocab <= 65535) or uint32 ids.
// Batching lives in the trainer; this file only produces and reads token streams.
#pragma once

#include "corpus.h"
#include "result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace azllm {

class Tokenizer;

constexpr int32_t kTokenFileMagic = 0x4B545A41; // "AZTK"
constexpr int32_t kTokenFileVersion = 1;

Status writeTokenFile(const std::string& path, const std::vector<int32_t>& ids, int64_t vocabSize);
Result<std::vector<int32_t>> readTokenFile(const std::string& path);

// The corpus as one token stream: each line's ids followed by the newline id, documents separated
// by EOS.
Result<std::vector<int32_t>> tokenizeCorpus(const Corpus& corpus, const Tokenizer& tok);

struct SplitResult {
    std::vector<int32_t> train;
    std::vector<int32_t> val;
};
// Cuts the stream into contiguous chunks and holds out a seeded choice of them for validation.
// Fails with a clear message when either split is shorter than blockSize + 1 tokens.
Result<SplitResult> splitTokens(const std::vector<int32_t>& ids, double valFraction, uint64_t seed, int64_t blockSize);

} // namespace azllm
