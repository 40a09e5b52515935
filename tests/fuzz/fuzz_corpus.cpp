// libFuzzer target: the corpus loader (UTF-8 validation, BOM/UTF-16 detection, line-end
// normalisation, statistics) on arbitrary file contents. Invariants: it never crashes; when it
// accepts, the text is valid UTF-8 with LF line ends and the statistics agree with it.
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
