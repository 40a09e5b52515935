// Threaded linear layer (see linear.h).
#include "linear.h"

#include "cpublas.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cstring>

namespace azllm {

namespace {

// y (N x out) = x (N x in) W^T + b.
at::Tensor linearForward(const at::Tensor& x2, const at::Tensor& w, const at::Tensor& b)
{
    const int64_t N = x2.size(0), in = x2.size(1), out = w.size(0);
    at::Tensor y = at::empty({N, out}, x2.options());
    float* py = y.data_ptr<float>();
    if (b.defined()) {
        const float* pb = b.data_ptr<float>();
        at::parallel_for(0, N, 256, [&](int64_t s, int64_t e) {
            for (int64_t r = s; r < e; ++r)
                std::memcpy(py + r * out, pb, sizeof(float) * out);
        });
    }
    cpublas::parallelGemm(false, true, N, out, in, x2.data_ptr<float>(), in, w.data_ptr<float>(), in,
                          b.defined() ? 1.0f : 0.0f, py, out);
    return y;
}

// The gradient of y = x W^T (+ b): dx = dy W, dW = dy^T x, db = dy's column sums.
torch::autograd::variable_list linearBackward(torch::autograd::AutogradContext* ctx, const at::Tensor& grad,
                                              bool hasBias)
{
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& x2 = saved[0];
    const at::Tensor& w = saved[1];
    if (!grad.defined())
        return hasBias ? torch::autograd::variable_list{at::Tensor(), at::Tensor(), at::Tensor()}
                       : torch::autograd::variable_list{at::Tensor(), at::Tensor()};
    at::Tensor dy = grad.contiguous();
    if (dy.scalar_type() != at::kFloat)
        dy = dy.to(at::kFloat);
    const int64_t N = x2.size(0), in = x2.size(1), out = w.size(0);
    const float* pdy = dy.data_ptr<float>();
    at::Tensor dx, dw, db;
    if (ctx->needs_input_grad(0)) { // dx (N x in) = dy (N x out) W (out x in)
        dx = at::empty({N, in}, x2.options());
        cpublas::parallelGemm(false, false, N, in, out, pdy, out, w.data_ptr<float>(), in, 0.0f, dx.data_ptr<float>(),
                              in);
    }
    if (ctx->needs_input_grad(1)) { // dW (out x in) = dy^T (out x N) x (N x in)
        dw = at::empty({out, in}, w.options());
        cpublas::parallelGemm(true, false, out, in, N, pdy, out, x2.data_ptr<float>(), in, 0.0f, dw.data_ptr<float>(),
                              in);
    }
    if (!hasBias)
        return {dx, dw};
    if (ctx->needs_input_grad(2)) { // db = column sums of dy, each thread over a block of columns
        db = at::zeros({out}, w.options());
        float* pdb = db.data_ptr<float>();
        at::parallel_for(0, out, 64, [&](int64_t s, int64_t e) {
            for (int64_t r = 0; r < N; ++r) {
                const float* row = pdy + r * out;
                for (int64_t c = s; c < e; ++c)
                    pdb[c] += row[c];
            }
        });
    }
    return {dx, dw, db};
}

// Two functions because an autograd function cannot take an undefined tensor for "no bias".
class LinearFunction : public torch::autograd::Function<LinearFunction> {
public:
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x2, const at::Tensor& w,
                              const at::Tensor& b)
    {
        ctx->save_for_backward({x2, w});
        return linearForward(x2, w, b);
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads)
    {
        return linearBackward(ctx, grads[0], true);
    }
};

class LinearNoBiasFunction : public torch::autograd::Function<LinearNoBiasFunction> {
public:
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x2, const at::Tensor& w)
    {
        ctx->save_for_backward({x2, w});
        return linearForward(x2, w, at::Tensor());
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads)
    {
        return linearBackward(ctx, grads[0], false);
    }
};

cpublas::KernelSwitch& enabledSwitch()
{
    static cpublas::KernelSwitch sw("AZLLM_FUSED_LINEAR");
    return sw;
}

} // namespace

void setFusedLinearEnabled(bool enabled) { enabledSwitch().set(enabled); }
bool fusedLinearEnabled() { return enabledSwitch().on(); }

bool fusedLinearUsable(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias)
{
    if (bias.defined() &&
        !(cpublas::fp32CpuOperand(bias) && bias.dim() == 1 && weight.dim() == 2 && bias.size(0) == weight.size(0)))
        return false;
    return fusedLinearEnabled() && cpublas::available() && cpublas::fp32CpuOperand(x) &&
           cpublas::fp32CpuOperand(weight) && x.dim() >= 1 && weight.dim() == 2 && x.size(-1) == weight.size(1) &&
           weight.is_contiguous() && x.numel() > 0;
}

at::Tensor fusedLinear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias)
{
    const int64_t in = x.size(-1);
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = weight.size(0);
    const at::Tensor x2 = x.reshape({-1, in}).contiguous();
    const at::Tensor b = bias.defined() ? bias.contiguous() : bias;
    const bool grad = at::GradMode::is_enabled() &&
                      (x.requires_grad() || weight.requires_grad() || (b.defined() && b.requires_grad()));
    at::Tensor y = !grad      ? linearForward(x2, weight, b)
                   : b.defined() ? LinearFunction::apply(x2, weight, b)
                                 : LinearNoBiasFunction::apply(x2, weight);
    return y.view(shape);
}

} // namespace azllm
