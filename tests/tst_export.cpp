// Export, verified by readers we did not write: Python's torch.load + an independent nanoGPT
// GPT (load_state_dict strict) for `*_final.pt`, an independent Python GPT-2 forward written from
// Hugging Face's conventions for `hf/` (per-token log-probabilities equal `azllm score`'s), and
// the JavaScript port of Hugging Face tokenizers for `tokenizer.json`. Also: file sizes carry no
// optimizer bytes, bf16, loading every format back, and failures (full disk, no best checkpoint,
// unwritable destination) that leave the previous export intact and nothing partial behind.
#include "checkpoint.h"
#include "corpus.h"
#include "export.h"
#include "fsutil.h"
#include "generate.h"
#include "hftokenizer.h"
#include "inference.h"
#include "run.h"
#include "safetensors.h"
#include "testrun.h"
#include "testutil.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QtTest>

#include <csignal>
#include <random>
#include <unistd.h>

using namespace azllm;
using namespace azllm::test;

namespace {

const QString kPython = "/usr/bin/python3";
const std::string kAzText = "Hər kəsin yaşamaq, azadlıq və şəxsi toxunulmazlıq hüququ vardır.";

QJsonObject lastJsonLine(const QString& out)
{
    const auto lines = out.split('\n', Qt::SkipEmptyParts);
    return lines.isEmpty() ? QJsonObject() : QJsonDocument::fromJson(lines.back().toUtf8()).object();
}

std::vector<float> logitsFor(const InferenceModel& m, const std::vector<int64_t>& ids)
{
    c10::InferenceMode guard;
    at::Tensor x = at::tensor(ids, at::kLong).view({1, -1});
    Gpt model = m.model;
    at::Tensor l = model->forward(x).contiguous();
    return std::vector<float>(l.data_ptr<float>(), l.data_ptr<float>() + l.numel());
}

// Names and sizes of every entry below dir (to prove a failed export changed nothing).
QMap<QString, QByteArray> snapshot(const QString& dir)
{
    QMap<QString, QByteArray> out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString p = it.next();
        out[QDir(dir).relativeFilePath(p)] = readAll(p);
    }
    return out;
}

QStringList tempLeftovers(const QString& parent)
{
    return QDir(parent).entryList(QStringList{"*.tmp-*"}, QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
}

// Encodes texts (already in textsJson) with tokenizers.js from dir and compares with sentencepiece.
void checkTokenizerJson(const QString& node, const QString& js, const QString& dir, const QString& textsJson,
                    const QStringList& texts)
{
    Proc r = runProgram(node, {js + "/hf_tokenize.mjs", dir, textsJson}, js);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonObject o = lastJsonLine(r.out);
    auto tok = Tokenizer::load((dir + "/tokenizer.model").toStdString());
    QVERIFY(tok.ok());
    for (int i = 0; i < texts.size(); ++i) {
        auto ids = (*tok)->encode(texts[i].toStdString());
        QVERIFY(ids.ok());
        QJsonArray expected;
        for (int32_t id : *ids)
            expected.append(id);
        QVERIFY2(o["ids"].toArray()[i].toArray() == expected,
                 qPrintable(texts[i] + ": " + QJsonDocument(o["ids"].toArray()[i].toArray()).toJson(QJsonDocument::Compact) +
                            " vs " + QJsonDocument(expected).toJson(QJsonDocument::Compact)));
        QCOMPARE(o["decoded"].toArray()[i].toString(), texts[i]);
    }
}

} // namespace

class TestExport : public QObject {
    Q_OBJECT
    TempDir m_dir;
    QString m_run, m_out;

private Q_SLOTS:
    void initTestCase()
    {
        at::set_num_threads(1);
        m_run = m_dir.file("run");
        m_out = m_dir.file("export");
        const std::string err = trainTinyRun(m_run.toStdString());
        QVERIFY2(err.empty(), err.c_str());
        Proc p = runAzllm({"export", "--run-dir", m_run, "--out", m_out, "--json"});
        QVERIFY2(p.code == 0, qPrintable(p.err));
        const QJsonObject o = lastJsonLine(p.out);
        QCOMPARE(o["pt"].toString(), m_out + "/run_final.pt");
        QCOMPARE(o["hf"].toString(), m_out + "/hf");
    }

