// The GPT-2 model (nanoGPT's GPT): token + learned position embeddings, pre-LayerNorm blocks with
// fused-qkv causal self-attention and a 4x GELU (erf) MLP, final LayerNorm, lm_head tied to wte.
// Parameter names are exactly nanoGPT's state-dict keys. Optional KV cache for generation.
// Training loops, checkpoints and sampling live elsewhere.
#pragma once

#include "config.h"
#include "result.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <map>
#include <utility>
#include <vector>

namespace azllm {

// Per-layer keys and values of the tokens seen so far, for incremental decoding. The buffers are
// allocated once at the full block size and filled in place, so a decoding step writes only its
// own token's keys and values instead of copying the whole history (as concatenation would).
struct KvCache {
    std::vector<at::Tensor> k, v; // per layer, each (B, nh, block_size, hs); the first `length` positions hold data
    int64_t length = 0;           // T_past
    void clear() { length = 0; }  // keeps the buffers for the next sequence
};

class CausalSelfAttentionImpl : public torch::nn::Module {
public:
    explicit CausalSelfAttentionImpl(const GptConfig& c);
    // x (B, T, C). With kBuf/vBuf (a layer's KvCache buffers) the first `past` cached positions are
    // attended to as well, and this call's keys and values are written after them.
    at::Tensor forward(const at::Tensor& x, at::Tensor* kBuf = nullptr, at::Tensor* vBuf = nullptr, int64_t past = 0);

    torch::nn::Linear c_attn{nullptr}, c_proj{nullptr};
    torch::nn::Dropout attn_dropout{nullptr}, resid_dropout{nullptr};

private:
    int64_t m_nHead, m_nEmbd, m_blockSize;
};
TORCH_MODULE(CausalSelfAttention);

class MlpImpl : public torch::nn::Module {
public:
    explicit MlpImpl(const GptConfig& c);
    at::Tensor forward(const at::Tensor& x);
    torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};
    torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(Mlp);

class BlockImpl : public torch::nn::Module {
public:
    explicit BlockImpl(const GptConfig& c);
    at::Tensor forward(const at::Tensor& x, at::Tensor* kBuf = nullptr, at::Tensor* vBuf = nullptr, int64_t past = 0);
    torch::nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
    CausalSelfAttention attn{nullptr};
    Mlp mlp{nullptr};
};
TORCH_MODULE(Block);

class TransformerImpl : public torch::nn::Module {
public:
    explicit TransformerImpl(const GptConfig& c);
    torch::nn::Embedding wte{nullptr}, wpe{nullptr};
    torch::nn::Dropout drop{nullptr};
    torch::nn::ModuleList h{nullptr};
    torch::nn::LayerNorm ln_f{nullptr};
};
TORCH_MODULE(Transformer);

class GptImpl : public torch::nn::Module {
public:
    // Parameters are initialised GPT-2 style from the current torch seed.
    explicit GptImpl(const GptConfig& c);

    // idx (B, T) int64 -> logits (B, T, vocab). With a cache, positions continue from cache->length.
    at::Tensor forward(const at::Tensor& idx, KvCache* cache = nullptr);
    // Mean cross-entropy of logits against targets (B, T).
    static at::Tensor loss(const at::Tensor& logits, const at::Tensor& targets);

    const GptConfig& config() const { return m_config; }
    // nanoGPT state-dict order and names, including the tied "lm_head.weight".
    std::vector<std::pair<std::string, at::Tensor>> stateDict() const;
    // Copies tensors in (strict: every key present with the right shape; lm_head.weight optional).
    Status loadStateDict(const std::map<std::string, at::Tensor>& tensors);
    // Training FLOPs per token (forward + backward), PaLM / nanoGPT estimate.
    double flopsPerToken() const;

    Transformer transformer{nullptr};

private:
    GptConfig m_config;
};
TORCH_MODULE(Gpt);

// Names of the weights that get weight decay (2-D matmul and embedding weights).
bool isDecayed(const std::string& name, const at::Tensor& t);

} // namespace azllm
