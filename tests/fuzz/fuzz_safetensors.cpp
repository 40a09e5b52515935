// libFuzzer target: the safetensors reader on arbitrary bytes. Invariants: never crashes; what it
// accepts re-encodes and decodes to equal tensors.
#include "safetensors.h"

#include <ATen/ATen.h>

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    auto f = azllm::decodeSafetensors(bytes, "fuzz");
    if (!f)
        return 0;
    azllm::TensorList list(f->tensors.begin(), f->tensors.end());
    auto again = azllm::encodeSafetensors(list, f->metadata);
    if (!again)
        return 0; // e.g. a dtype we read but do not write
    auto g = azllm::decodeSafetensors(*again, "fuzz-roundtrip");
    if (!g || g->tensors.size() != f->tensors.size())
        std::abort();
    for (const auto& [name, t] : f->tensors)
        if (!at::equal(t.isnan().logical_not(), g->tensors.at(name).isnan().logical_not()) ||
            !at::equal(at::nan_to_num(t), at::nan_to_num(g->tensors.at(name))))
            std::abort();
    return 0;
}