    void ptExportHoldsModelTensorsOnly()
    {
        const QString pt = m_out + "/run_final.pt";
        auto cfg = loadRunConfig(m_run.toStdString());
        QVERIFY(cfg.ok());
        const int64_t params = cfg->model.parameterCount();
        const int64_t size = QFileInfo(pt).size();
        // 4 bytes per parameter (lm_head shares wte's storage) plus a small pickle/zip overhead;
        // optimizer moments would triple it.
        QVERIFY2(size >= params * 4 && size < params * 4 + 64 * 1024,
                 qPrintable(QString("%1 bytes for %2 parameters").arg(size).arg(params)));
        auto t = readTensorDict(pt.toStdString());
        QVERIFY(t.ok());
        QVERIFY(t->count("lm_head.weight"));
        for (const auto& kv : *t)
            QVERIFY2(kv.first.rfind("transformer.", 0) == 0 || kv.first == "lm_head.weight", kv.first.c_str());
        QVERIFY(QFile::exists(m_out + "/config.json"));
        QCOMPARE(readAll(m_out + "/tokenizer.model"), readAll(m_run + "/tokenizer.model"));
        QVERIFY(tempLeftovers(m_dir.path()).isEmpty());
    }

    void pythonTorchLoadGivesIdenticalTensorsAndLogits()
    {
        if (!QFile::exists(kPython))
            QSKIP("Debian's /usr/bin/python3 with python3-torch is not installed (run scripts/bootstrap.sh)");
        auto m = loadInferenceModel(m_out.toStdString());
        QVERIFY2(m.ok(), m.message().c_str());
        QCOMPARE((*m)->location.format, ModelFormat::PtExport);
        const std::vector<int64_t> ids{1, 300, 17, 250, 99, 42, 7, 5, 311, 12};
        const auto logits = logitsFor(**m, ids);
        at::Tensor l = at::from_blob(const_cast<float*>(logits.data()), {1, 10, 400}, at::kFloat).clone();
        QVERIFY(writeTensorDict(m_dir.str("io.pt"), {{"idx", at::tensor(ids, at::kLong).view({1, -1})}, {"logits", l}}).ok());
        Proc py = runProgram(kPython, {sourcePath("tests/python/ref_gpt.py"), "check-export", m_out,
                                       m_run + "/checkpoints/best/model.pt", m_dir.file("io.pt")});
        QVERIFY2(py.code == 0, qPrintable(py.out + py.err));
        const QJsonObject o = lastJsonLine(py.out);
        QVERIFY(o["tied"].toBool());
        QCOMPARE(o["tensors"].toInt(), 2 * 12 + 2 + 2 + 1); // 12 per block, wte, wpe, ln_f (2), lm_head
    }

    void bf16ExportHalvesTheFileAndLoads()
    {
        const QString out = m_dir.file("bf16");
        Proc p = runAzllm({"export", "--run-dir", m_run, "--out", out, "--dtype", "bf16", "--format", "pt"});
        QVERIFY2(p.code == 0, qPrintable(p.err));
        QVERIFY(!QFile::exists(out + "/hf"));
        auto cfg = loadRunConfig(m_run.toStdString());
        const int64_t params = cfg->model.parameterCount();
        const int64_t size = QFileInfo(out + "/run_final.pt").size();
        QVERIFY2(size >= params * 2 && size < params * 2 + 64 * 1024, qPrintable(QString::number(size)));
        if (QFile::exists(kPython)) {
            auto m = loadInferenceModel(out.toStdString());
            QVERIFY2(m.ok(), m.message().c_str());
            const std::vector<int64_t> ids{1, 300, 17};
            const auto logits = logitsFor(**m, ids);
            at::Tensor l = at::from_blob(const_cast<float*>(logits.data()), {1, 3, 400}, at::kFloat).clone();
            QVERIFY(writeTensorDict(m_dir.str("io16.pt"), {{"idx", at::tensor(ids, at::kLong).view({1, -1})}, {"logits", l}}).ok());
            Proc py = runProgram(kPython, {sourcePath("tests/python/ref_gpt.py"), "check-export", out,
                                           m_run + "/checkpoints/best/model.pt", m_dir.file("io16.pt")});
            QVERIFY2(py.code == 0, qPrintable(py.out + py.err));
            QCOMPARE(lastJsonLine(py.out)["dtype"].toString(), QString("torch.bfloat16"));
        }
    }

