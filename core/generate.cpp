// Generation and scoring (see generate.h).
#include "generate.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

namespace azllm {

namespace sampling {

void applyRepetitionPenalty(std::vector<float>& logits, const std::vector<int32_t>& context, double penalty)
{
    if (penalty == 1.0)
        return;
    std::vector<char> seen(logits.size(), 0);
    for (int32_t id : context) {
        if (id < 0 || static_cast<size_t>(id) >= logits.size() || seen[id])
            continue;
        seen[id] = 1;
        // CTRL / Hugging Face: make a seen token less likely whatever the sign of its logit.
        float& l = logits[id];
        l = l > 0 ? static_cast<float>(l / penalty) : static_cast<float>(l * penalty);
    }
}

void applyTemperature(std::vector<float>& logits, double temperature)
{
    if (temperature <= 0 || temperature == 1.0)
        return;
    for (float& l : logits)
        l = static_cast<float>(l / temperature);
}

void filterTopK(std::vector<float>& logits, int k)
{
    if (k <= 0 || static_cast<size_t>(k) >= logits.size())
        return;
    std::vector<float> sorted(logits);
    std::nth_element(sorted.begin(), sorted.begin() + (k - 1), sorted.end(), std::greater<float>());
    const float kth = sorted[static_cast<size_t>(k - 1)];
    for (float& l : logits)
        if (l < kth)
            l = -std::numeric_limits<float>::infinity();
}

std::vector<double> softmax(const std::vector<float>& logits)
{
    std::vector<double> p(logits.size(), 0.0);
    double mx = -std::numeric_limits<double>::infinity();
    for (float l : logits)
        mx = std::max(mx, static_cast<double>(l));
    if (!std::isfinite(mx))
        return p;
    double sum = 0;
    for (size_t i = 0; i < logits.size(); ++i) {
        p[i] = std::isfinite(logits[i]) ? std::exp(static_cast<double>(logits[i]) - mx) : 0.0;
        sum += p[i];
    }
    for (double& x : p)
        x /= sum;
    return p;
}

void filterTopP(std::vector<float>& logits, double topP)
{
    if (topP >= 1.0)
        return;
    const auto p = softmax(logits);
    std::vector<int> order(p.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return p[a] > p[b]; });
    // The smallest set of most likely tokens whose mass reaches topP (at least one token), plus
    // every token as likely as the last one kept.
    double mass = 0;
    double cutoff = p[order.front()];
    for (int id : order) {
        mass += p[id];
        cutoff = p[id];
        if (mass >= topP)
            break;
    }
    for (size_t i = 0; i < p.size(); ++i)
        if (p[i] < cutoff)
            logits[i] = -std::numeric_limits<float>::infinity();
}

void filterMinP(std::vector<float>& logits, double minP)
{
    if (minP <= 0)
        return;
    const auto p = softmax(logits);
    // A token exactly at the threshold stays (relative slack for float logits' rounding).
    const double threshold = minP * *std::max_element(p.begin(), p.end()) * (1.0 - 1e-6);
    for (size_t i = 0; i < p.size(); ++i)
        if (p[i] < threshold)
            logits[i] = -std::numeric_limits<float>::infinity();
}

int argmax(const std::vector<float>& logits)
{
    return static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

int sample(const std::vector<double>& probs, std::mt19937_64& rng)
{
    // Inverse CDF with a 53-bit uniform: the same seed gives the same token on every platform.
    const double u = static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
    double acc = 0;
    int last = -1;
    for (size_t i = 0; i < probs.size(); ++i) {
        if (probs[i] <= 0)
            continue;
        acc += probs[i];
        last = static_cast<int>(i);
        if (u < acc)
            return last;
    }
    return last; // rounding: the last token with any mass
}

int nextToken(std::vector<float> logits, const std::vector<int32_t>& context, const SamplingConfig& s, std::mt19937_64& rng)
{
    applyRepetitionPenalty(logits, context, s.repetitionPenalty);
    if (s.temperature <= 0)
        return argmax(logits);
    applyTemperature(logits, s.temperature);
    filterTopK(logits, s.topK);
    filterTopP(logits, s.topP);
    filterMinP(logits, s.minP);
    return sample(softmax(logits), rng);
}

} // namespace sampling

size_t completeUtf8Prefix(const std::string& s)
{
    // Walk back over at most 3 continuation bytes to the last lead byte.
    size_t n = s.size();
    size_t i = n;
    int cont = 0;
    while (i > 0 && cont < 4) {
        const unsigned char c = static_cast<unsigned char>(s[i - 1]);
        if ((c & 0xC0) != 0x80)
            break;
        --i;
        ++cont;
    }
    if (i == 0)
        return cont == 0 ? 0 : n; // only continuation bytes: invalid, let it through
    const unsigned char lead = static_cast<unsigned char>(s[i - 1]);
    const int need = lead < 0x80 ? 0 : (lead >> 5) == 0x6 ? 1 : (lead >> 4) == 0xE ? 2 : (lead >> 3) == 0x1E ? 3 : -1;
    if (need < 0 || cont >= need)
        return n;             // complete (or invalid, which waiting will not fix)
    return i - 1;             // the last character is still incomplete
}

Generator::Generator(std::shared_ptr<const InferenceModel> model) : m_model(std::move(model))
{
    if (!m_model->tokenizer)
        return; // ids only (benchmarks): no text
    const Tokenizer& tok = *m_model->tokenizer;
    const std::string meta = "\xE2\x96\x81"; // U+2581
    m_bytes.resize(static_cast<size_t>(tok.vocabSize()));
    for (int id = 0; id < tok.vocabSize(); ++id) {
        const int type = tok.pieceType(id);
        if (const int b = tok.byteValue(id); b >= 0) {
            m_bytes[id] = std::string(1, static_cast<char>(b));
        } else if (type == 3) {
            m_bytes[id].clear(); // control: <s>, </s>, <pad>
        } else if (type == 1 || type == 4) {
            std::string p = tok.idToPiece(id), out;
            for (size_t i = 0; i < p.size();) {
                if (p.compare(i, meta.size(), meta) == 0) {
                    out += ' ';
                    i += meta.size();
                } else {
                    out += p[i++];
                }
            }
            m_bytes[id] = out;
        } else {
            auto d = tok.decode({id});
            m_bytes[id] = d ? *d : std::string();
        }
    }
}

std::string Generator::tokenBytes(int32_t id) const
{
    return id >= 0 && static_cast<size_t>(id) < m_bytes.size() ? m_bytes[id] : std::string();
}

Result<GenerationResult> Generator::generate(const std::string& prompt, const SamplingConfig& s, const TextCallback& onText,
                                             const std::atomic<bool>* cancel, const GenerateOptions& opt) const
{
    std::vector<int32_t> ids;
    if (!m_model->tokenizer)
        return Result<GenerationResult>::error("this model has no tokenizer; it can only generate from token ids");
    if (!prompt.empty()) {
        auto enc = m_model->tokenizer->encode(prompt);
        if (!enc)
            return enc.status();
        ids = std::move(*enc);
    }
    return generateIds(std::move(ids), s, onText, cancel, opt);
}

Result<GenerationResult> Generator::generateIds(std::vector<int32_t> ctx, const SamplingConfig& s, const TextCallback& onText,
                                                const std::atomic<bool>* cancel, const GenerateOptions& opt) const
{
    using R = Result<GenerationResult>;
    using Clock = std::chrono::steady_clock;
    if (auto st = s.validate(); !st)
        return st;
    const InferenceModel& m = *m_model;
    const Tokenizer* tok = m.tokenizer.get();
    const int bos = tok ? tok->bosId() : kBosId, eos = tok ? tok->eosId() : -1;
    const int64_t bs = m.config.blockSize;
    Gpt model = m.model; // shares the weights; forward does not change them
    for (int32_t id : ctx)
        if (id < 0 || id >= m.config.vocabSize)
            return R::error("token id " + std::to_string(id) + " is outside the model's vocabulary of " + std::to_string(m.config.vocabSize));

    GenerationResult r;
    if (ctx.empty())
        ctx.push_back(bos);
    if (static_cast<int64_t>(ctx.size()) > bs) {
        ctx.erase(ctx.begin(), ctx.end() - bs);
        r.promptTruncated = true;
    }
    r.promptIds = ctx;
    std::mt19937_64 rng(s.seed >= 0 ? static_cast<uint64_t>(s.seed) : std::random_device{}());

    try {
        c10::InferenceMode guard;
        KvCache cache;
        auto lastLogits = [&](const at::Tensor& logits) {
            at::Tensor row = logits.select(0, 0).select(0, logits.size(1) - 1).to(at::kFloat).contiguous();
            return std::vector<float>(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
        };
        auto toTensor = [](const int32_t* p, size_t n) {
            at::Tensor t = at::empty({1, static_cast<int64_t>(n)}, at::TensorOptions().dtype(at::kLong));
            auto* d = t.data_ptr<int64_t>();
            for (size_t i = 0; i < n; ++i)
                d[i] = p[i];
            return t;
        };
        // The whole window (the most recent block_size tokens) from scratch, positions 0..T-1.
        auto forwardWindow = [&]() {
            const size_t T = std::min(ctx.size(), static_cast<size_t>(bs));
            cache.clear();
            return lastLogits(model->forward(toTensor(ctx.data() + ctx.size() - T, T), opt.useCache ? &cache : nullptr));
        };

        const auto t0 = Clock::now();
        auto ms = [&](Clock::time_point t) { return std::chrono::duration<double, std::milli>(t - t0).count(); };
        std::vector<float> logits = forwardWindow();
        r.promptMs = ms(Clock::now());

        size_t maxStop = 0;
        for (const auto& st : s.stop)
            maxStop = std::max(maxStop, st.size());
        std::string pending; // bytes that do not form a whole character yet
        std::string text;    // whole characters generated
        size_t emitted = 0;
        bool stopped = false;
        auto flushTo = [&](size_t upTo) {
            if (upTo <= emitted)
                return true;
            const std::string piece = text.substr(emitted, upTo - emitted);
            emitted = upTo;
            return onText ? onText(piece) : true;
        };

        while (true) {
            if (static_cast<int>(r.ids.size()) >= s.maxNewTokens) {
                r.stopReason = "max_tokens";
                break;
            }
            if (cancel && cancel->load()) {
                r.stopReason = "cancelled";
                break;
            }
            if (!r.ids.empty()) { // logits for the token just appended (the prompt's come from above)
                if (opt.useCache && cache.length < bs)
                    logits = lastLogits(model->forward(toTensor(&ctx.back(), 1), &cache));
                else
                    logits = forwardWindow(); // the window slid: positions changed, recompute
            }
            const int next = sampling::nextToken(logits, ctx, s, rng);
            if (opt.recordLogits)
                r.logits.push_back(logits);
            r.ids.push_back(next);
            if (tok)
                r.pieces.push_back(tok->idToPiece(next));
            ctx.push_back(next);
            if (r.ids.size() == 1)
                r.firstTokenMs = ms(Clock::now());
            if (next == eos) {
                r.stopReason = "eos";
                break;
            }
            pending += tokenBytes(next);
            const size_t whole = completeUtf8Prefix(pending);
            text += pending.substr(0, whole);
            pending.erase(0, whole);
            if (maxStop > 0) {
                // A stop string may end in this token and start in earlier ones.
                const size_t from = emitted > maxStop ? emitted - maxStop : 0;
                size_t found = std::string::npos;
                for (const auto& st : s.stop)
                    found = std::min(found, text.find(st, from));
                if (found != std::string::npos) {
                    flushTo(found);
                    text.resize(found);
                    r.stopReason = "stop_string";
                    stopped = true;
                    break;
                }
            }
            // Hold back a tail that could still become a stop string.
            size_t hold = 0;
            for (const auto& st : s.stop)
                for (size_t l = std::min(st.size() - 1, text.size() - emitted); l > hold; --l)
                    if (text.compare(text.size() - l, l, st, 0, l) == 0) {
                        hold = l;
                        break;
                    }
            if (!flushTo(text.size() - hold)) {
                r.stopReason = "cancelled";
                break;
            }
        }
        if (!stopped) {
            if (!pending.empty())
                text += "\xEF\xBF\xBD"; // a dangling partial character decodes as U+FFFD
            flushTo(text.size());
        }
        r.text = text.substr(0, emitted);
        const auto end = Clock::now();
        r.totalMs = ms(end);
        const double after = r.totalMs - r.firstTokenMs;
        r.tokensPerS = r.ids.size() > 1 && after > 0 ? (static_cast<double>(r.ids.size()) - 1) * 1000.0 / after
                                                     : (r.totalMs > 0 ? r.ids.size() * 1000.0 / r.totalMs : 0);
        return r;
    } catch (const c10::Error& e) {
        return R::error(std::string("generation failed: ") + e.what_without_backtrace());
    } catch (const std::exception& e) {
        return R::error(std::string("generation failed: ") + e.what());
    }
}

Result<ScoreResult> scoreIds(const InferenceModel& m, const std::vector<int32_t>& ids)
{
    using R = Result<ScoreResult>;
    if (ids.size() < 2)
        return R::error("the text is empty: there is nothing to score");
    for (int32_t id : ids)
        if (id < 0 || id >= m.config.vocabSize)
            return R::error("token id " + std::to_string(id) + " is outside the model's vocabulary");
    ScoreResult r;
    r.ids = ids;
    r.logprobs.assign(ids.size() - 1, 0.0);
    const size_t n = ids.size(), bs = static_cast<size_t>(m.config.blockSize);
    const size_t stride = std::max<size_t>(1, bs / 2);
    Gpt model = m.model;
    try {
        c10::InferenceMode guard;
        size_t scored = 0; // targets 1..scored are done
        for (size_t begin = 0;; begin += stride) {
            const size_t end = std::min(begin + bs, n);
            at::Tensor x = at::empty({1, static_cast<int64_t>(end - begin)}, at::TensorOptions().dtype(at::kLong));
            for (size_t i = begin; i < end; ++i)
                x.data_ptr<int64_t>()[i - begin] = ids[i];
            at::Tensor lp = at::log_softmax(model->forward(x).select(0, 0).to(at::kDouble), -1); // (T, vocab)
            for (size_t t = std::max(scored + 1, begin + 1); t < end; ++t)
                r.logprobs[t - 1] = lp[static_cast<int64_t>(t - begin - 1)][ids[t]].item<double>();
            scored = end - 1;
            if (end == n)
                break;
        }
    } catch (const c10::Error& e) {
        return R::error(std::string("scoring failed: ") + e.what_without_backtrace());
    }
    double sum = 0;
    for (double l : r.logprobs)
        sum -= l;
    r.meanNll = sum / static_cast<double>(r.logprobs.size());
    r.perplexity = std::exp(r.meanNll);
    return r;
}

Result<ScoreResult> scoreText(const InferenceModel& m, const std::string& text)
{
    if (text.empty())
        return Result<ScoreResult>::error("the text is empty: there is nothing to score");
    auto enc = m.tokenizer->encode(text);
    if (!enc)
        return enc.status();
    std::vector<int32_t> ids{m.tokenizer->bosId()};
    ids.insert(ids.end(), enc->begin(), enc->end());
    return scoreIds(m, ids);
}

} // namespace azllm
