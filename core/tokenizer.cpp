// Tokenizer over the dlmopen'd sentencepiece plugin (see tokenizer.h and spmplugin/azllm_spm.h).
#include "tokenizer.h"

#include "corpus.h"
#include "fsutil.h"
#include "spmplugin/azllm_spm.h"

#include <dlfcn.h>
#include <mutex>
#include <sstream>

#ifndef AZLLM_PLUGIN_SUBDIR
#define AZLLM_PLUGIN_SUBDIR "lib/azllm"
#endif
#ifndef AZLLM_INSTALL_PREFIX
#define AZLLM_INSTALL_PREFIX "/usr"
#endif

namespace azllm {
namespace {

struct Plugin {
    void* handle = nullptr;
    std::string path;
    std::string error;
    decltype(&azspm_abi_version) abiVersion = nullptr;
    decltype(&azspm_train) train = nullptr;
    decltype(&azspm_load) load = nullptr;
    decltype(&azspm_load_bytes) loadBytes = nullptr;
    decltype(&azspm_free) free = nullptr;
    decltype(&azspm_vocab_size) vocabSize = nullptr;
    decltype(&azspm_special_id) specialId = nullptr;
    decltype(&azspm_encode) encode = nullptr;
    decltype(&azspm_decode) decode = nullptr;
    decltype(&azspm_id_to_piece) idToPiece = nullptr;
    decltype(&azspm_piece_to_id) pieceToId = nullptr;
    decltype(&azspm_score) score = nullptr;
    decltype(&azspm_piece_type) pieceType = nullptr;
    decltype(&azspm_serialized) serialized = nullptr;
};

template <class F>
bool bind(void* h, const char* name, F& fn)
{
    fn = reinterpret_cast<F>(::dlsym(h, name));
    return fn != nullptr;
}

const Plugin& plugin()
{
    static Plugin p;
    static std::once_flag once;
    std::call_once(once, [] {
        std::vector<std::string> candidates;
        if (const char* env = ::getenv("AZLLM_SPM_PLUGIN"); env && *env)
            candidates.emplace_back(env);
        const std::string exeDir = fs::executableDir();
        candidates.push_back(fs::join(exeDir, "../" AZLLM_PLUGIN_SUBDIR "/libazllm_spm.so"));
        candidates.push_back(fs::join(exeDir, "libazllm_spm.so"));
        candidates.push_back(AZLLM_INSTALL_PREFIX "/" AZLLM_PLUGIN_SUBDIR "/libazllm_spm.so");
        std::string tried;
        for (const auto& c : candidates) {
            if (!fs::exists(c)) {
                tried += " " + c;
                continue;
            }
            // A new link namespace: the plugin gets its own libsentencepiece and protobuf 3.14.
            void* h = ::dlmopen(LM_ID_NEWLM, c.c_str(), RTLD_NOW | RTLD_LOCAL);
            if (!h) {
                const char* e = ::dlerror();
                p.error = "cannot load the tokenizer plugin " + c + ": " + (e ? e : "unknown error") +
                          " (reinstall AzLLM Studio, or run scripts/bootstrap.sh to install libsentencepiece0)";
                return;
            }
            bool ok = bind(h, "azspm_abi_version", p.abiVersion) && bind(h, "azspm_train", p.train) &&
                      bind(h, "azspm_load", p.load) && bind(h, "azspm_load_bytes", p.loadBytes) &&
                      bind(h, "azspm_free", p.free) && bind(h, "azspm_vocab_size", p.vocabSize) &&
                      bind(h, "azspm_special_id", p.specialId) && bind(h, "azspm_encode", p.encode) &&
                      bind(h, "azspm_decode", p.decode) && bind(h, "azspm_id_to_piece", p.idToPiece) &&
                      bind(h, "azspm_piece_to_id", p.pieceToId) && bind(h, "azspm_score", p.score) &&
                      bind(h, "azspm_piece_type", p.pieceType) && bind(h, "azspm_serialized", p.serialized);
            if (!ok || p.abiVersion() != AZSPM_ABI_VERSION) {
                p.error = "the tokenizer plugin " + c + " does not match this build (reinstall AzLLM Studio)";
                return;
            }
            p.handle = h;
            p.path = c;
            return;
        }
        p.error = "the tokenizer plugin libazllm_spm.so was not found (looked in" + tried +
                  "); set AZLLM_SPM_PLUGIN to its path or reinstall AzLLM Studio";
    });
    return p;
}

void cutLongLine(const std::string& line, size_t maxBytes, std::string& out)
{
    // Splits at the last space before maxBytes (or at a UTF-8 boundary) into several lines.
    size_t pos = 0;
    while (line.size() - pos > maxBytes) {
        size_t cut = line.rfind(' ', pos + maxBytes);
        if (cut == std::string::npos || cut <= pos) {
            cut = pos + maxBytes;
            while (cut > pos && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80)
                --cut;
        }
        out.append(line, pos, cut - pos);
        out.push_back('\n');
        pos = cut;
        while (pos < line.size() && line[pos] == ' ')
            ++pos;
    }
    out.append(line, pos, std::string::npos);
    out.push_back('\n');
}

std::string friendlyTrainError(const std::string& raw)
{
    // sentencepiece: "Vocabulary size is too high (2000). Please set it to a value <= 812."
    const auto p = raw.find("Vocabulary size too high");
    if (p != std::string::npos) {
        const auto le = raw.find("<=", p);
        std::string max = le != std::string::npos ? raw.substr(le + 2) : "";
        while (!max.empty() && (max.back() == '.' || max.back() == ' ' || max.back() == '\n'))
            max.pop_back();
        while (!max.empty() && max.front() == ' ')
            max.erase(0, 1);
        return "the corpus is too small for this vocabulary size; choose a vocabulary size of at most " +
               max + " (or use a larger corpus)";
    }
    if (raw.find("Vocabulary size is smaller than required_chars") != std::string::npos ||
        raw.find("Vocabulary size is smaller") != std::string::npos)
        return "the vocabulary size is smaller than the number of distinct characters plus 256 byte "
               "pieces and 4 special tokens; choose a larger vocabulary size (" + raw + ")";
    return "training the tokenizer failed: " + raw;
}

} // namespace

Result<std::string> Tokenizer::pluginPath()
{
    const auto& p = plugin();
    if (!p.handle)
        return Result<std::string>::error(p.error);
    return p.path;
}

Tokenizer::~Tokenizer()
{
    if (m_p)
        plugin().free(m_p);
}

Status Tokenizer::train(const std::string& text, const TokenizerTrainConfig& cfg, const std::string& outModel)
{
    const auto& p = plugin();
    if (!p.handle)
        return Status::error(p.error);
    if (cfg.modelType != "unigram" && cfg.modelType != "bpe")
        return Status::error("unknown tokenizer model type '" + cfg.modelType + "' (use unigram or bpe)");
    if (cfg.vocabSize < 261 + 1)
        return Status::error("vocabulary size " + std::to_string(cfg.vocabSize) +
                             " is too small: 4 special tokens and 256 byte pieces need at least 262");
    if (outModel.size() < 7 || outModel.substr(outModel.size() - 6) != ".model")
        return Status::error("the tokenizer output file must end in .model: " + outModel);

    // Sentences for training: the corpus lines, long lines cut at spaces, empty lines dropped.
    std::string sentences;
    sentences.reserve(text.size() + 1024);
    size_t start = 0;
    bool any = false;
    while (start <= text.size()) {
        size_t nl = text.find('\n', start);
        if (nl == std::string::npos)
            nl = text.size();
        std::string line = text.substr(start, nl - start);
        if (line.find_first_not_of(" \t\r") != std::string::npos) {
            cutLongLine(line, static_cast<size_t>(cfg.maxSentenceBytes), sentences);
            any = true;
        }
        start = nl + 1;
    }
    if (!any)
        return Status::error("the corpus has no text to train a tokenizer on (it is empty or whitespace only)");
    {
        // Every distinct character gets a piece (character coverage 1.0), plus 4 specials and,
        // with byte fallback, 256 byte pieces: below that sentencepiece cannot train.
        std::unordered_set<uint32_t> chars;
        collectCodePoints(sentences, chars);
        chars.erase('\n');
        const int required = static_cast<int>(chars.size()) + 4 + (cfg.byteFallback ? 256 : 0);
        if (cfg.vocabSize < required && cfg.characterCoverage >= 1.0)
            return Status::error("vocabulary size " + std::to_string(cfg.vocabSize) + " is too small for this corpus: its " +
                                 std::to_string(chars.size()) + " distinct characters, 4 special tokens and 256 byte pieces "
                                 "need a vocabulary size of at least " + std::to_string(required));
    }

    const std::string outDir = fs::parentDir(outModel);
    auto st = fs::makeDirs(outDir);
    if (!st)
        return st;
    auto tmpDir = fs::makeTempSiblingDir(outModel);
    if (!tmpDir)
        return tmpDir.status();
    const std::string input = fs::join(*tmpDir, "sentences.txt");
    st = fs::writeFileAtomic(input, sentences);
    if (!st) {
        fs::removeAll(*tmpDir);
        return st;
    }
    const std::string prefix = fs::join(*tmpDir, "tok");
    if (tmpDir->find('\n') != std::string::npos) {
        fs::removeAll(*tmpDir);
        return Status::error("the tokenizer output folder must not contain a line break: " + outDir);
    }
    // One "key=value" per line: paths may contain spaces.
    std::ostringstream flags;
    flags << "input=" << input << "\nmodel_prefix=" << prefix << "\nmodel_type=" << cfg.modelType
          << "\nvocab_size=" << cfg.vocabSize << "\ncharacter_coverage=" << cfg.characterCoverage
          << "\nbyte_fallback=" << (cfg.byteFallback ? "true" : "false")
          << "\nhard_vocab_limit=" << (cfg.hardVocabLimit ? "true" : "false")
          << "\nunk_id=" << kUnkId << "\nbos_id=" << kBosId << "\neos_id=" << kEosId
          << "\npad_id=" << kPadId << "\nnormalization_rule_name=identity"
          << "\nadd_dummy_prefix=false\nremove_extra_whitespaces=false"
          << "\nallow_whitespace_only_pieces=true\nsplit_digits=true"
          << "\nmax_sentence_length=" << (cfg.maxSentenceBytes + 16)
          << "\nnum_threads=" << std::max(1, cfg.threads) << "\nminloglevel=2"
          << "\nshuffle_input_sentence=true" << "\nazllm_seed=" << cfg.seed;
    if (cfg.inputSentenceSize > 0)
        flags << "\ninput_sentence_size=" << cfg.inputSentenceSize;
    char err[2048] = {0};
    if (p.train(flags.str().c_str(), err, sizeof err) != 0) {
        fs::removeAll(*tmpDir);
        return Status::error(friendlyTrainError(err));
    }
    auto bytes = fs::readFile(prefix + ".model");
    if (!bytes) {
        fs::removeAll(*tmpDir);
        return bytes.status();
    }
    fs::removeAll(*tmpDir);
    return fs::writeFileAtomic(outModel, *bytes);
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::load(const std::string& modelPath)
{
    using R = Result<std::unique_ptr<Tokenizer>>;
    if (!fs::exists(modelPath))
        return R::error("tokenizer model '" + modelPath + "' does not exist (train one with `azllm tokenizer train`)");
    auto bytes = fs::readFile(modelPath);
    if (!bytes)
        return R::error(bytes.message());
    auto r = fromBytes(*bytes);
    if (!r)
        return R::error("'" + modelPath + "' is not a sentencepiece model: " + r.message());
    return r;
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::fromBytes(const std::string& serialized)
{
    using R = Result<std::unique_ptr<Tokenizer>>;
    const auto& p = plugin();
    if (!p.handle)
        return R::error(p.error);
    if (serialized.empty())
        return R::error("the tokenizer model is empty");
    char err[1024] = {0};
    azspm_processor* h = p.loadBytes(serialized.data(), serialized.size(), err, sizeof err);
    if (!h)
        return R::error(err[0] ? err : "unreadable model");
    std::unique_ptr<Tokenizer> t(new Tokenizer(h));
    if (t->vocabSize() <= 0)
        return R::error("the tokenizer model has no pieces");
    return t;
}

int Tokenizer::vocabSize() const { return plugin().vocabSize(m_p); }
int Tokenizer::unkId() const { return plugin().specialId(m_p, 0); }
int Tokenizer::bosId() const { return plugin().specialId(m_p, 1); }
int Tokenizer::eosId() const { return plugin().specialId(m_p, 2); }
int Tokenizer::padId() const { return plugin().specialId(m_p, 3); }

Result<std::vector<int32_t>> Tokenizer::encode(const std::string& text) const
{
    using R = Result<std::vector<int32_t>>;
    const auto& p = plugin();
    std::vector<int32_t> ids(text.size() / 2 + 16);
    char err[1024] = {0};
    long n = p.encode(m_p, text.data(), text.size(), ids.data(), ids.size(), err, sizeof err);
    if (n < 0)
        return R::error(std::string("encoding failed: ") + err);
    if (static_cast<size_t>(n) > ids.size()) {
        ids.resize(static_cast<size_t>(n));
        n = p.encode(m_p, text.data(), text.size(), ids.data(), ids.size(), err, sizeof err);
        if (n < 0)
            return R::error(std::string("encoding failed: ") + err);
    }
    ids.resize(static_cast<size_t>(n));
    return ids;
}

Result<std::string> Tokenizer::decode(const std::vector<int32_t>& ids) const
{
    using R = Result<std::string>;
    const auto& p = plugin();
    std::string out(ids.size() * 8 + 16, '\0');
    char err[1024] = {0};
    long n = p.decode(m_p, ids.data(), ids.size(), out.data(), out.size(), err, sizeof err);
    if (n < 0)
        return R::error(std::string("decoding failed: ") + err);
    if (static_cast<size_t>(n) > out.size()) {
        out.resize(static_cast<size_t>(n));
        n = p.decode(m_p, ids.data(), ids.size(), out.data(), out.size(), err, sizeof err);
        if (n < 0)
            return R::error(std::string("decoding failed: ") + err);
    }
    out.resize(static_cast<size_t>(n));
    return out;
}

std::string Tokenizer::idToPiece(int id) const
{
    char buf[256];
    long n = plugin().idToPiece(m_p, id, buf, sizeof buf);
    if (n < 0)
        return {};
    if (static_cast<size_t>(n) <= sizeof buf)
        return std::string(buf, static_cast<size_t>(n));
    std::string s(static_cast<size_t>(n), '\0');
    plugin().idToPiece(m_p, id, s.data(), s.size());
    return s;
}

int Tokenizer::pieceToId(const std::string& piece) const
{
    return plugin().pieceToId(m_p, piece.data(), piece.size());
}

float Tokenizer::score(int id) const { return plugin().score(m_p, id); }
int Tokenizer::pieceType(int id) const { return plugin().pieceType(m_p, id); }

int Tokenizer::byteValue(int id) const
{
    if (pieceType(id) != 6)
        return -1;
    const std::string piece = idToPiece(id); // "<0xE2>"
    if (piece.size() != 6 || piece.compare(0, 3, "<0x") != 0)
        return -1;
    return static_cast<int>(std::stoi(piece.substr(3, 2), nullptr, 16));
}

std::string Tokenizer::serialized() const
{
    const auto& p = plugin();
    long n = p.serialized(m_p, nullptr, 0);
    if (n <= 0)
        return {};
    std::string s(static_cast<size_t>(n), '\0');
    p.serialized(m_p, s.data(), s.size());
    return s;
}

std::string Tokenizer::modelType() const
{
    // BPE models store merge ranks as negative integer scores (0, -1, -2, ...) for normal pieces;
    // unigram models store log-probabilities, almost never integers.
    int checked = 0, integral = 0;
    for (int id = 0; id < vocabSize() && checked < 64; ++id) {
        if (pieceType(id) != 1)
            continue;
        const float s = score(id);
        ++checked;
        if (s == static_cast<float>(static_cast<long>(s)))
            ++integral;
    }
    return checked > 0 && integral == checked ? "bpe" : "unigram";
}

} // namespace azllm
