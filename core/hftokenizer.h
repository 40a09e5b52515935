// Hugging Face `tokenizers` files from one of our sentencepiece models, converted the way
// Hugging Face converts a sentencepiece model (Unigram or BPE model, Metaspace pre-tokenizer and
// decoder, byte fallback, special tokens), so that `tokenizer.json` encodes text to the same ids.
#pragma once

#include "result.h"
#include "tokenizer.h"

#include <QJsonObject>

namespace azllm {

Result<QJsonObject> hfTokenizerJson(const Tokenizer& tok);
QJsonObject hfTokenizerConfig(const Tokenizer& tok, int64_t modelMaxLength);
QJsonObject hfSpecialTokensMap(const Tokenizer& tok);

} // namespace azllm
