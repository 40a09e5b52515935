// AdamW with decoupled weight decay on a chosen subset of parameters, matching
// torch.optim.AdamW's update exactly, with state that saves to and loads from a plain dict of
// tensors (optimizer.pt) so resumed runs continue bit for bit.
#pragma once

#include "result.h"

#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <vector>

namespace azllm {

struct AdamWConfig {
    double beta1 = 0.9;
    double beta2 = 0.95;
    double eps = 1e-8;
    double weightDecay = 0.1; // applied only to parameters registered with decay = true
};

class AdamW {
public:
    explicit AdamW(AdamWConfig cfg) : m_cfg(cfg) {}
    void addParameter(const std::string& name, at::Tensor param, bool decay);
    void zeroGrad();
    void step(double lr);
    // The fused one-pass update (default) or ATen's per-op path (a reference for tests; also
    // used for tensors the fused loop cannot take, such as GPU tensors).
    void setFused(bool fused) { m_fused = fused; }
    int64_t stepCount() const { return m_step; }

    // "step" plus "exp_avg.<name>" and "exp_avg_sq.<name>" for every parameter.
    std::map<std::string, at::Tensor> state() const;
    Status loadState(const std::map<std::string, at::Tensor>& state);

private:
    struct Param {
        std::string name;
        at::Tensor p, expAvg, expAvgSq;
        bool decay;
    };
    AdamWConfig m_cfg;
    std::vector<Param> m_params;
    int64_t m_step = 0;
    bool m_fused = true;
};

} // namespace azllm
