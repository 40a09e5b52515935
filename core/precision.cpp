// Training precision (see precision.h).
#include "precision.h"

#include <ATen/autocast_mode.h>

#include <cpuid.h>

namespace azllm {

bool cpuHasNativeBf16()
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || a < 1)
        return false;
    const bool avx512f = (b >> 16) & 1u;
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d))
        return false;
    const bool bf16 = (a >> 5) & 1u;
    if (!avx512f || !bf16)
        return false;
    // The OS must save the AVX-512 register state (XCR0 bits 1, 2, 5, 6, 7).
    unsigned lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0xE6u) == 0xE6u;
#else
    return false;
#endif
}

std::string precisionWarning(const std::string& precision, const std::string& device)
{
    if (precision != "bf16" || device != "cpu" || cpuHasNativeBf16())
        return {};
    return "this CPU has no native bfloat16 instructions (AVX512-BF16), so bf16 autocast runs emulated and is "
           "likely slower than fp32; use --precision fp32 here";
}

AutocastScope::AutocastScope(bool enabled, c10::DeviceType device) : m_enabled(enabled), m_cuda(device == c10::DeviceType::CUDA)
{
    if (!m_enabled)
        return;
    if (m_cuda) {
        m_wasEnabled = at::autocast::is_enabled();
        m_previousDtype = at::autocast::get_autocast_gpu_dtype();
        at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
        at::autocast::set_enabled(true);
    } else {
        m_wasEnabled = at::autocast::is_cpu_enabled();
        m_previousDtype = at::autocast::get_autocast_cpu_dtype();
        at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
        at::autocast::set_cpu_enabled(true);
    }
    at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope()
{
    if (!m_enabled)
        return;
    // Leaving the outermost scope drops the cached bf16 copies of the weights, as torch.autocast
    // does: the next step casts the updated weights afresh.
    if (at::autocast::decrement_nesting() == 0)
        at::autocast::clear_cache();
    if (m_cuda) {
        at::autocast::set_enabled(m_wasEnabled);
        at::autocast::set_autocast_gpu_dtype(m_previousDtype);
    } else {
        at::autocast::set_cpu_enabled(m_wasEnabled);
        at::autocast::set_autocast_cpu_dtype(m_previousDtype);
    }
}

} // namespace azllm
