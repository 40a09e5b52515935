// Corpus loading and validation (see corpus.h).
#include "corpus.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <cstring>

namespace azllm {

int64_t findInvalidUtf8(const char* data, size_t size)
{
    const auto* s = reinterpret_cast<const unsigned char*>(data);
    size_t i = 0;
    while (i < size) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        int len;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
        else return static_cast<int64_t>(i);
        if (i + static_cast<size_t>(len) > size)
            return static_cast<int64_t>(i);
        for (int k = 1; k < len; ++k) {
            if ((s[i + k] & 0xC0) != 0x80)
                return static_cast<int64_t>(i);
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are invalid.
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return static_cast<int64_t>(i);
        i += static_cast<size_t>(len);
    }
    return -1;
}

int64_t countCodePoints(const std::string& text)
{
    int64_t n = 0;
    for (unsigned char c : text)
        if ((c & 0xC0) != 0x80)
            ++n;
    return n;
}

int64_t collectCodePoints(std::string_view text, std::unordered_set<uint32_t>& out)
{
    int64_t n = 0;
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    for (size_t i = 0; i < text.size();) {
        uint32_t cp = s[i];
        const int len = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
        if (len > 1) {
            cp &= (0xFF >> (len + 1));
            for (int k = 1; k < len && i + k < text.size(); ++k)
                cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        out.insert(cp);
        ++n;
        i += static_cast<size_t>(len);
    }
    return n;
}

std::string demoCorpusPath() { return ":/azllm/corpus/az_udhr.txt"; }

namespace {

// Where a chunk of normalised text without a line end may be cut: before the last run of spaces
// in its second half (the tokenizer starts a piece at every space, so encoding the two parts
// gives the ids of the whole), else at the last character boundary.
size_t cutPoint(const std::string& out, size_t limit)
{
    size_t space = out.rfind(' ', limit - 1);
    while (space != std::string::npos && space > 0 && out[space - 1] == ' ')
        --space;
    if (space != std::string::npos && space >= limit / 2)
        return space;
    size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
        --cut;
    return cut > 0 ? cut : limit;
}

// Number of bytes at the end of data that start a UTF-8 sequence the data does not complete.
size_t incompleteTail(const char* data, size_t size)
{
    for (size_t back = 1; back <= 3 && back <= size; ++back) {
        const unsigned char c = static_cast<unsigned char>(data[size - back]);
        if ((c & 0xC0) == 0x80)
            continue; // continuation byte: look further back for the lead
        const size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        return len > back ? back : 0;
    }
    return 0;
}

bool whitespaceOnly(std::string_view s)
{
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\v'; });
}

} // namespace

Status streamCorpusFile(const std::string& file, const std::function<Status(std::string_view)>& sink, size_t maxChunk,
                        size_t readBlock)
{
    maxChunk = std::max<size_t>(maxChunk, 16);
    QFile f(QString::fromStdString(file));
    if (!f.open(QIODevice::ReadOnly))
        return Status::error("cannot read corpus file '" + file + "': " + f.errorString().toStdString());
    const qint64 kBlock = static_cast<qint64>(std::max<size_t>(readBlock, 1));
    std::string data;       // raw bytes not yet normalised: a held-back incomplete sequence + the block
    std::string out;        // normalised text not yet handed to sink
    int64_t consumed = 0;   // raw file offset of data[0]
    bool first = true, lastWasCR = false;
    bool anyText = false;   // something was handed to sink
    char lastHanded = '\n'; // the last byte handed to sink
    auto flush = [&](bool atEnd) -> Status {
        while (!out.empty()) {
            const size_t nl = out.rfind('\n');
            size_t cut;
            if (nl != std::string::npos && (out.size() >= maxChunk || atEnd))
                cut = std::min(nl + 1, out.size());
            else if (out.size() >= maxChunk)
                cut = cutPoint(out, maxChunk); // one line longer than a chunk: pass it in pieces
            else if (atEnd)
                cut = out.size();
            else
                return {};
            if (cut > maxChunk && nl != std::string::npos) {
                // Several lines: hand over whole lines up to maxChunk at a time.
                const size_t within = out.rfind('\n', maxChunk - 1);
                cut = within != std::string::npos ? within + 1 : cutPoint(out, maxChunk);
            }
            if (auto st = sink(std::string_view(out.data(), cut)); !st)
                return st;
            anyText = true;
            lastHanded = out[cut - 1];
            out.erase(0, cut);
            if (!atEnd && out.size() < maxChunk)
                return {};
        }
        return {};
    };
    for (;;) {
        const QByteArray block = f.read(kBlock);
        if (block.isEmpty() && f.error() != QFileDevice::NoError)
            return Status::error("cannot read corpus file '" + file + "': " + f.errorString().toStdString());
        const bool atEnd = block.isEmpty();
        data.append(block.constData(), static_cast<size_t>(block.size()));
        if (first && (data.size() >= 3 || atEnd)) {
            first = false;
            if (data.size() >= 2 && ((static_cast<unsigned char>(data[0]) == 0xFF && static_cast<unsigned char>(data[1]) == 0xFE) ||
                                     (static_cast<unsigned char>(data[0]) == 0xFE && static_cast<unsigned char>(data[1]) == 0xFF)))
                return Status::error("corpus file '" + file + "' is UTF-16 (it starts with a UTF-16 byte-order mark); "
                                     "save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)");
        } else if (first && !atEnd) {
            continue;
        }
        const size_t hold = atEnd ? 0 : incompleteTail(data.data(), data.size());
        const size_t n = data.size() - hold;
        // The first problem in file order, whatever the block size.
        const int64_t bad = findInvalidUtf8(data.data(), n);
        const void* nulAt = std::memchr(data.data(), '\0', n);
        const int64_t nul = nulAt ? static_cast<const char*>(nulAt) - data.data() : -1;
        if (bad >= 0 && (nul < 0 || bad < nul))
            return Status::error("corpus file '" + file + "' is not valid UTF-8 at byte offset " + std::to_string(consumed + bad) +
                                 "; convert it to UTF-8 (e.g. iconv -f WINDOWS-1254 -t UTF-8) and try again");
        if (nul >= 0)
            return Status::error("corpus file '" + file + "' contains NUL bytes at byte offset " + std::to_string(consumed + nul) +
                                 "; it looks binary, not text");
        size_t i = 0;
        if (consumed == 0 && n >= 3 && static_cast<unsigned char>(data[0]) == 0xEF && static_cast<unsigned char>(data[1]) == 0xBB &&
            static_cast<unsigned char>(data[2]) == 0xBF)
            i = 3; // the BOM (valid UTF-8, U+FEFF) goes; offsets above count in the file as stored
        // CRLF and lone CR become LF.
        out.reserve(out.size() + n);
        for (; i < n; ++i) {
            const char c = data[i];
            if (c == '\r') {
                out.push_back('\n');
                lastWasCR = true;
            } else {
                if (!(c == '\n' && lastWasCR))
                    out.push_back(c);
                lastWasCR = false;
            }
        }
        consumed += static_cast<int64_t>(n);
        data.erase(0, n);
        if (atEnd) {
            // The text ends with a line end unless it is empty (also when a long last line was
            // already handed over in pieces).
            if (!out.empty() ? out.back() != '\n' : (anyText && lastHanded != '\n'))
                out.push_back('\n');
            return flush(true);
        }
        if (auto st = flush(false); !st)
            return st;
    }
}

namespace {

Result<QStringList> listCorpusFiles(const std::string& path)
{
    using R = Result<QStringList>;
    const QString qpath = QString::fromStdString(path);
    QFileInfo info(qpath);
    if (path.empty())
        return R::error("no corpus given; pass --corpus FILE.txt or a folder of .txt files");
    if (!info.exists())
        return R::error("corpus '" + path + "' does not exist; pass a UTF-8 .txt file or a folder of them");
    QStringList files;
    if (info.isDir()) {
        QDirIterator it(qpath, {"*.txt"}, QDir::Files | QDir::Readable, QDirIterator::Subdirectories);
        while (it.hasNext())
            files << it.next();
        files.sort();
        if (files.isEmpty())
            return R::error("corpus folder '" + path + "' has no .txt files; put UTF-8 .txt files in it");
    } else {
        files << qpath;
    }
    return files;
}

Result<Corpus> readCorpus(const std::string& path, bool keepText, const std::function<Status(size_t, std::string_view)>& sink)
{
    using R = Result<Corpus>;
    auto files = listCorpusFiles(path);
    if (!files)
        return R::error(files.message());
    Corpus corpus;
    corpus.source = path;
    QCryptographicHash hash(QCryptographicHash::Sha256);
    std::unordered_set<uint32_t> distinct;
    for (qsizetype k = 0; k < files->size(); ++k) {
        const std::string file = (*files)[k].toStdString();
        CorpusStats st;
        bool blank = true;
        std::string text;
        auto status = streamCorpusFile(file, [&](std::string_view chunk) -> Status {
            hash.addData(QByteArrayView(chunk.data(), static_cast<qsizetype>(chunk.size())));
            if (blank && !whitespaceOnly(chunk))
                blank = false;
            st.bytes += static_cast<int64_t>(chunk.size());
            st.lines += std::count(chunk.begin(), chunk.end(), '\n');
            st.characters += collectCodePoints(chunk, distinct);
            if (keepText)
                text += chunk;
            return sink ? sink(static_cast<size_t>(k), chunk) : Status();
        });
        if (!status)
            return R::error(status.message());
        hash.addData(QByteArrayView("\x1e", 1));
        if (blank)
            continue; // empty documents add nothing; an all-empty corpus is refused below
        corpus.stats.bytes += st.bytes;
        corpus.stats.lines += st.lines;
        corpus.stats.characters += st.characters;
        corpus.documents.push_back({file, std::move(text)});
    }
    corpus.stats.files = static_cast<int>(files->size());
    corpus.stats.distinctCharacters = static_cast<int64_t>(distinct.size());
    if (corpus.documents.empty())
        return R::error("corpus '" + path + "' is empty or contains only whitespace; give it some text to learn from");
    corpus.fingerprint = hash.result().toHex().toStdString();
    return corpus;
}

} // namespace

Result<Corpus> loadCorpus(const std::string& path) { return readCorpus(path, true, {}); }

Result<Corpus> scanCorpus(const std::string& path, const std::function<Status(size_t, std::string_view)>& sink)
{
    return readCorpus(path, false, sink);
}

Result<Corpus> scanCorpusWithSample(const std::string& path, size_t maxSampleBytes, std::string& sample)
{
    const int64_t raw = corpusRawBytes(path);
    // Every line when the corpus fits; else lines spread evenly over the whole corpus.
    const double ratio = raw > 0 ? std::min(1.0, static_cast<double>(maxSampleBytes) / static_cast<double>(raw)) : 1.0;
    double budget = 0;
    sample.clear();
    return scanCorpus(path, [&](size_t, std::string_view chunk) -> Status {
        size_t start = 0;
        while (start < chunk.size()) {
            size_t nl = chunk.find('\n', start);
            const size_t end = nl == std::string_view::npos ? chunk.size() : nl + 1;
            const double len = static_cast<double>(end - start);
            budget += len * ratio;
            if (budget >= len && sample.size() + (end - start) <= maxSampleBytes + (size_t(1) << 20)) {
                sample.append(chunk.data() + start, end - start);
                if (sample.back() != '\n')
                    sample.push_back('\n');
                budget -= len;
            }
            start = end;
        }
        return {};
    });
}

int64_t corpusRawBytes(const std::string& path)
{
    auto files = listCorpusFiles(path);
    if (!files)
        return -1;
    int64_t total = 0;
    for (const QString& f : *files)
        total += QFileInfo(f).size();
    return total;
}

} // namespace azllm
