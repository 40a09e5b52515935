// Token datasets: the corpus tokenized and split (deterministically, seeded, in contiguous chunks)
// into data/train.bin and data/val.bin. A .bin holds a 1 KiB header (magic, version, token width,
// vocab size, token count) followed by little-endian uint16 (vocab <= 65535) or uint32 ids.
// Batching lives in the trainer; this file only produces and reads token streams.
#pragma once

#include "corpus.h"
#include "result.h"

#include <cstdint>
#include <cstdio>
#include <functional>
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

// The same split as ranges [begin, end) of a stream of n tokens, in stream order.
struct SplitPlan {
    std::vector<std::pair<int64_t, int64_t>> train, val;
    int64_t trainTokens() const;
    int64_t valTokens() const;
};
Result<SplitPlan> planSplit(int64_t n, double valFraction, uint64_t seed, int64_t blockSize);

// A token file written as a stream (header patched at the end), through a temporary sibling
// renamed into place by commit(); destroyed uncommitted, it leaves nothing behind.
class TokenFileWriter {
public:
    TokenFileWriter() = default;
    ~TokenFileWriter();
    TokenFileWriter(const TokenFileWriter&) = delete;
    TokenFileWriter& operator=(const TokenFileWriter&) = delete;
    Status open(const std::string& path, int64_t vocabSize);
    Status append(const int32_t* ids, size_t n);
    Status commit();
    int64_t count() const { return m_count; }

private:
    std::string m_path, m_tmp;
    FILE* m_file = nullptr;
    int64_t m_vocab = 0, m_count = 0;
    int32_t m_width = 2;
    std::vector<char> m_buf;
};

struct StreamedDataset {
    int64_t totalTokens = 0, trainTokens = 0, valTokens = 0;
};
// tokenizeCorpus and splitTokens for corpora of any size: the scanned corpus's documents are read
// again chunk by chunk (streamCorpusFile), encoded line by line (lines over 64 KiB in pieces cut
// at spaces), spooled to a temporary file, and split into trainPath and valPath. Memory stays
// bounded (a few MiB) whatever the corpus size. progress, when given, gets bytes read so far.
Result<StreamedDataset> tokenizeCorpusToFiles(const Corpus& scanned, const Tokenizer& tok, double valFraction, uint64_t seed,
                                              int64_t blockSize, const std::string& trainPath, const std::string& valPath,
                                              const std::function<void(int64_t)>& progress = {});

} // namespace azllm
