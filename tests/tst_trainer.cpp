// Trainer: a real (tiny) run on the demo corpus through the callback API and through the azllm
// binary: metrics and checkpoints on disk, stop requests, early stopping restores best, exact
// resume after SIGKILL, and bad input (corrupt checkpoint, full disk, conflicting flags).
#include "checkpoint.h"
#include "corpus.h"
#include "fsutil.h"
#include "precision.h"
#include "run.h"
#include "trainer.h"
#include "testrun.h"
#include "testutil.h"

#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <random>
#include <sys/resource.h>

using namespace azllm;
using namespace azllm::test;

namespace {

// A finished two-epoch run of a tiny model on the demo corpus.
Proc trainTwoEpochs(const QString& run)
{
    return runAzllm({"train", "--corpus", "demo", "--run-dir", run, "--vocab-size", "400", "--block-size", "32",
                     "--batch-size", "4", "--max-epochs", "2", "--threads", "1"});
}

// step -> train loss from metrics.csv step rows.
QMap<qint64, double> stepLosses(const QString& runDir)
{
    QMap<qint64, double> m;
    QFile f(runDir + "/metrics.csv");
    if (!f.open(QIODevice::ReadOnly))
        return m;
    const auto lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    for (int i = 1; i < lines.size(); ++i) {
        const auto cols = lines[i].split(',');
        if (cols.size() == 8 && cols[4].isEmpty())
            m[cols[0].toLongLong()] = cols[3].toDouble();
    }
    return m;
}

} // namespace

