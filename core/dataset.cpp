// Token files and the train/validation split (see dataset.h).
#include "dataset.h"

#include "fsutil.h"
#include "tokenizer.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace azllm {

namespace {
constexpr size_t kHeaderInts = 256;
}

Status writeTokenFile(const std::string& path, const std::vector<int32_t>& ids, int64_t vocabSize)
{
    TokenFileWriter w;
    if (auto st = w.open(path, vocabSize); !st)
        return st;
    if (auto st = w.append(ids.data(), ids.size()); !st)
        return st;
    return w.commit();
}

Result<std::vector<int32_t>> readTokenFile(const std::string& path)
{
    auto data = TokenData::open(path);
    if (!data)
        return Result<std::vector<int32_t>>::error(data.message());
    std::vector<int32_t> ids(static_cast<size_t>(data->size()));
    for (int64_t i = 0; i < data->size(); ++i)
        ids[static_cast<size_t>(i)] = (*data)[i];
    return ids;
}

Result<TokenData> TokenData::open(const std::string& path)
{
    using R = Result<TokenData>;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return R::error(fs::describeErrno(errno, "reading", path));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return R::error(fs::describeErrno(errno, "reading", path));
    const size_t size = static_cast<size_t>(st.st_size);
    int32_t header[kHeaderInts];
    if (size < sizeof header || ::pread(fd, header, sizeof header, 0) != static_cast<ssize_t>(sizeof header))
        return R::error("token file '" + path + "' is truncated (no header); delete the run's data folder and train again");
    if (header[0] != kTokenFileMagic)
        return R::error("'" + path + "' is not an AzLLM token file (bad magic number)");
    if (header[1] != kTokenFileVersion)
        return R::error("token file '" + path + "' has format version " + std::to_string(header[1]) +
                        ", this build reads version " + std::to_string(kTokenFileVersion) + "; update AzLLM Studio");
    const int32_t width = header[2];
    int64_t n;
    std::memcpy(&n, &header[4], sizeof n);
    if ((width != 2 && width != 4) || n < 0 || static_cast<uint64_t>(n) > (size - sizeof header) / static_cast<size_t>(width) ||
        size != sizeof header + static_cast<size_t>(n) * static_cast<size_t>(width))
        return R::error("token file '" + path + "' is damaged (its size does not match its header)");
    TokenData d;
    d.m_width = width;
    d.m_n = n;
    d.m_vocab = header[3];
    if (n == 0)
        return d;
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return R::error(fs::describeErrno(errno, "mapping", path));
    d.m_hold = std::shared_ptr<const void>(map, [size](const void* p) { ::munmap(const_cast<void*>(p), size); });
    d.m_ptr = static_cast<const unsigned char*>(map) + sizeof header;
    // Every id checked once, through read() in blocks: the check does not leave the file mapped
    // into this process's resident memory.
    std::vector<unsigned char> block(size_t(4) << 20);
    for (size_t off = sizeof header; off < size;) {
        const size_t want = std::min(block.size(), size - off);
        errno = 0;
        const ssize_t got = ::pread(fd, block.data(), want, static_cast<off_t>(off));
        if (got != static_cast<ssize_t>(want))
            return R::error(got < 0 ? fs::describeErrno(errno, "reading", path)
                                    : "token file '" + path + "' became shorter while it was read; is another program writing it?");
        for (size_t i = 0; i + static_cast<size_t>(width) <= want; i += static_cast<size_t>(width)) {
            int32_t id;
            if (width == 2) {
                uint16_t v;
                std::memcpy(&v, block.data() + i, 2);
                id = v;
            } else {
                std::memcpy(&id, block.data() + i, 4);
            }
            if (id < 0 || id >= header[3])
                return R::error("token file '" + path + "' holds an id outside its vocabulary; it is damaged");
        }
        off += want;
    }
    ::madvise(map, size, MADV_RANDOM); // batches read windows at random places
    return d;
}

void TokenData::advise(bool sequential) const
{
    if (!m_hold || !m_ptr)
        return;
    // The mapping starts at the header, 1 KiB before the ids (page-aligned by mmap).
    const auto* base = m_ptr - kHeaderInts * 4;
    ::madvise(const_cast<unsigned char*>(base), static_cast<size_t>(byteSize()) + kHeaderInts * 4,
              sequential ? MADV_SEQUENTIAL : MADV_RANDOM);
}

