// azllm subcommands (see cli.h and DESIGN.md's command-line contract).
#include "cli.h"

#include "bench.h"
#include "checkpoint.h"
#include "config.h"
#include "corpus.h"
#include "fsutil.h"
#include "platform.h"
#include "run.h"
#include "tokenizer.h"
#include "trainer.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <c10/util/Exception.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>

namespace azllm::cli {

namespace {

const char* kUsage = R"(azllm - train, early-stop, export and chat with small GPT language models

Usage:
  azllm tokenizer train --corpus PATH --vocab-size N --out FILE.model [--model-type unigram|bpe]
  azllm train    --corpus PATH --run-dir DIR [--preset tiny|small|az-100m] [--config FILE.json]
                 [--patience N] [--min-delta X] [--eval-every epoch|STEPS] [--max-epochs N]
                 [--max-steps N] [--seed S] [--threads N] [--resume] [--json]
                 [--tokenizer FILE.model] [--vocab-size N] [--learning-rate X] [--batch-size N]
                 [--block-size N] [--grad-accum N] [--warmup-steps N] [--dropout X]
                 [--stop-threshold X]
  azllm export   --run-dir DIR [--checkpoint best|last] --out DIR [--format pt|hf|all]
  azllm generate --model PATH --prompt TEXT [--max-new-tokens N] [--temperature T] [--top-k K]
                 [--top-p P] [--repetition-penalty R] [--seed S] [--stop STR]...
  azllm score    --model PATH --text TEXT|--file PATH [--json]    (mean NLL and perplexity)
  azllm chat     --model PATH                                      (interactive terminal chat)
  azllm bench    train|generate [--preset P] [--json] [--steps N] [--threads N] [--batch-size N]
  azllm info     PATH                                              (describe a run, checkpoint, tokenizer or corpus)

