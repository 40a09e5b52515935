// Fused causal self-attention (see attention.h).
#include "attention.h"

#include "cpublas.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace azllm {

namespace {

// Query (and key) tile: rows of scores computed per BLAS call. The tiles stop at the diagonal, so
// a smaller tile skips more of the masked half (T = 256: 56% of the full products at 32, 63% at
// 64), while the calls stay large enough to run near BLAS's single-core peak.
constexpr int64_t kTile = 32;

// ---- Row kernels (-O3 -fno-math-errno for this file, see core/CMakeLists.txt: GCC vectorises the
// exp, normalising and backward loops; the row maximum stays scalar) ----

template <typename To, typename From>
inline To bitCast(From f)
{
    To t;
    std::memcpy(&t, &f, sizeof t);
    return t;
}

// exp(x) for x <= 0 (arguments below -87 give exp(-87), 1.6e-38, instead of a denormal): Cody-Waite
// range reduction and Cephes' degree-6 polynomial: within 1 ulp of the exact value for every float
// in [-87, 0] (checked exhaustively against double exp). A plain function that the
// compiler inlines and vectorises, unlike a call to expf.
inline float expNonPositive(float x)
{
    x = x < -87.0f ? -87.0f : x;
    const float shift = 12582912.0f; // 1.5 * 2^23: adding it rounds to an integer
    const float t = x * 1.44269504088896341f + shift;
    const float n = t - shift;
    const int32_t ni = bitCast<int32_t>(t) - bitCast<int32_t>(shift);
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    return p * bitCast<float>((ni + 127) << 23);
}

// Softmax of scale * row[0..n) in place (n >= 1), zeros in row[n..width): one causal row of a
// query tile, where n is the number of keys the query may see.
__attribute__((target_clones("avx512f", "avx2", "default")))
void softmaxRow(float* __restrict row, int64_t n, int64_t width, float scale)
{
    float mx = row[0];
    for (int64_t j = 1; j < n; ++j)
        mx = row[j] > mx ? row[j] : mx;
    const float off = mx * scale;
    float sum = 0.0f;
    for (int64_t j = 0; j < n; ++j) {
        const float e = expNonPositive(row[j] * scale - off);
        row[j] = e;
        sum += e;
    }
    const float inv = 1.0f / sum;
    for (int64_t j = 0; j < n; ++j)
        row[j] *= inv;
    for (int64_t j = n; j < width; ++j)
        row[j] = 0.0f;
}

// Softmax backward for one causal row: ds[j] = scale * p[j] * (dp[j] - sum_k p[k] dp[k]) for the
// n visible keys, 0 for the rest of the tile's width. dp holds dL/dp on entry.
__attribute__((target_clones("avx512f", "avx2", "default")))
void softmaxBackwardRow(const float* __restrict p, float* __restrict ds, int64_t n, int64_t width, float scale)
{
    float dot = 0.0f;
    for (int64_t j = 0; j < n; ++j)
        dot += p[j] * ds[j];
    for (int64_t j = 0; j < n; ++j)
        ds[j] = scale * p[j] * (ds[j] - dot);
    for (int64_t j = n; j < width; ++j)
        ds[j] = 0.0f;
}

// ---- Per-head kernels ------------------------------------------------------------------------

struct Shape {
    int64_t B, T, C, nh, hs;
    float scale;
};

Shape shapeOf(const at::Tensor& qkv, int64_t nHead)
{
    TORCH_CHECK(qkv.dim() == 3 && qkv.size(2) % 3 == 0, "fused attention takes qkv of shape (B, T, 3C)");
    Shape s;
    s.B = qkv.size(0);
    s.T = qkv.size(1);
    s.C = qkv.size(2) / 3;
    s.nh = nHead;
    TORCH_CHECK(nHead > 0 && s.C % nHead == 0, "n_embd must be a multiple of n_head");
    s.hs = s.C / nHead;
    s.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(s.hs)));
    return s;
}

// Head (b, h): O = softmax(scale * Q K^T, causal) V into y, probabilities into P (T x T, ld T;
// row i holds its tile's columns, zeros past the diagonal; columns past the tile are not written).
void forwardHead(const Shape& s, const float* qkv, float* y, float* P, int64_t b, int64_t h)
{
    const int64_t ld = 3 * s.C;
    const float* Q = qkv + b * s.T * ld + h * s.hs;
    const float* K = Q + s.C;
    const float* V = Q + 2 * s.C;
    float* O = y + b * s.T * s.C + h * s.hs;
    for (int64_t i0 = 0; i0 < s.T; i0 += kTile) {
        const int64_t i1 = std::min(i0 + kTile, s.T), m = i1 - i0;
        float* S = P + i0 * s.T;
        cpublas::gemm(false, true, m, i1, s.hs, Q + i0 * ld, ld, K, ld, 0.0f, S, s.T); // scores (m x i1)
        for (int64_t r = 0; r < m; ++r)
            softmaxRow(S + r * s.T, i0 + r + 1, i1, s.scale);
        cpublas::gemm(false, false, m, s.hs, i1, S, s.T, V, ld, 0.0f, O + i0 * s.C, s.C);
    }
}

