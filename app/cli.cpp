// azllm subcommands (see cli.h and DESIGN.md's command-line contract).
#include "cli.h"

#include "bench.h"
#include "checkpoint.h"
#include "config.h"
#include "corpus.h"
#include "distributed.h"
#include "export.h"
#include "generate.h"
#include "inference.h"
#include "fsutil.h"
#include "platform.h"
#include "precision.h"
#include "run.h"
#include "tokenizer.h"
#include "trainer.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>

#include <c10/util/Exception.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>
#include <unistd.h>

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
                 [--stop-threshold X] [--device cpu|cuda] [--precision fp32|bf16]
                 [--ignore-corpus-change]
                 --precision bf16: bfloat16 autocast with fp32 weights and optimizer state (fast
                 on CPUs with AVX512-BF16; see docs/performance.md).
                 Data-parallel over processes and machines when launched by torchrun (or with
                 RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set): see docs/distributed.md.
  azllm export   --run-dir DIR [--checkpoint best|last] --out DIR [--format pt|hf|all]
                 [--dtype fp32|bf16|fp16] [--json]
  azllm generate --model PATH --prompt TEXT [--max-new-tokens N] [--temperature T] [--top-k K]
                 [--top-p P] [--min-p P] [--repetition-penalty R] [--seed S] [--stop STR]...
                 [--checkpoint best|last] [--threads N] [--json]
  azllm score    --model PATH --text TEXT|--file PATH [--json]    (mean NLL and perplexity)
  azllm chat     --model PATH [sampling options as generate]      (interactive terminal chat)
  azllm bench    train|generate [--preset P] [--json] [--steps N] [--threads N] [--batch-size N]
                 [--precision fp32|bf16] [--new-tokens N] [--prompt-tokens N] [--no-baseline]
  azllm info     PATH        (describe a run, checkpoint, export folder, Hugging Face folder, tokenizer or corpus)

  --model takes a run directory (its best checkpoint), a *_final.pt export folder or a Hugging
  Face export folder. Sampling: --temperature 0 is greedy; --top-k 0, --top-p 1, --min-p 0 and
  --repetition-penalty 1 disable those filters; --seed makes sampling reproducible.

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
    std::string text;
    auto corpus = scanCorpusWithSample(corpusArg(a.get("corpus")), kTokenizerSampleBytes, text);
    if (!corpus)
        return fail(corpus.message());
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
                    "block-size", "grad-accum", "warmup-steps", "dropout", "stop-threshold", "model-type", "eval-iters",
                    "device", "precision"},
                   {"resume", "json", "ignore-corpus-change"});
    if (!a.positional.empty())
        throw UsageError{"unexpected argument '" + a.positional.front() + "'"};
    if (!a.has("run-dir"))
        throw UsageError{"train needs --run-dir DIR"};
    if (a.has("ignore-corpus-change") && !a.has("resume"))
        throw UsageError{"--ignore-corpus-change applies only with --resume"};
    bool resume = a.has("resume");
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
            const QJsonObject src = (*o)["model"].toObject(); // one object: begin() and end() must match
            for (auto it = src.begin(); it != src.end(); ++it)
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
    if (a.has("precision")) setup.train.precision = a.get("precision");
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
    TrainRuntime runtime;
    runtime.device = a.get("device", "cpu");
    if (auto st = checkDevice(runtime.device); !st)
        return fail(st.message(), kUsageError);
    auto denv = distEnvFromEnvironment();
    if (!denv)
        return fail(denv.message(), kUsageError);

    warnBlasOnce();
    auto log = [&](const std::string& m) {
        if (json)
            std::printf("%s\n", jsonLine({{"event", "log"}, {"message", QString::fromStdString(m)}}).c_str());
        else
            std::printf("%s\n", m.c_str());
        std::fflush(stdout);
    };

    // Several processes: join the group first; rank 0 then prepares (or reopens) the run alone
    // and hands its configuration to the others, which never touch the run directory.
    std::unique_ptr<Distributed> dist;
    if (denv->enabled()) {
        log("joining the training group as " + denv->describe());
        auto d = Distributed::connect(*denv);
        if (!d)
            return fail(d.message());
        dist = std::move(*d);
        runtime.dist = dist.get();
    }
    const bool lead = !dist || dist->lead();

    int failCode = kRuntimeError;
    auto openRun = [&]() -> Result<RunConfig> {
        using RC = Result<RunConfig>;
        if (resume) {
            auto saved = loadRunConfig(setup.runDir);
            if (!saved)
                return RC::error("cannot resume: " + saved.message());
            RunConfig requested = *saved;
            requested.train = setup.train;
            requested.earlyStopping = setup.earlyStopping;
            std::vector<std::string> changed = a.order;
            auto merged = mergeResumeConfig(*saved, requested, changed);
            if (!merged) {
                failCode = kUsageError;
                return merged;
            }
            if (a.has("corpus")) {
                failCode = kUsageError;
                return RC::error("--resume continues from the run's saved token data; drop --corpus");
            }
            if (!a.has("ignore-corpus-change"))
                if (auto st = checkCorpusUnchanged(*merged); !st)
                    return RC::error("cannot resume: " + st.message() +
                                     "; the run's saved token data no longer matches it. Start a new run on the corpus as it is "
                                     "now, or pass --ignore-corpus-change to continue on the saved token data");
            if (auto st = saveRunConfig(*merged); !st)
                return RC::error("cannot resume: " + st.message());
            return merged;
        }
        return prepareRun(setup, log);
    };
    Result<RunConfig> cfg = lead ? openRun() : Result<RunConfig>::error("");
    if (dist) {
        // Preparing a large corpus can outlast the collectives' timeout: the others wait on a
        // store key instead, then hear the outcome.
        Status st = dist->lead() ? dist->announce("prepared") : dist->awaitAnnouncement("prepared", dist->env().prepareTimeout);
        if (!st)
            return fail(st.message());
        st = lead && !cfg ? Status::error(cfg.message()) : Status();
        st = dist->agree(st);
        if (!st)
            return fail(st.message(), lead ? failCode : kRuntimeError);
        std::string payload;
        if (lead)
            payload = QJsonDocument(QJsonObject{{"config", runConfigJson(*cfg)}, {"resume", resume}}).toJson(QJsonDocument::Compact).toStdString();
        if (auto bst = dist->broadcastBytes(payload); !bst)
            return fail(bst.message());
        if (!lead) {
            const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(payload)).object();
            cfg = runConfigFromJson(o.value("config").toObject(), setup.runDir);
            if (!cfg)
                return fail("rank 0 sent a configuration this rank cannot read (" + cfg.message() +
                            "); run the same AzLLM Studio version on every rank");
            resume = o.value("resume").toBool();
        }
    } else if (!cfg) {
        return fail(cfg.message(), failCode);
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
    if (auto w = precisionWarning(cfg->train.precision, runtime.device); !w.empty() && lead)
        std::fprintf(stderr, "warning: %s\n", w.c_str());
    auto summary = train(*cfg, resume, control, cb, runtime);
    g_control = nullptr;
    if (!summary)
        return fail(summary.message());
    if (!lead) {
        if (json)
            std::printf("%s\n", jsonLine({{"event", "summary"}, {"rank", dist->rank()}, {"stop_reason", QString::fromStdString(toString(summary->reason))},
                                          {"stop_step", double(summary->stopStep)}}).c_str());
        else
            std::printf("rank %d of %d: stopped at step %lld (%s); rank 0 wrote the run to %s\n", dist->rank(), dist->size(),
                        static_cast<long long>(summary->stopStep), toString(summary->reason).c_str(), cfg->runDir.c_str());
        return kOk;
    }
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

// A *_final.pt export folder or a Hugging Face folder: format, shape, tokenizer, files.
int describeExport(const ModelLocation& loc)
{
    auto m = loadInferenceModel(loc.dir);
    if (!m)
        return fail(m.message());
    const auto& c = (*m)->config;
    const bool hf = loc.format == ModelFormat::HfExport;
    std::printf("%s %s\n  format      %s\n  model       %lld layers, %lld heads, %lld dims, block %lld, vocab %lld (%lld parameters)\n",
                hf ? "hugging face folder" : "export folder", loc.dir.c_str(),
                hf ? "hugging face GPT2LMHeadModel (model.safetensors, Conv1D weights transposed)"
                   : "pytorch state dict (nanoGPT GPT keys, model tensors only)",
                static_cast<long long>(c.nLayer), static_cast<long long>(c.nHead), static_cast<long long>(c.nEmbd),
                static_cast<long long>(c.blockSize), static_cast<long long>(c.vocabSize), static_cast<long long>(c.parameterCount()));
    const Tokenizer& t = *(*m)->tokenizer;
    std::printf("  weights     %s, stored as %s\n  tokenizer   sentencepiece %s, %d pieces (unk %d, bos %d, eos %d, pad %d)\n",
                fs::baseName(loc.weightsPath).c_str(), (*m)->info["dtype"].toString().toStdString().c_str(), t.modelType().c_str(),
                t.vocabSize(), t.unkId(), t.bosId(), t.eosId(), t.padId());
    if (const QJsonObject e = (*m)->info["export"].toObject(); !e.isEmpty())
        std::printf("  source      %s, %s checkpoint, step %lld, best val loss %s\n", e["source_run"].toString().toStdString().c_str(),
                    e["checkpoint"].toString().toStdString().c_str(), static_cast<long long>(e["step"].toDouble()),
                    e["best_val_loss"].isDouble() ? fmt(e["best_val_loss"].toDouble()).c_str() : "-");
    std::printf("  files\n");
    const auto names = QDir(QString::fromStdString(loc.dir)).entryList(QDir::Files, QDir::Name);
    for (const auto& n : names)
        std::printf("    %-28s %s\n", n.toStdString().c_str(), human(fs::fileSize(fs::join(loc.dir, n.toStdString()))).c_str());
    if (!hf && fs::isDir(fs::join(loc.dir, "hf")))
        std::printf("    hf/                          (a Hugging Face folder: azllm info %s)\n", fs::join(loc.dir, "hf").c_str());
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
    if (fs::isDir(path) || (path.size() > 3 && path.substr(path.size() - 3) == ".pt") ||
        (path.size() > 12 && path.substr(path.size() - 12) == ".safetensors")) {
        if (auto loc = locateModel(path); loc && (loc->format == ModelFormat::PtExport || loc->format == ModelFormat::HfExport))
            return describeExport(*loc);
    }
    if (fs::isDir(path) && fs::exists(runpaths::config(path))) {
        auto cfg = loadRunConfig(path);
        if (!cfg)
            return fail(cfg.message());
        const auto& m = cfg->model;
        std::printf("run %s\n  preset      %s\n  model       %lld layers, %lld heads, %lld dims, block %lld, vocab %lld (%lld parameters)\n",
                    path.c_str(), cfg->preset.c_str(), static_cast<long long>(m.nLayer), static_cast<long long>(m.nHead),
                    static_cast<long long>(m.nEmbd), static_cast<long long>(m.blockSize), static_cast<long long>(m.vocabSize),
                    static_cast<long long>(m.parameterCount()));
        std::printf("  training    batch %lld x %lld, lr %g, warm-up %lld, weight decay %g, max epochs %lld, max steps %lld, seed %llu, %s\n",
                    static_cast<long long>(cfg->train.batchSize), static_cast<long long>(cfg->train.gradAccum), cfg->train.learningRate,
                    static_cast<long long>(cfg->train.warmupSteps), cfg->train.weightDecay, static_cast<long long>(cfg->train.maxEpochs),
                    static_cast<long long>(cfg->train.maxSteps), static_cast<unsigned long long>(cfg->train.seed),
                    cfg->train.precision == "bf16" ? "bf16 autocast" : "fp32");
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
    auto corpus = scanCorpus(path);
    if (!corpus)
        return fail(corpus.message());
    const auto& s = corpus->stats;
    std::printf("corpus %s\n  files       %d\n  bytes       %lld\n  characters  %lld\n  lines       %lld\n  distinct    %lld characters\n",
                path == demoCorpusPath() ? "demo (Azerbaijani UDHR, bundled)" : path.c_str(), s.files,
                static_cast<long long>(s.bytes), static_cast<long long>(s.characters), static_cast<long long>(s.lines),
                static_cast<long long>(s.distinctCharacters));
    return kOk;
}

// ---- shared by export, generate, score, chat ---------------------------------------------------

const std::set<std::string> kSamplingFlags = {"max-new-tokens", "temperature", "top-k", "top-p", "min-p",
                                              "repetition-penalty", "seed", "stop"};

std::set<std::string> withSampling(std::set<std::string> flags)
{
    flags.insert(kSamplingFlags.begin(), kSamplingFlags.end());
    return flags;
}

SamplingConfig samplingFrom(const Args& a, SamplingConfig s = {})
{
    if (a.has("max-new-tokens")) s.maxNewTokens = static_cast<int>(toInt(a, "max-new-tokens", 0, 1000000));
    if (a.has("temperature")) s.temperature = toDouble(a, "temperature");
    if (a.has("top-k")) s.topK = static_cast<int>(toInt(a, "top-k", std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
    if (a.has("top-p")) s.topP = toDouble(a, "top-p");
    if (a.has("min-p")) s.minP = toDouble(a, "min-p");
    if (a.has("repetition-penalty")) s.repetitionPenalty = toDouble(a, "repetition-penalty");
    if (a.has("seed")) s.seed = toInt(a, "seed", 0, std::numeric_limits<int64_t>::max());
    if (a.has("stop")) s.stop = a.values.at("stop");
    if (auto st = s.validate(); !st)
        throw UsageError{st.message()};
    return s;
}

std::atomic<bool> g_cancel{false};
void onSigintCancel(int) { g_cancel = true; }

// SIGINT sets g_cancel instead of ending the program; system calls are interrupted (no SA_RESTART).
void catchSigint()
{
    struct sigaction sa {};
    sa.sa_handler = onSigintCancel;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, nullptr);
}

Result<std::shared_ptr<InferenceModel>> loadModelArg(const Args& a)
{
    if (!a.has("model"))
        throw UsageError{"--model PATH is required (a run directory, a *_final.pt export folder or a Hugging Face folder)"};
    const std::string ck = a.get("checkpoint", "best");
    if (ck != "best" && ck != "last")
        throw UsageError{"--checkpoint must be best or last"};
    at::set_num_threads(effectiveThreads(a.has("threads") ? static_cast<int>(toInt(a, "threads", 0, 1024)) : 0));
    return loadInferenceModel(a.get("model"), ck);
}

QJsonArray idsJson(const std::vector<int32_t>& ids)
{
    QJsonArray out;
    for (int32_t id : ids)
        out.append(id);
    return out;
}

// ---- export ------------------------------------------------------------------------------------

int cmdExport(int argc, char** argv)
{
    Args a = parse(argc, argv, 2, withSampling({"run-dir", "checkpoint", "out", "format", "dtype"}), {"json"});
    if (!a.positional.empty())
        throw UsageError{"unexpected argument '" + a.positional.front() + "'"};
    ExportOptions o;
    o.runDir = a.get("run-dir");
    o.outDir = a.get("out");
    o.checkpoint = a.get("checkpoint", "best");
    o.format = a.get("format", "all");
    o.dtype = a.get("dtype", "fp32");
    o.sampling = samplingFrom(a);
    if (o.runDir.empty())
        throw UsageError{"--run-dir DIR is required"};
    if (o.outDir.empty())
        throw UsageError{"--out DIR is required (the folder to write the export into)"};
    if (auto st = validateExportOptions(o); !st)
        throw UsageError{st.message()};
    const bool json = a.has("json");
    auto r = exportRun(o, [&](const std::string& line) {
        if (!json)
            std::printf("%s\n", line.c_str());
    });
    if (!r)
        return fail(r.message());
    if (json) {
        std::printf("%s\n", jsonLine(r->toJson()).c_str());
    } else {
        std::printf("exported %s checkpoint (step %lld, %lld parameters, %s):\n", o.checkpoint.c_str(),
                    static_cast<long long>(r->step), static_cast<long long>(r->parameters), o.dtype.c_str());
        for (const auto& [path, bytes] : r->files)
            std::printf("  %-60s %s\n", path.c_str(), human(bytes).c_str());
    }
    return kOk;
}

// ---- generate ----------------------------------------------------------------------------------

int cmdGenerate(int argc, char** argv)
{
    Args a = parse(argc, argv, 2, withSampling({"model", "prompt", "checkpoint", "threads"}), {"json"});
    if (!a.positional.empty())
        throw UsageError{"unexpected argument '" + a.positional.front() + "' (put the prompt after --prompt)"};
    if (!a.has("prompt"))
        throw UsageError{"--prompt TEXT is required (use --prompt \"\" to start from nothing)"};
    const std::string prompt = a.get("prompt");
    if (auto bad = findInvalidUtf8(prompt.data(), prompt.size()); bad >= 0)
        throw UsageError{"the prompt is not valid UTF-8 (byte " + std::to_string(bad) + ")"};
    SamplingConfig s = samplingFrom(a);
    auto model = loadModelArg(a);
    if (!model)
        return fail(model.message());
    Generator gen(*model);
    const bool json = a.has("json");
    catchSigint();
    if (!json) {
        std::fputs(prompt.c_str(), stdout);
        std::fflush(stdout);
    }
    auto r = gen.generate(prompt, s, [&](const std::string& piece) {
        if (!json) {
            std::fputs(piece.c_str(), stdout);
            std::fflush(stdout);
        }
        return true;
    }, &g_cancel);
    if (!r)
        return fail(r.message());
    if (json) {
        QJsonArray pieces;
        for (const auto& p : r->pieces)
            pieces.append(QString::fromStdString(p));
        std::printf("%s\n", jsonLine(QJsonObject{{"prompt", QString::fromStdString(prompt)},
                                                 {"prompt_tokens", idsJson(r->promptIds)},
                                                 {"prompt_truncated", r->promptTruncated},
                                                 {"text", QString::fromStdString(r->text)},
                                                 {"tokens", idsJson(r->ids)},
                                                 {"pieces", pieces},
                                                 {"stop_reason", QString::fromStdString(r->stopReason)},
                                                 {"timings", QJsonObject{{"prompt_ms", r->promptMs},
                                                                         {"first_token_ms", r->firstTokenMs},
                                                                         {"total_ms", r->totalMs}}},
                                                 {"tokens_per_s", r->tokensPerS},
                                                 {"sampling", toJson(s)}})
                                    .c_str());
    } else {
        std::printf("\n");
        if (::isatty(2))
            std::fprintf(stderr, "[%zu tokens, %.1f tokens/s, stopped: %s%s]\n", r->ids.size(), r->tokensPerS, r->stopReason.c_str(),
                     r->promptTruncated ? "; the prompt was cut to the model's context" : "");
    }
    return kOk;
}

// ---- score -------------------------------------------------------------------------------------

int cmdScore(int argc, char** argv)
{
    Args a = parse(argc, argv, 2, {"model", "text", "file", "checkpoint", "threads"}, {"json"});
    if (!a.positional.empty())
        throw UsageError{"unexpected argument '" + a.positional.front() + "'"};
    if (a.has("text") == a.has("file"))
        throw UsageError{"give exactly one of --text TEXT or --file PATH"};
    std::string text;
    if (a.has("text")) {
        text = a.get("text");
    } else {
        auto bytes = fs::readFile(a.get("file"));
        if (!bytes)
            return fail(bytes.message());
        text = *bytes;
    }
    if (auto bad = findInvalidUtf8(text.data(), text.size()); bad >= 0)
        return fail("the text is not valid UTF-8 (byte " + std::to_string(bad) + "); save it as UTF-8 and try again");
    auto model = loadModelArg(a);
    if (!model)
        return fail(model.message());
    auto r = scoreText(**model, text);
    if (!r)
        return fail(r.message());
    if (a.has("json")) {
        QJsonArray pieces, lps;
        for (size_t i = 0; i < r->ids.size(); ++i)
            pieces.append(QString::fromStdString((*model)->tokenizer->idToPiece(r->ids[i])));
        for (double l : r->logprobs)
            lps.append(l);
        std::printf("%s\n", jsonLine(QJsonObject{{"tokens", static_cast<int>(r->logprobs.size())},
                                                 {"mean_nll", r->meanNll},
                                                 {"perplexity", r->perplexity},
                                                 {"ids", idsJson(r->ids)},
                                                 {"pieces", pieces},
                                                 {"logprobs", lps}})
                                .c_str());
    } else {
        std::printf("mean NLL %.4f nats/token, perplexity %.3f over %zu tokens\n", r->meanNll, r->perplexity, r->logprobs.size());
    }
    return kOk;
}

// ---- chat --------------------------------------------------------------------------------------

// Reads one line from standard input with read(2): false at end of input; *interrupted when a
// Ctrl+C arrived while waiting.
bool readLine(std::string& line, bool* interrupted)
{
    line.clear();
    *interrupted = false;
    char c;
    while (true) {
        const ssize_t n = ::read(0, &c, 1);
        if (n < 0 && errno == EINTR) {
            *interrupted = true;
            return true;
        }
        if (n <= 0)
            return !line.empty();
        if (c == '\n')
            return true;
        line += c;
    }
}

int cmdChat(int argc, char** argv)
{
    Args a = parse(argc, argv, 2, withSampling({"model", "checkpoint", "threads"}), {});
    if (!a.positional.empty())
        throw UsageError{"unexpected argument '" + a.positional.front() + "'"};
    SamplingConfig s = samplingFrom(a);
    if (!a.has("stop"))
        s.stop = {"\n"}; // one line per reply unless told otherwise
    auto model = loadModelArg(a);
    if (!model)
        return fail(model.message());
    Generator gen(*model);
    catchSigint();
    const auto& m = **model;
    std::printf("chat with %s (%s, %lld parameters, context %lld tokens)\n"
                "Type a message and press Enter. Ctrl+C stops a reply; /reset starts over; /set NAME VALUE changes\n"
                "temperature, top-k, top-p, min-p, repetition-penalty, max-new-tokens or seed; /quit or Ctrl+D leaves.\n",
                m.location.dir.c_str(), formatName(m.location.format), static_cast<long long>(m.config.parameterCount()),
                static_cast<long long>(m.config.blockSize));
    std::string history, line;
    while (true) {
        std::printf("\nyou> ");
        std::fflush(stdout);
        bool interrupted = false;
        g_cancel = false;
        if (!readLine(line, &interrupted)) {
            std::printf("\n");
            return kOk;
        }
        if (interrupted) {
            std::printf("\n(Ctrl+C stops a reply; type /quit or press Ctrl+D to leave)");
            continue;
        }
        if (line.empty())
            continue;
        if (line == "/quit" || line == "/exit")
            return kOk;
        if (line == "/reset") {
            history.clear();
            std::printf("(conversation cleared)");
            continue;
        }
        if (line.rfind("/set ", 0) == 0) {
            std::istringstream in(line.substr(5));
            std::string name, value;
            in >> name >> value;
            Args one;
            one.values[name].push_back(value);
            try {
                if (!kSamplingFlags.count(name) || name == "stop" || value.empty())
                    throw UsageError{"use /set NAME VALUE with NAME one of temperature, top-k, top-p, min-p, repetition-penalty, max-new-tokens, seed"};
                s = samplingFrom(one, s);
                std::printf("(%s = %s)", name.c_str(), value.c_str());
            } catch (const UsageError& e) {
                std::printf("(%s)", e.message.c_str());
            }
            continue;
        }
        if (line[0] == '/') {
            std::printf("(unknown command %s; /reset, /set NAME VALUE, /quit)", line.c_str());
            continue;
        }
        if (findInvalidUtf8(line.data(), line.size()) >= 0) {
            std::printf("(that line is not valid UTF-8; check the terminal's encoding)");
            continue;
        }
        history += line + "\n";
        std::printf("model> ");
        std::fflush(stdout);
        auto r = gen.generate(history, s, [](const std::string& piece) {
            std::fputs(piece.c_str(), stdout);
            std::fflush(stdout);
            return true;
        }, &g_cancel);
        if (!r) {
            std::printf("\n");
            return fail(r.message());
        }
        if (r->stopReason == "cancelled")
            std::printf(" [stopped]");
        history += r->text + "\n";
    }
}

int benchGenerateCmd(int argc, char** argv)
{
    Args a = parse(argc, argv, 3, {"preset", "threads", "new-tokens", "prompt-tokens"}, {"json", "no-baseline"});
    if (!a.positional.empty())
        throw UsageError{"unexpected argument '" + a.positional.front() + "'"};
    BenchGenerateOptions opt;
    opt.preset = a.get("preset", "tiny");
    if (!presetByName(opt.preset))
        throw UsageError{presetByName(opt.preset).message()};
    if (a.has("threads")) opt.threads = static_cast<int>(toInt(a, "threads", 0, 1024));
    if (a.has("new-tokens")) opt.newTokens = static_cast<int>(toInt(a, "new-tokens", 1, 100000));
    if (a.has("prompt-tokens")) opt.promptTokens = static_cast<int>(toInt(a, "prompt-tokens", 1, 100000));
    opt.baseline = !a.has("no-baseline");
    warnBlasOnce();
    auto r = benchGenerate(opt);
    if (!r)
        return fail(r.message());
    const auto& o = *r;
    if (a.has("json")) {
        std::printf("%s\n", jsonLine(o).c_str());
        return kOk;
    }
    std::printf("bench generate %s: %d new tokens after a %d-token prompt (%d window slides), greedy, %d threads\n"
                "  KV cache:        %.1f tokens/s (decode %.1f tokens/s), first token after %.1f ms\n",
                opt.preset.c_str(), o["new_tokens"].toInt(), o["prompt_tokens"].toInt(), o["window_slides"].toInt(), o["threads"].toInt(),
                o["cached_tokens_per_s"].toDouble(), o["cached_decode_tokens_per_s"].toDouble(), o["time_to_first_token_ms"].toDouble());
    if (o.contains("recompute_tokens_per_s"))
        std::printf("  full recompute:  %.1f tokens/s; the cache is %.2fx faster%s\n", o["recompute_tokens_per_s"].toDouble(),
                    o["cache_speedup"].toDouble(), o["same_tokens"].toBool() ? " (same tokens)" : " (TOKENS DIFFER)");
    std::printf("  bandwidth bound: %.1f tokens/s (%.1f MB of weights per token at %.1f GB/s read); decode reaches %.0f%%\n",
                o["bandwidth_bound_tokens_per_s"].toDouble(), o["weight_bytes_per_token"].toDouble() / 1e6,
                o["read_bandwidth_gb_s"].toDouble(), 100 * o["fraction_of_bound"].toDouble());
    return kOk;
}

int cmdBench(int argc, char** argv)
{
    if (argc < 3 || (std::string(argv[2]) != "train" && std::string(argv[2]) != "generate"))
        throw UsageError{"use `azllm bench train|generate [--preset P] [--json]`"};
    if (std::string(argv[2]) == "generate")
        return benchGenerateCmd(argc, argv);
    Args a = parse(argc, argv, 3, {"preset", "steps", "warmup", "threads", "batch-size", "precision"}, {"json"});
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
    opt.precision = a.get("precision", "fp32");
    if (auto st = validatePrecision(opt.precision); !st)
        throw UsageError{st.message()};
    warnBlasOnce();
    if (auto w = precisionWarning(opt.precision); !w.empty())
        std::fprintf(stderr, "warning: %s\n", w.c_str());
    auto r = benchTrain(opt);
    if (!r)
        return fail(r.message());
    if (a.has("json")) {
        std::printf("%s\n", jsonLine(*r).c_str());
    } else {
        const auto& o = *r;
        std::printf("bench train %s: %.0f tokens/s, %.1f ms/step (min %.1f, max %.1f), MFU %.1f%% of %.1f GFLOP/s matmul peak, peak RSS %.0f MiB\n"
                    "  shape: n_layer %d, n_head %d, n_embd %d, block %d, vocab %d, batch %d, threads %d, %s\n",
                    opt.preset.c_str(), o["tokens_per_s"].toDouble(), o["ms_per_step"].toDouble(), o["ms_per_step_min"].toDouble(),
                    o["ms_per_step_max"].toDouble(), 100 * o["mfu"].toDouble(), o["matmul_peak_gflops"].toDouble(),
                    o["peak_rss_bytes"].toDouble() / (1 << 20), o["n_layer"].toInt(), o["n_head"].toInt(), o["n_embd"].toInt(),
                    o["block_size"].toInt(), o["vocab_size"].toInt(), o["batch_size"].toInt(), o["threads"].toInt(),
                    o["dtype"].toString().toUtf8().constData());
    }
    return kOk;
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
        if (cmd == "export")
            return cmdExport(argc, argv);
        if (cmd == "generate")
            return cmdGenerate(argc, argv);
        if (cmd == "score")
            return cmdScore(argc, argv);
        if (cmd == "chat")
            return cmdChat(argc, argv);
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
