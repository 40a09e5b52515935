// Checkpoints: a folder with model.pt (a dict of tensors that Python's torch.load reads),
// optimizer.pt (AdamW moments and step) and trainer_state.json, written to a temporary sibling and
// swapped into place. Also reads tensor dicts back (ours or Python's torch.save of a state dict).
#pragma once

#include "result.h"

#include <ATen/core/Tensor.h>
#include <QJsonObject>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace azllm {

constexpr int kCheckpointFormatVersion = 1;

using TensorList = std::vector<std::pair<std::string, at::Tensor>>;
using TensorMap = std::map<std::string, at::Tensor>;

// Serialises name -> tensor as a pickled dict (torch.save format).
Result<std::vector<char>> saveTensorDict(const TensorList& tensors);
Status writeTensorDict(const std::string& path, const TensorList& tensors);
Result<TensorMap> readTensorDict(const std::string& path);

struct CheckpointData {
    TensorList model;
    TensorList optimizer;
    QJsonObject trainerState;
};

// Writes dir (e.g. run/checkpoints/best) atomically.
Status writeCheckpoint(const std::string& dir, const CheckpointData& data);

struct LoadedCheckpoint {
    TensorMap model;
    TensorMap optimizer; // empty when not requested
    QJsonObject trainerState;
};
Result<LoadedCheckpoint> readCheckpoint(const std::string& dir, bool withOptimizer);
// Replaces only trainer_state.json of an existing checkpoint (to record the stop reason).
Status updateTrainerState(const std::string& dir, const QJsonObject& patch);

} // namespace azllm