    void hfFolderFollowsGpt2Conventions()
    {
        const QString hf = m_out + "/hf";
        for (const char* f : {"config.json", "generation_config.json", "model.safetensors", "tokenizer.model", "tokenizer.json",
                              "tokenizer_config.json", "special_tokens_map.json"})
            QVERIFY2(QFile::exists(hf + "/" + f), f);
        const QJsonObject c = QJsonDocument::fromJson(readAll(hf + "/config.json")).object();
        QCOMPARE(c["model_type"].toString(), QString("gpt2"));
        QCOMPARE(c["architectures"].toArray().first().toString(), QString("GPT2LMHeadModel"));
        QCOMPARE(c["activation_function"].toString(), QString("gelu")); // erf GELU, as at::gelu
        QCOMPARE(c["n_positions"].toInt(), 32);
        QCOMPARE(c["vocab_size"].toInt(), 400);
        QCOMPARE(c["bos_token_id"].toInt(), kBosId);
        QCOMPARE(c["eos_token_id"].toInt(), kEosId);
        QCOMPARE(c["pad_token_id"].toInt(), kPadId);
        QVERIFY(c["tie_word_embeddings"].toBool());
        const QJsonObject g = QJsonDocument::fromJson(readAll(hf + "/generation_config.json")).object();
        SamplingConfig defaults;
        QCOMPARE(g["temperature"].toDouble(), defaults.temperature);
        QCOMPARE(g["top_k"].toInt(), defaults.topK);
        QCOMPARE(g["eos_token_id"].toInt(), kEosId);

        const QByteArray bytes = readAll(hf + "/model.safetensors");
        quint64 n = 0;
        for (int i = 0; i < 8; ++i)
            n |= quint64(static_cast<unsigned char>(bytes[i])) << (8 * i);
        QCOMPARE(n % 8, quint64(0));
        auto st = readSafetensors((hf + "/model.safetensors").toStdString());
        QVERIFY2(st.ok(), st.message().c_str());
        QCOMPARE(st->metadata["format"], std::string("pt"));
        QVERIFY(!st->tensors.count("lm_head.weight")); // tied, as save_pretrained writes it
        auto ck = readCheckpoint((m_run + "/checkpoints/best").toStdString(), false);
        QVERIFY(ck.ok());
        // Conv1D weights are stored (in, out): the transpose of nn.Linear's (out, in).
        const auto& cattn = st->tensors.at("transformer.h.0.attn.c_attn.weight");
        QCOMPARE(cattn.sizes().vec(), (std::vector<int64_t>{32, 96}));
        QVERIFY(at::equal(cattn, ck->model.at("transformer.h.0.attn.c_attn.weight").t()));
        QVERIFY(at::equal(st->tensors.at("transformer.h.1.mlp.c_proj.weight"), ck->model.at("transformer.h.1.mlp.c_proj.weight").t()));
        QVERIFY(at::equal(st->tensors.at("transformer.wte.weight"), ck->model.at("transformer.wte.weight")));
        if (QFile::exists(kPython)) {
            Proc py = runProgram(kPython, {sourcePath("tests/python/hf_gpt2_ref.py"), "check-safetensors", hf});
            QVERIFY2(py.code == 0, qPrintable(py.out + py.err));
            QCOMPARE(lastJsonLine(py.out)["tensors"].toInt(), 2 * 12 + 4);
        }
    }

