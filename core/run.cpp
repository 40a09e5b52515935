// Run directory creation and configuration (see run.h).
#include "run.h"

#include "corpus.h"
#include "dataset.h"
#include "fsutil.h"

#include <QDateTime>
#include <QFileInfo>

namespace azllm {

namespace runpaths {
std::string config(const std::string& run) { return fs::join(run, "config.json"); }
std::string tokenizer(const std::string& run) { return fs::join(run, "tokenizer.model"); }
std::string trainBin(const std::string& run) { return fs::join(run, "data/train.bin"); }
std::string valBin(const std::string& run) { return fs::join(run, "data/val.bin"); }
std::string metrics(const std::string& run) { return fs::join(run, "metrics.csv"); }
std::string best(const std::string& run) { return fs::join(run, "checkpoints/best"); }
std::string last(const std::string& run) { return fs::join(run, "checkpoints/last"); }
std::string summary(const std::string& run) { return fs::join(run, "summary.json"); }
} // namespace runpaths

bool isRunDir(const std::string& dir) { return fs::exists(runpaths::config(dir)) && fs::exists(runpaths::trainBin(dir)); }

Status saveRunConfig(const RunConfig& cfg)
{
    return writeJsonFile(runpaths::config(cfg.runDir), runConfigJson(cfg));
}

Status checkCorpusUnchanged(const RunConfig& cfg)
{
    const std::string path = cfg.data.value("corpus").toString().toStdString();
    const std::string saved = cfg.data.value("corpus_fingerprint").toString().toStdString();
    if (path.empty() || saved.empty())
        return {}; // a run from before fingerprints were recorded: nothing to compare
    if (!fs::exists(path) && path.rfind(":/", 0) != 0)
        return Status::error("the corpus this run was prepared from, '" + path + "', no longer exists");
    auto now = scanCorpus(path);
    if (!now)
        return Status::error("the corpus this run was prepared from, '" + path + "', can no longer be read (" + now.message() + ")");
    if (now->fingerprint != saved)
        return Status::error("the corpus this run was prepared from, '" + path + "', has changed since the run started (" +
                             std::to_string(now->stats.bytes) + " bytes now, " +
                             std::to_string(static_cast<int64_t>(cfg.data.value("corpus_bytes").toDouble())) + " then)");
    return {};
}

QJsonObject runConfigJson(const RunConfig& cfg)
{
    QJsonObject o = cfg.raw;
    o["format"] = "azllm-run";
    o["format_version"] = kRunFormatVersion;
    o["preset"] = QString::fromStdString(cfg.preset);
    o["model"] = toJson(cfg.model);
    o["train"] = toJson(cfg.train);
    o["early_stopping"] = toJson(cfg.earlyStopping);
    o["data"] = cfg.data;
    o["tokenizer"] = cfg.tokenizer;
    return o;
}

Result<RunConfig> loadRunConfig(const std::string& runDir)
{
    using R = Result<RunConfig>;
    if (!fs::isDir(runDir))
        return R::error("run directory '" + runDir + "' does not exist");
    if (!fs::exists(runpaths::config(runDir)))
        return R::error("'" + runDir + "' is not a run directory (no config.json); start one with `azllm train`");
    auto o = readJsonFile(runpaths::config(runDir));
    if (!o)
        return R::error(o.message());
    return runConfigFromJson(*o, runDir);
}

Result<RunConfig> runConfigFromJson(const QJsonObject& o, const std::string& runDir)
{
    using R = Result<RunConfig>;
    if (o.value("format").toString() != "azllm-run")
        return R::error("'" + runpaths::config(runDir) + "' is not an AzLLM run configuration");
    const int version = o.value("format_version").toInt(-1);
    if (version > kRunFormatVersion)
        return R::error("run '" + runDir + "' was written by a newer AzLLM Studio (format " + std::to_string(version) +
                        "); update AzLLM Studio");
    RunConfig cfg;
    cfg.runDir = runDir;
    cfg.raw = o;
    cfg.preset = o.value("preset").toString().toStdString();
    auto model = gptConfigFromJson(o.value("model").toObject());
    if (!model)
        return R::error("config.json: " + model.message());
    auto train = trainConfigFromJson(o.value("train").toObject());
    if (!train)
        return R::error("config.json: " + train.message());
    auto es = earlyStoppingConfigFromJson(o.value("early_stopping").toObject());
    if (!es)
        return R::error("config.json: " + es.message());
    cfg.model = *model;
    cfg.train = *train;
    cfg.earlyStopping = *es;
    cfg.data = o.value("data").toObject();
    cfg.tokenizer = o.value("tokenizer").toObject();
    return cfg;
}

namespace {
Result<RunConfig> prepareRunImpl(const RunSetup& setup, const std::function<void(const std::string&)>& log);
}

Result<RunConfig> prepareRun(const RunSetup& setup, const std::function<void(const std::string&)>& log)
{
    const bool existed = fs::exists(setup.runDir);
    auto r = prepareRunImpl(setup, log);
    if (!r && !setup.runDir.empty() && !fs::exists(runpaths::config(setup.runDir))) {
        // A refused run leaves nothing half-made behind.
        if (existed) {
            fs::removeAll(runpaths::tokenizer(setup.runDir));
            fs::removeAll(fs::join(setup.runDir, "data"));
        } else {
            fs::removeAll(setup.runDir);
        }
    }
    return r;
}

namespace {
Result<RunConfig> prepareRunImpl(const RunSetup& setup, const std::function<void(const std::string&)>& log)
{
    using R = Result<RunConfig>;
    if (setup.runDir.empty())
        return R::error("no run directory given; pass --run-dir DIR");
    if (fs::exists(runpaths::config(setup.runDir)))
        return R::error("'" + setup.runDir + "' already holds a run; continue it with --resume or choose a new --run-dir");
    if (auto st = setup.model.validate(); !st)
        return R::error(st.message());
    if (auto st = setup.train.validate(); !st)
        return R::error(st.message());
    if (auto st = setup.earlyStopping.validate(); !st)
        return R::error(st.message());

    // The corpus is read as a stream, twice (check and sample, then encode), so its size is not
    // bounded by memory; the tokenizer trains on an even sample of at most 32 MiB.
    std::string sample;
    auto corpus = setup.tokenizerModel.empty() ? scanCorpusWithSample(setup.corpusPath, kTokenizerSampleBytes, sample)
                                               : scanCorpus(setup.corpusPath);
    if (!corpus)
        return R::error(corpus.message());
    log("corpus: " + std::to_string(corpus->stats.files) + " file(s), " + std::to_string(corpus->stats.bytes) +
        " bytes, " + std::to_string(corpus->stats.characters) + " characters, " + std::to_string(corpus->stats.lines) +
        " lines, " + std::to_string(corpus->stats.distinctCharacters) + " distinct characters");

    if (auto st = fs::makeDirs(fs::join(setup.runDir, "data")); !st)
        return R::error(st.message());
    const std::string tokPath = runpaths::tokenizer(setup.runDir);
    std::string tokSource;
    if (!setup.tokenizerModel.empty()) {
        auto bytes = fs::readFile(setup.tokenizerModel);
        if (!bytes)
            return R::error(bytes.message());
        if (auto t = Tokenizer::fromBytes(*bytes); !t)
            return R::error("'" + setup.tokenizerModel + "' is not a sentencepiece model: " + t.message());
        if (auto st = fs::writeFileAtomic(tokPath, *bytes); !st)
            return R::error(st.message());
        tokSource = setup.tokenizerModel;
        log("tokenizer: copied " + setup.tokenizerModel);
    } else {
        log("tokenizer: training " + setup.tokenizer.modelType + " with up to " + std::to_string(setup.tokenizer.vocabSize) +
            " pieces" + (static_cast<int64_t>(sample.size()) < corpus->stats.bytes
                             ? " on an even sample of " + std::to_string(sample.size() >> 20) + " MiB of the corpus"
                             : std::string()));
        if (auto st = Tokenizer::train(sample, setup.tokenizer, tokPath); !st)
            return R::error(st.message());
        std::string().swap(sample);
        tokSource = "trained";
    }
    auto tok = Tokenizer::load(tokPath);
    if (!tok)
        return R::error(tok.message());

    RunConfig cfg;
    cfg.runDir = setup.runDir;
    cfg.preset = setup.preset;
    cfg.model = setup.model;
    cfg.model.vocabSize = (*tok)->vocabSize();
    cfg.train = setup.train;
    cfg.earlyStopping = setup.earlyStopping;
    if (auto st = cfg.model.validate(); !st)
        return R::error(st.message());

    auto data = tokenizeCorpusToFiles(*corpus, **tok, cfg.train.valFraction, cfg.train.seed, cfg.model.blockSize,
                                      runpaths::trainBin(setup.runDir), runpaths::valBin(setup.runDir));
    if (!data)
        return R::error(data.message());
    log("data: " + std::to_string(data->totalTokens) + " tokens, " + std::to_string(data->trainTokens) + " train / " +
        std::to_string(data->valTokens) + " validation, vocabulary " + std::to_string(cfg.model.vocabSize));

    cfg.tokenizer = {{"model_type", QString::fromStdString((*tok)->modelType())},
                     {"vocab_size", (*tok)->vocabSize()},
                     {"source", QString::fromStdString(tokSource)}};
    // Absolute, so a resume from another working directory finds it again.
    const QString corpusPath = setup.corpusPath.rfind(":/", 0) == 0 ? QString::fromStdString(setup.corpusPath)
                                                                      : QFileInfo(QString::fromStdString(setup.corpusPath)).absoluteFilePath();
    cfg.data = {{"corpus", corpusPath},
                {"corpus_fingerprint", QString::fromStdString(corpus->fingerprint)},
                {"corpus_bytes", double(corpus->stats.bytes)},
                {"corpus_files", corpus->stats.files},
                {"total_tokens", double(data->totalTokens)},
                {"train_tokens", double(data->trainTokens)},
                {"val_tokens", double(data->valTokens)}};
    cfg.raw["created"] = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    if (auto st = saveRunConfig(cfg); !st)
        return R::error(st.message());
    // Reload so the returned config is exactly what a resume will see.
    return loadRunConfig(setup.runDir);
}

} // namespace

} // namespace azllm
