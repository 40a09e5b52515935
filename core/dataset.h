// Token datasets: the corpus tokenized and split (deterministically, seeded, in contiguous chunks)
// into data/train.bin and data/val.bin. A .bin holds a 1 KiB header (magic, version, token width,
// vocab size, token count) followed by little-endian uint16 (vocab <= 65535) or uint32 ids.
// Batching lives in the trainer; this file only produces and reads token streams.
#pragma once

#include "corpus.h"
#include "result.h"

#include <cstdint>
#include <cstring>
#include <memory>
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

// A token file's ids without copying them into memory: the file is memory-mapped read-only (a
// 1 GB corpus trains in the memory its model needs, not the corpus's), or the ids arrive as bytes
// (from rank 0, distributed.h). Cheap to copy: copies share the mapping.
class TokenData {
public:
    TokenData() = default;
    // Checks the header and, reading the file in blocks, that every id is inside its vocabulary.
    static Result<TokenData> open(const std::string& path);
    // Ids stored as width-byte little-endian integers (2 or 4), as in a token file's body.
    static TokenData fromBytes(std::vector<unsigned char> bytes, int width, int64_t vocabSize);
    int64_t size() const { return m_n; }
    int width() const { return m_width; }
    int64_t vocabSize() const { return m_vocab; }
    const unsigned char* bytes() const { return m_ptr; }
    // Read-ahead hint for a mapped file: sequential (sending it whole) or random (batches).
    void advise(bool sequential) const;
    int64_t byteSize() const { return m_n * m_width; }
    int32_t operator[](int64_t i) const
    {
        if (m_width == 2) {
            uint16_t v;
            std::memcpy(&v, m_ptr + 2 * i, 2);
            return v;
        }
        int32_t v;
        std::memcpy(&v, m_ptr + 4 * i, 4);
        return v;
    }

private:
    std::shared_ptr<const void> m_hold;
    const unsigned char* m_ptr = nullptr;
    int m_width = 2;
    int64_t m_n = 0, m_vocab = 0;
};

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
