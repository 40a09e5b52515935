// GPT model: nanoGPT state-dict keys and shapes, GPT-2 initialisation, weight tying, KV cache,
// strict loading, and logits/loss matching an independent Python reference (python3-torch).
#include "adamw.h"
#include "attention.h"
#include "linear.h"
#include "checkpoint.h"
#include "config.h"
#include "model.h"
#include "precision.h"

#include <ATen/ATen.h>

#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <dlfcn.h>

using namespace azllm;

namespace {
GptConfig smallConfig()
{
    GptConfig c;
    c.vocabSize = 97;
    c.blockSize = 16;
    c.nLayer = 2;
    c.nHead = 2;
    c.nEmbd = 32;
    return c;
}
} // namespace

class TestModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { at::set_num_threads(1); }

    void stateDictKeysAreNanoGptKeys()
    {
        at::manual_seed(0);
        Gpt model(smallConfig());
        std::vector<std::string> keys;
        for (const auto& kv : model->stateDict())
            keys.push_back(kv.first);
        std::vector<std::string> expected = {"transformer.wte.weight", "transformer.wpe.weight"};
        for (int i = 0; i < 2; ++i) {
            const std::string p = "transformer.h." + std::to_string(i) + ".";
            for (const char* s : {"ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight",
                                  "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
                                  "mlp.c_proj.weight", "mlp.c_proj.bias"})
                expected.push_back(p + s);
        }
        expected.push_back("transformer.ln_f.weight");
        expected.push_back("transformer.ln_f.bias");
        expected.push_back("lm_head.weight");
        QCOMPARE(keys.size(), expected.size());
        for (size_t i = 0; i < keys.size(); ++i)
            QCOMPARE(QString::fromStdString(keys[i]), QString::fromStdString(expected[i]));
        // Shapes as nn.Linear (out, in).
        auto sd = model->stateDict();
        auto find = [&](const std::string& k) {
            for (auto& kv : sd)
                if (kv.first == k)
                    return kv.second;
            return at::Tensor();
        };
        QCOMPARE(find("transformer.h.0.attn.c_attn.weight").sizes().vec(), (std::vector<int64_t>{96, 32}));
        QCOMPARE(find("transformer.h.1.mlp.c_fc.weight").sizes().vec(), (std::vector<int64_t>{128, 32}));
        QCOMPARE(find("transformer.wpe.weight").sizes().vec(), (std::vector<int64_t>{16, 32}));
        // lm_head is the very same storage as wte.
        QVERIFY(find("lm_head.weight").data_ptr() == find("transformer.wte.weight").data_ptr());
    }

    void parameterCountMatchesFormulaAndAz100mIsAbout110M()
    {
        at::manual_seed(0);
        Gpt model(smallConfig());
        int64_t n = 0;
        for (const auto& p : model->parameters())
            n += p.numel();
        QCOMPARE(n, smallConfig().parameterCount());
        auto az = presetByName("az-100m");
        QVERIFY(az.ok());
        QVERIFY(az->model.parameterCount() > 100'000'000 && az->model.parameterCount() < 125'000'000);
        auto tiny = presetByName("tiny");
        QVERIFY(tiny->model.parameterCount() > 800'000 && tiny->model.parameterCount() < 1'300'000);
    }

    void initialisationIsGpt2Style()
    {
        GptConfig c = smallConfig();
        c.nEmbd = 128;
        c.nHead = 4;
        c.nLayer = 8;
        at::manual_seed(1);
        Gpt model(c);
        for (const auto& p : model->named_parameters()) {
            const std::string& k = p.key();
            const double sd = p.value().std().item<double>();
            if (k.find("ln_") != std::string::npos) {
                const bool weight = k.substr(k.size() - 6) == "weight";
                QCOMPARE(p.value().mean().item<double>(), weight ? 1.0 : 0.0);
            } else if (k.substr(k.size() - 4) == "bias") {
                QCOMPARE(p.value().abs().max().item<double>(), 0.0);
            } else if (k.find("c_proj.weight") != std::string::npos) {
                QVERIFY2(std::abs(sd - 0.02 / std::sqrt(16.0)) < 0.0008, k.c_str());
            } else {
                QVERIFY2(std::abs(sd - 0.02) < 0.001, k.c_str());
            }
        }
    }

    void kvCacheLogitsEqualFullRecompute()
    {
        at::manual_seed(2);
        Gpt model(smallConfig());
        model->eval();
        at::NoGradGuard ng;
        auto idx = at::randint(0, 97, {1, 16}, at::kLong);
        auto full = model->forward(idx);
        KvCache cache;
        // Prompt of 5 tokens, then one token at a time.
        auto first = model->forward(idx.slice(1, 0, 5), &cache);
        QVERIFY(at::allclose(first, full.slice(1, 0, 5), 1e-5, 1e-5));
        for (int64_t t = 5; t < 16; ++t) {
            auto step = model->forward(idx.slice(1, t, t + 1), &cache);
            QVERIFY2((step - full.slice(1, t, t + 1)).abs().max().item<double>() < 1e-5, std::to_string(t).c_str());
        }
        QCOMPARE(cache.length, int64_t(16));
    }

    void fusedAttentionMatchesTheUnfusedOps_data()
    {
        QTest::addColumn<int>("B");
        QTest::addColumn<int>("T");
        QTest::addColumn<int>("C");
        QTest::addColumn<int>("nh");
        QTest::addColumn<int>("threads");
        QTest::newRow("one token") << 2 << 1 << 8 << 2 << 1;
        QTest::newRow("one partial tile") << 2 << 19 << 24 << 3 << 2;
        QTest::newRow("tiles and a remainder") << 3 << 100 << 32 << 4 << 2;
        QTest::newRow("whole tiles, one thread") << 1 << 64 << 64 << 1 << 1;
        QTest::newRow("odd head count over two threads") << 1 << 33 << 48 << 3 << 2;
    }

    void fusedAttentionMatchesTheUnfusedOps()
    {
        // The fused kernel (attention.h) against the textbook formula in float64: outputs and the
        // gradient of qkv, for shapes with partial tiles, a single token and uneven thread splits.
        QFETCH(int, B);
        QFETCH(int, T);
        QFETCH(int, C);
        QFETCH(int, nh);
        QFETCH(int, threads);
        at::set_num_threads(threads);
        auto restore = qScopeGuard([] { at::set_num_threads(1); });
        at::manual_seed(5);
        auto qkv = (at::randn({B, T, 3 * C}) * 2.0).requires_grad_();
        QVERIFY(fusedAttentionUsable(qkv));
        auto y = fusedCausalAttention(qkv, nh);
        QCOMPARE(y.sizes(), (std::vector<int64_t>{B, T, C}));
        auto dy = at::randn({B, T, C});
        y.backward(dy);
        const at::Tensor fusedGrad = qkv.grad().clone();

        auto q64 = qkv.detach().to(at::kDouble).requires_grad_();
        const int64_t hs = C / nh;
        auto parts = q64.split(C, 2);
        auto heads = [&](const at::Tensor& t) { return t.view({B, T, nh, hs}).transpose(1, 2); };
        auto att = at::matmul(heads(parts[0]), heads(parts[1]).transpose(-2, -1)) / std::sqrt(double(hs));
        att = att.masked_fill(at::ones({T, T}, at::kBool).triu(1), -std::numeric_limits<double>::infinity());
        auto ref = at::matmul(at::softmax(att, -1), heads(parts[2])).transpose(1, 2).reshape({B, T, C});
        ref.backward(dy.to(at::kDouble));
        const double yErr = (y.detach().to(at::kDouble) - ref.detach()).abs().max().item<double>();
        const double gErr = (fusedGrad.to(at::kDouble) - q64.grad()).abs().max().item<double>();
        const double gScale = q64.grad().abs().max().item<double>();
        QVERIFY2(yErr < 1e-5, std::to_string(yErr).c_str());
        QVERIFY2(gErr < 1e-5 * std::max(1.0, gScale), (std::to_string(gErr) + " of " + std::to_string(gScale)).c_str());
        QVERIFY(gScale > 0.1); // the gradient is not trivially zero

        // Without grad (evaluation, inference mode) the same output, nothing kept for backward.
        {
            c10::InferenceMode inference;
            auto yEval = fusedCausalAttention(qkv.detach(), nh);
            QVERIFY(!yEval.requires_grad());
            QVERIFY(at::equal(yEval, y.detach()));
        }
        // OpenBLAS's own thread count (restored after each call; the kernel runs it single-threaded).
        if (auto get = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"))) {
            const int before = get();
            fusedCausalAttention(qkv.detach(), nh);
            QCOMPARE(get(), before);
        }
    }

    void fusedLinearMatchesAtenLinear_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("in");
        QTest::addColumn<int>("out");
        QTest::addColumn<bool>("bias");
        QTest::addColumn<bool>("transposedInput");
        QTest::newRow("small, one call") << 5 << 7 << 3 << true << false;
        QTest::newRow("split by rows") << 300 << 96 << 80 << true << false;
        QTest::newRow("split by columns, no bias") << 20 << 64 << 600 << false << false;
        QTest::newRow("uneven split, strided input") << 131 << 72 << 257 << true << true;
    }

    void fusedLinearMatchesAtenLinear()
    {
        // The threaded linear layer (linear.h) against ATen's linear in float64: output and the
        // gradients of input, weight and bias, with both ways of splitting the product over two
        // threads, a remainder block and a non-contiguous input.
        QFETCH(int, rows);
        QFETCH(int, in);
        QFETCH(int, out);
        QFETCH(bool, bias);
        QFETCH(bool, transposedInput);
        at::set_num_threads(2);
        auto restore = qScopeGuard([] { at::set_num_threads(1); });
        at::manual_seed(6);
        at::Tensor x = transposedInput ? at::randn({in, rows}).t() : at::randn({rows, in});
        x = x.view({1, rows, in}).requires_grad_(); // (1, rows, in): the model's 3-D shape
        auto w = at::randn({out, in}).mul_(0.1).requires_grad_();
        auto b = bias ? at::randn({out}).requires_grad_() : at::Tensor();
        QVERIFY(fusedLinearUsable(x, w));
        auto y = fusedLinear(x, w, b);
        QCOMPARE(y.sizes(), (std::vector<int64_t>{1, rows, out}));
        auto dy = at::randn({1, rows, out});
        y.backward(dy);

        auto x64 = x.detach().to(at::kDouble).requires_grad_();
        auto w64 = w.detach().to(at::kDouble).requires_grad_();
        auto b64 = bias ? b.detach().to(at::kDouble).requires_grad_() : at::Tensor();
        auto ref = at::linear(x64, w64, b64);
        ref.backward(dy.to(at::kDouble));
        auto close = [](const at::Tensor& a, const at::Tensor& r) {
            const double err = (a.to(at::kDouble) - r).abs().max().item<double>();
            return err < 2e-5 * std::max(1.0, r.abs().max().item<double>());
        };
        QVERIFY(close(y.detach(), ref.detach()));
        QVERIFY(close(x.grad(), x64.grad()));
        QVERIFY(close(w.grad(), w64.grad()));
        if (bias)
            QVERIFY(close(b.grad(), b64.grad()));
        {
            at::NoGradGuard ng;
            QVERIFY(at::equal(fusedLinear(x, w, b), y.detach()));
        }
        // A bias of the wrong size or dtype is refused (ATen's linear then reports it).
        QVERIFY(!fusedLinearUsable(x, w, at::zeros({out + 1})));
        QVERIFY(!fusedLinearUsable(x, w, at::zeros({out}, at::kDouble)));
        QVERIFY(fusedLinearUsable(x, w, at::zeros({out})));
        // Under bf16 autocast ATen's linear has to run (it casts); the fused path stands aside.
        AutocastScope autocast(true, c10::DeviceType::CPU);
        QVERIFY(!fusedLinearUsable(x, w));
    }

    void modelGradientsAreTheSameWithAndWithoutFusedKernels()
    {
        // A whole GPT step with the fused attention and linear layers and with ATen's ops: the loss
        // and every parameter's gradient (wte's gets both the embedding's and the tied lm_head's)
        // agree, and so do the evaluation logits. bf16 tensors and strided qkv are refused.
        at::set_num_threads(2);
        auto restore = qScopeGuard([] {
            at::set_num_threads(1);
            setFusedAttentionEnabled(true);
            setFusedLinearEnabled(true);
        });
        at::manual_seed(8);
        GptConfig c = smallConfig();
        c.blockSize = 40;
        Gpt model(c);
        // 8 x 40 = 320 rows: enough for the fused linear layers (model.cpp's kFusedLinearMinRows).
        auto idx = at::randint(0, c.vocabSize, {8, 40}, at::kLong);
        auto tgt = at::randint(0, c.vocabSize, {8, 40}, at::kLong);
        auto run = [&](bool fused) {
            setFusedAttentionEnabled(fused);
            setFusedLinearEnabled(fused);
            model->zero_grad();
            auto loss = model->loss(model->forward(idx), tgt);
            loss.backward();
            std::vector<at::Tensor> grads;
            for (const auto& p : model->parameters())
                grads.push_back(p.grad().clone());
            return std::make_pair(loss.item<double>(), grads);
        };
        auto [lossFused, gradFused] = run(true);
        auto [lossOps, gradOps] = run(false);
        QVERIFY2(std::abs(lossFused - lossOps) < 1e-6, (std::to_string(lossFused) + " vs " + std::to_string(lossOps)).c_str());
        for (size_t i = 0; i < gradFused.size(); ++i)
            QVERIFY2(at::allclose(gradFused[i], gradOps[i], 1e-4, 1e-6), std::to_string(i).c_str());
        model->eval();
        at::NoGradGuard ng;
        setFusedAttentionEnabled(true);
        setFusedLinearEnabled(true);
        auto evalFused = model->forward(idx);
        setFusedAttentionEnabled(false);
        setFusedLinearEnabled(false);
        QVERIFY(at::allclose(evalFused, model->forward(idx), 1e-5, 1e-5));
        setFusedAttentionEnabled(true);
        setFusedLinearEnabled(true);
        QVERIFY(!fusedAttentionUsable(at::zeros({1, 4, 3 * c.nEmbd}, at::kBFloat16)));
        QVERIFY(!fusedAttentionUsable(at::zeros({1, 4, 6 * c.nEmbd}).slice(2, 0, 3 * c.nEmbd)));
    }

    void bf16AutocastScopeRunsMatmulsInBf16AndRestores()
    {
        at::manual_seed(3);
        Gpt model(smallConfig());
        model->train();
        auto idx = at::randint(0, 97, {2, 16}, at::kLong);
        auto tgt = at::randint(0, 97, {2, 16}, at::kLong);
        const auto ref = model->forward(idx);
        QCOMPARE(ref.scalar_type(), at::kFloat);
        at::Tensor logits, loss;
        {
            AutocastScope scope(true, at::kCPU);
            // The matrix products run in bfloat16; the loss comes back in fp32.
            QCOMPARE(at::matmul(at::ones({4, 4}), at::ones({4, 4})).scalar_type(), at::kBFloat16);
            logits = model->forward(idx);
            loss = GptImpl::loss(logits, tgt);
        }
        QCOMPARE(logits.scalar_type(), at::kBFloat16);
        QCOMPARE(loss.scalar_type(), at::kFloat);
        // bf16 keeps about 3 significant digits: logits close to fp32, but not identical.
        const double diff = (logits.to(at::kFloat) - ref).abs().max().item<double>();
        QVERIFY2(diff > 0 && diff < 0.05, std::to_string(diff).c_str());
        QVERIFY(std::abs(loss.item<double>() - GptImpl::loss(ref, tgt).item<double>()) < 0.01);
        // Gradients reach the fp32 master weights in fp32.
        loss.backward();
        for (const auto& p : model->parameters()) {
            QVERIFY(p.grad().defined());
            QCOMPARE(p.grad().scalar_type(), at::kFloat);
        }
        // Outside the scope everything is fp32 again; a disabled scope changes nothing.
        QCOMPARE(at::matmul(at::ones({4, 4}), at::ones({4, 4})).scalar_type(), at::kFloat);
        {
            AutocastScope off(false, at::kCPU);
            QCOMPARE(model->forward(idx).scalar_type(), at::kFloat);
        }
        QVERIFY(validatePrecision("fp32").ok() && validatePrecision("bf16").ok() && !validatePrecision("fp16").ok());
        QVERIFY(precisionWarning("fp32").empty());
        QCOMPARE(precisionWarning("bf16").empty(), cpuHasNativeBf16());
    }

    void fusedAdamWMatchesThePerOpUpdate()
    {
        // The fused one-pass AdamW against ATen's per-op formulas (torch.optim.AdamW's): the same
        // parameters and moments, to rounding, over steps with warm-up-like learning rates, with and
        // without weight decay, and with a beta1 below 0.5 (torch.lerp's other branch).
        for (double beta1 : {0.9, 0.3}) {
            at::manual_seed(11);
            std::vector<at::Tensor> a, b;
            for (auto shape : std::vector<std::vector<int64_t>>{{37, 53}, {1000}, {3, 4, 5}, {1 << 17}}) {
                a.push_back(at::randn(shape).requires_grad_());
                b.push_back(a.back().detach().clone().requires_grad_());
            }
            const at::Tensor initial = a[0].detach().clone();
            AdamW fused({beta1, 0.95, 1e-8, 0.1}), perOp({beta1, 0.95, 1e-8, 0.1});
            perOp.setFused(false);
            for (size_t i = 0; i < a.size(); ++i) {
                fused.addParameter("p" + std::to_string(i), a[i], i % 2 == 0);
                perOp.addParameter("p" + std::to_string(i), b[i], i % 2 == 0);
            }
            for (int step = 1; step <= 6; ++step) {
                for (size_t i = 0; i < a.size(); ++i) {
                    auto g = at::randn(a[i].sizes()) * (step == 3 ? 1e-6 : 1.0); // a tiny-gradient step too
                    a[i].mutable_grad() = g.clone();
                    b[i].mutable_grad() = g.clone();
                }
                fused.step(1e-3 * step);
                perOp.step(1e-3 * step);
            }
            auto sa = fused.state(), sb = perOp.state();
            for (size_t i = 0; i < a.size(); ++i) {
                QVERIFY2(at::allclose(a[i], b[i], 1e-5, 1e-7), std::to_string(i).c_str());
                for (const char* k : {"exp_avg.p", "exp_avg_sq.p"}) {
                    const std::string key = k + std::to_string(i);
                    QVERIFY2(at::allclose(sa.at(key), sb.at(key), 1e-5, 1e-12), key.c_str());
                }
            }
            // The update really moved the weights (by about lr per step).
            const double moved = (a[0].detach() - initial).abs().max().item<double>();
            QVERIFY2(moved > 1e-3 && moved < 0.1, std::to_string(moved).c_str());
        }
    }

    void loadStateDictIsStrict()
    {
        at::manual_seed(3);
        Gpt a(smallConfig());
        at::manual_seed(4);
        Gpt b(smallConfig());
        std::map<std::string, at::Tensor> sd;
        for (auto& kv : a->stateDict())
            sd[kv.first] = kv.second.clone();
        QVERIFY(b->loadStateDict(sd).ok());
        auto x = at::randint(0, 97, {2, 8}, at::kLong);
        QVERIFY(at::equal(a->forward(x), b->forward(x)));

        auto missing = sd;
        missing.erase("transformer.h.1.ln_2.bias");
        auto st = b->loadStateDict(missing);
        QVERIFY(!st.ok());
        QVERIFY(QString::fromStdString(st.message()).contains("transformer.h.1.ln_2.bias"));

        GptConfig other = smallConfig();
        other.nEmbd = 64;
        at::manual_seed(5);
        Gpt c(other);
        st = c->loadStateDict(sd);
        QVERIFY(!st.ok());
        QVERIFY(QString::fromStdString(st.message()).contains("another architecture"));

        auto extra = sd;
        extra["transformer.h.9.ln_1.weight"] = at::ones({32});
        QVERIFY(!b->loadStateDict(extra).ok());

        auto nan = sd;
        nan["transformer.wpe.weight"] = at::full({16, 32}, std::nan(""));
        QVERIFY(!b->loadStateDict(nan).ok());
    }

    void logitsAndLossMatchIndependentPythonReference()
    {
        if (!QFile::exists("/usr/bin/python3"))
            QSKIP("Debian's /usr/bin/python3 with python3-torch is not installed (run scripts/bootstrap.sh)");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string d = dir.path().toStdString();
        at::manual_seed(6);
        Gpt model(smallConfig());
        model->eval();
        at::NoGradGuard ng;
        auto idx = at::randint(0, 97, {3, 16}, at::kLong);
        auto targets = at::randint(0, 97, {3, 16}, at::kLong);
        auto logits = model->forward(idx);
        auto loss = GptImpl::loss(logits, targets);
        QVERIFY(writeTensorDict(d + "/model.pt", model->stateDict()).ok());
        QVERIFY(writeTensorDict(d + "/io.pt", {{"idx", idx}, {"targets", targets}, {"logits", logits}, {"loss", loss}}).ok());
        QVERIFY(writeJsonFile(d + "/config.json", QJsonObject{{"model", toJson(smallConfig())}}).ok());
        QProcess py;
        py.start("/usr/bin/python3", {AZLLM_SOURCE_DIR "/tests/python/ref_gpt.py", "check", dir.path(), "--tol", "1e-5"});
        QVERIFY(py.waitForFinished(120000));
        const QString out = py.readAllStandardOutput() + py.readAllStandardError();
        qInfo().noquote() << out.trimmed();
        QVERIFY2(py.exitStatus() == QProcess::NormalExit && py.exitCode() == 0, qPrintable(out));
    }

    void tensorDictRoundTripAndDamagedFilesRefused()
    {
        QTemporaryDir dir;
        const std::string p = dir.path().toStdString() + "/t.pt";
        auto t = at::randn({4, 5});
        QVERIFY(writeTensorDict(p, {{"a", t}}).ok());
        auto back = readTensorDict(p);
        QVERIFY(back.ok());
        QVERIFY(at::equal(back->at("a"), t));
        // Truncated file.
        QFile f(QString::fromStdString(p));
        QVERIFY(f.open(QIODevice::ReadWrite));
        QByteArray bytes = f.readAll();
        f.resize(bytes.size() / 2);
        f.close();
        auto bad = readTensorDict(p);
        QVERIFY(!bad.ok());
        QVERIFY(QString::fromStdString(bad.message()).contains("damaged") || QString::fromStdString(bad.message()).contains("truncated"));
        // Garbage.
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("this is not a tensor file at all");
        f.close();
        QVERIFY(!readTensorDict(p).ok());
    }
};

QTEST_GUILESS_MAIN(TestModel)
#include "tst_model.moc"
