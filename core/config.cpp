// Configuration defaults, presets and JSON (see config.h).
#include "config.h"

#include "fsutil.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace azllm {

int64_t GptConfig::parameterCount() const
{
    const int64_t C = nEmbd;
    const int64_t b = bias ? 1 : 0;
    const int64_t perBlock = 2 * (C + b * C)                 // ln_1, ln_2
                             + (C * 3 * C + b * 3 * C)       // attn.c_attn
                             + (C * C + b * C)               // attn.c_proj
                             + (C * 4 * C + b * 4 * C)       // mlp.c_fc
                             + (4 * C * C + b * C);          // mlp.c_proj
    return vocabSize * C + blockSize * C + nLayer * perBlock + (C + b * C);
}

Status GptConfig::validate() const
{
    if (vocabSize < 8 || vocabSize > 1000000)
        return Status::error("vocab_size must be between 8 and 1000000 (got " + std::to_string(vocabSize) + ")");
    if (blockSize < 2 || blockSize > 65536)
        return Status::error("block_size must be between 2 and 65536 (got " + std::to_string(blockSize) + ")");
    if (nLayer < 1 || nLayer > 256)
        return Status::error("n_layer must be between 1 and 256 (got " + std::to_string(nLayer) + ")");
    if (nHead < 1 || nEmbd < 1 || nEmbd % nHead != 0)
        return Status::error("n_embd (" + std::to_string(nEmbd) + ") must be a positive multiple of n_head (" +
                             std::to_string(nHead) + ")");
    if (!(dropout >= 0.0 && dropout < 1.0))
        return Status::error("dropout must be in [0, 1)");
    if (!bias)
        return Status::error("bias = false is not supported (GPT-2 uses biases)");
    if (!(layerNormEps > 0))
        return Status::error("layer_norm_epsilon must be positive");
    return {};
}

Status TrainConfig::validate() const
{
    if (batchSize < 1)
        return Status::error("batch size must be at least 1");
    if (gradAccum < 1)
        return Status::error("gradient accumulation must be at least 1");
    if (!(learningRate > 0 && std::isfinite(learningRate)))
        return Status::error("learning rate must be a positive number");
    if (minLr != -1 && !(minLr >= 0 && minLr <= learningRate))
        return Status::error("min_lr must be between 0 and the learning rate (or -1 for lr/10)");
    if (warmupSteps < 0)
        return Status::error("warm-up steps cannot be negative");
    if (!(weightDecay >= 0))
        return Status::error("weight decay cannot be negative");
    if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1))
        return Status::error("AdamW betas must be in [0, 1)");
    if (!(gradClip >= 0))
        return Status::error("gradient clip cannot be negative (0 disables it)");
    if (maxEpochs < 0 || maxSteps < 0)
        return Status::error("max epochs and max steps cannot be negative (0 = unlimited)");
    if (maxEpochs == 0 && maxSteps == 0)
        return Status::error("set max epochs or max steps (both unlimited would never end without early stopping)");
    if (evalEvery < 0)
        return Status::error("--eval-every must be 'epoch' or a positive number of steps");
    if (evalIters < 1)
        return Status::error("eval iters must be at least 1");
    if (threads < 0 || threads > 1024)
        return Status::error("threads must be between 0 (all cores) and 1024");
    if (auto st = validatePrecision(precision); !st)
        return st;
    if (!(valFraction > 0 && valFraction < 0.9))
        return Status::error("validation fraction must be in (0, 0.9)");
    return {};
}

Status EarlyStoppingConfig::validate() const
{
    if (patience < 0)
        return Status::error("patience cannot be negative (0 disables early stopping)");
    if (!(minDelta >= 0) || !std::isfinite(minDelta))
        return Status::error("min_delta must be a finite number >= 0");
    return {};
}

Status SamplingConfig::validate() const
{
    if (!(temperature >= 0) || !std::isfinite(temperature))
        return Status::error("temperature must be >= 0 (0 = greedy), got " + std::to_string(temperature));
    if (topK < 0)
        return Status::error("top-k must be >= 0 (0 disables it), got " + std::to_string(topK));
    if (!(topP > 0 && topP <= 1))
        return Status::error("top-p must be in (0, 1] (1 disables it), got " + std::to_string(topP));
    if (!(minP >= 0 && minP < 1))
        return Status::error("min-p must be in [0, 1) (0 disables it), got " + std::to_string(minP));
    if (!(repetitionPenalty > 0) || !std::isfinite(repetitionPenalty))
        return Status::error("repetition penalty must be > 0 (1 disables it), got " + std::to_string(repetitionPenalty));
    if (maxNewTokens < 0)
        return Status::error("max new tokens must be >= 0");
    for (const auto& s : stop)
        if (s.empty())
            return Status::error("a stop string cannot be empty");
    return {};
}