  --corpus demo selects the bundled Azerbaijani demo corpus.
  azllm --help | --version

Exit codes: 0 done, 1 runtime error, 2 usage error.
)";

struct UsageError {
    std::string message;
};

int fail(const std::string& msg, int code = kRuntimeError)
{
    std::fprintf(stderr, "azllm: error: %s\n", msg.c_str());
    return code;
}

std::string corpusArg(const std::string& v) { return v == "demo" ? demoCorpusPath() : v; }

Args parse(int argc, char** argv, int first, const std::set<std::string>& flags, const std::set<std::string>& switches)
{
    Args a;
    for (int i = first; i < argc; ++i) {
        std::string s = argv[i];
        if (s.rfind("--", 0) == 0 && s.size() > 2) {
            std::string name = s.substr(2), value;
            bool inlineValue = false;
            if (auto eq = name.find('='); eq != std::string::npos) {
                value = name.substr(eq + 1);
                name = name.substr(0, eq);
                inlineValue = true;
            }
            if (switches.count(name)) {
                if (inlineValue)
                    throw UsageError{"--" + name + " takes no value"};
                a.values[name].push_back("1");
            } else if (flags.count(name)) {
                if (!inlineValue) {
                    if (i + 1 >= argc)
                        throw UsageError{"--" + name + " needs a value"};
                    value = argv[++i];
                }
                a.values[name].push_back(value);
            } else {
                throw UsageError{"unknown option --" + name + " (see azllm --help)"};
            }
            a.order.push_back(name);
        } else {
            a.positional.push_back(s);
        }
    }
    return a;
}

int64_t toInt(const Args& a, const std::string& f, int64_t min, int64_t max)
{
    const std::string v = a.get(f);
    try {
        size_t used = 0;
        const long long x = std::stoll(v, &used);
        if (used != v.size())
            throw std::invalid_argument(v);
        if (x < min || x > max)
            throw UsageError{"--" + f + " must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + v};
        return x;
    } catch (const std::logic_error&) {
        throw UsageError{"--" + f + " needs a whole number, got '" + v + "'"};
    }
}

double toDouble(const Args& a, const std::string& f)
{
    const std::string v = a.get(f);
    try {
        size_t used = 0;
        const double x = std::stod(v, &used);
        if (used != v.size())
            throw std::invalid_argument(v);
        return x;
    } catch (const std::logic_error&) {
        throw UsageError{"--" + f + " needs a number, got '" + v + "'"};
    }
}

std::string jsonLine(const QJsonObject& o) { return QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString(); }

void warnBlasOnce()
{
    const std::string w = blasWarning();
    if (!w.empty())
        std::fprintf(stderr, "azllm: %s\n", w.c_str());
}

// ---- tokenizer train ---------------------------------------------------------------------------

int cmdTokenizer(int argc, char** argv)
{
    if (argc < 3 || std::string(argv[2]) != "train")
        throw UsageError{"use `azllm tokenizer train --corpus PATH --vocab-size N --out FILE.model`"};
    Args a = parse(argc, argv, 3, {"corpus", "vocab-size", "out", "model-type", "threads"}, {});
    if (!a.positional.empty())
        throw UsageError{"unexpected argument '" + a.positional.front() + "'"};
    for (const char* f : {"corpus", "vocab-size", "out"})
        if (!a.has(f))
            throw UsageError{std::string("tokenizer train needs --") + f};
    TokenizerTrainConfig cfg;
    cfg.vocabSize = static_cast<int>(toInt(a, "vocab-size", 1, 1000000));
    cfg.modelType = a.get("model-type", "unigram");
    if (cfg.modelType != "unigram" && cfg.modelType != "bpe")
        throw UsageError{"--model-type must be unigram or bpe, got '" + cfg.modelType + "'"};
    if (a.has("threads"))
        cfg.threads = static_cast<int>(toInt(a, "threads", 1, 1024));
    auto corpus = loadCorpus(corpusArg(a.get("corpus")));
    if (!corpus)
        return fail(corpus.message());
    std::string text;
    for (const auto& d : corpus->documents)
        text += d.text;
    if (auto st = Tokenizer::train(text, cfg, a.get("out")); !st)
        return fail(st.message());
    auto tok = Tokenizer::load(a.get("out"));
    if (!tok)
        return fail(tok.message());
    std::printf("tokenizer: %s (%s, %d pieces; unk %d, bos %d, eos %d, pad %d)\n", a.get("out").c_str(),
                (*tok)->modelType().c_str(), (*tok)->vocabSize(), (*tok)->unkId(), (*tok)->bosId(), (*tok)->eosId(),
                (*tok)->padId());
    return kOk;
}

// ---- train -------------------------------------------------------------------------------------

std::string fmt(double v, int prec = 4)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", prec, v);
    return buf;
}

TrainControl* g_control = nullptr;
void onSigint(int)
{
    if (g_control)
        g_control->stop = true;
}

int cmdTrain(int argc, char** argv)
{
    Args a = parse(argc, argv, 2,
                   {"corpus", "run-dir", "preset", "config", "patience", "min-delta", "eval-every", "max-epochs",
                    "max-steps", "seed", "threads", "tokenizer", "vocab-size", "learning-rate", "batch-size",
                    "block-size", "grad-accum", "warmup-steps", "dropout", "stop-threshold", "model-type", "eval-iters"},
                   {"resume", "json"});
    if (!a.positional.empty())
        throw UsageError{"unexpected argument '" + a.positional.front() + "'"};
    if (!a.has("run-dir"))
        throw UsageError{"train needs --run-dir DIR"};
    const bool resume = a.has("resume");
    const bool json = a.has("json");
    if (!resume && !a.has("corpus"))
        throw UsageError{"train needs --corpus PATH (a UTF-8 .txt file, a folder of them, or 'demo')"};

    auto preset = presetByName(a.get("preset", "tiny"));
    if (!preset)
        throw UsageError{preset.message()};
    RunSetup setup;
    setup.preset = preset->name;
    setup.model = preset->model;
    setup.train = preset->train;
    setup.runDir = a.get("run-dir");
    setup.corpusPath = a.has("corpus") ? corpusArg(a.get("corpus")) : "";
    setup.tokenizer.vocabSize = static_cast<int>(preset->model.vocabSize);
    // The preset's vocabulary is an upper bound for a tokenizer trained here; --vocab-size is exact.
    setup.tokenizer.hardVocabLimit = false;
    if (a.has("config")) {
        auto o = readJsonFile(a.get("config"));
        if (!o)
            return fail(o.message(), kUsageError);
        if (o->contains("model")) {
            QJsonObject m = toJson(setup.model);
            for (auto it = (*o)["model"].toObject().begin(); it != (*o)["model"].toObject().end(); ++it)
                m[it.key()] = it.value();
            auto g = gptConfigFromJson(m);
            if (!g)
                return fail("--config: " + g.message(), kUsageError);
            setup.model = *g;
            setup.tokenizer.vocabSize = static_cast<int>(setup.model.vocabSize);
        }
        if (o->contains("train")) {
            QJsonObject t = toJson(setup.train);
            const QJsonObject src = (*o)["train"].toObject();
            for (auto it = src.begin(); it != src.end(); ++it)
                t[it.key()] = it.value();
            auto tc = trainConfigFromJson(t);
            if (!tc)
                return fail("--config: " + tc.message(), kUsageError);
            setup.train = *tc;
        }
        if (o->contains("early_stopping")) {
            QJsonObject e = toJson(setup.earlyStopping);
            const QJsonObject src = (*o)["early_stopping"].toObject();
            for (auto it = src.begin(); it != src.end(); ++it)
                e[it.key()] = it.value();
            auto ec = earlyStoppingConfigFromJson(e);
            if (!ec)
                return fail("--config: " + ec.message(), kUsageError);
            setup.earlyStopping = *ec;
        }
    }
    if (a.has("patience")) setup.earlyStopping.patience = static_cast<int>(toInt(a, "patience", 0, 1000000));
    if (a.has("min-delta")) setup.earlyStopping.minDelta = toDouble(a, "min-delta");
    if (a.has("stop-threshold")) setup.earlyStopping.stopThreshold = toDouble(a, "stop-threshold");
    if (a.has("eval-every")) setup.train.evalEvery = a.get("eval-every") == "epoch" ? 0 : toInt(a, "eval-every", 1, INT64_MAX);
    if (a.has("eval-iters")) setup.train.evalIters = toInt(a, "eval-iters", 1, 1000000);
    if (a.has("max-epochs")) setup.train.maxEpochs = toInt(a, "max-epochs", 0, 1000000000);
    if (a.has("max-steps")) setup.train.maxSteps = toInt(a, "max-steps", 0, INT64_MAX);
    if (a.has("seed")) setup.train.seed = static_cast<uint64_t>(toInt(a, "seed", 0, INT64_MAX));
    if (a.has("threads")) setup.train.threads = static_cast<int>(toInt(a, "threads", 0, 1024));
    if (a.has("learning-rate")) setup.train.learningRate = toDouble(a, "learning-rate");
    if (a.has("batch-size")) setup.train.batchSize = toInt(a, "batch-size", 1, 1000000);
    if (a.has("grad-accum")) setup.train.gradAccum = toInt(a, "grad-accum", 1, 1000000);
    if (a.has("warmup-steps")) setup.train.warmupSteps = toInt(a, "warmup-steps", 0, INT64_MAX);
    if (a.has("block-size")) setup.model.blockSize = toInt(a, "block-size", 2, 65536);
    if (a.has("dropout")) setup.model.dropout = toDouble(a, "dropout");
    if (a.has("vocab-size")) {
        setup.tokenizer.vocabSize = static_cast<int>(toInt(a, "vocab-size", 1, 1000000));
        setup.tokenizer.hardVocabLimit = true;
    }
    if (a.has("model-type")) setup.tokenizer.modelType = a.get("model-type");
    if (a.has("tokenizer")) setup.tokenizerModel = a.get("tokenizer");
    for (auto* st : {&setup.train, static_cast<TrainConfig*>(nullptr)})
        if (st)
            if (auto s = st->validate(); !s)
                throw UsageError{s.message()};
    if (auto s = setup.earlyStopping.validate(); !s)
        throw UsageError{s.message()};
    if (auto s = setup.model.validate(); !s)
        throw UsageError{s.message()};
    setup.tokenizer.threads = effectiveThreads(setup.train.threads);

    warnBlasOnce();
    auto log = [&](const std::string& m) {
        if (json)
            std::printf("%s\n", jsonLine({{"event", "log"}, {"message", QString::fromStdString(m)}}).c_str());
        else
            std::printf("%s\n", m.c_str());
        std::fflush(stdout);
    };

    Result<RunConfig> cfg = Result<RunConfig>::error("");
    if (resume) {
        auto saved = loadRunConfig(setup.runDir);
        if (!saved)
            return fail("cannot resume: " + saved.message());
        RunConfig requested = *saved;
        requested.train = setup.train;
        requested.earlyStopping = setup.earlyStopping;
        std::vector<std::string> changed = a.order;
        cfg = mergeResumeConfig(*saved, requested, changed);
        if (!cfg)
            return fail(cfg.message(), kUsageError);
        if (a.has("corpus"))
            return fail("--resume continues from the run's saved token data; drop --corpus", kUsageError);
        if (!saveRunConfig(*cfg))
            return fail("cannot update " + runpaths::config(setup.runDir));
    } else {
        cfg = prepareRun(setup, log);
        if (!cfg)
            return fail(cfg.message());
    }

    TrainControl control;
    g_control = &control;
    std::signal(SIGINT, onSigint);
    std::signal(SIGTERM, onSigint);
    double lastPrint = -1;
    auto cb = [&](const TrainEvent& e) {
        switch (e.kind) {
        case TrainEvent::Kind::Started:
            log(e.message);
            break;
        case TrainEvent::Kind::Step:
            if (json) {
                std::printf("%s\n", jsonLine({{"event", "step"}, {"step", double(e.step)}, {"epoch", e.epoch},
                                              {"tokens", double(e.tokens)}, {"loss", e.loss}, {"lr", e.lr},
                                              {"tokens_per_s", e.tokensPerS}, {"elapsed_s", e.elapsedS}}).c_str());
            } else if (e.elapsedS - lastPrint >= 2.0 || e.step == 1) {
                lastPrint = e.elapsedS;
                std::printf("step %lld  epoch %.2f  loss %.4f  lr %.2e  %.0f tok/s\n", static_cast<long long>(e.step), e.epoch,
                            e.loss, e.lr, e.tokensPerS);
            }
            break;
        case TrainEvent::Kind::Eval:
            if (json) {
                std::printf("%s\n", jsonLine({{"event", "eval"}, {"step", double(e.step)}, {"epoch", e.epoch},
                                              {"tokens", double(e.tokens)}, {"train_loss", e.trainLoss},
                                              {"val_loss", e.valLoss}, {"improved", e.improved}, {"wait", e.wait},
                                              {"patience", e.patience}, {"best_val_loss", e.bestValLoss},
                                              {"best_step", double(e.bestStep)}, {"elapsed_s", e.elapsedS}}).c_str());
            } else {
                std::printf("eval step %lld  epoch %.2f  train %.4f  val %.4f  %s\n", static_cast<long long>(e.step), e.epoch,
                            e.trainLoss, e.valLoss,
                            e.improved ? "improved (best)"
                                       : ("no improvement " + std::to_string(e.wait) + "/" + std::to_string(e.patience) +
                                          " (best " + fmt(e.bestValLoss) + " at step " + std::to_string(e.bestStep) + ")")
                                             .c_str());
            }
            break;
        case TrainEvent::Kind::Checkpoint:
        case TrainEvent::Kind::Log:
            log(e.message);
            break;
        case TrainEvent::Kind::Finished:
            break;
        }
        std::fflush(stdout);
        return true;
    };
    auto summary = train(*cfg, resume, control, cb);
    g_control = nullptr;
    if (!summary)
        return fail(summary.message());
    if (json) {
        QJsonObject o = summary->toJson();
        o["event"] = "summary";
        o["run_dir"] = QString::fromStdString(cfg->runDir);
        std::printf("%s\n", jsonLine(o).c_str());
    } else {
        std::string why;
        switch (summary->reason) {
        case StopReason::Patience: why = "early stop: no improvement for " + std::to_string(cfg->earlyStopping.patience) + " evaluations"; break;
        case StopReason::Diverged: why = "diverged (non-finite loss)"; break;
        case StopReason::Threshold: why = "reached the stopping threshold"; break;
        case StopReason::MaxEpochs: why = "reached max epochs"; break;
        case StopReason::MaxSteps: why = "reached max steps"; break;
        case StopReason::User: why = "stopped by user"; break;
        case StopReason::None: why = "finished"; break;
        }
        std::printf("\nsummary\n  stop reason    %s (%s)\n  best step      %lld\n  best val loss  %s\n  stop step      %lld\n"
                    "  epochs         %.2f\n  wall time      %.1f s\n  tokens/s       %.0f\n  weights        %s\n  run dir        %s\n",
                    toString(summary->reason).c_str(), why.c_str(), static_cast<long long>(summary->bestStep),
                    summary->bestStep >= 0 ? fmt(summary->bestValLoss).c_str() : "-", static_cast<long long>(summary->stopStep),
                    summary->epochs, summary->wallS, summary->tokensPerS,
                    summary->restoredBest ? "restored to the best checkpoint" : "as at the stop step", cfg->runDir.c_str());
    }
    return kOk;
}

// ---- info --------------------------------------------------------------------------------------

std::string human(int64_t bytes)
{
    char buf[64];
    if (bytes >= (1 << 20))
        std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
    else if (bytes >= 1024)
        std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024);
    else
        std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
    return buf;
}