    void independentGpt2ForwardMatchesScore()
    {
        if (!QFile::exists(kPython))
            QSKIP("Debian's /usr/bin/python3 with python3-torch is not installed (run scripts/bootstrap.sh)");
        const QString text = "Hər kəs azad və bərabər doğulur."; // fits the 32-token block
        Proc s = runAzllm({"score", "--model", m_out + "/hf", "--text", text, "--json"});
        QVERIFY2(s.code == 0, qPrintable(s.err));
        const QJsonObject o = lastJsonLine(s.out);
        const QJsonArray ids = o["ids"].toArray(), lps = o["logprobs"].toArray();
        QVERIFY(ids.size() > 10 && ids.size() <= 32);
        QCOMPARE(lps.size(), ids.size() - 1);
        writeBytes(m_dir.file("ids.json"), QJsonDocument(QJsonObject{{"ids", ids}}).toJson());
        Proc py = runProgram(kPython, {sourcePath("tests/python/hf_gpt2_ref.py"), "logprobs", m_out + "/hf", m_dir.file("ids.json")});
        QVERIFY2(py.code == 0, qPrintable(py.out + py.err));
        const QJsonArray ref = lastJsonLine(py.out)["logprobs"].toArray();
        QCOMPARE(ref.size(), lps.size());
        double worst = 0;
        for (int i = 0; i < ref.size(); ++i)
            worst = std::max(worst, std::abs(ref[i].toDouble() - lps[i].toDouble()));
        QVERIFY2(worst < 1e-4, qPrintable(QString("max log-prob difference %1").arg(worst)));
        // The run, the .pt export and the HF folder score the same.
        for (const QString& model : {m_run, m_out, m_out + "/run_final.pt"}) {
            Proc other = runAzllm({"score", "--model", model, "--text", text, "--json"});
            QVERIFY2(other.code == 0, qPrintable(other.err));
            QVERIFY(std::abs(lastJsonLine(other.out)["mean_nll"].toDouble() - o["mean_nll"].toDouble()) < 1e-5);
        }
    }

    void tokenizerJsonMatchesSentencepieceInHuggingFaceTokenizers()
    {
        const QString node = QStandardPaths::findExecutable("node"), npm = QStandardPaths::findExecutable("npm");
        if (node.isEmpty() || npm.isEmpty())
            QSKIP("Node.js is not installed: the tokenizer.json check with @huggingface/tokenizers was skipped");
        // Install the pinned package from its lock file into a build-local folder.
        const QString js = QStringLiteral(AZLLM_BINARY_DIR "/tests/js-tokenizers");
        QDir().mkpath(js);
        for (const char* f : {"package.json", "package-lock.json", "hf_tokenize.mjs"}) {
            QFile::remove(js + "/" + f);
            QVERIFY(QFile::copy(sourcePath(QString("tests/js/") + f), js + "/" + f));
        }
        if (!QFile::exists(js + "/node_modules/@huggingface/tokenizers/package.json")) {
            Proc ci = runProgram(npm, {"ci", "--no-audit", "--no-fund"}, js);
            QVERIFY2(ci.code == 0, qPrintable("npm ci failed: " + ci.err));
        }
        const QStringList texts{QString::fromStdString(kAzText),
                                "Bütün insanlar ləyaqət və hüquqlarına görə azad və bərabər doğulurlar.",
                                "İstanbul ılıq, ƏLİ əla. Şəki, Gəncə, Quba: çox gözəl!",
                                "  iki  boşluq ",
                                "Çağırış: ÖĞRƏNCİ öyrənir; şüşə, ğ, ı, İ.",
                                "emoji 😀 və 中文 hərflər",
                                "sətir\nyeni sətir",
                                ""};
        writeBytes(m_dir.file("texts.json"), QJsonDocument(QJsonObject{{"texts", QJsonArray::fromStringList(texts)}}).toJson());
        // A BPE tokenizer too (merges derived from its vocabulary).
        const QString bpeDir = m_dir.file("bpe");
        QDir().mkpath(bpeDir);
        {
            auto corpus = loadCorpus(demoCorpusPath());
            QVERIFY(corpus.ok());
            TokenizerTrainConfig tc;
            tc.modelType = "bpe";
            tc.vocabSize = 500;
            QVERIFY(Tokenizer::train(corpus->documents.front().text, tc, (bpeDir + "/tokenizer.model").toStdString()).ok());
            auto bpe = Tokenizer::load((bpeDir + "/tokenizer.model").toStdString());
            QVERIFY(bpe.ok());
            QCOMPARE((*bpe)->modelType(), std::string("bpe"));
            auto tj = hfTokenizerJson(**bpe);
            QVERIFY(tj.ok());
            QVERIFY(writeJsonFile((bpeDir + "/tokenizer.json").toStdString(), *tj).ok());
            QVERIFY(writeJsonFile((bpeDir + "/tokenizer_config.json").toStdString(), hfTokenizerConfig(**bpe, 32)).ok());
        }
        for (const QString& dir : {m_out + "/hf", bpeDir})
            checkTokenizerJson(node, js, dir, m_dir.file("texts.json"), texts);
        QVERIFY(!QTest::currentTestFailed());
    }

