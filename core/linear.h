// y = x W^T + b for fp32 CPU training and evaluation, as one product split over ATen's threads
// (cpublas::parallelGemm) forward and backward, instead of ATen's addmm on OpenBLAS's own thread
// pool (see cpublas.h for why). The bias is written into y's rows before the product, which then
// accumulates onto it (no separate zeroing pass), and backward sums the bias gradient in the same
// threaded pass that computes the weight's.
#pragma once

#include <ATen/core/Tensor.h>

namespace azllm {

// Whether fusedLinear can take x (..., in) with weight (out, in) and bias (out) or none: fp32 CPU
// tensors (weight and bias contiguous), no autocast, and a BLAS in the process. Otherwise (bf16
// autocast, GPUs) callers use ATen's linear.
bool fusedLinearUsable(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias = at::Tensor());

// x (..., in), weight (out, in), bias (out) or undefined -> (..., out). Differentiable in all three.
at::Tensor fusedLinear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

// On by default; AZLLM_FUSED_LINEAR=0 in the environment turns it off (to measure it), and the
// tests switch it to compare both paths.
void setFusedLinearEnabled(bool enabled);
bool fusedLinearEnabled();

} // namespace azllm