TokenData TokenData::fromBytes(std::vector<unsigned char> bytes, int width, int64_t vocabSize)
{
    TokenData d;
    auto owned = std::make_shared<std::vector<unsigned char>>(std::move(bytes));
    d.m_width = width;
    d.m_n = static_cast<int64_t>(owned->size()) / width;
    d.m_vocab = vocabSize;
    d.m_ptr = owned->data();
    d.m_hold = owned;
    return d;
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

int64_t SplitPlan::trainTokens() const
{
    int64_t n = 0;
    for (const auto& r : train)
        n += r.second - r.first;
    return n;
}

int64_t SplitPlan::valTokens() const
{
    int64_t n = 0;
    for (const auto& r : val)
        n += r.second - r.first;
    return n;
}

Result<SplitPlan> planSplit(int64_t n, double valFraction, uint64_t seed, int64_t blockSize)
{
    using R = Result<SplitPlan>;
    const int64_t need = blockSize + 1;
    // Chunks of at least 2 blocks, at most 20 chunks: contiguous text on both sides.
    int64_t chunks = std::min<int64_t>(20, std::max<int64_t>(1, n / (2 * need)));
    int64_t valChunks = std::max<int64_t>(1, static_cast<int64_t>(std::llround(chunks * valFraction)));
    SplitPlan plan;
    if (chunks < 2) {
        // Too short for chunking: hold out the tail.
        const int64_t valLen = std::max<int64_t>(need, static_cast<int64_t>(n * valFraction));
        if (n - valLen < need)
            return R::error("the corpus is too small: it has " + std::to_string(n) + " tokens, but training and validation "
                            "each need at least block size + 1 = " + std::to_string(need) +
                            " tokens; use a larger corpus or a smaller block size");
        plan.train.push_back({0, n - valLen});
        plan.val.push_back({n - valLen, n});
        return plan;
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
        (isVal[static_cast<size_t>(c)] ? plan.val : plan.train).push_back({a, b});
    }
    if (plan.trainTokens() < need || plan.valTokens() < need)
        return R::error("the corpus is too small for block size " + std::to_string(blockSize) + ": the split has " +
                        std::to_string(plan.trainTokens()) + " training and " + std::to_string(plan.valTokens()) +
                        " validation tokens, each needs at least " + std::to_string(need) +
                        "; use a larger corpus or a smaller block size");
    return plan;
}

Result<SplitResult> splitTokens(const std::vector<int32_t>& ids, double valFraction, uint64_t seed, int64_t blockSize)
{
    auto plan = planSplit(static_cast<int64_t>(ids.size()), valFraction, seed, blockSize);
    if (!plan)
        return Result<SplitResult>::error(plan.message());
    SplitResult split;
    for (const auto& r : plan->train)
        split.train.insert(split.train.end(), ids.begin() + r.first, ids.begin() + r.second);
    for (const auto& r : plan->val)
        split.val.insert(split.val.end(), ids.begin() + r.first, ids.begin() + r.second);
    return split;
}

TokenFileWriter::~TokenFileWriter()
{
    if (m_file) {
        std::fclose(m_file);
        std::remove(m_tmp.c_str());
    }
}

Status TokenFileWriter::open(const std::string& path, int64_t vocabSize)
{
    m_path = path;
    m_tmp = path + ".tmp-" + std::to_string(::getpid());
    m_vocab = vocabSize;
    m_width = vocabSize <= 65535 ? 2 : 4;
    m_count = 0;
    m_file = std::fopen(m_tmp.c_str(), "wb");
    if (!m_file)
        return Status::error(fs::describeErrno(errno, "creating", m_tmp));
    std::vector<char> header(kHeaderInts * 4, '\0'); // patched by commit()
    if (std::fwrite(header.data(), 1, header.size(), m_file) != header.size())
        return Status::error(fs::describeErrno(errno, "writing", m_tmp));
    return {};
}

Status TokenFileWriter::append(const int32_t* ids, size_t n)
{
    if (!m_file)
        return Status::error("internal error: token file not open");
    m_buf.resize(n * static_cast<size_t>(m_width));
    for (size_t i = 0; i < n; ++i) {
        if (ids[i] < 0 || ids[i] >= m_vocab)
            return Status::error("token id " + std::to_string(ids[i]) + " at position " + std::to_string(m_count + static_cast<int64_t>(i)) +
                                 " is outside the vocabulary of " + std::to_string(m_vocab) + "; the tokenizer and model disagree");
        if (m_width == 2) {
            const uint16_t v = static_cast<uint16_t>(ids[i]);
            std::memcpy(m_buf.data() + 2 * i, &v, 2);
        } else {
            std::memcpy(m_buf.data() + 4 * i, &ids[i], 4);
        }
    }
    if (n && std::fwrite(m_buf.data(), 1, m_buf.size(), m_file) != m_buf.size())
        return Status::error(fs::describeErrno(errno, "writing", m_path));
    m_count += static_cast<int64_t>(n);
    return {};
}

Status TokenFileWriter::commit()
{
    if (!m_file)
        return Status::error("internal error: token file not open");
    int32_t header[kHeaderInts] = {0};
    header[0] = kTokenFileMagic;
    header[1] = kTokenFileVersion;
    header[2] = m_width;
    header[3] = static_cast<int32_t>(m_vocab);
    std::memcpy(&header[4], &m_count, sizeof m_count);
    const bool ok = std::fflush(m_file) == 0 && std::fseek(m_file, 0, SEEK_SET) == 0 &&
                    std::fwrite(header, 1, sizeof header, m_file) == sizeof header && std::fflush(m_file) == 0 &&
                    ::fsync(::fileno(m_file)) == 0;
    const int err = errno;
    std::fclose(m_file);
    m_file = nullptr;
    if (!ok) {
        std::remove(m_tmp.c_str());
        return Status::error(fs::describeErrno(err, "writing", m_path));
    }
    if (std::rename(m_tmp.c_str(), m_path.c_str()) != 0) {
        const int e = errno;
        std::remove(m_tmp.c_str());
        return Status::error(fs::describeErrno(e, "renaming into place", m_path));
    }
    fs::syncDir(fs::parentDir(m_path));
    return {};
}

Result<StreamedDataset> tokenizeCorpusToFiles(const Corpus& scanned, const Tokenizer& tok, double valFraction, uint64_t seed,
                                              int64_t blockSize, const std::string& trainPath, const std::string& valPath,
                                              const std::function<void(int64_t)>& progress)
{
    using R = Result<StreamedDataset>;
    auto nlIds = tok.encode("\n");
    if (!nlIds || nlIds->empty())
        return R::error("the tokenizer cannot encode a newline");
    // Pass 1: every token, as int32, spooled next to the outputs.
    const std::string spool = trainPath + ".spool-" + std::to_string(::getpid());
    struct Spool {
        std::string path;
        FILE* f = nullptr;
        ~Spool()
        {
            if (f)
                std::fclose(f);
            std::remove(path.c_str());
        }
    } sp{spool, std::fopen(spool.c_str(), "w+b")};
    if (!sp.f)
        return R::error(fs::describeErrno(errno, "creating", spool));
    std::vector<int32_t> buf;
    int64_t total = 0, bytesRead = 0;
    auto put = [&](const std::vector<int32_t>& ids) -> Status {
        buf.insert(buf.end(), ids.begin(), ids.end());
        if (buf.size() >= (size_t(1) << 20)) {
            if (std::fwrite(buf.data(), 4, buf.size(), sp.f) != buf.size())
                return Status::error(fs::describeErrno(errno, "writing", spool));
            total += static_cast<int64_t>(buf.size());
            buf.clear();
        }
        return {};
    };
    constexpr size_t kPiece = size_t(64) << 10;
    for (size_t d = 0; d < scanned.documents.size(); ++d) {
        if (d > 0)
            if (auto st = put({tok.eosId()}); !st)
                return R::error(st.message());
        auto st = streamCorpusFile(scanned.documents[d].path, [&](std::string_view chunk) -> Status {
            size_t start = 0;
            while (start < chunk.size()) {
                const size_t nl = chunk.find('\n', start);
                const size_t end = nl == std::string_view::npos ? chunk.size() : nl;
                if (end > start) {
                    auto ids = tok.encode(std::string(chunk.substr(start, end - start)));
                    if (!ids)
                        return Status::error(ids.message());
                    if (auto s2 = put(*ids); !s2)
                        return s2;
                }
                if (nl != std::string_view::npos)
                    if (auto s2 = put(*nlIds); !s2)
                        return s2;
                start = end + 1;
            }
            bytesRead += static_cast<int64_t>(chunk.size());
            if (progress)
                progress(bytesRead);
            return {};
        }, kPiece);
        if (!st)
            return R::error(st.message());
    }
    if (!buf.empty()) {
        if (std::fwrite(buf.data(), 4, buf.size(), sp.f) != buf.size())
            return R::error(fs::describeErrno(errno, "writing", spool));
        total += static_cast<int64_t>(buf.size());
        buf.clear();
    }
    if (std::fflush(sp.f) != 0)
        return R::error(fs::describeErrno(errno, "writing", spool));
    if (bytesRead != scanned.stats.bytes)
        return R::error("the corpus changed while it was being read (" + std::to_string(scanned.stats.bytes) + " bytes, then " +
                        std::to_string(bytesRead) + "); wait until nothing writes to it and try again");

    // Pass 2: the split's ranges copied from the spool into the two token files.
    auto plan = planSplit(total, valFraction, seed, blockSize);
    if (!plan)
        return R::error(plan.message());
    auto copy = [&](const std::vector<std::pair<int64_t, int64_t>>& ranges, const std::string& path) -> Status {
        TokenFileWriter w;
        if (auto st = w.open(path, tok.vocabSize()); !st)
            return st;
        std::vector<int32_t> block;
        for (const auto& r : ranges) {
            if (std::fseek(sp.f, static_cast<long>(r.first * 4), SEEK_SET) != 0)
                return Status::error(fs::describeErrno(errno, "reading", spool));
            for (int64_t at = r.first; at < r.second;) {
                const size_t n = static_cast<size_t>(std::min<int64_t>(r.second - at, int64_t(1) << 20));
                block.resize(n);
                if (std::fread(block.data(), 4, n, sp.f) != n)
                    return Status::error("reading the token spool '" + spool + "' failed");
                if (auto st = w.append(block.data(), n); !st)
                    return st;
                at += static_cast<int64_t>(n);
            }
        }
        return w.commit();
    };
    if (auto st = copy(plan->train, trainPath); !st)
        return R::error(st.message());
    if (auto st = copy(plan->val, valPath); !st)
        return R::error(st.message());
    return StreamedDataset{total, plan->trainTokens(), plan->valTokens()};
}

} // namespace azllm
