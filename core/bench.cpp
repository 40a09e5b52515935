// Training benchmark (see bench.h).
#include "bench.h"

#include "adamw.h"
#include "config.h"
#include "model.h"
#include "trainer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/nn/utils/clip_grad.h>

#include <algorithm>
#include <chrono>
#include <sys/resource.h>

namespace azllm {

using Clock = std::chrono::steady_clock;

int64_t peakRssBytes()
{
    struct rusage ru;
    ::getrusage(RUSAGE_SELF, &ru);
    return static_cast<int64_t>(ru.ru_maxrss) * 1024;
}

double measureMatmulPeakGflops(int n, int reps)
{
    auto a = at::randn({n, n});
    auto b = at::randn({n, n});
    auto c = at::matmul(a, b); // warm-up
    double best = 1e30;
    for (int i = 0; i < reps; ++i) {
        const auto t0 = Clock::now();
        at::matmul_out(c, a, b);
        best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    return 2.0 * n * n * static_cast<double>(n) / best / 1e9;
}

Result<QJsonObject> benchTrain(const BenchTrainOptions& opt)
{
    auto preset = presetByName(opt.preset);
    if (!preset)
        return Result<QJsonObject>::error(preset.message());
    const int threads = effectiveThreads(opt.threads);
    at::set_num_threads(threads);
    GptConfig cfg = preset->model;
    int64_t B = opt.batchSize > 0 ? opt.batchSize : (opt.preset == "az-100m" ? 4 : 16);
    const int64_t T = cfg.blockSize;
    const double peak = measureMatmulPeakGflops();

    at::manual_seed(1);
    Gpt model(cfg);
    model->train();
    AdamW adam({0.9, 0.95, 1e-8, 0.1});
    for (const auto& p : model->named_parameters())
        adam.addParameter(p.key(), p.value(), isDecayed(p.key(), p.value()));
    auto x = at::randint(0, cfg.vocabSize, {B, T}, at::kLong);
    auto y = at::randint(0, cfg.vocabSize, {B, T}, at::kLong);
    std::vector<double> times;
    for (int i = 0; i < opt.warmupSteps + opt.steps; ++i) {
        const auto t0 = Clock::now();
        adam.zeroGrad();
        auto loss = GptImpl::loss(model->forward(x), y);
        loss.backward();
        torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
        adam.step(3e-4);
        (void)loss.item<double>();
        if (i >= opt.warmupSteps)
            times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    const double median = times[times.size() / 2];
    const double tokensPerS = static_cast<double>(B * T) / median;
    const double achieved = model->flopsPerToken() * tokensPerS / 1e9;
    return QJsonObject{{"benchmark", "train"},
                       {"implementation", "azllm"},
                       {"preset", QString::fromStdString(opt.preset)},
                       {"n_layer", double(cfg.nLayer)},
                       {"n_head", double(cfg.nHead)},
                       {"n_embd", double(cfg.nEmbd)},
                       {"block_size", double(T)},
                       {"vocab_size", double(cfg.vocabSize)},
                       {"batch_size", double(B)},
                       {"threads", threads},
                       {"dtype", "float32"},
                       {"parameters", double(cfg.parameterCount())},
                       {"steps", opt.steps},
                       {"ms_per_step", median * 1000.0},
                       {"ms_per_step_min", times.front() * 1000.0},
                       {"ms_per_step_max", times.back() * 1000.0},
                       {"tokens_per_s", tokensPerS},
                       {"model_gflops_per_s", achieved},
                       {"matmul_peak_gflops", peak},
                       {"mfu", achieved / peak},
                       {"peak_rss_bytes", double(peakRssBytes())},
                       {"omp_wait_policy", QString::fromLocal8Bit(qgetenv("OMP_WAIT_POLICY"))}};
}

} // namespace azllm
