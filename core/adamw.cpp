// AdamW (see adamw.h). Same arithmetic as torch.optim.AdamW (single-tensor path).
#include "adamw.h"

#include <ATen/ATen.h>

#include <cmath>

namespace azllm {

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
        if (p.decay && m_cfg.weightDecay != 0.0)
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
