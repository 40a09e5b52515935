// libFuzzer target: the corpus loader (UTF-8 validation, BOM/UTF-16 detection, line-end
// normalisation, statistics) on arbitrary file contents. Invariants: it never crashes; when it
// accepts, the text is valid UTF-8 with LF line ends and the statistics agree with it; the
// streaming reader, at read-block and chunk sizes drawn from the input, gives the same text (or
// the same error) as the whole-file read, in chunks no longer than asked.
#include "corpus.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const std::string path = [] {
        char tmpl[] = "/tmp/azllm-fuzz-corpus-XXXXXX";
        const int fd = ::mkstemp(tmpl);
        ::close(fd);
        return std::string(tmpl) + "";
    }();
    FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(data, 1, size, f);
    std::fclose(f);
    (void)azllm::findInvalidUtf8(reinterpret_cast<const char*>(data), size);
    auto c = azllm::loadCorpus(path);
    const size_t block = size ? 1 + data[0] % 13 : 1;
    const size_t chunk = size > 1 ? 16 + data[1] % 64 : 16;
    std::string joined;
    bool tooLong = false;
    auto st = azllm::streamCorpusFile(path, [&](std::string_view piece) {
        tooLong = tooLong || piece.size() > chunk + 4 || piece.empty();
        joined.append(piece);
        return azllm::Status();
    }, chunk, block);
    if (tooLong)
        std::abort(); // chunks respect the size asked for
    if (c.ok() != st.ok() && !(c.ok() == false && c.message().find("empty") != std::string::npos))
        std::abort(); // both accept or both refuse (an all-whitespace file is refused only by loadCorpus)
    if (!c.ok() && !st.ok() && c.message() != st.message())
        std::abort(); // the same error, the same byte offset
    if (c && joined != c->documents.front().text)
        std::abort(); // the same text at every block and chunk size
    if (c) {
        for (const auto& d : c->documents) {
            if (azllm::findInvalidUtf8(d.text.data(), d.text.size()) != -1)
                std::abort(); // accepted text must be valid UTF-8
            if (d.text.find('\r') != std::string::npos)
                std::abort(); // line ends must be LF
            if (azllm::countCodePoints(d.text) != c->stats.characters)
                std::abort(); // one document: statistics agree with the text
        }
    }
    return 0;
}