    void everyFormatLoadsBackToTheSameModel()
    {
        const std::vector<int64_t> ids{1, 30, 31, 32, 200};
        auto run = loadInferenceModel(m_run.toStdString());
        QVERIFY(run.ok());
        const auto ref = logitsFor(**run, ids);
        for (const QString& p : {m_out, m_out + "/run_final.pt", m_out + "/hf", m_run + "/checkpoints/best"}) {
            auto m = loadInferenceModel(p.toStdString());
            QVERIFY2(m.ok(), m.message().c_str());
            const auto l = logitsFor(**m, ids);
            double d = 0;
            for (size_t i = 0; i < l.size(); ++i)
                d = std::max(d, static_cast<double>(std::abs(l[i] - ref[i])));
            QVERIFY2(d < 1e-5, qPrintable(p + ": " + QString::number(d)));
        }
        Proc info = runAzllm({"info", m_out + "/hf"});
        QVERIFY2(info.code == 0, qPrintable(info.err));
        QVERIFY2(info.out.contains("hugging face") && info.out.contains("model.safetensors") && info.out.contains("parameters"),
                 qPrintable(info.out));
        Proc infoPt = runAzllm({"info", m_out});
        QVERIFY2(infoPt.code == 0 && infoPt.out.contains("run_final.pt") && infoPt.out.contains("pytorch"), qPrintable(infoPt.out + infoPt.err));
    }

    void fullDiskLeavesThePreviousExportIntact()
    {
        const auto before = snapshot(m_out);
        Proc p = runAzllm({"export", "--run-dir", m_run, "--out", m_out}, 300000, /*limitFileSize=*/true);
        QCOMPARE(p.code, 1);
        const QString e = errorLine(p.err);
        QVERIFY2(e.contains("space") || e.contains("too large"), qPrintable(p.err));
        QCOMPARE(snapshot(m_out), before);
        QVERIFY(tempLeftovers(m_dir.path()).isEmpty());
    }

