// Data-parallel training on localhost: several real `azllm train` processes joined through
// c10d (TCPStore + Gloo), launched with plain environment variables and with torchrun.
#include "checkpoint.h"
#include "testutil.h"

#include <ATen/ATen.h>
#include <torch/cuda.h>

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QtTest/QtTest>

#include <arpa/inet.h>
#include <csignal>
#include <memory>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace azllm;
using namespace azllm::test;

namespace {

// A TCP port free on loopback right now (the kernel picks it).
int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

// One `azllm train` process per rank, with torchrun's variables set by hand.
class Group {
public:
    Group(int world, const QStringList& args, const QMap<QString, QString>& extraEnv = {})
    {
        const QString port = QString::number(freePort());
        for (int r = 0; r < world; ++r) {
            auto p = std::make_unique<QProcess>();
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert("WORLD_SIZE", QString::number(world));
            env.insert("RANK", QString::number(r));
            env.insert("LOCAL_RANK", QString::number(r));
            env.insert("LOCAL_WORLD_SIZE", QString::number(world));
            env.insert("MASTER_ADDR", "127.0.0.1");
            env.insert("MASTER_PORT", port);
            for (auto it = extraEnv.begin(); it != extraEnv.end(); ++it)
                env.insert(it.key(), it.value());
            p->setProcessEnvironment(env);
            p->start(azllmBinary(), args);
            m_procs.push_back(std::move(p));
        }
    }
    ~Group()
    {
        for (auto& p : m_procs)
            if (p->state() != QProcess::NotRunning) {
                p->kill();
                p->waitForFinished(5000);
            }
    }
    QProcess& operator[](int r) { return *m_procs[static_cast<size_t>(r)]; }
    // Waits for every rank; true when all exited normally within timeoutMs.
    bool wait(int timeoutMs = 300000)
    {
        QElapsedTimer t;
        t.start();
        for (auto& p : m_procs)
            if (!p->waitForFinished(std::max<int>(1, timeoutMs - static_cast<int>(t.elapsed()))))
                return false;
        return true;
    }
    int code(int r) { return (*this)[r].exitStatus() == QProcess::NormalExit ? (*this)[r].exitCode() : -1; }
    QString out(int r)
    {
        m_out[r] += QString::fromUtf8((*this)[r].readAllStandardOutput());
        return m_out[r];
    }
    QString err(int r)
    {
        m_err[r] += QString::fromUtf8((*this)[r].readAllStandardError());
        return m_err[r];
    }
    // Waits until rank r has printed needle on stdout.
    bool waitForOutput(int r, const QString& needle, int timeoutMs = 120000)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            if (out(r).contains(needle))
                return true;
            if ((*this)[r].state() == QProcess::NotRunning)
                return out(r).contains(needle);
            (*this)[r].waitForReadyRead(200);
        }
        return false;
    }
    QString describe()
    {
        QString s;
        for (int r = 0; r < static_cast<int>(m_procs.size()); ++r)
            s += QString("--- rank %1 (exit %2)\n%3%4").arg(r).arg(code(r)).arg(out(r), err(r));
        return s;
    }

private:
    std::vector<std::unique_ptr<QProcess>> m_procs;
    QMap<int, QString> m_out, m_err;
};

// metrics.csv rows as (step, train loss or NaN, val loss or NaN).
struct Row {
    int step;
    double train, val;
};
std::vector<Row> metrics(const QString& run)
{
    std::vector<Row> rows;
    const QStringList lines = QString::fromUtf8(readAll(run + "/metrics.csv")).split('\n', Qt::SkipEmptyParts);
    for (int i = 1; i < lines.size(); ++i) {
        const QStringList f = lines[i].split(',');
        rows.push_back({f[0].toInt(), f[3].isEmpty() ? std::nan("") : f[3].toDouble(), f[4].isEmpty() ? std::nan("") : f[4].toDouble()});
    }
    return rows;
}

