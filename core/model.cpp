// GPT-2 model (see model.h). Shapes: B batch, T time, C n_embd, nh heads, hs = C / nh.
#include "model.h"

#include "attention.h"
#include "linear.h"

#include <ATen/ATen.h>

#include <cmath>

namespace azllm {

using torch::nn::Dropout;
using torch::nn::Embedding;
using torch::nn::LayerNorm;
using torch::nn::LayerNormOptions;
using torch::nn::Linear;
using torch::nn::LinearOptions;

namespace {

// Whether this thread's forward pass takes the fused kernels (attention.h, linear.h), decided once
// per forward in GptImpl::forward: not with a KV cache or attention dropout (those keep ATen's
// attention), and not with fused attention switched off. The linear layers split their products
// over ATen's threads and leave OpenBLAS's thread pool idle, so its threads sleep; a forward that
// also made products on that pool (ATen's attention) would have the two pools spin against each
// other on the same cores: a window refill of tiny ran 25-40% slower that way. So the fused linear
// layers run only in a forward whose attention is fused too, and only for products of at least
// kFusedLinearMinRows rows, below which OpenBLAS's own split of a product is as fast (tiny's
// recompute-per-token generation). bf16 autocast and GPUs are refused by each kernel's own check.
thread_local bool t_fusedKernels = false;
constexpr int64_t kFusedLinearMinRows = 256;

struct FusedKernelsScope {
    explicit FusedKernelsScope(bool on) : m_saved(t_fusedKernels) { t_fusedKernels = on; }
    ~FusedKernelsScope() { t_fusedKernels = m_saved; }
    FusedKernelsScope(const FusedKernelsScope&) = delete;
    FusedKernelsScope& operator=(const FusedKernelsScope&) = delete;
    bool m_saved;
};

bool useFusedLinear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias = at::Tensor())
{
    return t_fusedKernels && x.numel() / x.size(-1) >= kFusedLinearMinRows && fusedLinearUsable(x, weight, bias);
}

// y = x W^T + b. A single row (one token of incremental decoding) goes through BLAS's
// matrix-vector product, which reads W once and is 3-5x faster here than a 1-row matrix product.
at::Tensor linear(torch::nn::Linear l, const at::Tensor& x)
{
    const int64_t in = x.size(-1);
    if (x.numel() != in)
        return useFusedLinear(x, l->weight, l->bias) ? fusedLinear(x, l->weight, l->bias) : l->forward(x);
    const at::Tensor& w = l->weight;
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = w.size(0);
    at::Tensor y = l->bias.defined() ? at::addmv(l->bias, w, x.reshape({in})) : at::mv(w, x.reshape({in}));
    return y.view(shape);
}

} // namespace

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const GptConfig& c) : m_nHead(c.nHead), m_nEmbd(c.nEmbd), m_blockSize(c.blockSize)
{
    c_attn = register_module("c_attn", Linear(LinearOptions(c.nEmbd, 3 * c.nEmbd).bias(c.bias)));
    c_proj = register_module("c_proj", Linear(LinearOptions(c.nEmbd, c.nEmbd).bias(c.bias)));
    attn_dropout = register_module("attn_dropout", Dropout(c.dropout));
    resid_dropout = register_module("resid_dropout", Dropout(c.dropout));
}