    // SIGKILL at random moments of an export into a folder that holds an earlier export: whatever
    // the moment, the destination holds only whole files (the earlier or the new export).
    void sigkillDuringExportLeavesNoPartialFile()
    {
        const QString out = m_dir.file("killed");
        Proc first = runAzllm({"export", "--run-dir", m_run, "--out", out});
        QVERIFY2(first.code == 0, qPrintable(first.err));
        std::mt19937 rng(7);
        std::uniform_int_distribution<int> delayMs(0, 1500);
        for (int i = 0; i < 6; ++i) {
            QProcess p;
            p.start(azllmBinary(), {"export", "--run-dir", m_run, "--out", out});
            QVERIFY(p.waitForStarted());
            const int wait = delayMs(rng);
            if (!p.waitForFinished(wait)) {
                ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
                p.waitForFinished();
            }
            for (const QString& model : {out, out + "/hf"}) {
                auto m = loadInferenceModel(model.toStdString());
                QVERIFY2(m.ok(), qPrintable(QString("after a kill at %1 ms: %2").arg(wait).arg(QString::fromStdString(m.message()))));
            }
            const QStringList inside = QDir(out).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot) +
                                       QDir(out + "/hf").entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
            for (const QString& name : inside)
                QVERIFY2(!name.contains(".tmp-"), qPrintable(name + " is a partial file in the destination"));
        }
    }

    void unwritableDestinationAndMissingCheckpointAreClearErrors()
    {
        // A destination below a file cannot be created.
        const QString file = m_dir.write("afile", "x");
        Proc p = runAzllm({"export", "--run-dir", m_run, "--out", file + "/sub"});
        QCOMPARE(p.code, 1);
        QVERIFY2(!errorLine(p.err).isEmpty(), qPrintable(p.err));
        if (::geteuid() != 0) {
            const QString ro = m_dir.file("readonly");
            QDir().mkpath(ro);
            QFile::setPermissions(ro, QFileDevice::ReadOwner | QFileDevice::ExeOwner);
            Proc q = runAzllm({"export", "--run-dir", m_run, "--out", ro});
            QCOMPARE(q.code, 1);
            QVERIFY2(errorLine(q.err).contains("ermission"), qPrintable(q.err));
            QVERIFY(QDir(ro).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty());
        }
        // A run that never reached its first evaluation has no best checkpoint.
        RunSetup s = tinySetup(m_dir.str("fresh"));
        QVERIFY(prepareRun(s, [](const std::string&) {}).ok());
        Proc none = runAzllm({"export", "--run-dir", m_dir.file("fresh"), "--out", m_dir.file("none")});
        QCOMPARE(none.code, 1);
        QVERIFY2(errorLine(none.err).contains("no best checkpoint"), qPrintable(none.err));
        QVERIFY(!QFile::exists(m_dir.file("none") + "/hf"));
        Proc usage = runAzllm({"export", "--run-dir", m_run, "--out", m_dir.file("x"), "--dtype", "int8"});
        QCOMPARE(usage.code, 2);
    }

    void exportWhileTrainingReadsTheCurrentBest()
    {
        // A longer run in the background; export repeatedly while it trains.
        const QString run = m_dir.file("live");
        QProcess train;
        train.start(azllmBinary(), {"train", "--corpus", "demo", "--run-dir", run, "--vocab-size", "400", "--block-size", "32",
                                    "--batch-size", "4", "--max-epochs", "12", "--patience", "0", "--threads", "1"});
        QVERIFY(train.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(run + "/checkpoints/best/model.pt"), 120000);
        int exports = 0;
        while (train.state() == QProcess::Running && exports < 5) {
            Proc p = runAzllm({"export", "--run-dir", run, "--out", m_dir.file("live-export"), "--format", "pt"});
            QVERIFY2(p.code == 0, qPrintable(p.err));
            QVERIFY(loadInferenceModel(m_dir.str("live-export")).ok());
            ++exports;
        }
        QVERIFY(train.waitForFinished(300000));
        QCOMPARE(train.exitCode(), 0);
        QVERIFY(exports >= 1);
        // Training carried on to its end: every epoch was evaluated.
        const QString metrics = QString::fromUtf8(readAll(run + "/metrics.csv"));
        QVERIFY(metrics.count('\n') > 12);
        auto state = readJsonFile((run + "/checkpoints/last/trainer_state.json").toStdString());
        QVERIFY(state.ok());
        QCOMPARE((*state)["stop_reason"].toString(), QString("max_epochs"));
    }
};

QTEST_GUILESS_MAIN(TestExport)
#include "tst_export.moc"
