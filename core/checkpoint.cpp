// Checkpoint folders and tensor dict files (see checkpoint.h).
#include "checkpoint.h"

#include "config.h"
#include "fsutil.h"

#include <ATen/core/Dict.h>
#include <ATen/core/ivalue.h>
#include <c10/util/Exception.h>
#include <torch/serialize.h>

namespace azllm {

Result<std::vector<char>> saveTensorDict(const TensorList& tensors)
{
    try {
        c10::Dict<std::string, at::Tensor> dict;
        for (const auto& kv : tensors)
            dict.insert(kv.first, kv.second.detach().contiguous());
        return torch::pickle_save(c10::IValue(dict));
    } catch (const std::exception& e) {
        return Result<std::vector<char>>::error(std::string("serialising tensors failed: ") + e.what());
    }
}

Status writeTensorDict(const std::string& path, const TensorList& tensors)
{
    auto bytes = saveTensorDict(tensors);
    if (!bytes)
        return bytes.status();
    return fs::writeFileAtomic(path, bytes->data(), bytes->size());
}

Result<TensorMap> readTensorDict(const std::string& path)
{
    using R = Result<TensorMap>;
    auto bytes = fs::readFile(path);
    if (!bytes)
        return R::error(bytes.message());
    if (bytes->size() < 4 || bytes->compare(0, 2, "PK") != 0)
        return R::error("'" + path + "' is not a PyTorch tensor file (truncated or damaged)");
    try {
        std::vector<char> data(bytes->begin(), bytes->end());
        c10::IValue v = torch::pickle_load(data);
        if (!v.isGenericDict())
            return R::error("'" + path + "' does not hold a dict of tensors");
        TensorMap out;
        for (const auto& kv : v.toGenericDict()) {
            if (!kv.key().isString() || !kv.value().isTensor())
                return R::error("'" + path + "' holds something other than name -> tensor entries");
            out[kv.key().toStringRef()] = kv.value().toTensor();
        }
        return out;
    } catch (const c10::Error& e) {
        return R::error("'" + path + "' is damaged or truncated and cannot be read (" +
                        std::string(e.what_without_backtrace()).substr(0, 160) + ")");
    } catch (const std::exception& e) {
        return R::error("'" + path + "' is damaged or truncated and cannot be read (" + std::string(e.what()).substr(0, 160) + ")");
    }
}

Status writeCheckpoint(const std::string& dir, const CheckpointData& data)
{
    auto st = fs::makeDirs(fs::parentDir(dir));
    if (!st)
        return st;
    fs::removeStaleTemps(fs::parentDir(dir)); // left by a run killed while writing a checkpoint
    auto tmp = fs::makeTempSiblingDir(dir);
    if (!tmp)
        return tmp.status();
    auto fail = [&](const Status& s) {
        fs::removeAll(*tmp);
        return Status::error("saving checkpoint '" + dir + "' failed: " + s.message());
    };
    if (st = writeTensorDict(fs::join(*tmp, "model.pt"), data.model); !st)
        return fail(st);
    if (!data.optimizer.empty())
        if (st = writeTensorDict(fs::join(*tmp, "optimizer.pt"), data.optimizer); !st)
            return fail(st);
    QJsonObject state = data.trainerState;
    state["format_version"] = kCheckpointFormatVersion;
    if (st = writeJsonFile(fs::join(*tmp, "trainer_state.json"), state); !st)
        return fail(st);
    if (st = fs::replaceDirAtomic(*tmp, dir); !st)
        return fail(st);
    return {};
}

Result<LoadedCheckpoint> readCheckpoint(const std::string& dir, bool withOptimizer)
{
    using R = Result<LoadedCheckpoint>;
    if (!fs::isDir(dir))
        return R::error("checkpoint '" + dir + "' does not exist");
    LoadedCheckpoint out;
    auto state = readJsonFile(fs::join(dir, "trainer_state.json"));
    if (!state)
        return R::error("checkpoint '" + dir + "' is damaged: " + state.message());
    const int version = state->value("format_version").toInt(-1);
    if (version > kCheckpointFormatVersion)
        return R::error("checkpoint '" + dir + "' has format version " + std::to_string(version) +
                        ", newer than this build reads (" + std::to_string(kCheckpointFormatVersion) + "); update AzLLM Studio");
    if (version < 1)
        return R::error("checkpoint '" + dir + "' has no valid format version; it is damaged");
    out.trainerState = *state;
    auto model = readTensorDict(fs::join(dir, "model.pt"));
    if (!model)
        return R::error(model.message());
    out.model = std::move(*model);
    if (withOptimizer) {
        auto opt = readTensorDict(fs::join(dir, "optimizer.pt"));
        if (!opt)
            return R::error(opt.message());
        out.optimizer = std::move(*opt);
    }
    return out;
}

Status updateTrainerState(const std::string& dir, const QJsonObject& patch)
{
    const std::string path = fs::join(dir, "trainer_state.json");
    auto state = readJsonFile(path);
    if (!state)
        return state.status();
    for (auto it = patch.begin(); it != patch.end(); ++it)
        (*state)[it.key()] = it.value();
    return writeJsonFile(path, *state);
}

} // namespace azllm
