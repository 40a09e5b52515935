// Token files and the train/validation split (see dataset.h).
#include "dataset.h"

#include "fsutil.h"
#include "tokenizer.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>

namespace azllm {

namespace {
constexpr size_t kHeaderInts = 256;
}

Status writeTokenFile(const std::string& path, const std::vector<int32_t>& ids, int64_t vocabSize)
{
    for (size_t i = 0; i < ids.size(); ++i)
        if (ids[i] < 0 || ids[i] >= vocabSize)
            return Status::error("token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                                 " is outside the vocabulary of " + std::to_string(vocabSize) + "; the tokenizer and model disagree");
    const int32_t width = vocabSize <= 65535 ? 2 : 4;
    std::string buf(kHeaderInts * 4 + ids.size() * static_cast<size_t>(width), '\0');
    int32_t header[kHeaderInts] = {0};
    header[0] = kTokenFileMagic;
    header[1] = kTokenFileVersion;
    header[2] = width;
    header[3] = static_cast<int32_t>(vocabSize);
    const int64_t n = static_cast<int64_t>(ids.size());
    std::memcpy(&header[4], &n, sizeof n);
    std::memcpy(buf.data(), header, sizeof header);
    char* out = buf.data() + sizeof header;
    if (width == 2) {
        for (size_t i = 0; i < ids.size(); ++i) {
            const uint16_t v = static_cast<uint16_t>(ids[i]);
            std::memcpy(out + 2 * i, &v, 2);
        }
    } else {
        std::memcpy(out, ids.data(), ids.size() * 4);
    }
    return fs::writeFileAtomic(path, buf);
}

Result<std::vector<int32_t>> readTokenFile(const std::string& path)
{
    using R = Result<std::vector<int32_t>>;
    auto bytes = fs::readFile(path);
    if (!bytes)
        return R::error(bytes.message());
    if (bytes->size() < kHeaderInts * 4)
        return R::error("token file '" + path + "' is truncated (no header); delete the run's data folder and train again");
    int32_t header[kHeaderInts];
    std::memcpy(header, bytes->data(), sizeof header);
    if (header[0] != kTokenFileMagic)
        return R::error("'" + path + "' is not an AzLLM token file (bad magic number)");
    if (header[1] != kTokenFileVersion)
        return R::error("token file '" + path + "' has format version " + std::to_string(header[1]) +
                        ", this build reads version " + std::to_string(kTokenFileVersion) + "; update AzLLM Studio");
    const int32_t width = header[2];
    int64_t n;
    std::memcpy(&n, &header[4], sizeof n);
    if ((width != 2 && width != 4) || n < 0 ||
        bytes->size() != sizeof header + static_cast<size_t>(n) * static_cast<size_t>(width))
        return R::error("token file '" + path + "' is damaged (its size does not match its header)");
    std::vector<int32_t> ids(static_cast<size_t>(n));
    const char* in = bytes->data() + sizeof header;
    if (width == 2) {
        for (size_t i = 0; i < ids.size(); ++i) {
            uint16_t v;
            std::memcpy(&v, in + 2 * i, 2);
            ids[i] = v;
        }
    } else {
        std::memcpy(ids.data(), in, ids.size() * 4);
    }
    for (int32_t id : ids)
        if (id < 0 || id >= header[3])
            return R::error("token file '" + path + "' holds an id outside its vocabulary; it is damaged");
    return ids;
}

Result<std::vector<int32_t>> tokenizeCorpus(const Corpus& corpus, const Tokenizer& tok)
{
    using R = Result<std::vector<int32_t>>;
    auto nlIds = tok.encode("\n");
    if (!nlIds || nlIds->empty())
        return R::error("the tokenizer cannot encode a newline");
    std::vector<int32_t> out;
    for (size_t d = 0; d < corpus.documents.size(); ++d) {
        if (d > 0)
            out.push_back(tok.eosId());
        const std::string& text = corpus.documents[d].text;
        size_t start = 0;
        while (start < text.size()) {
            size_t nl = text.find('\n', start);
            if (nl == std::string::npos)
                nl = text.size();
            if (nl > start) {
                auto ids = tok.encode(text.substr(start, nl - start));
                if (!ids)
                    return R::error(ids.message());
                out.insert(out.end(), ids->begin(), ids->end());
            }
            if (nl < text.size())
                out.insert(out.end(), nlIds->begin(), nlIds->end());
            start = nl + 1;
        }
    }
    return out;
}

Result<SplitResult> splitTokens(const std::vector<int32_t>& ids, double valFraction, uint64_t seed, int64_t blockSize)
{
    using R = Result<SplitResult>;
    const int64_t n = static_cast<int64_t>(ids.size());
    const int64_t need = blockSize + 1;
    // Chunks of at least 2 blocks, at most 20 chunks: contiguous text on both sides.
    int64_t chunks = std::min<int64_t>(20, std::max<int64_t>(1, n / (2 * need)));
    int64_t valChunks = std::max<int64_t>(1, static_cast<int64_t>(std::llround(chunks * valFraction)));
    SplitResult split;
    if (chunks < 2) {
        // Too short for chunking: hold out the tail.
        const int64_t valLen = std::max<int64_t>(need, static_cast<int64_t>(n * valFraction));
        if (n - valLen < need)
            return R::error("the corpus is too small: it has " + std::to_string(n) + " tokens, but training and validation "
                            "each need at least block size + 1 = " + std::to_string(need) +
                            " tokens; use a larger corpus or a smaller block size");
        split.train.assign(ids.begin(), ids.end() - valLen);
        split.val.assign(ids.end() - valLen, ids.end());
        return split;
    }
    if (valChunks >= chunks)
        valChunks = chunks - 1;
    std::vector<int64_t> order(static_cast<size_t>(chunks));
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(seed);
    // Fisher-Yates with our own draws: std::shuffle's output differs between standard libraries.
    for (int64_t i = chunks - 1; i > 0; --i)
        std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(rng() % static_cast<uint64_t>(i + 1))]);
    std::vector<bool> isVal(static_cast<size_t>(chunks), false);
    for (int64_t i = 0; i < valChunks; ++i)
        isVal[static_cast<size_t>(order[static_cast<size_t>(i)])] = true;
    for (int64_t c = 0; c < chunks; ++c) {
        const int64_t a = n * c / chunks, b = n * (c + 1) / chunks;
        auto& dst = isVal[static_cast<size_t>(c)] ? split.val : split.train;
        dst.insert(dst.end(), ids.begin() + a, ids.begin() + b);
    }
    if (static_cast<int64_t>(split.train.size()) < need || static_cast<int64_t>(split.val.size()) < need)
        return R::error("the corpus is too small for block size " + std::to_string(blockSize) + ": the split has " +
                        std::to_string(split.train.size()) + " training and " + std::to_string(split.val.size()) +
                        " validation tokens, each needs at least " + std::to_string(need) +
                        "; use a larger corpus or a smaller block size");
    return split;
}

} // namespace azllm
