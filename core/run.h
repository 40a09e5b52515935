// A run directory: creating one from a corpus (tokenizer, split token files, config.json) and
// reading its configuration back. Layout (DESIGN.md): config.json, tokenizer.model,
// data/{train,val}.bin, metrics.csv, checkpoints/{best,last}/.
#pragma once

#include "config.h"
#include "result.h"
#include "tokenizer.h"

#include <functional>
#include <string>

namespace azllm {

constexpr int kRunFormatVersion = 1;

struct RunSetup {
    std::string corpusPath;
    std::string runDir;
    std::string preset = "tiny";
    std::string tokenizerModel;            // existing .model to copy; empty = train a new one
    TokenizerTrainConfig tokenizer;        // used when training a new one
    GptConfig model;
    TrainConfig train;
    EarlyStoppingConfig earlyStopping;
};

struct RunConfig {
    std::string runDir;
    std::string preset;
    GptConfig model;
    TrainConfig train;
    EarlyStoppingConfig earlyStopping;
    QJsonObject data;      // corpus path, fingerprint, token counts
    QJsonObject tokenizer; // model type, vocab size
    QJsonObject raw;
};

namespace runpaths {
std::string config(const std::string& run);
std::string tokenizer(const std::string& run);
std::string trainBin(const std::string& run);
std::string valBin(const std::string& run);
std::string metrics(const std::string& run);
std::string best(const std::string& run);
std::string last(const std::string& run);
std::string summary(const std::string& run);
} // namespace runpaths

bool isRunDir(const std::string& dir);
// Loads the corpus, trains or copies the tokenizer, splits and tokenizes, writes config.json.
// The model's vocab size becomes the tokenizer's. log receives one line per stage.
Result<RunConfig> prepareRun(const RunSetup& setup, const std::function<void(const std::string&)>& log);
Result<RunConfig> loadRunConfig(const std::string& runDir);
// The same from config.json's object (also how rank 0 hands its configuration to other ranks).
Result<RunConfig> runConfigFromJson(const QJsonObject& o, const std::string& runDir);
Status saveRunConfig(const RunConfig& cfg);
// Before a resume: the corpus the run was prepared from still exists and has the fingerprint
// recorded in config.json (it is read again, as a stream). The run trains on its saved token
// files either way; a changed corpus means those no longer describe it, which the user decides.
Status checkCorpusUnchanged(const RunConfig& cfg);
// config.json's object for cfg: raw with the typed fields written over it.
QJsonObject runConfigJson(const RunConfig& cfg);

} // namespace azllm
