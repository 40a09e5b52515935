// Export (see export.h).
#include "export.h"

#include "checkpoint.h"
#include "fsutil.h"
#include "hftokenizer.h"
#include "inference.h"
#include "run.h"
#include "safetensors.h"

#include <ATen/ATen.h>
#include <QJsonArray>

#include <cerrno>
#include <cstdio>
#include <unistd.h>

namespace azllm {

QJsonObject ExportResult::toJson() const
{
    QJsonArray f;
    for (const auto& [path, bytes] : files)
        f.append(QJsonObject{{"path", QString::fromStdString(path)}, {"bytes", static_cast<qint64>(bytes)}});
    return QJsonObject{{"event", "exported"},
                       {"pt", QString::fromStdString(ptPath)},
                       {"hf", QString::fromStdString(hfDir)},
                       {"parameters", static_cast<qint64>(parameters)},
                       {"step", static_cast<qint64>(step)},
                       {"val_loss", valLoss},
                       {"files", f}};
}

Status validateExportOptions(const ExportOptions& o)
{
    if (o.runDir.empty())
        return Status::error("no run directory given (--run-dir)");
    if (o.outDir.empty())
        return Status::error("no output folder given (--out)");
    if (o.checkpoint != "best" && o.checkpoint != "last")
        return Status::error("checkpoint must be best or last, not '" + o.checkpoint + "'");
    if (o.format != "pt" && o.format != "hf" && o.format != "all")
        return Status::error("format must be pt, hf or all, not '" + o.format + "'");
    if (o.dtype != "fp32" && o.dtype != "bf16" && o.dtype != "fp16")
        return Status::error("dtype must be fp32, bf16 or fp16, not '" + o.dtype + "'");
    return o.sampling.validate();
}

QJsonObject hfModelConfig(const GptConfig& c, int bos, int eos, int pad, const std::string& dtype)
{
    return QJsonObject{{"architectures", QJsonArray{"GPT2LMHeadModel"}},
                       {"model_type", "gpt2"},
                       {"vocab_size", static_cast<qint64>(c.vocabSize)},
                       {"n_positions", static_cast<qint64>(c.blockSize)},
                       {"n_ctx", static_cast<qint64>(c.blockSize)},
                       {"n_embd", static_cast<qint64>(c.nEmbd)},
                       {"n_layer", static_cast<qint64>(c.nLayer)},
                       {"n_head", static_cast<qint64>(c.nHead)},
                       {"n_inner", QJsonValue::Null},
                       // nn.GELU() / at::gelu is the exact erf form: Hugging Face's "gelu" ("gelu_new" is tanh).
                       {"activation_function", "gelu"},
                       {"resid_pdrop", 0.0},
                       {"embd_pdrop", 0.0},
                       {"attn_pdrop", 0.0},
                       {"layer_norm_epsilon", c.layerNormEps},
                       {"initializer_range", 0.02},
                       {"scale_attn_weights", true},
                       {"scale_attn_by_inverse_layer_idx", false},
                       {"reorder_and_upcast_attn", false},
                       {"use_cache", true},
                       {"bos_token_id", bos},
                       {"eos_token_id", eos},
                       {"pad_token_id", pad},
                       {"tie_word_embeddings", true},
                       {"torch_dtype", dtype == "bf16" ? "bfloat16" : dtype == "fp16" ? "float16" : "float32"}};
}

QJsonObject hfGenerationConfig(const SamplingConfig& s, int bos, int eos, int pad)
{
    QJsonObject o{{"bos_token_id", bos},
                  {"eos_token_id", eos},
                  {"pad_token_id", pad},
                  {"do_sample", s.temperature > 0},
                  {"max_new_tokens", s.maxNewTokens},
                  {"repetition_penalty", s.repetitionPenalty}};
    if (s.temperature > 0) {
        o["temperature"] = s.temperature;
        o["top_k"] = s.topK;
        o["top_p"] = s.topP;
        if (s.minP > 0)
            o["min_p"] = s.minP;
    }
    if (!s.stop.empty()) {
        QJsonArray stops;
        for (const auto& x : s.stop)
            stops.append(QString::fromStdString(x));
        o["stop_strings"] = stops;
    }
    return o;
}

namespace {

at::ScalarType scalarType(const std::string& dtype)
{
    return dtype == "bf16" ? at::kBFloat16 : dtype == "fp16" ? at::kHalf : at::kFloat;
}

std::string runName(std::string dir)
{
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    std::string n = fs::baseName(dir);
    return n.empty() || n == "." || n == ".." ? "model" : n;
}

Status copyFile(const std::string& from, const std::string& to)
{
    auto bytes = fs::readFile(from);
    if (!bytes)
        return bytes.status();
    return fs::writeFileAtomic(to, *bytes);
}

// Moves the staged entry into place: files by rename (atomic), folders by exchange.
Status moveIntoPlace(const std::string& staged, const std::string& target)
{
    if (fs::isDir(staged))
        return fs::replaceDirAtomic(staged, target);
    if (std::rename(staged.c_str(), target.c_str()) != 0)
        return Status::error(fs::describeErrno(errno, "moving the export into", target));
    return {};
}

} // namespace

Result<ExportResult> exportRun(const ExportOptions& o, const std::function<void(const std::string&)>& log)
{
    using R = Result<ExportResult>;
    auto say = [&](const std::string& s) { if (log) log(s); };
    if (auto st = validateExportOptions(o); !st)
        return st;
    if (!fs::isDir(o.runDir) || !fs::exists(runpaths::config(o.runDir)))
        return R::error("'" + o.runDir + "' is not a run directory (no config.json); train one with `azllm train`");
    // Says so when the run has no such checkpoint yet.
    auto loaded = loadInferenceModel(o.runDir, o.checkpoint);
    if (!loaded)
        return loaded.status();
    const InferenceModel& m = **loaded;
    const Tokenizer& tok = *m.tokenizer;
    ExportResult res;
    res.parameters = m.config.parameterCount();
    res.step = static_cast<int64_t>(m.info["step"].toDouble());
    res.valLoss = m.info["best_val_loss"].toDouble();
    say("loaded " + o.checkpoint + " checkpoint (step " + std::to_string(res.step) + ", " + std::to_string(res.parameters) + " parameters)");

    // Model tensors only, eval mode, in the requested dtype; lm_head shares wte's storage as in nanoGPT.
    const at::ScalarType dt = scalarType(o.dtype);
    TensorList pt;
    at::Tensor wte;
    for (const auto& [name, t] : m.model->stateDict()) {
        if (name == "lm_head.weight") {
            pt.emplace_back(name, wte);
            continue;
        }
        at::Tensor c = t.detach().to(dt).contiguous();
        if (dt == at::kFloat)
            c = c.clone(); // never alias the loaded model
        if (name == "transformer.wte.weight")
            wte = c;
        pt.emplace_back(name, c);
    }

    // Stage everything beside the destination.
    const std::string out = o.outDir;
    if (fs::exists(out) && !fs::isDir(out))
        return R::error("'" + out + "' exists and is not a folder; choose another --out");
    if (auto st = fs::makeDirs(out); !st)
        return R::error("cannot create the export folder: " + st.message());
    if (::access(out.c_str(), W_OK) != 0)
        return R::error(fs::describeErrno(errno, "writing into", out));
    auto stage = fs::makeTempSiblingDir(out);
    if (!stage)
        return stage.status();
    auto fail = [&](const std::string& what) {
        fs::removeAll(*stage);
        return R::error("export failed: " + what + "; nothing was changed in '" + out + "'");
    };
    std::vector<std::pair<std::string, std::string>> entries; // staged -> final
    const bool wantPt = o.format == "pt" || o.format == "all";
    const bool wantHf = o.format == "hf" || o.format == "all";
    const std::string tokBytes = tok.serialized();

    if (wantPt) {
        const std::string ptName = runName(o.runDir) + "_final.pt";
        if (auto st = writeTensorDict(fs::join(*stage, ptName), pt); !st)
            return fail(st.message());
        QJsonObject args = toJson(m.config);
        args.remove("layer_norm_epsilon"); // config.json holds exactly nanoGPT's GPTConfig arguments
        if (auto st = writeJsonFile(fs::join(*stage, "config.json"), args); !st)
            return fail(st.message());
        if (auto st = fs::writeFileAtomic(fs::join(*stage, "tokenizer.model"), tokBytes); !st)
            return fail(st.message());
        const QJsonObject info{{"format", "azllm-pt-export"},
                               {"format_version", 1},
                               {"azllm_version", AZLLM_VERSION},
                               {"weights", QString::fromStdString(ptName)},
                               {"dtype", QString::fromStdString(o.dtype)},
                               {"source_run", QString::fromStdString(o.runDir)},
                               {"checkpoint", QString::fromStdString(o.checkpoint)},
                               {"step", static_cast<qint64>(res.step)},
                               {"best_val_loss", m.info["best_val_loss"]},
                               {"parameters", static_cast<qint64>(res.parameters)},
                               {"layer_norm_epsilon", m.config.layerNormEps},
                               {"tokenizer", QJsonObject{{"type", QString::fromStdString(tok.modelType())}, {"vocab_size", tok.vocabSize()}}},
                               {"sampling", toJson(o.sampling)}};
        if (auto st = writeJsonFile(fs::join(*stage, "export.json"), info); !st)
            return fail(st.message());
        for (const char* f : {"config.json", "tokenizer.model", "export.json"})
            entries.emplace_back(fs::join(*stage, f), fs::join(out, f));
        entries.emplace_back(fs::join(*stage, ptName), fs::join(out, ptName));
        res.ptPath = fs::join(out, ptName);
    }
    if (wantHf) {
        const std::string hf = fs::join(*stage, "hf");
        if (auto st = fs::makeDirs(hf); !st)
            return fail(st.message());
        TensorList st;
        for (const auto& [name, t] : pt) {
            if (name == "lm_head.weight")
                continue; // tied: Hugging Face drops shared tensors and re-ties on load
            st.emplace_back(name, isConv1DWeight(name) ? t.t().contiguous() : t);
            if (!m.config.bias && isConv1DWeight(name)) // GPT-2's Conv1D layers always have a bias
                st.emplace_back(name.substr(0, name.size() - 6) + "bias", at::zeros({t.size(0)}, t.options()));
        }
        auto tj = hfTokenizerJson(tok);
        if (!tj)
            return fail(tj.message());
        Status s;
        if (s = writeSafetensors(fs::join(hf, "model.safetensors"), st, {{"format", "pt"}}); !s)
            return fail(s.message());
        if (s = writeJsonFile(fs::join(hf, "config.json"), hfModelConfig(m.config, tok.bosId(), tok.eosId(), tok.padId(), o.dtype)); !s)
            return fail(s.message());
        if (s = writeJsonFile(fs::join(hf, "generation_config.json"), hfGenerationConfig(o.sampling, tok.bosId(), tok.eosId(), tok.padId())); !s)
            return fail(s.message());
        if (s = fs::writeFileAtomic(fs::join(hf, "tokenizer.model"), tokBytes); !s)
            return fail(s.message());
        if (s = writeJsonFile(fs::join(hf, "tokenizer.json"), *tj); !s)
            return fail(s.message());
        if (s = writeJsonFile(fs::join(hf, "tokenizer_config.json"), hfTokenizerConfig(tok, m.config.blockSize)); !s)
            return fail(s.message());
        if (s = writeJsonFile(fs::join(hf, "special_tokens_map.json"), hfSpecialTokensMap(tok)); !s)
            return fail(s.message());
        entries.emplace_back(hf, fs::join(out, "hf"));
        res.hfDir = fs::join(out, "hf");
    }
    fs::syncDir(*stage);
    // Sizes before the move (the staged paths disappear).
    for (const auto& [from, to] : entries) {
        if (fs::isDir(from)) {
            for (const char* f : {"config.json", "generation_config.json", "model.safetensors", "tokenizer.model", "tokenizer.json",
                                  "tokenizer_config.json", "special_tokens_map.json"})
                res.files.emplace_back(fs::join(to, f), fs::fileSize(fs::join(from, f)));
        } else {
            res.files.emplace_back(to, fs::fileSize(from));
        }
    }
    for (const auto& [from, to] : entries)
        if (auto st = moveIntoPlace(from, to); !st)
            return fail(st.message());
    fs::syncDir(out);
    fs::removeAll(*stage);
    say("exported to " + out);
    return res;
}

} // namespace azllm
