// Tests for core/earlystopping.cpp: the improved / waiting / stop decisions on hand-written
// validation-loss sequences (ties, min_delta edges, NaN and infinity, patience 0, the stop
// threshold) and a restart through saveState/restoreState. No tensors, files or training.
#include "earlystopping.h"

#include <QJsonDocument>
#include <QtTest>

#include <cmath>
#include <limits>
#include <vector>

using azllm::EarlyStopping;
using azllm::EarlyStoppingConfig;
using azllm::StopReason;
using Decision = EarlyStopping::Decision;

Q_DECLARE_METATYPE(std::vector<double>)

namespace {
const char* decisionName(Decision d)
{
    switch (d) {
    case Decision::Improved: return "Improved";
    case Decision::Waiting: return "Waiting";
    case Decision::Stop: return "Stop";
    }
    return "?";
}
QString reasonName(StopReason r)
{
    return QString::fromStdString(azllm::toString(r));
}
} // namespace

// Readable QCOMPARE failures ("Waiting" instead of an integer). StopReason is compared by name
// (reasonName) instead: ADL would pick azllm::toString(StopReason), which returns std::string.
namespace QTest {
template <>
char* toString(const Decision& d)
{
    return qstrdup(decisionName(d));
}
} // namespace QTest

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

EarlyStoppingConfig config(int patience, double minDelta = 0.0, double stopThreshold = kNaN)
{
    EarlyStoppingConfig c;
    c.patience = patience;
    c.minDelta = minDelta;
    c.stopThreshold = stopThreshold;
    return c;
}

// "Improved Waiting Stop": a sequence of decisions that QCOMPARE can print.
QString names(const std::vector<Decision>& ds)
{
    QStringList out;
    for (Decision d : ds)
        out << QString::fromLatin1(decisionName(d));
    return out.join(' ');
}

// Feeds losses at steps 100, 200, ... and returns the decisions.
std::vector<Decision> feed(EarlyStopping& es, const std::vector<double>& losses, int64_t firstStep = 100)
{
    std::vector<Decision> out;
    int64_t step = firstStep;
    for (double v : losses) {
        out.push_back(es.update(v, step));
        step += 100;
    }
    return out;
}

} // namespace