int describeTokenizer(const std::string& path)
{
    auto tok = Tokenizer::load(path);
    if (!tok)
        return fail(tok.message());
    std::printf("tokenizer %s\n  type        sentencepiece %s\n  vocabulary  %d pieces\n  specials    unk %d, bos %d, eos %d, pad %d\n  size        %s\n",
                path.c_str(), (*tok)->modelType().c_str(), (*tok)->vocabSize(), (*tok)->unkId(), (*tok)->bosId(),
                (*tok)->eosId(), (*tok)->padId(), human(fs::fileSize(path)).c_str());
    return kOk;
}

int describeCheckpoint(const std::string& dir, const char* indent)
{
    auto state = readJsonFile(fs::join(dir, "trainer_state.json"));
    if (!state)
        return fail(state.message());
    const auto& s = *state;
    std::printf("%scheckpoint %s: step %lld, epoch %.2f, best step %lld, best val loss %s, patience counter %d%s\n", indent,
                dir.c_str(), static_cast<long long>(s["step"].toDouble()), s["epoch"].toDouble(),
                static_cast<long long>(s["best_step"].toDouble()),
                s["best_val_loss"].isDouble() ? fmt(s["best_val_loss"].toDouble()).c_str() : "-", s["patience_counter"].toInt(),
                s.contains("stop_reason") ? (", stopped: " + s["stop_reason"].toString().toStdString() + " at step " +
                                             std::to_string(static_cast<long long>(s["stop_step"].toDouble())))
                                                .c_str()
                                          : "");
    std::printf("%s  model.pt %s, optimizer.pt %s\n", indent, human(fs::fileSize(fs::join(dir, "model.pt"))).c_str(),
                fs::exists(fs::join(dir, "optimizer.pt")) ? human(fs::fileSize(fs::join(dir, "optimizer.pt"))).c_str() : "none");
    return kOk;
}

