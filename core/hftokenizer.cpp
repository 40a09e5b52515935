// sentencepiece -> tokenizer.json (see hftokenizer.h).
#include "hftokenizer.h"

#include <QJsonArray>

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

namespace azllm {

namespace {

const QString kMeta = QString::fromUtf8("\u2581"); // sentencepiece's whitespace marker

QJsonObject addedToken(int id, const std::string& content)
{
    return QJsonObject{{"id", id},           {"content", QString::fromStdString(content)},
                       {"single_word", false}, {"lstrip", false},
                       {"rstrip", false},      {"normalized", false},
                       {"special", true}};
}

// Splits a UTF-8 string into code points (as UTF-8 substrings).
std::vector<std::string> codePoints(const std::string& s)
{
    std::vector<std::string> out;
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
        n = std::min(n, s.size() - i);
        out.push_back(s.substr(i, n));
        i += n;
    }
    return out;
}

// Merges for a sentencepiece BPE model, derived from its vocabulary as Hugging Face's
// SentencePieceExtractor does: every split of a piece into two pieces of the vocabulary, ordered
// by the merged piece's id, then by the ids of the left and right parts.
QJsonArray bpeMerges(const Tokenizer& tok)
{
    std::unordered_map<std::string, int> vocab;
    for (int id = 0; id < tok.vocabSize(); ++id)
        vocab.emplace(tok.idToPiece(id), id);
    std::vector<std::tuple<int, int, int>> merges; // merged id, left id, right id
    for (int id = 0; id < tok.vocabSize(); ++id) {
        if (tok.pieceType(id) != 1)
            continue;
        const auto cps = codePoints(tok.idToPiece(id));
        std::string left;
        for (size_t i = 1; i < cps.size(); ++i) {
            left += cps[i - 1];
            std::string right;
            for (size_t j = i; j < cps.size(); ++j)
                right += cps[j];
            auto l = vocab.find(left), r = vocab.find(right);
            if (l != vocab.end() && r != vocab.end())
                merges.emplace_back(id, l->second, r->second);
        }
    }
    std::sort(merges.begin(), merges.end());
    QJsonArray out;
    for (const auto& [m, l, r] : merges)
        out.append(QJsonArray{QString::fromStdString(tok.idToPiece(l)), QString::fromStdString(tok.idToPiece(r))});
    return out;
}

} // namespace

Result<QJsonObject> hfTokenizerJson(const Tokenizer& tok)
{
    QJsonArray added;
    for (int id : {tok.unkId(), tok.bosId(), tok.eosId(), tok.padId()})
        if (id >= 0)
            added.append(addedToken(id, tok.idToPiece(id)));

    QJsonObject model;
    const std::string type = tok.modelType();
    if (type == "unigram") {
        QJsonArray vocab;
        for (int id = 0; id < tok.vocabSize(); ++id)
            vocab.append(QJsonArray{QString::fromStdString(tok.idToPiece(id)), static_cast<double>(tok.score(id))});
        model = QJsonObject{{"type", "Unigram"}, {"unk_id", tok.unkId()}, {"vocab", vocab}, {"byte_fallback", true}};
    } else if (type == "bpe") {
        QJsonObject vocab;
        for (int id = 0; id < tok.vocabSize(); ++id)
            vocab[QString::fromStdString(tok.idToPiece(id))] = id;
        model = QJsonObject{{"type", "BPE"},
                            {"dropout", QJsonValue::Null},
                            {"unk_token", QString::fromStdString(tok.idToPiece(tok.unkId()))},
                            {"continuing_subword_prefix", QJsonValue::Null},
                            {"end_of_word_suffix", QJsonValue::Null},
                            {"fuse_unk", true},
                            {"byte_fallback", true},
                            {"ignore_merges", false},
                            {"vocab", vocab},
                            {"merges", bpeMerges(tok)}};
    } else {
        return Result<QJsonObject>::error("tokenizer type '" + type + "' cannot be converted to tokenizer.json (unigram and bpe can)");
    }

    // Our models use identity normalisation and no dummy prefix: nothing to normalise, whitespace
    // becomes U+2581 and starts a new word, decoding maps byte pieces back to bytes.
    const QJsonObject preTokenizer{{"type", "Metaspace"}, {"replacement", kMeta}, {"prepend_scheme", "never"}, {"split", true}};
    // Decoding: U+2581 back to spaces, byte pieces back to bytes, then one string (Hugging Face's
    // decoder for byte-fallback sentencepiece models). A Metaspace decoder would drop a leading
    // space in some implementations (tokenizers.js), which would not round-trip our text.
    const QJsonObject decoder{
        {"type", "Sequence"},
        {"decoders", QJsonArray{QJsonObject{{"type", "Replace"}, {"pattern", QJsonObject{{"String", kMeta}}}, {"content", " "}},
                                QJsonObject{{"type", "ByteFallback"}}, QJsonObject{{"type", "Fuse"}}}}};
    return QJsonObject{{"version", "1.0"},           {"truncation", QJsonValue::Null}, {"padding", QJsonValue::Null},
                       {"added_tokens", added},      {"normalizer", QJsonValue::Null}, {"pre_tokenizer", preTokenizer},
                       {"post_processor", QJsonValue::Null}, {"decoder", decoder},      {"model", model}};
}

QJsonObject hfTokenizerConfig(const Tokenizer& tok, int64_t modelMaxLength)
{
    QJsonObject decoderMap;
    for (int id : {tok.unkId(), tok.bosId(), tok.eosId(), tok.padId()})
        decoderMap[QString::number(id)] = addedToken(id, tok.idToPiece(id));
    for (auto it = decoderMap.begin(); it != decoderMap.end(); ++it) {
        QJsonObject o = it.value().toObject();
        o.remove("id");
        *it = o;
    }
    return QJsonObject{{"tokenizer_class", "PreTrainedTokenizerFast"},
                       {"model_max_length", static_cast<qint64>(modelMaxLength)},
                       {"bos_token", QString::fromStdString(tok.idToPiece(tok.bosId()))},
                       {"eos_token", QString::fromStdString(tok.idToPiece(tok.eosId()))},
                       {"unk_token", QString::fromStdString(tok.idToPiece(tok.unkId()))},
                       {"pad_token", QString::fromStdString(tok.idToPiece(tok.padId()))},
                       {"add_bos_token", false},
                       {"add_eos_token", false},
                       {"clean_up_tokenization_spaces", false},
                       {"added_tokens_decoder", decoderMap}};
}

QJsonObject hfSpecialTokensMap(const Tokenizer& tok)
{
    return QJsonObject{{"bos_token", QString::fromStdString(tok.idToPiece(tok.bosId()))},
                       {"eos_token", QString::fromStdString(tok.idToPiece(tok.eosId()))},
                       {"unk_token", QString::fromStdString(tok.idToPiece(tok.unkId()))},
                       {"pad_token", QString::fromStdString(tok.idToPiece(tok.padId()))}};
}

} // namespace azllm