// Head (b, h) backward: from dY's rows and the saved P, dQ, dK and dV into dqkv's rows. dS is a
// T x T scratch buffer.
void backwardHead(const Shape& s, const float* qkv, const float* P, const float* dy, float* dqkv, float* dS,
                  int64_t b, int64_t h)
{
    const int64_t ld = 3 * s.C, T = s.T;
    const float* Q = qkv + b * T * ld + h * s.hs;
    const float* K = Q + s.C;
    const float* V = Q + 2 * s.C;
    const float* dO = dy + b * T * s.C + h * s.hs;
    float* dQ = dqkv + b * T * ld + h * s.hs;
    float* dK = dQ + s.C;
    float* dV = dQ + 2 * s.C;
    // dV[j0:j1] = P[j0:T, j0:j1]^T dO[j0:T]: only the queries at or after a key see it.
    for (int64_t j0 = 0; j0 < T; j0 += kTile) {
        const int64_t j1 = std::min(j0 + kTile, T);
        cpublas::gemm(true, false, j1 - j0, s.hs, T - j0, P + j0 * T + j0, T, dO + j0 * s.C, s.C, 0.0f, dV + j0 * ld, ld);
    }
    // dP = dO V^T, then dS = scale * softmax'(dP); dQ[i0:i1] = dS[i0:i1, 0:i1] K[0:i1].
    for (int64_t i0 = 0; i0 < T; i0 += kTile) {
        const int64_t i1 = std::min(i0 + kTile, T), m = i1 - i0;
        float* D = dS + i0 * T;
        cpublas::gemm(false, true, m, i1, s.hs, dO + i0 * s.C, s.C, V, ld, 0.0f, D, T);
        for (int64_t r = 0; r < m; ++r)
            softmaxBackwardRow(P + (i0 + r) * T, D + r * T, i0 + r + 1, i1, s.scale);
        cpublas::gemm(false, false, m, s.hs, i1, D, T, K, ld, 0.0f, dQ + i0 * ld, ld);
    }
    // dK[j0:j1] = dS[j0:T, j0:j1]^T Q[j0:T].
    for (int64_t j0 = 0; j0 < T; j0 += kTile) {
        const int64_t j1 = std::min(j0 + kTile, T);
        cpublas::gemm(true, false, j1 - j0, s.hs, T - j0, dS + j0 * T + j0, T, Q + j0 * ld, ld, 0.0f, dK + j0 * ld, ld);
    }
}

// y from qkv; P (B, nh, T, T) is filled when defined (for backward), else a per-thread scratch
// tile is used.
at::Tensor attentionForward(const at::Tensor& qkv, const Shape& s, const at::Tensor& probs)
{
    at::Tensor y = at::empty({s.B, s.T, s.C}, qkv.options());
    const float* in = qkv.data_ptr<float>();
    float* out = y.data_ptr<float>();
    float* keep = probs.defined() ? probs.data_ptr<float>() : nullptr;
    cpublas::SingleThreaded singleThreaded;
    at::parallel_for(0, s.B * s.nh, 1, [&](int64_t begin, int64_t end) {
        std::vector<float> scratch(keep ? 0 : static_cast<size_t>(s.T * s.T));
        for (int64_t bh = begin; bh < end; ++bh) {
            float* P = keep ? keep + bh * s.T * s.T : scratch.data();
            forwardHead(s, in, out, P, bh / s.nh, bh % s.nh);
        }
    });
    return y;
}

at::Tensor attentionBackward(const at::Tensor& qkv, const at::Tensor& probs, const at::Tensor& dy, int64_t nHead)
{
    const Shape s = shapeOf(qkv, nHead);
    at::Tensor dqkv = at::empty_like(qkv);
    const float* in = qkv.data_ptr<float>();
    const float* P = probs.data_ptr<float>();
    const float* g = dy.data_ptr<float>();
    float* out = dqkv.data_ptr<float>();
    cpublas::SingleThreaded singleThreaded;
    at::parallel_for(0, s.B * s.nh, 1, [&](int64_t begin, int64_t end) {
        std::vector<float> dS(static_cast<size_t>(s.T * s.T));
        for (int64_t bh = begin; bh < end; ++bh)
            backwardHead(s, in, P + bh * s.T * s.T, g, out, dS.data(), bh / s.nh, bh % s.nh);
    });
    return dqkv;
}

class FusedCausalAttentionFunction : public torch::autograd::Function<FusedCausalAttentionFunction> {
public:
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& qkv, int64_t nHead)
    {
        const Shape s = shapeOf(qkv, nHead);
        at::Tensor probs = at::empty({s.B, s.nh, s.T, s.T}, qkv.options());
        at::Tensor y = attentionForward(qkv, s, probs);
        ctx->save_for_backward({qkv, probs});
        ctx->saved_data["n_head"] = nHead;
        return y;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const int64_t nHead = ctx->saved_data["n_head"].toInt();
        if (!grads[0].defined())
            return {at::Tensor(), at::Tensor()};
        at::Tensor dy = grads[0].contiguous();
        if (dy.scalar_type() != at::kFloat)
            dy = dy.to(at::kFloat);
        return {attentionBackward(saved[0], saved[1], dy, nHead), at::Tensor()};
    }
};

cpublas::KernelSwitch& enabledSwitch()
{
    static cpublas::KernelSwitch sw("AZLLM_FUSED_ATTENTION");
    return sw;
}

} // namespace

void setFusedAttentionEnabled(bool enabled) { enabledSwitch().set(enabled); }
bool fusedAttentionEnabled() { return enabledSwitch().on(); }

bool fusedAttentionUsable(const at::Tensor& qkv)
{
    return fusedAttentionEnabled() && cpublas::available() && cpublas::fp32CpuOperand(qkv) && qkv.dim() == 3 &&
           qkv.is_contiguous() && qkv.numel() > 0 &&
           qkv.size(2) <= std::numeric_limits<int>::max(); // BLAS's int leading dimensions
}

at::Tensor fusedCausalAttention(const at::Tensor& qkv, int64_t nHead)
{
    if (at::GradMode::is_enabled() && qkv.requires_grad())
        return FusedCausalAttentionFunction::apply(qkv, nHead);
    return attentionForward(qkv, shapeOf(qkv, nHead), at::Tensor());
}

} // namespace azllm
