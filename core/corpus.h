// Corpus loading: one UTF-8 .txt file or a folder of them (also ":/" Qt resources, for the
// bundled demo corpus). Validates UTF-8 strictly, drops a BOM, normalises CRLF/CR to LF and
// computes statistics. Does not tokenize or split; see dataset.h.
#pragma once

#include "result.h"

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace azllm {

struct CorpusStats {
    int64_t bytes = 0;          // UTF-8 bytes after normalisation
    int64_t characters = 0;     // Unicode code points
    int64_t lines = 0;
    int64_t distinctCharacters = 0;
    int files = 0;
};

struct CorpusDocument {
    std::string path;
    std::string text; // normalised UTF-8, LF line ends, ends with '\n' unless empty
};

struct Corpus {
    std::string source;                 // the file or folder given
    std::vector<CorpusDocument> documents;
    CorpusStats stats;
    std::string fingerprint;            // sha256 of all documents' normalised text, hex
};

// Returns the byte offset of the first invalid UTF-8 sequence, or -1 when text is valid.
int64_t findInvalidUtf8(const char* data, size_t size);
// Number of code points in valid UTF-8.
int64_t countCodePoints(const std::string& text);
// Adds every code point of valid UTF-8 text to out; returns how many code points the text has.
int64_t collectCodePoints(const std::string& text, std::unordered_set<uint32_t>& out);

Result<Corpus> loadCorpus(const std::string& path);
// The bundled Azerbaijani demo corpus (UDHR), compiled into the binary.
std::string demoCorpusPath();

} // namespace azllm