int cmdInfo(int argc, char** argv)
{
    Args a = parse(argc, argv, 2, {}, {"json"});
    if (a.positional.size() != 1)
        throw UsageError{"info needs exactly one PATH (a run directory, checkpoint, .model file or corpus)"};
    const std::string path = a.positional.front() == "demo" ? demoCorpusPath() : a.positional.front();
    if (path.rfind(":/", 0) != 0 && !fs::exists(path))
        return fail("'" + path + "' does not exist");
    if (fs::isDir(path) && fs::exists(runpaths::config(path))) {
        auto cfg = loadRunConfig(path);
        if (!cfg)
            return fail(cfg.message());
        const auto& m = cfg->model;
        std::printf("run %s\n  preset      %s\n  model       %lld layers, %lld heads, %lld dims, block %lld, vocab %lld (%lld parameters)\n",
                    path.c_str(), cfg->preset.c_str(), static_cast<long long>(m.nLayer), static_cast<long long>(m.nHead),
                    static_cast<long long>(m.nEmbd), static_cast<long long>(m.blockSize), static_cast<long long>(m.vocabSize),
                    static_cast<long long>(m.parameterCount()));
        std::printf("  training    batch %lld x %lld, lr %g, warm-up %lld, weight decay %g, max epochs %lld, max steps %lld, seed %llu\n",
                    static_cast<long long>(cfg->train.batchSize), static_cast<long long>(cfg->train.gradAccum), cfg->train.learningRate,
                    static_cast<long long>(cfg->train.warmupSteps), cfg->train.weightDecay, static_cast<long long>(cfg->train.maxEpochs),
                    static_cast<long long>(cfg->train.maxSteps), static_cast<unsigned long long>(cfg->train.seed));
        std::printf("  early stop  patience %d, min delta %g, evaluate %s\n", cfg->earlyStopping.patience, cfg->earlyStopping.minDelta,
                    cfg->train.evalEvery > 0 ? ("every " + std::to_string(cfg->train.evalEvery) + " steps").c_str() : "every epoch");
        const std::string corpusName = cfg->data["corpus"].toString().toStdString();
        std::printf("  data        %s: %lld train / %lld validation tokens\n",
                    corpusName == demoCorpusPath() ? "demo (Azerbaijani UDHR, bundled)" : corpusName.c_str(),
                    static_cast<long long>(cfg->data["train_tokens"].toDouble()), static_cast<long long>(cfg->data["val_tokens"].toDouble()));
        std::printf("  tokenizer   %s, %d pieces\n", cfg->tokenizer["model_type"].toString().toStdString().c_str(),
                    cfg->tokenizer["vocab_size"].toInt());
        for (const auto& ck : {runpaths::best(path), runpaths::last(path)})
            if (fs::isDir(ck))
                describeCheckpoint(ck, "  ");
        if (auto s = readJsonFile(runpaths::summary(path)); s)
            std::printf("  summary     %s\n", QJsonDocument(*s).toJson(QJsonDocument::Compact).toStdString().c_str());
        return kOk;
    }
    if (fs::isDir(path) && fs::exists(fs::join(path, "trainer_state.json")))
        return describeCheckpoint(path, "");
    if (path.size() > 6 && path.substr(path.size() - 6) == ".model")
        return describeTokenizer(path);
    if (path.size() > 3 && path.substr(path.size() - 3) == ".pt") {
        auto t = readTensorDict(path);
        if (!t)
            return fail(t.message());
        int64_t params = 0;
        for (const auto& kv : *t)
            if (kv.first != "lm_head.weight")
                params += kv.second.numel();
        std::printf("tensor file %s: %zu tensors, %lld values, %s\n", path.c_str(), t->size(), static_cast<long long>(params),
                    human(fs::fileSize(path)).c_str());
        return kOk;
    }
    // A corpus: a .txt file or a folder of them.
    auto corpus = loadCorpus(path);
    if (!corpus)
        return fail(corpus.message());
    const auto& s = corpus->stats;
    std::printf("corpus %s\n  files       %d\n  bytes       %lld\n  characters  %lld\n  lines       %lld\n  distinct    %lld characters\n",
                path == demoCorpusPath() ? "demo (Azerbaijani UDHR, bundled)" : path.c_str(), s.files,
                static_cast<long long>(s.bytes), static_cast<long long>(s.characters), static_cast<long long>(s.lines),
                static_cast<long long>(s.distinctCharacters));
    return kOk;
}

