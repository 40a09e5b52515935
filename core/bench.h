// Benchmarks (not tests): training throughput of a preset on random tokens with the real model,
// AdamW and clipping, model FLOPs utilisation against a measured fp32 matmul peak, and peak RSS.
// Every result names the exact configuration so another implementation can run the same shape.
#pragma once

#include "result.h"

#include <QJsonObject>

#include <string>

namespace azllm {

struct BenchTrainOptions {
    std::string preset = "tiny";
    int warmupSteps = 3;  // untimed
    int steps = 10;       // timed
    int threads = 0;      // 0 = all cores
    int64_t batchSize = 0; // 0 = the benchmark shape's default (tiny 16, small 16, az-100m 4)
    std::string precision = "fp32"; // or "bf16" (autocast, fp32 master weights; see precision.h)
};

struct BenchGenerateOptions {
    std::string preset = "tiny";
    int promptTokens = 8;
    int newTokens = 200;
    int threads = 0;
    bool baseline = true; // also time full recompute (no KV cache)
};

// GFLOP/s of an n x n matmul (fp32, or bfloat16 when bf16), best of a few repetitions; fp32 is
// timed both as ATen's product and as cpublas::parallelGemm (the fused layers' way), the faster.
double measureMatmulPeakGflops(int n = 2048, int reps = 5, bool bf16 = false);
Result<QJsonObject> benchTrain(const BenchTrainOptions& opt);
// Generation speed of a preset (random weights, greedy, no early EOS): tokens/s with the KV cache
// and with full recompute, time to first token, and the memory-bandwidth bound.
Result<QJsonObject> benchGenerate(const BenchGenerateOptions& opt);
// Read bandwidth in GB/s (sum over a buffer much larger than the caches).
double measureReadBandwidthGBs(int64_t bytes = int64_t(512) << 20);
// Peak resident set size of this process in bytes.
int64_t peakRssBytes();

} // namespace azllm