at::Tensor CausalSelfAttentionImpl::forward(const at::Tensor& x, at::Tensor* kBuf, at::Tensor* vBuf, int64_t past)
{
    const int64_t B = x.size(0), T = x.size(1), C = x.size(2), hs = C / m_nHead;
    at::Tensor qkvFused = linear(c_attn, x); // (B, T, 3C)
    // Training and evaluation in fp32 on the CPU: the fused kernel (attention.h). Generation with
    // the KV cache, bf16 autocast, GPUs and attention dropout take ATen's ops below.
    if (t_fusedKernels && fusedAttentionUsable(qkvFused))
        return resid_dropout(linear(c_proj, fusedCausalAttention(qkvFused, m_nHead)));
    auto qkv = qkvFused.split(C, /*dim=*/2); // 3 x (B, T, C)
    // (B, T, C) -> (B, nh, T, hs)
    auto q = qkv[0].view({B, T, m_nHead, hs}).transpose(1, 2);
    auto k = qkv[1].view({B, T, m_nHead, hs}).transpose(1, 2);
    auto v = qkv[2].view({B, T, m_nHead, hs}).transpose(1, 2);
    if (kBuf && vBuf) {
        const std::vector<int64_t> full{B, m_nHead, m_blockSize, hs};
        if (!kBuf->defined() || kBuf->sizes() != c10::IntArrayRef(full) || kBuf->scalar_type() != k.scalar_type()) {
            TORCH_CHECK(past == 0, "the KV cache was filled for another batch size or dtype; clear it first");
            *kBuf = at::empty(full, k.options());
            *vBuf = at::empty(full, v.options());
        }
        kBuf->narrow(2, past, T).copy_(k); // this call's keys and values after the cached ones
        vBuf->narrow(2, past, T).copy_(v);
        k = kBuf->narrow(2, 0, past + T);  // (B, nh, past + T, hs) views, no copy
        v = vBuf->narrow(2, 0, past + T);
    } else {
        past = 0;
    }
    const int64_t S = past + T;
    // (B, nh, T, hs) x (B, nh, hs, S) -> (B, nh, T, S), scaled by 1/sqrt(hs)
    const double scale = 1.0 / std::sqrt(static_cast<double>(hs));
    at::Tensor att;
    if (T > 1) {
        // Query i (absolute position past + i) may see keys 0..past + i. The causal mask enters
        // as an additive bias (0 or -inf) that the batched GEMM accumulates onto, with the
        // scale as its alpha: one pass over the scores instead of three (product, scale, mask),
        // and a backward without the scale's and the mask's passes.
        auto bias = at::full({T, S}, -std::numeric_limits<double>::infinity(), q.options()).triu_(past + 1);
        att = at::baddbmm(bias.expand({B * m_nHead, T, S}), q.reshape({B * m_nHead, T, hs}),
                          k.reshape({B * m_nHead, S, hs}).transpose(1, 2), /*beta=*/1.0, /*alpha=*/scale)
                  .view({B, m_nHead, T, S});
    } else {
        att = at::matmul(q, k.transpose(-2, -1)).mul_(scale);
    }
    att = at::softmax(att, -1);
    att = attn_dropout(att);
    auto y = at::matmul(att, v);                          // (B, nh, T, hs)
    y = y.transpose(1, 2).contiguous().view({B, T, C});   // (B, nh, T, hs) -> (B, T, C)
    return resid_dropout(linear(c_proj, y));
}

MlpImpl::MlpImpl(const GptConfig& c)
{
    c_fc = register_module("c_fc", Linear(LinearOptions(c.nEmbd, 4 * c.nEmbd).bias(c.bias)));
    c_proj = register_module("c_proj", Linear(LinearOptions(4 * c.nEmbd, c.nEmbd).bias(c.bias)));
    dropout = register_module("dropout", Dropout(c.dropout));
}

at::Tensor MlpImpl::forward(const at::Tensor& x)
{
    return dropout(linear(c_proj, at::gelu(linear(c_fc, x)))); // exact (erf) GELU, as nn.GELU()
}

BlockImpl::BlockImpl(const GptConfig& c)
{
    ln_1 = register_module("ln_1", LayerNorm(LayerNormOptions({c.nEmbd}).eps(c.layerNormEps).elementwise_affine(true)));
    attn = register_module("attn", CausalSelfAttention(c));
    ln_2 = register_module("ln_2", LayerNorm(LayerNormOptions({c.nEmbd}).eps(c.layerNormEps).elementwise_affine(true)));
    mlp = register_module("mlp", Mlp(c));
}

at::Tensor BlockImpl::forward(const at::Tensor& x, at::Tensor* kBuf, at::Tensor* vBuf, int64_t past)
{
    auto y = x + attn(ln_1(x), kBuf, vBuf, past);
    return y + mlp(ln_2(y));
}

TransformerImpl::TransformerImpl(const GptConfig& c)
{
    wte = register_module("wte", Embedding(c.vocabSize, c.nEmbd));
    wpe = register_module("wpe", Embedding(c.blockSize, c.nEmbd));
    drop = register_module("drop", Dropout(c.dropout));
    h = register_module("h", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.nLayer; ++i)
        h->push_back(Block(c));
    ln_f = register_module("ln_f", LayerNorm(LayerNormOptions({c.nEmbd}).eps(c.layerNormEps)));
}

GptImpl::GptImpl(const GptConfig& c) : m_config(c)
{
    transformer = register_module("transformer", Transformer(c));
    // GPT-2 initialisation: N(0, 0.02) for weights and embeddings, zero biases, LayerNorm 1/0,
    // residual projections scaled by 1/sqrt(2 * n_layer).
    at::NoGradGuard noGrad;
    const double residStd = 0.02 / std::sqrt(2.0 * static_cast<double>(c.nLayer));
    for (auto& p : named_parameters()) {
        const std::string& name = p.key();
        at::Tensor& t = p.value();
        const bool ln = name.find("ln_") != std::string::npos;
        if (ln)
            name.size() >= 6 && name.compare(name.size() - 6, 6, "weight") == 0 ? t.fill_(1.0) : t.zero_();
        else if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0)
            t.zero_();
        else if (name.size() >= 13 && name.compare(name.size() - 13, 13, "c_proj.weight") == 0)
            t.normal_(0.0, residStd);
        else
            t.normal_(0.0, 0.02);
    }
}