int cmdBench(int argc, char** argv)
{
    if (argc < 3 || (std::string(argv[2]) != "train" && std::string(argv[2]) != "generate"))
        throw UsageError{"use `azllm bench train|generate [--preset P] [--json]`"};
    if (std::string(argv[2]) == "generate")
        return fail("`azllm bench generate` is not available in this build yet; it comes with the generation engine");
    Args a = parse(argc, argv, 3, {"preset", "steps", "warmup", "threads", "batch-size"}, {"json"});
    if (!a.positional.empty())
        throw UsageError{"unexpected argument '" + a.positional.front() + "'"};
    BenchTrainOptions opt;
    opt.preset = a.get("preset", "tiny");
    if (!presetByName(opt.preset))
        throw UsageError{presetByName(opt.preset).message()};
    if (a.has("steps")) opt.steps = static_cast<int>(toInt(a, "steps", 1, 100000));
    if (a.has("warmup")) opt.warmupSteps = static_cast<int>(toInt(a, "warmup", 0, 100000));
    if (a.has("threads")) opt.threads = static_cast<int>(toInt(a, "threads", 0, 1024));
    if (a.has("batch-size")) opt.batchSize = toInt(a, "batch-size", 1, 100000);
    warnBlasOnce();
    auto r = benchTrain(opt);
    if (!r)
        return fail(r.message());
    if (a.has("json")) {
        std::printf("%s\n", jsonLine(*r).c_str());
    } else {
        const auto& o = *r;
        std::printf("bench train %s: %.0f tokens/s, %.1f ms/step (min %.1f, max %.1f), MFU %.1f%% of %.1f GFLOP/s matmul peak, peak RSS %.0f MiB\n"
                    "  shape: n_layer %d, n_head %d, n_embd %d, block %d, vocab %d, batch %d, threads %d, float32\n",
                    opt.preset.c_str(), o["tokens_per_s"].toDouble(), o["ms_per_step"].toDouble(), o["ms_per_step_min"].toDouble(),
                    o["ms_per_step_max"].toDouble(), 100 * o["mfu"].toDouble(), o["matmul_peak_gflops"].toDouble(),
                    o["peak_rss_bytes"].toDouble() / (1 << 20), o["n_layer"].toInt(), o["n_head"].toInt(), o["n_embd"].toInt(),
                    o["block_size"].toInt(), o["vocab_size"].toInt(), o["batch_size"].toInt(), o["threads"].toInt());
    }
    return kOk;
}