// Largest |a - b| over the tensors of two checkpoints (model, and optimizer when asked).
double maxDiff(const QString& a, const QString& b, bool optimizer, QString* detail = nullptr)
{
    auto ca = readCheckpoint(a.toStdString(), optimizer);
    auto cb = readCheckpoint(b.toStdString(), optimizer);
    if (!ca || !cb) {
        if (detail)
            *detail = QString::fromStdString(ca ? cb.message() : ca.message());
        return INFINITY;
    }
    double worst = 0;
    auto cmp = [&](const TensorMap& x, const TensorMap& y) {
        if (x.size() != y.size())
            worst = INFINITY;
        for (const auto& kv : x) {
            auto it = y.find(kv.first);
            if (it == y.end() || it->second.sizes() != kv.second.sizes()) {
                worst = INFINITY;
                continue;
            }
            const double d = (kv.second.to(at::kDouble) - it->second.to(at::kDouble)).abs().max().item<double>();
            if (d > worst && detail)
                *detail = QString::fromStdString(kv.first);
            worst = std::max(worst, d);
        }
    };
    cmp(ca->model, cb->model);
    if (optimizer)
        cmp(ca->optimizer, cb->optimizer);
    return worst;
}

} // namespace

class TestDistributed : public QObject {
    Q_OBJECT

    TempDir m_dir;
    QString m_tok, m_config;
    QStringList common(const QString& runDir, int batch, int maxSteps, double dropout = 0.0)
    {
        // A fixed learning-rate decay length: the schedule must not depend on --max-steps, so a
        // run stopped at step 6 and resumed to 10 follows the same curve as one run to 10.
        return {"train", "--corpus", "demo", "--tokenizer", m_tok, "--config", m_config, "--preset", "tiny", "--block-size", "32", "--threads", "1",
                "--seed", "5", "--eval-every", "4", "--grad-accum", "2", "--learning-rate", "3e-3", "--warmup-steps", "2",
                "--dropout", QString::number(dropout), "--batch-size", QString::number(batch), "--max-steps",
                QString::number(maxSteps), "--run-dir", runDir};
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_tok = m_dir.file("tok.model");
        m_config = m_dir.write("decay.json", R"({"train": {"lr_decay_steps": 40}})");
        auto r = runAzllm({"tokenizer", "train", "--corpus", "demo", "--vocab-size", "400", "--out", m_tok});
        QVERIFY2(r.code == 0, qPrintable(r.err));
    }