std::vector<std::string> presetNames() { return {"tiny", "small", "az-100m"}; }

Result<Preset> presetByName(const std::string& name)
{
    Preset p;
    p.name = name;
    if (name == "tiny") {
        p.model = GptConfig{2000, 128, 4, 4, 128};
        p.train.batchSize = 4; // small enough for several steps per epoch on the bundled demo corpus
        p.train.learningRate = 1e-3;
        p.train.warmupSteps = 20;
    } else if (name == "small") {
        p.model = GptConfig{8000, 256, 6, 6, 384};
        p.train.batchSize = 16;
        p.train.learningRate = 6e-4;
        p.train.warmupSteps = 100;
    } else if (name == "az-100m") {
        p.model = GptConfig{32000, 256, 12, 12, 768};
        p.train.batchSize = 4;
        p.train.gradAccum = 8;
        p.train.learningRate = 3e-4;
        p.train.warmupSteps = 200;
        p.train.evalIters = 20;
    } else {
        return Result<Preset>::error("unknown preset '" + name + "' (choose tiny, small or az-100m)");
    }
    return p;
}

QJsonObject toJson(const GptConfig& c)
{
    return {{"vocab_size", double(c.vocabSize)}, {"block_size", double(c.blockSize)},
            {"n_layer", double(c.nLayer)},       {"n_head", double(c.nHead)},
            {"n_embd", double(c.nEmbd)},         {"dropout", c.dropout},
            {"bias", c.bias},                    {"layer_norm_epsilon", c.layerNormEps}};
}

Status validatePrecision(const std::string& precision)
{
    if (precision != "fp32" && precision != "bf16")
        return Status::error("precision must be fp32 or bf16, not '" + precision + "'");
    return {};
}

QJsonObject toJson(const TrainConfig& c)
{
    return {{"batch_size", double(c.batchSize)},
            {"grad_accum", double(c.gradAccum)},
            {"learning_rate", c.learningRate},
            {"min_lr", c.minLr},
            {"warmup_steps", double(c.warmupSteps)},
            {"lr_decay_steps", double(c.lrDecaySteps)},
            {"weight_decay", c.weightDecay},
            {"beta1", c.beta1},
            {"beta2", c.beta2},
            {"eps", c.eps},
            {"grad_clip", c.gradClip},
            {"max_epochs", double(c.maxEpochs)},
            {"max_steps", double(c.maxSteps)},
            {"eval_every", double(c.evalEvery)},
            {"eval_iters", double(c.evalIters)},
            {"seed", QString::number(c.seed)},
            {"threads", c.threads},
            {"val_fraction", c.valFraction},
            {"precision", QString::fromStdString(c.precision)}};
}

QJsonObject toJson(const EarlyStoppingConfig& c)
{
    QJsonObject o{{"patience", c.patience}, {"min_delta", c.minDelta}, {"restore_best", c.restoreBest}};
    o["stop_threshold"] = std::isnan(c.stopThreshold) ? QJsonValue() : QJsonValue(c.stopThreshold);
    return o;
}

QJsonObject toJson(const SamplingConfig& c)
{
    QJsonArray stop;
    for (const auto& s : c.stop)
        stop.append(QString::fromStdString(s));
    return {{"temperature", c.temperature}, {"top_k", c.topK},   {"top_p", c.topP},
            {"min_p", c.minP},               {"repetition_penalty", c.repetitionPenalty},
            {"max_new_tokens", c.maxNewTokens}, {"seed", double(c.seed)}, {"stop", stop}};
}

namespace {

// Reads an optional field, refusing wrong types with a message naming the field.
struct Reader {
    const QJsonObject& o;
    std::string where;
    std::string error;

    template <class T>
    void num(const char* key, T& out)
    {
        if (!o.contains(key) || !error.empty())
            return;
        const QJsonValue v = o.value(key);
        if (v.isString() && std::is_integral_v<T>) { // 64-bit values (seeds) are stored as strings
            bool ok = false;
            const qulonglong x = v.toString().toULongLong(&ok);
            if (!ok) { error = where + "." + key + " must be a number"; return; }
            out = static_cast<T>(x);
            return;
        }
        if (!v.isDouble()) { error = where + "." + key + " must be a number"; return; }
        out = static_cast<T>(v.toDouble());
    }
    void str(const char* key, std::string& out)
    {
        if (!o.contains(key) || !error.empty())
            return;
        if (!o.value(key).isString()) { error = where + "." + key + " must be a string"; return; }
        out = o.value(key).toString().toStdString();
    }
    void boolean(const char* key, bool& out)
    {
        if (!o.contains(key) || !error.empty())
            return;
        if (!o.value(key).isBool()) { error = where + "." + key + " must be true or false"; return; }
        out = o.value(key).toBool();
    }
};

} // namespace