at::Tensor GptImpl::forward(const at::Tensor& idx, KvCache* cache)
{
    const int64_t T = idx.size(1);
    const int64_t past = cache ? cache->length : 0;
    TORCH_CHECK(past + T <= m_config.blockSize, "sequence of ", past + T, " tokens exceeds the block size ",
                m_config.blockSize);
    FusedKernelsScope fusedKernels(!cache && (!is_training() || m_config.dropout == 0.0) && fusedAttentionEnabled());
    auto pos = at::arange(past, past + T, at::TensorOptions().dtype(at::kLong));
    auto x = transformer->drop(transformer->wte(idx) + transformer->wpe(pos)); // (B, T, C)
    const size_t L = transformer->h->size();
    if (cache && cache->k.size() != L) {
        cache->k.assign(L, at::Tensor());
        cache->v.assign(L, at::Tensor());
    }
    for (size_t i = 0; i < L; ++i) {
        auto block = transformer->h->ptr<BlockImpl>(i);
        x = cache ? block->forward(x, &cache->k[i], &cache->v[i], past) : block->forward(x);
    }
    if (cache)
        cache->length = past + T;
    x = transformer->ln_f(x);
    const at::Tensor& wte = transformer->wte->weight;
    if (x.numel() == x.size(-1)) // one token: matrix-vector product
        return at::mv(wte, x.reshape({x.size(-1)})).view({x.size(0), x.size(1), wte.size(0)});
    if (useFusedLinear(x, wte))
        return fusedLinear(x, wte, at::Tensor()); // lm_head tied to wte: (B, T, vocab)
    return at::matmul(x, wte.t());
}

at::Tensor GptImpl::loss(const at::Tensor& logits, const at::Tensor& targets)
{
    return at::cross_entropy_loss(logits.view({-1, logits.size(-1)}), targets.reshape({-1}));
}

std::vector<std::pair<std::string, at::Tensor>> GptImpl::stateDict() const
{
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& p : named_parameters())
        out.emplace_back(p.key(), p.value());
    out.emplace_back("lm_head.weight", transformer->wte->weight);
    return out;
}

Status GptImpl::loadStateDict(const std::map<std::string, at::Tensor>& tensors)
{
    at::NoGradGuard noGrad;
    std::vector<std::string> missing;
    for (auto& p : named_parameters()) {
        auto it = tensors.find(p.key());
        if (it == tensors.end()) {
            missing.push_back(p.key());
            continue;
        }
        if (it->second.sizes() != p.value().sizes()) {
            std::ostringstream msg;
            msg << "weight '" << p.key() << "' has shape " << it->second.sizes() << " but this model needs "
                << p.value().sizes() << "; the checkpoint belongs to another architecture";
            return Status::error(msg.str());
        }
    }
    if (!missing.empty())
        return Status::error("the weights lack '" + missing.front() + "' (" + std::to_string(missing.size()) +
                             " missing); they belong to another architecture or are damaged");
    for (const auto& kv : tensors) {
        if (kv.first == "lm_head.weight")
            continue;
        bool known = false;
        for (auto& p : named_parameters())
            if (p.key() == kv.first) { known = true; break; }
        if (!known)
            return Status::error("unexpected weight '" + kv.first + "'; the checkpoint belongs to another architecture");
    }
    for (auto& p : named_parameters()) {
        const auto& src = tensors.at(p.key());
        if (!at::isfinite(src).all().item<bool>())
            return Status::error("weight '" + p.key() + "' holds NaN or infinite values; the checkpoint is damaged");
        p.value().copy_(src.to(p.value().dtype()));
    }
    return {};
}

double GptImpl::flopsPerToken() const
{
    const double N = static_cast<double>(m_config.parameterCount() - m_config.blockSize * m_config.nEmbd);
    const double L = static_cast<double>(m_config.nLayer), T = static_cast<double>(m_config.blockSize);
    const double C = static_cast<double>(m_config.nEmbd);
    return 6.0 * N + 12.0 * L * C * T;
}

bool isDecayed(const std::string& /*name*/, const at::Tensor& t) { return t.dim() >= 2; }

} // namespace azllm
