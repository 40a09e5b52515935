// Corpus loading: one UTF-8 .txt file or a folder of them (also ":/" Qt resources, for the
// bundled demo corpus). Validates UTF-8 strictly, drops a BOM, normalises CRLF/CR to LF and
// computes statistics. Does not tokenize or split; see dataset.h.
#pragma once

#include "result.h"

#include <cstdint>
#include <functional>
#include <string_view>
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
int64_t collectCodePoints(std::string_view text, std::unordered_set<uint32_t>& out);

Result<Corpus> loadCorpus(const std::string& path);

// Streaming, for corpora of any size in bounded memory (a few MiB whatever the corpus):
// One corpus file's normalised text, as loadCorpus normalises it, handed to sink in chunks of at
// most about maxChunk bytes that end at line ends; a line longer than maxChunk arrives in pieces
// cut before a space (or at a character boundary). Errors are loadCorpus's.
Status streamCorpusFile(const std::string& file, const std::function<Status(std::string_view)>& sink,
                        size_t maxChunk = size_t(4) << 20, size_t readBlock = size_t(4) << 20);
// loadCorpus without keeping the text: statistics, fingerprint and the non-empty documents'
// paths (their text left empty). sink, when given, also receives every chunk with the index of
// its file (whitespace-only files included; they are left out of documents afterwards).
Result<Corpus> scanCorpus(const std::string& path, const std::function<Status(size_t file, std::string_view chunk)>& sink = {});
// scanCorpus that also collects up to about maxSampleBytes of whole lines spread evenly over the
// corpus (all of it when it is smaller): the text a tokenizer is trained on.
constexpr size_t kTokenizerSampleBytes = size_t(32) << 20;
Result<Corpus> scanCorpusWithSample(const std::string& path, size_t maxSampleBytes, std::string& sample);
// A corpus at least this large (bytes on disk) takes long enough to read that the Studio reads it
// on a worker thread.
constexpr int64_t kCorpusBackgroundReadBytes = int64_t(16) << 20;
// Bytes on disk of the corpus's files (-1 when it cannot be listed).
int64_t corpusRawBytes(const std::string& path);
// The bundled Azerbaijani demo corpus (UDHR), compiled into the binary.
std::string demoCorpusPath();

} // namespace azllm
