// Export: a run's final eval-mode weights, model tensors only (no optimizer or trainer state), as
// a PyTorch state dict `<run-name>_final.pt` with config.json and tokenizer.model beside it, and
// as a Hugging Face GPT2LMHeadModel folder `hf/`. Everything is staged in a temporary sibling of
// the destination and renamed into place, so a failure leaves nothing partial behind.
#pragma once

#include "config.h"
#include "result.h"

#include <QJsonObject>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace azllm {

struct ExportOptions {
    std::string runDir;
    std::string checkpoint = "best"; // or "last"
    std::string outDir;
    std::string format = "all";      // pt, hf or all
    std::string dtype = "fp32";      // fp32, bf16 or fp16
    SamplingConfig sampling;         // written to generation_config.json
};

struct ExportResult {
    std::string ptPath;  // empty unless format pt/all
    std::string hfDir;   // empty unless format hf/all
    std::vector<std::pair<std::string, int64_t>> files; // path, bytes
    int64_t parameters = 0;
    int64_t step = 0;
    double valLoss = 0;
    QJsonObject toJson() const;
};

Status validateExportOptions(const ExportOptions& o);
Result<ExportResult> exportRun(const ExportOptions& o, const std::function<void(const std::string&)>& log = {});

// The Hugging Face config.json and generation_config.json for a model and tokenizer ids.
QJsonObject hfModelConfig(const GptConfig& c, int bos, int eos, int pad, const std::string& dtype);
QJsonObject hfGenerationConfig(const SamplingConfig& s, int bos, int eos, int pad);

} // namespace azllm