class TestTrainer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void trainsReportsAndWritesRunFiles()
    {
        QTemporaryDir dir;
        const std::string run = dir.path().toStdString() + "/run";
        auto cfg = prepareRun(tinySetup(run), [](const std::string&) {});
        QVERIFY2(cfg.ok(), cfg.message().c_str());
        QCOMPARE(cfg->model.vocabSize, int64_t(400));
        TrainControl control;
        int steps = 0, evals = 0;
        int64_t lastStep = 0;
        bool started = false, finished = false;
        auto r = train(*cfg, false, control, [&](const TrainEvent& e) {
            if (e.kind == TrainEvent::Kind::Started) {
                started = e.stepsPerEpoch > 0;
            }
            if (e.kind == TrainEvent::Kind::Step) {
                ++steps;
                lastStep = e.step;
                if (!(std::isfinite(e.loss) && e.lr > 0 && e.tokens > 0 && e.tokensPerS > 0))
                    qWarning() << "bad step event";
            }
            if (e.kind == TrainEvent::Kind::Eval) {
                if (std::isfinite(e.valLoss) && std::isfinite(e.trainLoss) && e.patience == 3)
                    ++evals;
            }
            if (e.kind == TrainEvent::Kind::Finished)
                finished = true;
            return true;
        });
        QVERIFY2(r.ok(), r.message().c_str());
        QVERIFY(started && finished);
        QVERIFY(steps > 0);
        QVERIFY(evals >= 1);
        QCOMPARE(r->stopStep, lastStep);
        QVERIFY(r->bestStep > 0);
        QVERIFY(r->restoredBest);
        // Files from DESIGN.md.
        for (const std::string& f : {runpaths::config(run), runpaths::tokenizer(run), runpaths::trainBin(run), runpaths::valBin(run),
                                     runpaths::metrics(run), runpaths::best(run) + "/model.pt", runpaths::best(run) + "/optimizer.pt",
                                     runpaths::best(run) + "/trainer_state.json", runpaths::last(run) + "/model.pt",
                                     runpaths::summary(run)})
            QVERIFY2(fs::exists(f), f.c_str());
        QFile m(QString::fromStdString(runpaths::metrics(run)));
        QVERIFY(m.open(QIODevice::ReadOnly));
        QCOMPARE(m.readLine().trimmed(), QByteArray("step,epoch,tokens,train_loss,val_loss,lr,tokens_per_s,elapsed_s"));
        auto state = readJsonFile(runpaths::last(run) + "/trainer_state.json");
        QVERIFY(state.ok());
        for (const char* k : {"step", "epoch", "best_step", "best_val_loss", "patience_counter", "rng_state", "step_in_epoch",
                              "stop_reason", "stop_step", "config"})
            QVERIFY2(state->contains(k), k);
        QCOMPARE(state->value("stop_reason").toString(), QString("max_epochs"));
        // No temporary siblings left behind.
        QDir ck(QString::fromStdString(run + "/checkpoints"));
        QCOMPARE(ck.entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden).size(), 2);
    }

    void stopRequestTakesEffectWithinOneStep()
    {
        QTemporaryDir dir;
        auto s = tinySetup(dir.path().toStdString() + "/run");
        s.train.maxEpochs = 1000;
        auto cfg = prepareRun(s, [](const std::string&) {});
        QVERIFY(cfg.ok());
        TrainControl control;
        int64_t stepsAfterStop = 0;
        bool stopped = false;
        auto r = train(*cfg, false, control, [&](const TrainEvent& e) {
            if (e.kind == TrainEvent::Kind::Step) {
                if (stopped)
                    ++stepsAfterStop;
                if (e.step == 3) {
                    control.stop = true;
                    stopped = true;
                }
            }
            return true;
        });
        QVERIFY(r.ok());
        QCOMPARE(toString(r->reason), std::string("user"));
        QCOMPARE(stepsAfterStop, int64_t(0));
        QCOMPARE(r->stopStep, int64_t(3));
        // The callback returning false stops too.
        QTemporaryDir dir2;
        auto cfg2 = prepareRun(tinySetup(dir2.path().toStdString() + "/run"), [](const std::string&) {});
        QVERIFY(cfg2.ok());
        TrainControl c2;
        auto r2 = train(*cfg2, false, c2, [&](const TrainEvent& e) { return !(e.kind == TrainEvent::Kind::Step && e.step == 2); });
        QVERIFY(r2.ok());
        QCOMPARE(toString(r2->reason), std::string("user"));
        QCOMPARE(r2->stopStep, int64_t(2));
    }

    void earlyStoppingFiresAndBestIsRestored()
    {
        QTemporaryDir dir;
        auto s = tinySetup(dir.path().toStdString() + "/run");
        s.train.maxEpochs = 300;
        s.train.learningRate = 1e-2; // overfits the tiny corpus quickly
        s.earlyStopping.patience = 2;
        auto cfg = prepareRun(s, [](const std::string&) {});
        QVERIFY(cfg.ok());
        TrainControl control;
        std::vector<double> vals;
        auto r = train(*cfg, false, control, [&](const TrainEvent& e) {
            if (e.kind == TrainEvent::Kind::Eval)
                vals.push_back(e.valLoss);
            return true;
        });
        QVERIFY(r.ok());
        QCOMPARE(toString(r->reason), std::string("patience"));
        // The last two evaluations did not beat the best; the best is the minimum seen.
        QVERIFY(vals.size() >= 3);
        const double best = *std::min_element(vals.begin(), vals.end());
        QCOMPARE(r->bestValLoss, best);
        QVERIFY(vals[vals.size() - 1] >= best && vals[vals.size() - 2] >= best);
        auto bestState = readJsonFile(runpaths::best(s.runDir) + "/trainer_state.json");
        QCOMPARE(static_cast<int64_t>(bestState->value("step").toDouble()), r->bestStep);
        QCOMPARE(bestState->value("stop_reason").toString(), QString("patience"));
    }

    void resumeAfterSigkillReproducesUninterruptedLosses()
    {
        QTemporaryDir dir;
        const QString a = dir.path() + "/a", b = dir.path() + "/b";
        const QStringList common = {"--corpus", "demo", "--vocab-size", "400", "--block-size", "32", "--batch-size", "4",
                                    "--max-epochs", "6", "--patience", "100", "--threads", "1", "--seed", "11", "--json"};
        Proc full = runAzllm(QStringList{"train", "--run-dir", a} + common);
        QVERIFY2(full.code == 0, qPrintable(full.err));

        // Same run, killed with SIGKILL after the third evaluation has been reported.
        QProcess p;
        p.start(azllmBinary(), QStringList{"train", "--run-dir", b} + common);
        QVERIFY(p.waitForStarted());
        int evals = 0;
        QByteArray buf;
        while (evals < 3 && p.state() == QProcess::Running) {
            p.waitForReadyRead(1000);
            buf += p.readAllStandardOutput();
            evals = buf.count("\"event\":\"eval\"");
        }
        QCOMPARE(evals, 3);
        ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
        p.waitForFinished();
        QVERIFY(stepLosses(b).size() < stepLosses(a).size());

        Proc resumed = runAzllm({"train", "--resume", "--run-dir", b, "--json"});
        QVERIFY2(resumed.code == 0, qPrintable(resumed.err));
        QVERIFY(resumed.out.contains("resuming at step"));
        const auto la = stepLosses(a), lb = stepLosses(b);
        QCOMPARE(lb.size(), la.size());
        for (auto it = la.begin(); it != la.end(); ++it) {
            QVERIFY2(lb.contains(it.key()), qPrintable(QString::number(it.key())));
            QVERIFY2(std::abs(lb[it.key()] - it.value()) <= 1e-6,
                     qPrintable(QString("step %1: %2 vs %3").arg(it.key()).arg(lb[it.key()]).arg(it.value())));
        }
        // Same best and final state.
        auto sa = readJsonFile((a + "/summary.json").toStdString()), sb = readJsonFile((b + "/summary.json").toStdString());
        QCOMPARE(sb->value("best_step").toDouble(), sa->value("best_step").toDouble());
        QVERIFY(std::abs(sb->value("best_val_loss").toDouble() - sa->value("best_val_loss").toDouble()) < 1e-6);
    }

    // Ten SIGKILLs at random moments (steps, evaluations, checkpoint writes) of one run, each
    // followed by --resume: best and last always load, and the losses end exactly as an
    // uninterrupted run's.
    void sigkillAtTenRandomMomentsResumesExactly()
    {
        QTemporaryDir dir;
        const QString a = dir.path() + "/a", b = dir.path() + "/b";
        const QStringList common = {"--corpus", "demo", "--vocab-size", "400", "--block-size", "32", "--batch-size", "4",
                                    "--max-epochs", "8", "--patience", "100", "--threads", "1", "--seed", "5"};
        Proc full = runAzllm(QStringList{"train", "--run-dir", a} + common);
        QVERIFY2(full.code == 0, qPrintable(full.err));

        std::mt19937 rng(20261204);
        std::uniform_int_distribution<int> delayMs(100, 1500);
        QStringList args = QStringList{"train", "--run-dir", b} + common + QStringList{"--json"};
        int kills = 0;
        bool finished = false;
        for (int attempt = 0; attempt < 30 && kills < 10 && !finished; ++attempt) {
            QProcess p;
            p.start(azllmBinary(), args);
            QVERIFY(p.waitForStarted());
            // The first run is killed only after its first evaluation (before that there is
            // nothing to resume); resumed runs at any moment.
            if (kills == 0) {
                QByteArray buf;
                while (!buf.contains("\"event\":\"eval\"") && p.state() == QProcess::Running) {
                    p.waitForReadyRead(1000);
                    buf += p.readAllStandardOutput();
                }
            }
            const int wait = delayMs(rng);
            if (p.waitForFinished(wait)) {
                QVERIFY2(p.exitCode() == 0, qPrintable(QString::fromUtf8(p.readAllStandardError())));
                finished = true;
                break;
            }
            ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
            p.waitForFinished();
            ++kills;
            // Whatever the moment, both checkpoints are whole.
            for (const char* ck : {"best", "last"}) {
                auto c = readCheckpoint((b + "/checkpoints/" + ck).toStdString(), true);
                QVERIFY2(c.ok(), qPrintable(QString("kill %1 after %2 ms: %3").arg(kills).arg(wait).arg(QString::fromStdString(c.message()))));
            }
            // A kill during a checkpoint write leaves at most its own temporary folder; the next
            // write of that checkpoint removes it.
            QVERIFY2(QDir(b + "/checkpoints").entryList(QStringList{"*.tmp-*"}, QDir::AllEntries | QDir::Hidden).size() <= 2,
                     "temporary checkpoint folders pile up");
            args = {"train", "--resume", "--run-dir", b, "--json"};
        }
        QVERIFY2(kills >= 5, qPrintable(QString("only %1 kills landed before the run ended").arg(kills)));
        if (!finished) {
            Proc last = runAzllm({"train", "--resume", "--run-dir", b});
            QVERIFY2(last.code == 0, qPrintable(last.err));
        }
        QVERIFY(QDir(b + "/checkpoints").entryList(QStringList{"*.tmp-*"}, QDir::AllEntries | QDir::Hidden).isEmpty());
        const auto la = stepLosses(a), lb = stepLosses(b);
        QCOMPARE(lb.size(), la.size());
        for (auto it = la.begin(); it != la.end(); ++it)
            QVERIFY2(lb.contains(it.key()) && std::abs(lb[it.key()] - it.value()) <= 1e-6,
                     qPrintable(QString("after %1 kills, step %2: %3 vs %4").arg(kills).arg(it.key()).arg(lb.value(it.key())).arg(it.value())));
        auto sa = readJsonFile((a + "/summary.json").toStdString()), sb = readJsonFile((b + "/summary.json").toStdString());
        QCOMPARE(sb->value("best_step").toDouble(), sa->value("best_step").toDouble());
        qInfo("%d SIGKILLs, each resumed; losses equal the uninterrupted run's", kills);
    }

    void resumeRefusesConflictingFlagsAndDamagedCheckpoints()
    {
        QTemporaryDir dir;
        const QString run = dir.path() + "/run";
        Proc first = trainTwoEpochs(run);
        QVERIFY2(first.code == 0, qPrintable(first.err));

        Proc conflict = runAzllm({"train", "--resume", "--run-dir", run, "--learning-rate", "0.5", "--max-epochs", "4"});
        QCOMPARE(conflict.code, 2);
        QVERIFY(errorLine(conflict.err).contains("--learning-rate"));

        Proc finished = runAzllm({"train", "--resume", "--run-dir", run});
        QCOMPARE(finished.code, 1);
        QVERIFY(errorLine(finished.err).contains("--max-epochs"));

        // Truncate last/model.pt: a clear error, and best is untouched.
        const QString lastModel = run + "/checkpoints/last/model.pt";
        const QByteArray bestBefore = [&] { QFile f(run + "/checkpoints/best/model.pt"); f.open(QIODevice::ReadOnly); return f.readAll(); }();
        QFile f(lastModel);
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.resize(f.size() / 3);
        f.close();
        Proc damaged = runAzllm({"train", "--resume", "--run-dir", run, "--max-epochs", "4"});
        QCOMPARE(damaged.code, 1);
        QVERIFY2(errorLine(damaged.err).contains("damaged") || errorLine(damaged.err).contains("truncated"), qPrintable(damaged.err));
        QFile bestFile(run + "/checkpoints/best/model.pt");
        QVERIFY(bestFile.open(QIODevice::ReadOnly));
        QCOMPARE(bestFile.readAll(), bestBefore);
    }

    void fullDiskDuringCheckpointKeepsPreviousCheckpoints()
    {
        QTemporaryDir dir;
        const QString run = dir.path() + "/run";
        Proc first = trainTwoEpochs(run);
        QVERIFY2(first.code == 0, qPrintable(first.err));
        auto before = readJsonFile((run + "/checkpoints/last/trainer_state.json").toStdString());
        QVERIFY(before.ok());
        // Files larger than 64 KiB cannot be written (RLIMIT_FSIZE): model.pt is bigger than that.
        Proc full = runAzllm({"train", "--resume", "--run-dir", run, "--max-epochs", "4"}, 300000, /*limitFileSize=*/true);
        QCOMPARE(full.code, 1);
        QVERIFY2(errorLine(full.err).contains("disk space") || errorLine(full.err).contains("too large"), qPrintable(full.err));
        // The previous checkpoints still load and describe the same step; no temporary folders remain.
        auto last = readCheckpoint((run + "/checkpoints/last").toStdString(), true);
        QVERIFY2(last.ok(), last.message().c_str());
        QCOMPARE(last->trainerState.value("step").toDouble(), before->value("step").toDouble());
        QVERIFY(readCheckpoint((run + "/checkpoints/best").toStdString(), true).ok());
        QDir ck(run + "/checkpoints");
        QCOMPARE(ck.entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden).size(), 2);
    }

    void bf16AutocastFollowsTheFp32LossCurve()
    {
        // The same run in fp32 and in bf16 autocast: every validation loss within the stated
        // tolerance of 2% (docs/performance.md; measured 0.23% here, and within 0.05% for the
        // presets on a 9.5 MB corpus), the losses are not bit-identical (bf16 really ran), and
        // checkpoints and optimizer state stay fp32.
        QTemporaryDir dir;
        auto runOnce = [&](const std::string& name, const std::string& precision, const std::string& tokenizer,
                           std::vector<double>& vals, std::string& started) {
            RunSetup s = tinySetup(dir.path().toStdString() + "/" + name);
            s.train.precision = precision;
            s.tokenizerModel = tokenizer;
            // A learning rate in the stable regime: at tinySetup's 3e-3 this 32-dim model has a
            // loss spike in its first epoch that comes and goes with rounding (4% apart between
            // two equivalent AdamW implementations in bf16), which would test chaos, not bf16.
            s.train.learningRate = 1e-3;
            auto cfg = prepareRun(s, [](const std::string&) {});
            if (!cfg)
                return cfg.message();
            TrainControl control;
            auto r = train(*cfg, false, control, [&](const TrainEvent& e) {
                if (e.kind == TrainEvent::Kind::Eval)
                    vals.push_back(e.valLoss);
                if (e.kind == TrainEvent::Kind::Started)
                    started = e.message;
                return true;
            });
            return r ? std::string() : r.message();
        };
        std::vector<double> fp32, bf16;
        std::string started32, started16;
        std::string err = runOnce("fp32", "fp32", "", fp32, started32);
        QVERIFY2(err.empty(), err.c_str());
        const std::string tok = dir.path().toStdString() + "/fp32/tokenizer.model";
        err = runOnce("bf16", "bf16", tok, bf16, started16);
        QVERIFY2(err.empty(), err.c_str());
        QVERIFY(started16.find("bf16 autocast") != std::string::npos);
        QVERIFY(started32.find("bf16") == std::string::npos);
        QCOMPARE(bf16.size(), fp32.size());
        QVERIFY(fp32.size() >= 4);
        bool identical = true;
        double worst = 0;
        for (size_t i = 0; i < fp32.size(); ++i) {
            const double rel = std::abs(bf16[i] - fp32[i]) / fp32[i];
            worst = std::max(worst, rel);
            qInfo("eval %zu: fp32 %.5f bf16 %.5f", i, fp32[i], bf16[i]);
            QVERIFY2(rel < 0.02, qPrintable(QString("eval %1: fp32 %2, bf16 %3").arg(i).arg(fp32[i]).arg(bf16[i])));
            identical = identical && bf16[i] == fp32[i];
        }
        QVERIFY2(!identical, "bf16 produced bit-identical losses: autocast did not run");
        qInfo("bf16 vs fp32 validation loss: worst relative difference %.4f%% over %zu evaluations", 100 * worst, fp32.size());
        QVERIFY(fp32.back() < fp32.front()); // it learned
        auto saved = loadRunConfig(dir.path().toStdString() + "/bf16");
        QVERIFY(saved.ok());
        QCOMPARE(saved->train.precision, std::string("bf16"));
        auto ck = readCheckpoint(dir.path().toStdString() + "/bf16/checkpoints/best", true);
        QVERIFY2(ck.ok(), ck.message().c_str());
        for (const auto& [name, t] : ck->model)
            QVERIFY2(t.scalar_type() == at::kFloat, name.c_str());
        QVERIFY(!ck->optimizer.empty());
        for (const auto& [name, t] : ck->optimizer)
            QVERIFY2(t.scalar_type() == at::kFloat || t.scalar_type() == at::kLong || t.scalar_type() == at::kDouble, name.c_str());

        // The command line: a resume may switch precision (weights stay fp32); other values are refused.
        const QString run = dir.path() + "/bf16";
        Proc bad = runAzllm({"train", "--corpus", "demo", "--run-dir", dir.path() + "/x", "--precision", "fp16"});
        QCOMPARE(bad.code, 2);
        QVERIFY2(errorLine(bad.err).contains("precision must be fp32 or bf16"), qPrintable(bad.err));
        QVERIFY(!QFileInfo::exists(dir.path() + "/x"));
        Proc info = runAzllm({"info", run});
        QVERIFY2(info.code == 0 && info.out.contains("bf16 autocast"), qPrintable(info.out));
        Proc resumed = runAzllm({"train", "--resume", "--run-dir", run, "--max-epochs", "5", "--precision", "fp32"});
        QVERIFY2(resumed.code == 0, qPrintable(resumed.err));
        saved = loadRunConfig(run.toStdString());
        QVERIFY(saved.ok());
        QCOMPARE(saved->train.precision, std::string("fp32"));
        QCOMPARE(saved->train.maxEpochs, int64_t(5));
    }

    void corpusTooSmallForBlockIsAClearError()
    {
        QTemporaryDir dir;
        QFile f(dir.path() + "/small.txt");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("Salam dünya.\nBu çox qısa mətndir.\n");
        f.close();
        auto s = tinySetup(dir.path().toStdString() + "/run");
        s.corpusPath = (dir.path() + "/small.txt").toStdString();
        s.tokenizer.vocabSize = 300;
        s.tokenizer.hardVocabLimit = false;
        s.model.blockSize = 256;
        auto cfg = prepareRun(s, [](const std::string&) {});
        QVERIFY(!cfg.ok());
        QVERIFY2(QString::fromStdString(cfg.message()).contains("block size"), cfg.message().c_str());
    }
};

QTEST_GUILESS_MAIN(TestTrainer)
#include "tst_trainer.moc"
