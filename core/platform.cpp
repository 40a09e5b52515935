// Platform checks (see platform.h).
#include "platform.h"

#include <ATen/Parallel.h>

#include <cstdlib>
#include <fstream>
#include <limits>
#include <malloc.h>
#include <string>
#include <unistd.h>

namespace azllm {

void tuneAllocator()
{
    if (std::getenv("AZLLM_DEFAULT_MALLOC"))
        return;
    // Activations and gradients are freed and reallocated every step. With glibc's defaults the
    // heap top is trimmed and regrown each time and the mmap threshold wanders, so every step
    // pays page faults for memory it just gave back. A fixed 32 MiB threshold (glibc's maximum)
    // and 256 MiB of retained top padding keep that memory mapped: measured +12% training
    // tokens/s on tiny and +3% on small (docs/performance.md). Buffers above 32 MiB (the logits
    // and their gradients) would still be mmapped and unmapped every step, so mmap is left to
    // glibc's fallback (a thread arena's heap cannot hold them) and the heap is not trimmed while
    // training: az-100m takes 28% fewer page faults, at the same peak RSS. releaseFreedMemory()
    // gives the memory back when a run ends.
    ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
    ::mallopt(M_TOP_PAD, 256 << 20);
    ::mallopt(M_MMAP_MAX, 0);
    ::mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
}

void releaseFreedMemory()
{
    ::malloc_trim(0);
}

void ensureFastThreading(int /*argc*/, char** argv)
{
    tuneAllocator();
    if (std::getenv("OMP_WAIT_POLICY") || std::getenv("AZLLM_NO_REEXEC"))
        return;
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    ::execv("/proc/self/exe", argv);
    // execv only returns on failure: carry on with the default policy.
}

std::string activeBlas()
{
    // libblas.so.3 is linked through LibTorch, so it is mapped from start-up: read our own maps.
    std::ifstream maps("/proc/self/maps");
    std::string line;
    std::string found = "unknown";
    while (std::getline(maps, line)) {
        const auto slash = line.find('/');
        if (slash == std::string::npos)
            continue;
        const std::string path = line.substr(slash);
        if (path.find("openblas") != std::string::npos)
            return "openblas";
        if (path.find("libmkl") != std::string::npos)
            return "mkl";
        if (path.find("blis") != std::string::npos)
            found = "blis";
        else if (path.find("atlas") != std::string::npos)
            found = "atlas";
        else if (path.find("/blas/libblas.so") != std::string::npos && found == "unknown")
            found = "reference";
    }
    return found;
}

std::string blasWarning()
{
    if (activeBlas() == "reference")
        return "warning: the reference BLAS is active (about 30x slower matrix products than OpenBLAS); "
               "install libopenblas0-pthread (sudo apt install libopenblas0-pthread) and restart";
    return {};
}

} // namespace azllm
