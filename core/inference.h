// Models for inference: loads eval-mode weights plus tokenizer from any of the places a model
// lives (a run directory's best checkpoint, a checkpoint folder, a `*_final.pt` export folder or
// a Hugging Face folder) and describes them. The loaded model is a private copy: generation never
// touches live training weights.
#pragma once

#include "config.h"
#include "model.h"
#include "result.h"
#include "tokenizer.h"

#include <QJsonObject>

#include <memory>
#include <string>
#include <vector>

namespace azllm {

enum class ModelFormat { Unknown, Run, Checkpoint, PtExport, HfExport };
const char* formatName(ModelFormat f); // "run", "checkpoint", "pt-export", "hf-export"

// Decides what PATH is from its files, without loading weights. A `*_final.pt` file means its folder.
struct ModelLocation {
    ModelFormat format = ModelFormat::Unknown;
    std::string dir;           // the folder holding the model
    std::string weightsPath;   // model.pt, *_final.pt or model.safetensors
    std::string configPath;
    std::string tokenizerPath;
};
Result<ModelLocation> locateModel(const std::string& path);

struct InferenceModel {
    ModelLocation location;
    GptConfig config;
    Gpt model{nullptr};
    std::unique_ptr<Tokenizer> tokenizer;
    QJsonObject info; // source facts: step, val loss, dtype on disk, export metadata
};

// Loads the model in eval mode with float32 weights. For a run, checkpoint is "best" or "last".
Result<std::shared_ptr<InferenceModel>> loadInferenceModel(const std::string& path, const std::string& checkpoint = "best");

// Builds an eval-mode model from nanoGPT-named tensors (lm_head.weight optional, any float dtype).
Result<Gpt> buildModel(const GptConfig& cfg, const std::map<std::string, at::Tensor>& tensors);

// Hugging Face GPT-2 <-> our names: the four Conv1D weights per block are stored transposed.
bool isConv1DWeight(const std::string& name);

} // namespace azllm
