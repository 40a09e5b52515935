// Training benchmark (see bench.h).
#include "bench.h"

#include "adamw.h"
#include "config.h"
#include "cpublas.h"
#include "generate.h"
#include "inference.h"
#include "model.h"
#include "precision.h"
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

double measureMatmulPeakGflops(int n, int reps, bool bf16)
{
    auto a = at::randn({n, n}).to(bf16 ? at::kBFloat16 : at::kFloat);
    auto b = at::randn({n, n}).to(bf16 ? at::kBFloat16 : at::kFloat);
    auto c = at::matmul(a, b); // warm-up
    double best = 1e30;
    for (int i = 0; i < reps; ++i) {
        const auto t0 = Clock::now();
        at::matmul_out(c, a, b);
        best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    // fp32 products also run as one single-threaded BLAS call per ATen thread (cpublas.h, the way
    // the fused linear layers run them): the peak is the faster of the two.
    if (!bf16 && cpublas::available()) {
        for (int i = 0; i < reps; ++i) {
            const auto t0 = Clock::now();
            cpublas::parallelGemm(false, false, n, n, n, a.data_ptr<float>(), n, b.data_ptr<float>(), n, 0.0f,
                                  c.data_ptr<float>(), n);
            best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
        }
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
    // MFU against the peak of the precision the matrix products run in.
    const double peak = measureMatmulPeakGflops(2048, 5, opt.precision == "bf16");
    const double fp32Peak = opt.precision == "bf16" ? measureMatmulPeakGflops(2048, 5) : peak;

    at::manual_seed(1);
    Gpt model(cfg);
    model->train();
    AdamW adam({0.9, 0.95, 1e-8, 0.1});
    for (const auto& p : model->named_parameters())
        adam.addParameter(p.key(), p.value(), isDecayed(p.key(), p.value()));
    auto x = at::randint(0, cfg.vocabSize, {B, T}, at::kLong);
    auto y = at::randint(0, cfg.vocabSize, {B, T}, at::kLong);
    std::vector<double> times;
    double phase[4] = {0, 0, 0, 0}; // forward, backward, clip, optimizer (seconds, timed steps)
    auto secs = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
    for (int i = 0; i < opt.warmupSteps + opt.steps; ++i) {
        const auto t0 = Clock::now();
        adam.zeroGrad();
        at::Tensor loss;
        {
            AutocastScope autocast(opt.precision == "bf16", at::kCPU);
            loss = GptImpl::loss(model->forward(x), y);
        }
        const auto t1 = Clock::now();
        loss.backward();
        const auto t2 = Clock::now();
        torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
        const auto t3 = Clock::now();
        adam.step(3e-4);
        (void)loss.item<double>();
        const auto t4 = Clock::now();
        if (i >= opt.warmupSteps) {
            times.push_back(secs(t0, t4));
            phase[0] += secs(t0, t1);
            phase[1] += secs(t1, t2);
            phase[2] += secs(t2, t3);
            phase[3] += secs(t3, t4);
        }
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
                       {"dtype", opt.precision == "bf16" ? "bfloat16-autocast" : "float32"},
                       {"precision", QString::fromStdString(opt.precision)},
                       {"cpu_native_bf16", cpuHasNativeBf16()},
                       {"parameters", double(cfg.parameterCount())},
                       {"steps", opt.steps},
                       {"ms_per_step", median * 1000.0},
                       {"ms_per_step_min", times.front() * 1000.0},
                       {"ms_per_step_max", times.back() * 1000.0},
                       {"tokens_per_s", tokensPerS},
                       {"model_gflops_per_s", achieved},
                       {"matmul_peak_gflops", peak},
                       {"fp32_matmul_peak_gflops", fp32Peak},
                       {"mfu", achieved / peak},
                       {"peak_rss_bytes", double(peakRssBytes())},
                       {"ms_forward", phase[0] * 1000.0 / opt.steps},
                       {"ms_backward", phase[1] * 1000.0 / opt.steps},
                       {"ms_clip", phase[2] * 1000.0 / opt.steps},
                       {"ms_optimizer", phase[3] * 1000.0 / opt.steps},
                       {"omp_wait_policy", QString::fromLocal8Bit(qgetenv("OMP_WAIT_POLICY"))}};
}

double measureReadBandwidthGBs(int64_t bytes)
{
    auto buf = at::ones({bytes / 4});
    (void)buf.sum().item<double>(); // warm-up, pages touched
    double best = 1e30;
    for (int i = 0; i < 5; ++i) {
        const auto t0 = Clock::now();
        (void)buf.sum().item<double>();
        best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    return static_cast<double>(bytes) / best / 1e9;
}

Result<QJsonObject> benchGenerate(const BenchGenerateOptions& opt)
{
    using R = Result<QJsonObject>;
    auto preset = presetByName(opt.preset);
    if (!preset)
        return R::error(preset.message());
    const int threads = effectiveThreads(opt.threads);
    at::set_num_threads(threads);
    GptConfig cfg = preset->model;
    cfg.dropout = 0;
    at::manual_seed(1);
    auto m = std::make_shared<InferenceModel>();
    m->config = cfg;
    m->model = Gpt(cfg);
    m->model->eval();
    Generator gen(m);
    SamplingConfig s;
    s.temperature = 0; // greedy: both runs produce the same tokens
    s.repetitionPenalty = 1.0;
    s.maxNewTokens = opt.newTokens;
    std::vector<int32_t> prompt;
    for (int i = 0; i < opt.promptTokens; ++i)
        prompt.push_back(static_cast<int32_t>(4 + (i * 7919) % (cfg.vocabSize - 4)));
    (void)gen.generateIds(prompt, [] { SamplingConfig w; w.temperature = 0; w.maxNewTokens = 4; return w; }()); // warm-up
    GenerateOptions cached;
    auto a = gen.generateIds(prompt, s, {}, nullptr, cached);
    if (!a)
        return a.status();
    QJsonObject o{{"benchmark", "generate"},
                  {"implementation", "azllm"},
                  {"preset", QString::fromStdString(opt.preset)},
                  {"n_layer", double(cfg.nLayer)},
                  {"n_head", double(cfg.nHead)},
                  {"n_embd", double(cfg.nEmbd)},
                  {"block_size", double(cfg.blockSize)},
                  {"vocab_size", double(cfg.vocabSize)},
                  {"parameters", double(cfg.parameterCount())},
                  {"threads", threads},
                  {"dtype", "float32"},
                  {"prompt_tokens", opt.promptTokens},
                  {"new_tokens", static_cast<int>(a->ids.size())},
                  {"window_slides", std::max<int>(0, opt.promptTokens + static_cast<int>(a->ids.size()) - static_cast<int>(cfg.blockSize))},
                  {"cached_tokens_per_s", static_cast<double>(a->ids.size()) * 1000.0 / a->totalMs},
                  {"cached_decode_tokens_per_s", a->tokensPerS},
                  {"time_to_first_token_ms", a->firstTokenMs},
                  {"cached_total_ms", a->totalMs}};
    if (opt.baseline) {
        GenerateOptions full;
        full.useCache = false;
        auto b = gen.generateIds(prompt, s, {}, nullptr, full);
        if (!b)
            return b.status();
        o["recompute_tokens_per_s"] = static_cast<double>(b->ids.size()) * 1000.0 / b->totalMs;
        o["recompute_total_ms"] = b->totalMs;
        o["cache_speedup"] = b->totalMs / a->totalMs;
        o["same_tokens"] = b->ids == a->ids;
    }
    // Each new token reads every weight once (lm_head shares wte): the memory-bandwidth bound.
    const double bw = measureReadBandwidthGBs();
    const double bytesPerToken = static_cast<double>(cfg.parameterCount()) * 4.0;
    o["read_bandwidth_gb_s"] = bw;
    o["weight_bytes_per_token"] = bytesPerToken;
    o["bandwidth_bound_tokens_per_s"] = bw * 1e9 / bytesPerToken;
    o["fraction_of_bound"] = a->tokensPerS / (bw * 1e9 / bytesPerToken);
    o["peak_rss_bytes"] = double(peakRssBytes());
    return o;
}

} // namespace azllm
