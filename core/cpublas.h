// Direct calls to the BLAS LibTorch loaded (OpenBLAS on Debian), for the fused CPU kernels
// (attention.h, linear.h). Row-major wrappers around the Fortran sgemm_, a scope that keeps
// OpenBLAS's own thread pool out of calls made from ATen's threads, and a GEMM split over ATen's
// threads.
//
// Why split it ourselves: with OpenBLAS's pool and ATen's OpenMP pool both on two cores, every
// matrix product hands its work to OpenBLAS's threads and every element-wise op to OpenMP's, and
// the idle pool spins (sched_yield) against the busy one. Splitting each product into one
// single-threaded BLAS call per ATen thread keeps all the work on one pool; OpenBLAS's threads
// then sleep.
#pragma once

#include <ATen/core/Tensor.h>

#include <atomic>
#include <cstdint>

namespace azllm::cpublas {

// Whether a fused kernel may take t: a defined, dense fp32 CPU tensor while no autocast is active
// (under autocast ATen's ops must run: they cast to the autocast dtype).
bool fp32CpuOperand(const at::Tensor& t);

// A fused kernel's on/off switch: on unless the environment variable is "0" (to measure the kernel
// against ATen's ops); the tests flip it to compare both paths.
class KernelSwitch {
public:
    explicit KernelSwitch(const char* envVar);
    bool on() const { return m_on; }
    void set(bool on) { m_on = on; }

private:
    std::atomic<bool> m_on;
};

// Whether sgemm_ was found in the process (always, with LibTorch's BLAS; false only under an
// unusual build, where callers use ATen's ops instead).
bool available();

// C (M x N) = op(A) op(B) + beta * C, row-major with leading dimensions lda, ldb, ldc; op(A) is
// M x K, op(B) is K x N. Runs on the calling thread alone when inside a SingleThreaded scope.
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
          int64_t ldb, float beta, float* C, int64_t ldc);

// The same product, C split into one block per ATen thread (by rows or columns, whichever is
// longer), each a single-threaded BLAS call; small products run whole on the calling thread.
void parallelGemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                  const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// While alive, OpenBLAS runs each call on the calling thread (openblas_set_num_threads(1)), so
// that calls from several ATen threads at once each run alone instead of handing their work to
// OpenBLAS's shared pool. Nested and concurrent scopes (the Studio may train and chat at once)
// share one saved setting, restored when the last scope ends. No effect with other BLAS builds
// (OpenBLAS's OpenMP build runs such calls on the calling thread by itself).
class SingleThreaded {
public:
    SingleThreaded();
    ~SingleThreaded();
    SingleThreaded(const SingleThreaded&) = delete;
    SingleThreaded& operator=(const SingleThreaded&) = delete;
};

} // namespace azllm::cpublas
