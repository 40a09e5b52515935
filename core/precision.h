// Training precision: fp32, or bf16 autocast (matrix products in bfloat16, fp32 master weights,
// optimizer state, loss and checkpoints). bf16 pays off on CPUs with AVX512-BF16 (oneDNN's bf16
// GEMM); elsewhere it runs emulated and is slower than fp32, so callers warn.
#pragma once

#include <ATen/core/TensorBody.h>

#include <string>

namespace azllm {

// True when the CPU executes bfloat16 dot products natively (AVX512-BF16, CPUID leaf 7.1 EAX[5]).
bool cpuHasNativeBf16();
// Empty when fine; else one line that says what bf16 will cost on this machine and what to do.
std::string precisionWarning(const std::string& precision, const std::string& device = "cpu");

// While alive on this thread: autocast to bfloat16 on the given device type (CPU or CUDA), as
// torch.autocast(device, dtype=torch.bfloat16). Disabled scopes do nothing. Run the backward
// pass outside the scope, as with torch.autocast.
class AutocastScope {
public:
    AutocastScope(bool enabled, c10::DeviceType device);
    ~AutocastScope();
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool m_enabled;
    bool m_cuda;
    bool m_wasEnabled = false;
    c10::ScalarType m_previousDtype = c10::ScalarType::Undefined;
};

} // namespace azllm