class TestEarlyStopping : public QObject {
    Q_OBJECT

private slots:
    void defaultsMatchTheDesign()
    {
        EarlyStopping es;
        QCOMPARE(es.patience(), 3);
        QCOMPARE(es.config().minDelta, 0.0);
        QVERIFY(std::isnan(es.config().stopThreshold));
        QCOMPARE(es.bestStep(), int64_t(-1));
        QCOMPARE(es.wait(), 0);
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::None));
    }

    void strictlyDecreasingLossNeverStops()
    {
        EarlyStopping es(config(3));
        double loss = 10.0;
        for (int i = 1; i <= 200; ++i) {
            loss *= 0.97;
            QCOMPARE(es.update(loss, i), Decision::Improved);
            QVERIFY(es.improvedOnLastUpdate());
            QCOMPARE(es.wait(), 0);
        }
        QCOMPARE(es.best(), loss);
        QCOMPARE(es.bestStep(), int64_t(200));
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::None));
    }

    void firstFiniteLossAlwaysImproves()
    {
        EarlyStopping es(config(3, /*minDelta=*/0.5));
        QCOMPARE(es.update(1e30, 7), Decision::Improved);
        QCOMPARE(es.best(), 1e30);
        QCOMPARE(es.bestStep(), int64_t(7));
    }

    void patienceThreeStopsExactlyAtThirdNonImprovingEvaluation()
    {
        EarlyStopping es(config(3));
        const auto d = feed(es, {3.0, 2.0, 2.5, 2.4, 2.1});
        const std::vector<Decision> expected = {Decision::Improved, Decision::Improved, Decision::Waiting,
                                                Decision::Waiting, Decision::Stop};
        QCOMPARE(names(d), names(expected));
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::Patience));
        QCOMPARE(es.best(), 2.0);
        QCOMPARE(es.bestStep(), int64_t(200));
        QCOMPARE(es.wait(), 3);
        QVERIFY(!es.improvedOnLastUpdate());
    }

    void waitCounterReportsEachNonImprovingEvaluation()
    {
        EarlyStopping es(config(4));
        es.update(1.0, 1);
        QCOMPARE(es.update(1.5, 2), Decision::Waiting);
        QCOMPARE(es.wait(), 1);
        QCOMPARE(es.update(1.2, 3), Decision::Waiting);
        QCOMPARE(es.wait(), 2);
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::None));
    }

    void improvementResetsThePatienceCounter()
    {
        EarlyStopping es(config(3));
        const auto d = feed(es, {3.0, 3.1, 3.2, 2.9, 3.0, 3.0, 3.0});
        const std::vector<Decision> expected = {Decision::Improved, Decision::Waiting, Decision::Waiting,
                                                Decision::Improved, Decision::Waiting, Decision::Waiting,
                                                Decision::Stop};
        QCOMPARE(names(d), names(expected));
        QCOMPARE(es.best(), 2.9);
        QCOMPARE(es.bestStep(), int64_t(400));
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::Patience));
    }

    void equalLossIsNotAnImprovement()
    {
        EarlyStopping es(config(3));
        const auto d = feed(es, {2.0, 2.0, 2.0, 2.0});
        const std::vector<Decision> expected = {Decision::Improved, Decision::Waiting, Decision::Waiting,
                                                Decision::Stop};
        QCOMPARE(names(d), names(expected));
        QCOMPARE(es.bestStep(), int64_t(100)); // the first of the tied values stays the best
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::Patience));
    }

    void minDeltaBoundary_data()
    {
        QTest::addColumn<double>("minDelta");
        QTest::addColumn<double>("next");
        QTest::addColumn<bool>("improves");
        // best is 2.0; all values are exact in binary floating point.
        QTest::newRow("improvement of exactly min_delta is not one") << 0.25 << 1.75 << false;
        QTest::newRow("slightly more than min_delta improves") << 0.25 << std::nextafter(1.75, 0.0) << true;
        QTest::newRow("less than min_delta is not one") << 0.25 << 1.875 << false;
        QTest::newRow("min_delta 0: any decrease improves") << 0.0 << std::nextafter(2.0, 0.0) << true;
        QTest::newRow("min_delta 0: equal is not one") << 0.0 << 2.0 << false;
    }

    void minDeltaBoundary()
    {
        QFETCH(double, minDelta);
        QFETCH(double, next);
        QFETCH(bool, improves);
        EarlyStopping es(config(3, minDelta));
        QCOMPARE(es.update(2.0, 10), Decision::Improved);
        QCOMPARE(es.update(next, 20), improves ? Decision::Improved : Decision::Waiting);
        QCOMPARE(es.improvedOnLastUpdate(), improves);
        QCOMPARE(es.best(), improves ? next : 2.0);
        QCOMPARE(es.bestStep(), improves ? int64_t(20) : int64_t(10));
        QCOMPARE(es.wait(), improves ? 0 : 1);
    }

    void smallImprovementsBelowMinDeltaStillRunOutPatience()
    {
        // Creeping down by less than min_delta each time is a plateau, not progress.
        EarlyStopping es(config(3, /*minDelta=*/0.25));
        const auto d = feed(es, {2.0, 1.875, 1.8125, 1.78125});
        const std::vector<Decision> expected = {Decision::Improved, Decision::Waiting, Decision::Waiting,
                                                Decision::Stop};
        QCOMPARE(names(d), names(expected));
        QCOMPARE(es.best(), 2.0);
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::Patience));
    }

    void nanOnFirstEvaluationStopsAsDiverged()
    {
        EarlyStopping es(config(3));
        QCOMPARE(es.update(kNaN, 100), Decision::Stop);
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::Diverged));
        QCOMPARE(es.bestStep(), int64_t(-1)); // nothing to restore
        QVERIFY(std::isinf(es.best()));
        QVERIFY(!es.improvedOnLastUpdate());
    }

    void nanAfterABestStopsAsDivergedAndKeepsTheBest()
    {
        EarlyStopping es(config(3));
        QCOMPARE(es.update(2.0, 100), Decision::Improved);
        QCOMPARE(es.update(1.5, 200), Decision::Improved);
        QCOMPARE(es.update(1.7, 300), Decision::Waiting);
        QCOMPARE(es.update(kNaN, 400), Decision::Stop);
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::Diverged));
        QCOMPARE(es.best(), 1.5);
        QCOMPARE(es.bestStep(), int64_t(200));
    }

    void nonFiniteLossDiverges_data()
    {
        QTest::addColumn<double>("loss");
        QTest::newRow("+inf") << kInf;
        QTest::newRow("-inf") << -kInf;
        QTest::newRow("nan") << kNaN;
    }

    void nonFiniteLossDiverges()
    {
        QFETCH(double, loss);
        // Patience 0 and a threshold must not mask divergence.
        EarlyStopping es(config(0, 0.0, /*stopThreshold=*/0.5));
        QCOMPARE(es.update(3.0, 1), Decision::Improved);
        QCOMPARE(es.update(loss, 2), Decision::Stop);
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::Diverged));
        QCOMPARE(es.best(), 3.0);
        QCOMPARE(es.bestStep(), int64_t(1));
    }

    void patienceZeroNeverStopsOnPatience()
    {
        EarlyStopping es(config(0));
        QCOMPARE(es.update(1.0, 0), Decision::Improved);
        for (int i = 1; i <= 500; ++i)
            QCOMPARE(es.update(2.0 + i, i), Decision::Waiting);
        QCOMPARE(es.wait(), 500);
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::None));
        QCOMPARE(es.best(), 1.0);
    }

    void patienceOneStopsAtFirstNonImprovingEvaluation()
    {
        EarlyStopping es(config(1));
        QCOMPARE(es.update(1.0, 1), Decision::Improved);
        QCOMPARE(es.update(0.5, 2), Decision::Improved);
        QCOMPARE(es.update(0.5, 3), Decision::Stop);
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::Patience));
    }

    void thresholdStopsWhenReachedByAnImprovement()
    {
        EarlyStopping es(config(3, 0.0, /*stopThreshold=*/1.0));
        QCOMPARE(es.update(2.0, 100), Decision::Improved);
        QCOMPARE(es.update(1.5, 200), Decision::Improved);
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::None));
        QCOMPARE(es.update(0.9, 300), Decision::Stop);
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::Threshold));
        QVERIFY(es.improvedOnLastUpdate()); // the stopping evaluation is also the new best
        QCOMPARE(es.best(), 0.9);
        QCOMPARE(es.bestStep(), int64_t(300));
    }

    void thresholdIsInclusive()
    {
        EarlyStopping es(config(3, 0.0, /*stopThreshold=*/1.0));
        QCOMPARE(es.update(1.0, 5), Decision::Stop);
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::Threshold));
        QCOMPARE(es.bestStep(), int64_t(5));
    }

    void thresholdStopsEvenWithoutAnImprovementBeyondMinDelta()
    {
        // 1.0 is not better than 1.2 by more than min_delta 0.5, but it is at the threshold.
        EarlyStopping es(config(3, /*minDelta=*/0.5, /*stopThreshold=*/1.0));
        QCOMPARE(es.update(1.2, 1), Decision::Improved);
        QCOMPARE(es.update(1.0, 2), Decision::Stop);
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::Threshold));
        QVERIFY(!es.improvedOnLastUpdate());
        QCOMPARE(es.best(), 1.2);
        QCOMPARE(es.bestStep(), int64_t(1));
    }

    void restartFromSavedStateMakesTheSameDecisions_data()
    {
        QTest::addColumn<int>("patience");
        QTest::addColumn<double>("minDelta");
        QTest::addColumn<std::vector<double>>("losses");
        QTest::newRow("plateau then stop") << 3 << 0.0
                                           << std::vector<double>{4.0, 3.5, 3.2, 3.3, 3.1, 3.1, 3.15, 3.2, 3.3};
        QTest::newRow("min_delta 0.25") << 2 << 0.25
                                        << std::vector<double>{4.0, 3.875, 3.5, 3.375, 3.25, 3.0, 3.0, 2.5, 2.5, 2.5};
        QTest::newRow("patience 0 runs to the end") << 0 << 0.0
                                                    << std::vector<double>{2.0, 2.5, 1.0, 1.5, 1.5, 0.5, 0.75};
        QTest::newRow("divergence after a restart") << 3 << 0.0 << std::vector<double>{2.0, 1.0, 1.5, kNaN};
    }

    void restartFromSavedStateMakesTheSameDecisions()
    {
        QFETCH(int, patience);
        QFETCH(double, minDelta);
        QFETCH(std::vector<double>, losses);
        const EarlyStoppingConfig cfg = config(patience, minDelta);

        // The uninterrupted run, up to and including its stop.
        size_t stopAt = losses.size();
        {
            EarlyStopping probe(cfg);
            const auto all = feed(probe, losses);
            for (size_t i = 0; i < all.size(); ++i)
                if (all[i] == Decision::Stop) {
                    stopAt = i + 1;
                    break;
                }
        }
        losses.resize(stopAt);
        EarlyStopping ref(cfg);
        const std::vector<Decision> refDecisions = feed(ref, losses);

        // Interrupted after every possible evaluation (including before the first one).
        for (size_t cut = 0; cut < stopAt; ++cut) {
            EarlyStopping first(cfg);
            std::vector<Decision> got = feed(first, std::vector<double>(losses.begin(), losses.begin() + cut));
            // Through JSON text, as trainer_state.json stores it.
            const QByteArray saved = QJsonDocument(first.saveState()).toJson();
            EarlyStopping resumed(cfg);
            QVERIFY2(resumed.restoreState(QJsonDocument::fromJson(saved).object()), saved.constData());
            QCOMPARE(resumed.best(), first.best());
            QCOMPARE(resumed.bestStep(), first.bestStep());
            QCOMPARE(resumed.wait(), first.wait());
            QCOMPARE(reasonName(resumed.reason()), reasonName(first.reason()));
            const auto rest = feed(resumed, std::vector<double>(losses.begin() + cut, losses.begin() + stopAt),
                                   100 + 100 * int64_t(cut));
            got.insert(got.end(), rest.begin(), rest.end());
            QCOMPARE(names(got), names(refDecisions));
            QCOMPARE(resumed.best(), ref.best());
            QCOMPARE(resumed.bestStep(), ref.bestStep());
            QCOMPARE(resumed.wait(), ref.wait());
            QCOMPARE(reasonName(resumed.reason()), reasonName(ref.reason()));
        }
    }

    void savedStateRecordsStopReason()
    {
        EarlyStopping es(config(1));
        feed(es, {1.0, 1.0});
        QCOMPARE(reasonName(es.reason()), reasonName(StopReason::Patience));
        const QJsonObject o = es.saveState();
        QCOMPARE(o.value("reason").toString(), QStringLiteral("patience"));
        QCOMPARE(o.value("best_val_loss").toDouble(), 1.0);
        QCOMPARE(o.value("best_step").toDouble(), 100.0);
        EarlyStopping restored(config(1));
        QVERIFY(restored.restoreState(o));
        QCOMPARE(reasonName(restored.reason()), reasonName(StopReason::Patience));
    }

    void stateBeforeAnyEvaluationRestoresAsEmpty()
    {
        const QJsonObject o = EarlyStopping(config(3)).saveState();
        QVERIFY(o.value("best_val_loss").isNull()); // +inf is not valid JSON
        EarlyStopping es(config(3));
        es.update(5.0, 1);
        QVERIFY(es.restoreState(o));
        QVERIFY(std::isinf(es.best()));
        QCOMPARE(es.bestStep(), int64_t(-1));
        QCOMPARE(es.update(9.0, 2), Decision::Improved); // first value after restore still improves
    }

    void malformedStateIsRefused_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("empty object") << QByteArray("{}");
        QTest::newRow("no wait") << QByteArray(R"({"best_step": 3, "best_val_loss": 1.0})");
        QTest::newRow("best_step not a number") << QByteArray(R"({"best_step": "3", "wait": 0})");
    }

    void malformedStateIsRefused()
    {
        QFETCH(QByteArray, json);
        EarlyStopping es(config(3));
        es.update(2.0, 10);
        QVERIFY(!es.restoreState(QJsonDocument::fromJson(json).object()));
        QCOMPARE(es.best(), 2.0); // untouched
        QCOMPARE(es.bestStep(), int64_t(10));
    }

    void stopReasonStringsRoundTrip()
    {
        const std::vector<std::pair<StopReason, std::string>> names = {
            {StopReason::None, "none"},           {StopReason::Patience, "patience"},
            {StopReason::Diverged, "diverged"},   {StopReason::Threshold, "threshold"},
            {StopReason::MaxEpochs, "max_epochs"}, {StopReason::MaxSteps, "max_steps"},
            {StopReason::User, "user"}};
        for (const auto& [reason, name] : names) {
            QCOMPARE(azllm::toString(reason), name);
            QCOMPARE(reasonName(azllm::stopReasonFromString(name)), reasonName(reason));
        }
        QCOMPARE(reasonName(azllm::stopReasonFromString("no-such-reason")), reasonName(StopReason::None));
        QCOMPARE(reasonName(azllm::stopReasonFromString("")), reasonName(StopReason::None));
    }

    void negativePatienceAndMinDeltaAreInvalidConfigs()
    {
        QVERIFY(config(3).validate().ok());
        QVERIFY(config(0).validate().ok());
        QVERIFY(!config(-1).validate().ok());
        QVERIFY(!config(3, -0.1).validate().ok());
        QVERIFY(!config(3, kNaN).validate().ok());
    }
};

QTEST_GUILESS_MAIN(TestEarlyStopping)
#include "tst_earlystopping.moc"
