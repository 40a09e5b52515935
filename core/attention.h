// Fused causal self-attention for CPU training and evaluation in fp32.
//
// Takes the fused query/key/value projection (B, T, 3C) that c_attn produces and returns the
// heads' outputs already laid out as (B, T, C) for c_proj: softmax(Q K^T / sqrt(hs) + causal
// mask) V for each head. One (batch, head) pair at a time per thread, in query tiles, so that
//   * the keys a query cannot see (above the diagonal) are neither multiplied nor masked: the
//     tiles stop at the diagonal, about half of the attention's products;
//   * the scores, their mask and softmax are one pass over a tile still in cache instead of
//     separate passes over a (B, nh, T, T) tensor;
//   * no head is copied to be contiguous: BLAS reads Q, K and V in place with a row stride of 3C
//     and writes the output (and, backward, the gradients) straight into their rows;
//   * the products are single-threaded BLAS calls run by ATen's threads, one head per thread,
//     instead of a two-thread BLAS call per head that is too small to split well.
// Its own autograd function computes the gradient of qkv in the same way (query tiles for dQ,
// key tiles for dK and dV). Numerically it is the same computation as the unfused path (ATen's
// baddbmm, softmax and matmul), with a different summation order (differences of ~1e-7).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace azllm {

// Whether qkv (B, T, 3C) can take the fused path: a contiguous fp32 CPU tensor, fused attention
// enabled, and a Fortran BLAS (sgemm_) in the process. Otherwise callers use ATen's ops
// (bf16 autocast, GPUs). Attention dropout is the caller's business: the fused path has none.
bool fusedAttentionUsable(const at::Tensor& qkv);

// y (B, T, C) from qkv (B, T, 3C) with nHead heads. Differentiable with respect to qkv when grad
// mode is on and qkv requires grad (the attention probabilities are then kept for backward,
// B * nHead * T * T floats, as the unfused path keeps its softmax output).
at::Tensor fusedCausalAttention(const at::Tensor& qkv, int64_t nHead);

// On by default; AZLLM_FUSED_ATTENTION=0 in the environment turns it off (to measure it), and the
// tests switch it to compare both paths.
void setFusedAttentionEnabled(bool enabled);
bool fusedAttentionEnabled();

} // namespace azllm
