// Loading models for inference (see inference.h).
#include "inference.h"

#include "checkpoint.h"
#include "fsutil.h"
#include "run.h"
#include "safetensors.h"

#include <ATen/ATen.h>
#include <QDir>
#include <QJsonArray>

#include <thread>

namespace azllm {

const char* formatName(ModelFormat f)
{
    switch (f) {
    case ModelFormat::Run: return "run";
    case ModelFormat::Checkpoint: return "checkpoint";
    case ModelFormat::PtExport: return "pt-export";
    case ModelFormat::HfExport: return "hf-export";
    default: return "unknown";
    }
}

bool isConv1DWeight(const std::string& name)
{
    for (const char* s : {".attn.c_attn.weight", ".attn.c_proj.weight", ".mlp.c_fc.weight", ".mlp.c_proj.weight"}) {
        const size_t n = std::strlen(s);
        if (name.size() > n && name.compare(name.size() - n, n, s) == 0)
            return true;
    }
    return false;
}

namespace {

bool endsWith(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> filesEndingWith(const std::string& dir, const std::string& suffix)
{
    std::vector<std::string> out;
    const auto names = QDir(QString::fromStdString(dir)).entryList(QDir::Files, QDir::Name);
    for (const auto& n : names)
        if (endsWith(n.toStdString(), suffix))
            out.push_back(fs::join(dir, n.toStdString()));
    return out;
}

} // namespace

Result<ModelLocation> locateModel(const std::string& pathIn)
{
    using R = Result<ModelLocation>;
    std::string path = pathIn;
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
    if (!fs::exists(path))
        return R::error("'" + path + "' does not exist; give a run directory, an export folder or a Hugging Face folder");
    ModelLocation loc;
    if (!fs::isDir(path)) {
        if (!endsWith(path, ".pt") && !endsWith(path, ".safetensors"))
            return R::error("'" + path + "' is a file; give the folder that holds the model (a run directory, a *_final.pt export folder or a Hugging Face folder)");
        path = fs::parentDir(path);
    }
    loc.dir = path;
    if (isRunDir(path) || (fs::exists(runpaths::config(path)) && fs::isDir(fs::join(path, "checkpoints")))) {
        loc.format = ModelFormat::Run;
        loc.configPath = runpaths::config(path);
        loc.tokenizerPath = runpaths::tokenizer(path);
        loc.weightsPath = fs::join(runpaths::best(path), "model.pt");
        return loc;
    }
    if (fs::exists(fs::join(path, "trainer_state.json")) && fs::exists(fs::join(path, "model.pt"))) {
        // run/checkpoints/<name>
        const std::string run = fs::parentDir(fs::parentDir(path));
        loc.format = ModelFormat::Checkpoint;
        loc.configPath = runpaths::config(run);
        loc.tokenizerPath = runpaths::tokenizer(run);
        loc.weightsPath = fs::join(path, "model.pt");
        if (!fs::exists(loc.configPath))
            return R::error("checkpoint '" + path + "' is not inside a run directory (no " + loc.configPath + "); give the run directory or an export folder");
        return loc;
    }
    loc.configPath = fs::join(path, "config.json");
    loc.tokenizerPath = fs::join(path, "tokenizer.model");
    if (fs::exists(fs::join(path, "model.safetensors"))) {
        loc.format = ModelFormat::HfExport;
        loc.weightsPath = fs::join(path, "model.safetensors");
    } else {
        const auto pts = filesEndingWith(path, "_final.pt");
        if (pts.size() > 1)
            return R::error("'" + path + "' holds several *_final.pt files; give the path of the one to use");
        if (pts.size() == 1) {
            loc.format = ModelFormat::PtExport;
            loc.weightsPath = pts.front();
        }
        if (endsWith(pathIn, ".pt") && !fs::isDir(pathIn)) {
            loc.format = ModelFormat::PtExport;
            loc.weightsPath = pathIn;
        }
    }
    if (loc.format == ModelFormat::Unknown) {
        if (fs::isDir(fs::join(path, "hf")))
            return R::error("'" + path + "' holds no *_final.pt; its Hugging Face export is in '" + fs::join(path, "hf") + "'");
        return R::error("'" + path + "' is neither a run directory, a *_final.pt export folder nor a Hugging Face folder (no config.json with model.pt, *_final.pt or model.safetensors)");
    }
    if (!fs::exists(loc.configPath))
        return R::error("'" + path + "' has weights but no config.json; export the model again with `azllm export`");
    if (!fs::exists(loc.tokenizerPath))
        return R::error("'" + path + "' has no tokenizer.model; copy the run's tokenizer.model there or export again");
    return loc;
}

Result<Gpt> buildModel(const GptConfig& cfg, const std::map<std::string, at::Tensor>& tensors)
{
    try {
        GptConfig c = cfg;
        c.dropout = 0.0;
        Gpt model(c);
        std::map<std::string, at::Tensor> f32;
        for (const auto& kv : tensors)
            f32[kv.first] = kv.second.is_floating_point() ? kv.second.to(at::kFloat) : kv.second;
        if (auto st = model->loadStateDict(f32); !st)
            return Result<Gpt>::error(st.message());
        model->eval();
        for (auto& p : model->parameters())
            p.set_requires_grad(false);
        return model;
    } catch (const std::exception& e) {
        return Result<Gpt>::error(std::string("building the model failed: ") + e.what());
    }
}

namespace {

// Hugging Face GPT-2 config.json -> our model shape.
Result<GptConfig> configFromHf(const QJsonObject& o, const std::string& path)
{
    using R = Result<GptConfig>;
    if (o["model_type"].toString() != "gpt2")
        return R::error("'" + path + "' describes a '" + o["model_type"].toString().toStdString() +
                        "' model; only GPT-2 (model_type gpt2) folders can be loaded");
    const QString act = o["activation_function"].toString("gelu_new");
    if (act != "gelu")
        return R::error("'" + path + "' uses activation '" + act.toStdString() +
                        "'; this app's GPT uses the exact (erf) GELU, activation_function \"gelu\"");
    if (o.contains("n_inner") && !o["n_inner"].isNull())
        return R::error("'" + path + "' sets n_inner; only the standard 4 x n_embd MLP is supported");
    GptConfig c;
    c.vocabSize = o["vocab_size"].toInt();
    c.blockSize = o["n_positions"].toInt();
    c.nEmbd = o["n_embd"].toInt();
    c.nLayer = o["n_layer"].toInt();
    c.nHead = o["n_head"].toInt();
    c.layerNormEps = o["layer_norm_epsilon"].toDouble(1e-5);
    c.dropout = 0.0;
    c.bias = true;
    if (auto st = c.validate(); !st)
        return R::error("'" + path + "': " + st.message());
    return c;
}

} // namespace

Result<std::shared_ptr<InferenceModel>> loadInferenceModel(const std::string& path, const std::string& checkpoint)
{
    using R = Result<std::shared_ptr<InferenceModel>>;
    auto loc = locateModel(path);
    if (!loc)
        return loc.status();
    auto m = std::make_shared<InferenceModel>();
    m->location = *loc;
    std::map<std::string, at::Tensor> tensors;
    if (loc->format == ModelFormat::Run || loc->format == ModelFormat::Checkpoint) {
        auto cfg = loadRunConfig(fs::parentDir(loc->configPath));
        if (!cfg)
            return cfg.status();
        m->config = cfg->model;
        std::string ckDir = fs::parentDir(loc->weightsPath);
        if (loc->format == ModelFormat::Run) {
            if (checkpoint != "best" && checkpoint != "last")
                return R::error("checkpoint must be 'best' or 'last', not '" + checkpoint + "'");
            ckDir = checkpoint == "best" ? runpaths::best(loc->dir) : runpaths::last(loc->dir);
            m->location.weightsPath = fs::join(ckDir, "model.pt");
            if (!fs::isDir(ckDir))
                return R::error("run '" + loc->dir + "' has no " + checkpoint + " checkpoint yet; train until its first evaluation" +
                                (checkpoint == "best" ? " (or use --checkpoint last)" : ""));
        }
        // A checkpoint is swapped in atomically while a run trains; retry if it moved mid-read.
        Result<LoadedCheckpoint> ck = Status::error("");
        for (int attempt = 0; attempt < 3; ++attempt) {
            ck = readCheckpoint(ckDir, false);
            if (ck)
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        if (!ck)
            return ck.status();
        tensors = std::move(ck->model);
        const auto& s = ck->trainerState;
        m->info["step"] = s["step"];
        m->info["best_step"] = s["best_step"];
        m->info["best_val_loss"] = s["best_val_loss"];
        m->info["checkpoint"] = QString::fromStdString(ckDir);
    } else {
        auto cfgJson = readJsonFile(loc->configPath);
        if (!cfgJson)
            return cfgJson.status();
        if (loc->format == ModelFormat::HfExport) {
            auto c = configFromHf(*cfgJson, loc->configPath);
            if (!c)
                return c.status();
            m->config = *c;
            auto st = readSafetensors(loc->weightsPath);
            if (!st)
                return st.status();
            for (auto& [name, t] : st->tensors)
                tensors[name] = isConv1DWeight(name) && t.dim() == 2 ? t.t().contiguous() : t;
            auto lm = tensors.find("lm_head.weight");
            auto wte = tensors.find("transformer.wte.weight");
            if (lm != tensors.end() && wte != tensors.end() && !at::equal(lm->second, wte->second))
                return R::error("'" + loc->weightsPath + "' has an lm_head that is not tied to the token embedding; this app's GPT ties them");
            m->info["metadata_format"] = QString::fromStdString(st->metadata["format"]);
        } else {
            auto c = gptConfigFromJson(*cfgJson);
            if (!c)
                return R::error("'" + loc->configPath + "': " + c.message());
            m->config = *c;
            if (auto e = readJsonFile(fs::join(loc->dir, "export.json")); e) {
                m->config.layerNormEps = e->value("layer_norm_epsilon").toDouble(m->config.layerNormEps);
                m->info["export"] = *e;
            }
            auto t = readTensorDict(loc->weightsPath);
            if (!t)
                return t.status();
            tensors = std::move(*t);
        }
        if (!tensors.empty())
            m->info["dtype"] = QString::fromStdString(c10::toString(tensors.begin()->second.scalar_type()));
    }
    auto tok = Tokenizer::load(loc->tokenizerPath);
    if (!tok)
        return tok.status();
    if ((*tok)->vocabSize() != m->config.vocabSize)
        return R::error("tokenizer '" + loc->tokenizerPath + "' has " + std::to_string((*tok)->vocabSize()) +
                        " pieces but the model expects " + std::to_string(m->config.vocabSize) + "; they do not belong together");
    m->tokenizer = std::move(*tok);
    auto model = buildModel(m->config, tensors);
    if (!model)
        return R::error("'" + loc->weightsPath + "': " + model.message());
    m->model = *model;
    return m;
}

} // namespace azllm
