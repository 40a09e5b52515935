// Direct BLAS calls (see cpublas.h).
#include "cpublas.h"

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace azllm::cpublas {

namespace {

using SgemmFn = void (*)(const char*, const char*, const int*, const int*, const int*, const float*, const float*,
                         const int*, const float*, const int*, const float*, float*, const int*);

// LibTorch already loaded a BLAS; its Fortran symbol is looked up rather than linked, so that the
// library called is the one the process uses (Debian's alternatives choose it).
struct Blas {
    SgemmFn sgemm = nullptr;
    void (*setThreads)(int) = nullptr; // OpenBLAS only
    int (*getThreads)() = nullptr;
};

const Blas& blas()
{
    static const Blas b = [] {
        Blas r;
        r.sgemm = reinterpret_cast<SgemmFn>(dlsym(RTLD_DEFAULT, "sgemm_"));
        r.setThreads = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
        r.getThreads = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
        // Only OpenBLAS's pthreads build (openblas_get_parallel() == 1) has a pool of its own to
        // keep out. Its OpenMP build already runs calls made inside a parallel region on the
        // calling thread, and its openblas_set_num_threads would change the calling thread's
        // OpenMP thread count, which ATen's parallel_for obeys; the sequential build has no threads.
        auto parallel = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
        if (!r.setThreads || !r.getThreads || !parallel || parallel() != 1)
            r.setThreads = nullptr, r.getThreads = nullptr;
        return r;
    }();
    return b;
}

std::mutex g_scopeMutex;
int g_scopeDepth = 0;
int g_savedThreads = 1;

// Below this many multiply-adds a product is not worth waking another thread for.
constexpr int64_t kParallelMinMacs = int64_t(1) << 18;
// Blocks split at multiples of this many rows or columns (the kernels' register tile).
constexpr int64_t kSplitAlign = 16;

} // namespace

bool available() { return blas().sgemm != nullptr; }

bool fp32CpuOperand(const at::Tensor& t)
{
    return t.defined() && t.device().is_cpu() && t.scalar_type() == at::kFloat && !t.is_sparse() &&
           !at::autocast::is_cpu_enabled() && !at::autocast::is_enabled();
}

KernelSwitch::KernelSwitch(const char* envVar)
{
    const char* v = std::getenv(envVar);
    m_on = !(v && std::strcmp(v, "0") == 0);
}

void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
          int64_t ldb, float beta, float* C, int64_t ldc)
{
    if (M <= 0 || N <= 0)
        return;
    // Column-major BLAS sees each row-major matrix transposed: C^T = op(B)^T op(A)^T.
    const char ta = transB ? 'T' : 'N', tb = transA ? 'T' : 'N';
    const int m = static_cast<int>(N), n = static_cast<int>(M), k = static_cast<int>(K);
    const int la = static_cast<int>(ldb), lb = static_cast<int>(lda), lc = static_cast<int>(ldc);
    const float one = 1.0f;
    blas().sgemm(&ta, &tb, &m, &n, &k, &one, B, &la, A, &lb, &beta, C, &lc);
}

void parallelGemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                  const float* B, int64_t ldb, float beta, float* C, int64_t ldc)
{
    SingleThreaded single;
    const int64_t threads = at::get_num_threads();
    if (threads <= 1 || M * N * K < kParallelMinMacs || at::in_parallel_region()) {
        gemm(transA, transB, M, N, K, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    const bool byRows = M >= N;
    const int64_t len = byRows ? M : N;
    const int64_t chunk = std::max<int64_t>(kSplitAlign, (len / threads + kSplitAlign - 1) / kSplitAlign * kSplitAlign);
    const int64_t parts = (len + chunk - 1) / chunk;
    at::parallel_for(0, parts, 1, [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p) {
            const int64_t s = p * chunk, e = std::min(len, s + chunk);
            if (byRows) // rows s..e of op(A) and C
                gemm(transA, transB, e - s, N, K, transA ? A + s : A + s * lda, lda, B, ldb, beta, C + s * ldc, ldc);
            else        // columns s..e of op(B) and C
                gemm(transA, transB, M, e - s, K, A, lda, transB ? B + s * ldb : B + s, ldb, beta, C + s, ldc);
        }
    });
}

SingleThreaded::SingleThreaded()
{
    if (!blas().setThreads)
        return;
    std::lock_guard<std::mutex> lock(g_scopeMutex);
    if (g_scopeDepth++ == 0) {
        g_savedThreads = blas().getThreads();
        if (g_savedThreads != 1)
            blas().setThreads(1);
    }
}

SingleThreaded::~SingleThreaded()
{
    if (!blas().setThreads)
        return;
    std::lock_guard<std::mutex> lock(g_scopeMutex);
    if (--g_scopeDepth == 0 && g_savedThreads != 1)
        blas().setThreads(g_savedThreads);
}

} // namespace azllm::cpublas
