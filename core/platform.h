// Process-level platform checks shared by both executables: the fast OpenMP wait policy (by
// re-executing before any work, since libgomp reads its environment when it is loaded) and the
// warning when the slow reference BLAS is active instead of OpenBLAS.
#pragma once

#include <string>

namespace azllm {

// Call first thing in main(). When OMP_WAIT_POLICY is unset, sets it to PASSIVE and re-executes
// the same binary with the same arguments (idle OpenMP threads otherwise spin against OpenBLAS's
// threads: measured 2x slower training on 2 cores). AZLLM_NO_REEXEC=1 disables it.
// Also tunes glibc's allocator for training (tuneAllocator); AZLLM_DEFAULT_MALLOC=1 disables that.
void ensureFastThreading(int argc, char** argv);
void tuneAllocator();
// Returns the heap's free memory to the system (tuneAllocator keeps it while training).
void releaseFreedMemory();

// "openblas", "reference", "mkl", "blis", "atlas" or "unknown", from the libraries mapped into this process.
std::string activeBlas();
// Empty when fine; else a one-line warning that says what to do.
std::string blasWarning();

} // namespace azllm