int notYet(const std::string& cmd)
{
    return fail("`azllm " + cmd + "` is not available in this build yet; it is planned (see the project's issues)");
}

} // namespace

std::string Args::get(const std::string& f, const std::string& def) const
{
    auto it = values.find(f);
    return it == values.end() || it->second.empty() ? def : it->second.back();
}

int run(int argc, char** argv)
{
    if (argc < 2)
        return fail("no command given; run `azllm --help` for the list of commands", kUsageError);
    const std::string cmd = argv[1];
    try {
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            std::fputs(kUsage, stdout);
            return kOk;
        }
        if (cmd == "--version") {
            std::printf("azllm %s\n", AZLLM_VERSION);
            return kOk;
        }
        for (int i = 2; i < argc; ++i)
            if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
                std::fputs(kUsage, stdout);
                return kOk;
            }
        if (cmd == "tokenizer")
            return cmdTokenizer(argc, argv);
        if (cmd == "train")
            return cmdTrain(argc, argv);
        if (cmd == "info")
            return cmdInfo(argc, argv);
        if (cmd == "bench")
            return cmdBench(argc, argv);
        if (cmd == "export" || cmd == "generate" || cmd == "score" || cmd == "chat")
            return notYet(cmd);
        return fail("unknown command '" + cmd + "' (see azllm --help)", kUsageError);
    } catch (const UsageError& e) {
        return fail(e.message, kUsageError);
    } catch (const c10::Error& e) {
        return fail(e.what_without_backtrace());
    } catch (const std::exception& e) {
        return fail(e.what());
    }
}

} // namespace azllm::cli
