// Corpus loading and validation (see corpus.h).
#include "corpus.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>

#include <algorithm>

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

int64_t collectCodePoints(const std::string& text, std::unordered_set<uint32_t>& out)
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

Result<std::string> readNormalised(const QString& path)
{
    using R = Result<std::string>;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return R::error("cannot read corpus file '" + path.toStdString() + "': " + f.errorString().toStdString());
    QByteArray raw = f.readAll();
    std::string text(raw.constData(), static_cast<size_t>(raw.size()));
    const std::string name = path.toStdString();
    if (text.size() >= 2 && ((static_cast<unsigned char>(text[0]) == 0xFF && static_cast<unsigned char>(text[1]) == 0xFE) ||
                             (static_cast<unsigned char>(text[0]) == 0xFE && static_cast<unsigned char>(text[1]) == 0xFF)))
        return R::error("corpus file '" + name + "' is UTF-16 (it starts with a UTF-16 byte-order mark); "
                        "save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)");
    if (const int64_t bad = findInvalidUtf8(text.data(), text.size()); bad >= 0)
        return R::error("corpus file '" + name + "' is not valid UTF-8 at byte offset " + std::to_string(bad) +
                        "; convert it to UTF-8 (e.g. iconv -f WINDOWS-1254 -t UTF-8) and try again");
    if (text.find('\0') != std::string::npos)
        return R::error("corpus file '" + name + "' contains NUL bytes at byte offset " +
                        std::to_string(text.find('\0')) + "; it looks binary, not text");
    // Offsets above count in the file as stored; the BOM (valid UTF-8, U+FEFF) goes only now.
    if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
        static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF)
        text.erase(0, 3);
    // CRLF and lone CR become LF.
    std::string out;
    out.reserve(text.size() + 1);
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            out.push_back('\n');
            if (i + 1 < text.size() && text[i + 1] == '\n')
                ++i;
        } else {
            out.push_back(text[i]);
        }
    }
    if (!out.empty() && out.back() != '\n')
        out.push_back('\n');
    return out;
}

bool whitespaceOnly(const std::string& s)
{
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\v'; });
}

} // namespace

Result<Corpus> loadCorpus(const std::string& path)
{
    using R = Result<Corpus>;
    const QString qpath = QString::fromStdString(path);
    QFileInfo info(qpath);
    if (path.empty())
        return R::error("no corpus given; pass --corpus FILE.txt or a folder of .txt files");
    if (!info.exists())
        return R::error("corpus '" + path + "' does not exist; pass a UTF-8 .txt file or a folder of them");
    Corpus corpus;
    corpus.source = path;
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
    QCryptographicHash hash(QCryptographicHash::Sha256);
    std::unordered_set<uint32_t> distinct;
    for (const QString& f : files) {
        auto text = readNormalised(f);
        if (!text)
            return R::error(text.message());
        hash.addData(QByteArrayView(text->data(), static_cast<qsizetype>(text->size())));
        hash.addData(QByteArrayView("\x1e", 1));
        if (whitespaceOnly(*text))
            continue; // empty documents add nothing; an all-empty corpus is refused below
        corpus.stats.bytes += static_cast<int64_t>(text->size());
        corpus.stats.lines += std::count(text->begin(), text->end(), '\n');
        corpus.stats.characters += collectCodePoints(*text, distinct);
        corpus.documents.push_back({f.toStdString(), std::move(*text)});
    }
    corpus.stats.files = static_cast<int>(files.size());
    corpus.stats.distinctCharacters = static_cast<int64_t>(distinct.size());
    if (corpus.documents.empty())
        return R::error("corpus '" + path + "' is empty or contains only whitespace; give it some text to learn from");
    corpus.fingerprint = hash.result().toHex().toStdString();
    return corpus;
}

} // namespace azllm
