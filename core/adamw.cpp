// AdamW (see adamw.h). Same arithmetic as torch.optim.AdamW (single-tensor path).
#include "adamw.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cmath>

namespace azllm {

namespace {

struct UpdateScalars {
    float decayMul;   // 1 - lr * weight_decay, or exactly 1 without decay
    float lerpWeight; // 1 - beta1
    bool lerpFromEnd; // torch.lerp's formula for weights >= 0.5
    float beta2, oneMinusBeta2, bc2Sqrt, eps, negStepSize;
};

// One pass over a parameter's elements: decay, both moments and the update, with
// torch.optim.AdamW's formulas in fp32 (the per-op path below runs them as eight passes). The
// step is memory-bound; reading each of p, g, m, v once and writing p, m, v once is the least
// traffic it can have. Compiled for AVX-512, AVX2 and baseline x86-64 (chosen at load time), with
// -O3 -fno-math-errno for this file (core/CMakeLists.txt) so the loop vectorises.
template <bool LerpFromEnd>
__attribute__((target_clones("avx512f", "avx2", "default")))
void updateRange(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v, int64_t n,
                 const UpdateScalars s)
{
    const float w = s.lerpWeight, oneMinusW = 1.0f - s.lerpWeight;
    for (int64_t i = 0; i < n; ++i) {
        const float gi = g[i];
        const float mi = LerpFromEnd ? gi - (gi - m[i]) * oneMinusW : m[i] + w * (gi - m[i]);
        const float vi = v[i] * s.beta2 + s.oneMinusBeta2 * gi * gi;
        const float denom = std::sqrt(vi) / s.bc2Sqrt + s.eps;
        p[i] = p[i] * s.decayMul + s.negStepSize * (mi / denom);
        m[i] = mi;
        v[i] = vi;
    }
}

bool fusable(const at::Tensor& p, const at::Tensor& g, const at::Tensor& m, const at::Tensor& v)
{
    for (const at::Tensor* t : {&p, &g, &m, &v})
        if (!t->device().is_cpu() || t->scalar_type() != at::kFloat || !t->is_contiguous() || t->is_sparse())
            return false;
    return g.numel() == p.numel();
}

} // namespace

void AdamW::addParameter(const std::string& name, at::Tensor param, bool decay)
{
    m_params.push_back({name, param, at::zeros_like(param), at::zeros_like(param), decay});
}

void AdamW::zeroGrad()
{
    for (auto& p : m_params)
        if (p.p.grad().defined())
            p.p.mutable_grad() = at::Tensor();
}

void AdamW::step(double lr)
{
    at::NoGradGuard noGrad;
    ++m_step;
    const double bc1 = 1.0 - std::pow(m_cfg.beta1, static_cast<double>(m_step));
    const double bc2 = 1.0 - std::pow(m_cfg.beta2, static_cast<double>(m_step));
    const double stepSize = lr / bc1;
    const double bc2Sqrt = std::sqrt(bc2);
    for (auto& p : m_params) {
        const at::Tensor& g = p.p.grad();
        if (!g.defined())
            continue;
        const bool decay = p.decay && m_cfg.weightDecay != 0.0;
        if (m_fused && fusable(p.p, g, p.expAvg, p.expAvgSq)) {
            const float w = static_cast<float>(1.0 - m_cfg.beta1);
            const UpdateScalars sc{decay ? static_cast<float>(1.0 - lr * m_cfg.weightDecay) : 1.0f, w, w >= 0.5f,
                                   static_cast<float>(m_cfg.beta2), static_cast<float>(1.0 - m_cfg.beta2),
                                   static_cast<float>(bc2Sqrt), static_cast<float>(m_cfg.eps), static_cast<float>(-stepSize)};
            float* pp = p.p.data_ptr<float>();
            const float* gp = g.data_ptr<float>();
            float* mp = p.expAvg.data_ptr<float>();
            float* vp = p.expAvgSq.data_ptr<float>();
            at::parallel_for(0, p.p.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
                if (sc.lerpFromEnd)
                    updateRange<true>(pp + begin, gp + begin, mp + begin, vp + begin, end - begin, sc);
                else
                    updateRange<false>(pp + begin, gp + begin, mp + begin, vp + begin, end - begin, sc);
            });
            continue;
        }
        if (decay)
            p.p.mul_(1.0 - lr * m_cfg.weightDecay);
        p.expAvg.lerp_(g, 1.0 - m_cfg.beta1);
        p.expAvgSq.mul_(m_cfg.beta2).addcmul_(g, g, 1.0 - m_cfg.beta2);
        auto denom = (p.expAvgSq.sqrt() / bc2Sqrt).add_(m_cfg.eps);
        p.p.addcdiv_(p.expAvg, denom, -stepSize);
    }
}

std::map<std::string, at::Tensor> AdamW::state() const
{
    std::map<std::string, at::Tensor> s;
    s["step"] = at::scalar_tensor(static_cast<double>(m_step), at::kDouble);
    for (const auto& p : m_params) {
        s["exp_avg." + p.name] = p.expAvg;
        s["exp_avg_sq." + p.name] = p.expAvgSq;
    }
    return s;
}

Status AdamW::loadState(const std::map<std::string, at::Tensor>& state)
{
    auto it = state.find("step");
    if (it == state.end())
        return Status::error("the optimizer state has no step counter; it is damaged");
    for (const auto& p : m_params) {
        for (const char* kind : {"exp_avg.", "exp_avg_sq."}) {
            auto t = state.find(kind + p.name);
            if (t == state.end() || t->second.sizes() != p.p.sizes())
                return Status::error("the optimizer state does not match the model ('" + std::string(kind) + p.name +
                                     "' missing or of another shape)");
        }
    }
    at::NoGradGuard noGrad;
    m_step = static_cast<int64_t>(it->second.item<double>());
    for (auto& p : m_params) {
        p.expAvg.copy_(state.at("exp_avg." + p.name));
        p.expAvgSq.copy_(state.at("exp_avg_sq." + p.name));
    }
    return {};
}

} // namespace azllm