    // The central promise: two processes with batch B per rank end with the same weights,
    // optimizer moments and losses as one process with batch 2B.
    void twoRanksEqualOneProcessWithDoubleBatch()
    {
        const QString single = m_dir.file("single"), dual = m_dir.file("dual");
        auto r = runAzllm(common(single, 8, 8));
        QVERIFY2(r.code == 0, qPrintable(r.err));
        Group g(2, common(dual, 4, 8));
        QVERIFY2(g.wait(), qPrintable(g.describe()));
        QCOMPARE(g.code(0), 0);
        QCOMPARE(g.code(1), 0);
        QVERIFY2(g.out(1).contains("rank 1 of 2: stopped at step 8 (max_steps)"), qPrintable(g.out(1)));
        QVERIFY(g.out(0).contains("batch 4x2x2 ranks"));

        QString what;
        const double d = maxDiff(single + "/checkpoints/last", dual + "/checkpoints/last", true, &what);
        QVERIFY2(d < 1e-5, qPrintable(QString("largest difference %1 in %2").arg(d).arg(what)));
        const auto a = metrics(single), b = metrics(dual);
        QCOMPARE(a.size(), b.size());
        QCOMPARE(a.size(), size_t(10)); // 8 steps + 2 evaluations
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].step, b[i].step);
            QVERIFY2(std::abs(a[i].train - b[i].train) < 1e-5, qPrintable(QString("step %1: %2 vs %3").arg(a[i].step).arg(a[i].train).arg(b[i].train)));
            if (!std::isnan(a[i].val))
                QVERIFY(std::abs(a[i].val - b[i].val) < 1e-5);
        }
        // Only rank 0 wrote: the run has one metrics file, best and last, and a summary.
        QVERIFY(QFile::exists(dual + "/summary.json"));
        QVERIFY(QFile::exists(dual + "/checkpoints/best/model.pt"));
        QVERIFY(QString::fromUtf8(readAll(dual + "/checkpoints/last/trainer_state.json")).contains("\"world_size\": 2"));
    }

    // Resume with the same world size continues exactly (dropout on: each rank's masks come
    // from (seed, rank, step)); another world size is refused with what to do.
    void resumeWithSameWorldSize()
    {
        const QString whole = m_dir.file("whole"), parts = m_dir.file("parts");
        {
            Group g(2, common(whole, 4, 10, 0.1));
            QVERIFY2(g.wait() && g.code(0) == 0 && g.code(1) == 0, qPrintable(g.describe()));
        }
        {
            Group g(2, common(parts, 4, 6, 0.1));
            QVERIFY2(g.wait() && g.code(0) == 0 && g.code(1) == 0, qPrintable(g.describe()));
        }
        auto one = runAzllm({"train", "--resume", "--max-steps", "10", "--run-dir", parts});
        QCOMPARE(one.code, 1);
        QVERIFY2(errorLine(one.err).contains("trained by 2 process(es)") && one.err.contains("WORLD_SIZE=2"), qPrintable(one.err));
        {
            Group g(2, {"train", "--resume", "--max-steps", "10", "--run-dir", parts});
            QVERIFY2(g.wait() && g.code(0) == 0 && g.code(1) == 0, qPrintable(g.describe()));
            QVERIFY(g.out(0).contains("resuming at step 6"));
        }
        QString what;
        const double d = maxDiff(whole + "/checkpoints/last", parts + "/checkpoints/last", true, &what);
        QVERIFY2(d < 1e-6, qPrintable(QString("largest difference %1 in %2").arg(d).arg(what)));
        // The same per-step losses; parts has one more evaluation (at its stop, step 6).
        auto a = metrics(whole), b = metrics(parts);
        QCOMPARE(b.size(), a.size() + 1);
        const auto extra = std::find_if(b.begin(), b.end(), [](const Row& r) { return r.step == 6 && !std::isnan(r.val); });
        QVERIFY(extra != b.end());
        b.erase(extra);
        for (size_t i = 0; i < a.size(); ++i)
            QVERIFY2(a[i].step == b[i].step && std::abs(a[i].train - b[i].train) < 1e-6 &&
                         (std::isnan(a[i].val) ? std::isnan(b[i].val) : std::abs(a[i].val - b[i].val) < 1e-6),
                     qPrintable(QString("row %1 (step %2)").arg(i).arg(a[i].step)));
    }

    // A rank that dies closes its connections: the others stop with a clear error at once
    // (bounded by the timeout for a rank that hangs), and what rank 0 saved stays loadable.
    void killedRankMakesTheOthersExit_data()
    {
        QTest::addColumn<int>("victim");
        QTest::addColumn<int>("signal");
        QTest::newRow("rank 1 killed") << 1 << SIGKILL;
        QTest::newRow("rank 0 killed") << 0 << SIGKILL;
        QTest::newRow("rank 1 hangs") << 1 << SIGSTOP;
    }
    void killedRankMakesTheOthersExit()
    {
        QFETCH(int, victim);
        QFETCH(int, signal);
        const QString run = m_dir.file(QString("killed-%1-%2").arg(victim).arg(signal));
        QStringList args = common(run, 4, 1000000);
        args << "--json";
        Group g(2, args, {{"AZLLM_DIST_TIMEOUT", "4"}});
        QVERIFY2(g.waitForOutput(0, "\"event\":\"eval\""), qPrintable(g.describe()));
        ::kill(static_cast<pid_t>(g[victim].processId()), signal);
        const int survivor = 1 - victim;
        QElapsedTimer t;
        t.start();
        QVERIFY2(g[survivor].waitForFinished(60000), "the surviving rank did not exit within 60 s");
        const qint64 ms = t.elapsed();
        if (signal == SIGSTOP)
            ::kill(static_cast<pid_t>(g[victim].processId()), SIGKILL);
        QCOMPARE(g.code(survivor), 1);
        const QString err = errorLine(g.err(survivor));
        QVERIFY2(err.contains(QString("rank %1 lost contact with the other ranks").arg(survivor)) && err.contains("--resume"),
                 qPrintable(g.describe()));
        QVERIFY2(ms < (signal == SIGSTOP ? 30000 : 10000), qPrintable(QString("took %1 ms").arg(ms)));
        if (victim != 0) {
            QVERIFY(readCheckpoint((run + "/checkpoints/best").toStdString(), false).ok());
            QVERIFY(readCheckpoint((run + "/checkpoints/last").toStdString(), true).ok());
        }
    }

    // Ctrl+C on any one rank stops the whole group after the same step; `last` records it.
    void interruptStopsEveryRankAtTheSameStep()
    {
        const QString run = m_dir.file("interrupted");
        QStringList args = common(run, 4, 1000000);
        args << "--json";
        Group g(2, args);
        QVERIFY2(g.waitForOutput(0, "\"event\":\"step\""), qPrintable(g.describe()));
        ::kill(static_cast<pid_t>(g[1].processId()), SIGINT);
        QVERIFY2(g.wait(60000), qPrintable(g.describe()));
        QCOMPARE(g.code(0), 0);
        QCOMPARE(g.code(1), 0);
        const QRegularExpression stopStep("\"stop_step\":(\\d+)");
        const auto m0 = stopStep.match(g.out(0)), m1 = stopStep.match(g.out(1));
        QVERIFY2(m0.hasMatch() && m1.hasMatch(), qPrintable(g.describe()));
        QCOMPARE(m0.captured(1), m1.captured(1));
        QVERIFY(g.out(0).contains("\"stop_reason\":\"user\""));
        const QString state = QString::fromUtf8(readAll(run + "/checkpoints/last/trainer_state.json"));
        QVERIFY2(state.contains("\"step\": " + m0.captured(1)), qPrintable(state.left(300)));
    }

    // What rank 0 fails on (here: nothing to resume) reaches every rank as its error.
    void rankZeroFailureReachesEveryRank()
    {
        Group g(2, {"train", "--resume", "--run-dir", m_dir.file("no-such-run")});
        QVERIFY2(g.wait(60000), qPrintable(g.describe()));
        QCOMPARE(g.code(0), 1);
        QCOMPARE(g.code(1), 1);
        QVERIFY2(errorLine(g.err(0)).contains("does not exist"), qPrintable(g.describe()));
        QVERIFY2(errorLine(g.err(1)).contains("rank 0 failed: cannot resume") && errorLine(g.err(1)).contains("does not exist"),
                 qPrintable(g.describe()));
    }

    // Bad variables and an unavailable device are usage errors that say what to set.
    void badEnvironmentAndDevice_data()
    {
        QTest::addColumn<QStringList>("env");
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<QString>("message");
        QTest::newRow("rank too large") << QStringList{"WORLD_SIZE=2", "RANK=2", "MASTER_ADDR=127.0.0.1"} << QStringList{}
                                        << "RANK='2' is not an integer in [0, 1]";
        QTest::newRow("no master address") << QStringList{"WORLD_SIZE=2", "RANK=0"} << QStringList{} << "MASTER_ADDR is not set";
        QTest::newRow("no rank") << QStringList{"WORLD_SIZE=3", "MASTER_ADDR=127.0.0.1"} << QStringList{} << "RANK is not set";
        QTest::newRow("bad port") << QStringList{"WORLD_SIZE=2", "RANK=0", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=http"}
                                  << QStringList{} << "MASTER_PORT='http'";
        QTest::newRow("bad world size") << QStringList{"WORLD_SIZE=two"} << QStringList{} << "WORLD_SIZE='two'";
        QTest::newRow("unknown device") << QStringList{} << QStringList{"--device", "tpu"} << "--device must be cpu or cuda";
        if (!torch::cuda::is_available())
            QTest::newRow("cuda without a CUDA LibTorch") << QStringList{} << QStringList{"--device", "cuda"}
                                                          << "this LibTorch has no CUDA support";
    }
    void badEnvironmentAndDevice()
    {
        QFETCH(QStringList, env);
        QFETCH(QStringList, extra);
        QFETCH(QString, message);
        QProcess p;
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        for (const char* v : {"WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"})
            e.remove(v);
        for (const QString& kv : env)
            e.insert(kv.section('=', 0, 0), kv.section('=', 1));
        p.setProcessEnvironment(e);
        p.start(azllmBinary(), common(m_dir.file("env-run"), 4, 2) + extra);
        QVERIFY(p.waitForFinished(60000));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QCOMPARE(p.exitCode(), 2);
        QVERIFY2(errorLine(err).contains(message), qPrintable(err));
        QVERIFY(!QFileInfo::exists(m_dir.file("env-run")));
    }

    // torchrun (Debian's python3-torch) launches the same binary: --standalone (rank 0 hosts the
    // store) and the static rendezvous of --master_addr/--master_port (torchrun's agent hosts it
    // and the ranks connect through its "/worker/attempt_N" prefix).
    void torchrunLaunchesTheGroup_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::newRow("standalone") << "standalone";
        QTest::newRow("static rendezvous, agent store") << "static";
    }
    void torchrunLaunchesTheGroup()
    {
        QFETCH(QString, mode);
        const QString torchrun = QStandardPaths::findExecutable("torchrun");
        if (torchrun.isEmpty())
            QSKIP("torchrun not installed (Debian package python3-torch)");
        const QString run = m_dir.file("torchrun-" + mode), ref = m_dir.file("torchrun-ref-" + mode);
        // torchrun sets OMP_NUM_THREADS=1, which OpenBLAS also reads (its GEMMs then sum in
        // another order): the one-process reference runs with the same setting.
        const QByteArray omp = qgetenv("OMP_NUM_THREADS");
        qputenv("OMP_NUM_THREADS", "1");
        auto r = runAzllm(common(ref, 8, 4));
        if (omp.isNull())
            qunsetenv("OMP_NUM_THREADS");
        else
            qputenv("OMP_NUM_THREADS", omp);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        // Debian 12's torchrun (torch 1.13, Python 3.11) spells its flags with underscores and
        // needs -r/-t set: its default redirect setting fails on Python 3.11.
        QStringList args{"--no_python", "--nproc_per_node", "2", "-r", "2", "-t", "2"};
        if (mode == "standalone")
            args << "--standalone";
        else
            args << "--nnodes" << "1" << "--node_rank" << "0" << "--master_addr" << "127.0.0.1" << "--master_port"
                 << QString::number(freePort());
        args << azllmBinary();
        args += common(run, 4, 4);
        auto t = runProgram(torchrun, args, {}, 300000);
        QVERIFY2(t.code == 0, qPrintable(t.out + t.err));
        QVERIFY2(t.out.contains("rank 1 of 2: stopped at step 4"), qPrintable(t.out));
        if (mode == "static")
            QVERIFY2(t.out.contains("(torchrun agent)"), qPrintable(t.out));
        QString what;
        const double d = maxDiff(ref + "/checkpoints/last", run + "/checkpoints/last", false, &what);
        QVERIFY2(d < 1e-5, qPrintable(QString("largest difference %1 in %2").arg(d).arg(what)));
    }
};

QTEST_GUILESS_MAIN(TestDistributed)
#include "tst_distributed.moc"