Result<GptConfig> gptConfigFromJson(const QJsonObject& o)
{
    GptConfig c;
    Reader r{o, "model"};
    r.num("vocab_size", c.vocabSize);
    r.num("block_size", c.blockSize);
    r.num("n_layer", c.nLayer);
    r.num("n_head", c.nHead);
    r.num("n_embd", c.nEmbd);
    r.num("dropout", c.dropout);
    r.boolean("bias", c.bias);
    r.num("layer_norm_epsilon", c.layerNormEps);
    if (!r.error.empty())
        return Result<GptConfig>::error(r.error);
    if (auto st = c.validate(); !st)
        return Result<GptConfig>::error(st.message());
    return c;
}

Result<TrainConfig> trainConfigFromJson(const QJsonObject& o)
{
    TrainConfig c;
    Reader r{o, "train"};
    r.num("batch_size", c.batchSize);
    r.num("grad_accum", c.gradAccum);
    r.num("learning_rate", c.learningRate);
    r.num("min_lr", c.minLr);
    r.num("warmup_steps", c.warmupSteps);
    r.num("lr_decay_steps", c.lrDecaySteps);
    r.num("weight_decay", c.weightDecay);
    r.num("beta1", c.beta1);
    r.num("beta2", c.beta2);
    r.num("eps", c.eps);
    r.num("grad_clip", c.gradClip);
    r.num("max_epochs", c.maxEpochs);
    r.num("max_steps", c.maxSteps);
    r.num("eval_every", c.evalEvery);
    r.num("eval_iters", c.evalIters);
    r.num("seed", c.seed);
    r.num("threads", c.threads);
    r.num("val_fraction", c.valFraction);
    r.str("precision", c.precision); // absent in runs made before it existed: fp32
    if (!r.error.empty())
        return Result<TrainConfig>::error(r.error);
    if (auto st = c.validate(); !st)
        return Result<TrainConfig>::error(st.message());
    return c;
}

Result<EarlyStoppingConfig> earlyStoppingConfigFromJson(const QJsonObject& o)
{
    EarlyStoppingConfig c;
    Reader r{o, "early_stopping"};
    r.num("patience", c.patience);
    r.num("min_delta", c.minDelta);
    r.boolean("restore_best", c.restoreBest);
    if (o.contains("stop_threshold") && !o.value("stop_threshold").isNull())
        r.num("stop_threshold", c.stopThreshold);
    if (!r.error.empty())
        return Result<EarlyStoppingConfig>::error(r.error);
    if (auto st = c.validate(); !st)
        return Result<EarlyStoppingConfig>::error(st.message());
    return c;
}

Result<SamplingConfig> samplingConfigFromJson(const QJsonObject& o)
{
    SamplingConfig c;
    Reader r{o, "sampling"};
    r.num("temperature", c.temperature);
    r.num("top_k", c.topK);
    r.num("top_p", c.topP);
    r.num("min_p", c.minP);
    r.num("repetition_penalty", c.repetitionPenalty);
    r.num("max_new_tokens", c.maxNewTokens);
    r.num("seed", c.seed);
    if (o.contains("stop") && o.value("stop").isArray()) {
        for (const auto& v : o.value("stop").toArray())
            c.stop.push_back(v.toString().toStdString());
    }
    if (!r.error.empty())
        return Result<SamplingConfig>::error(r.error);
    if (auto st = c.validate(); !st)
        return Result<SamplingConfig>::error(st.message());
    return c;
}

Result<QJsonObject> readJsonFile(const std::string& path)
{
    auto bytes = fs::readFile(path);
    if (!bytes)
        return Result<QJsonObject>::error(bytes.message());
    QJsonParseError err;
    const auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(*bytes), &err);
    if (err.error != QJsonParseError::NoError)
        return Result<QJsonObject>::error("'" + path + "' is not valid JSON (" + err.errorString().toStdString() +
                                          " at offset " + std::to_string(err.offset) + ")");
    if (!doc.isObject())
        return Result<QJsonObject>::error("'" + path + "' must hold a JSON object");
    return doc.object();
}

Status writeJsonFile(const std::string& path, const QJsonObject& o)
{
    return fs::writeFileAtomic(path, QJsonDocument(o).toJson(QJsonDocument::Indented).toStdString());
}

} // namespace azllm
