// The desktop window driven through its real widgets (offscreen): opens with the demo corpus and
// the tiny preset, Train runs a real training to its early stop, the plot shows train and
// validation loss with the best and stop markers, and actions follow the state machine.
#include "lossplotwidget.h"
#include "mainwindow.h"
#include "setuppanel.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("AzLLM-test");
        QCoreApplication::setApplicationName("AzLLM Studio test");
        QSettings().clear();
    }

    void opensWithDemoCorpusAndTinyPreset()
    {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.windowTitle().startsWith("AzLLM Studio"));
        QCOMPARE(w.setupPanel()->corpusPath(), QString("demo"));
        QCOMPARE(w.setupPanel()->presetName(), QString("tiny"));
        auto* stats = w.findChild<QLabel*>("corpusStats");
        QVERIFY(stats && stats->text().contains("characters"));
        QVERIFY(w.trainAction()->isEnabled());
        QVERIFY(!w.pauseAction()->isEnabled());
        QVERIFY(!w.stopAction()->isEnabled());
    }

    void trainRunsToEarlyStopAndPlotsIt()
    {
        QTemporaryDir runs;
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        auto* runsEdit = w.findChild<QLineEdit*>("runsEdit");
        runsEdit->setText(runs.path());
        w.findChild<QSpinBox*>("patienceSpin")->setValue(2);
        w.trainAction()->trigger();
        QCOMPARE(w.state(), MainWindow::State::Running);
        QVERIFY(!w.trainAction()->isEnabled());
        QVERIFY(w.stopAction()->isEnabled());
        QVERIFY(!w.findChild<QComboBox*>("presetCombo")->isEnabled()); // fields locked while running
        QVERIFY(w.windowTitle().contains("run-"));
        QTRY_VERIFY2_WITH_TIMEOUT(w.state() == MainWindow::State::Idle, qPrintable(w.logText()), 300000);
        QVERIFY2(!w.logText().contains("error:"), qPrintable(w.logText()));
        QVERIFY(w.lossPlot()->trainPointCount() > 0);
        QVERIFY(w.lossPlot()->valPointCount() >= 3);
        QVERIFY(w.lossPlot()->bestLabel().startsWith("best: step "));
        QVERIFY2(w.lossPlot()->stopLabel().contains("early stop") || w.lossPlot()->stopLabel().contains("max epochs"),
                 qPrintable(w.lossPlot()->stopLabel()));
        QVERIFY(QFile::exists(w.lastRunDir() + "/checkpoints/best/model.pt"));
        QVERIFY(w.trainAction()->isEnabled());
        QVERIFY(w.findChild<QComboBox*>("presetCombo")->isEnabled());
    }

    void pauseResumeAndStop()
    {
        QTemporaryDir runs;
        MainWindow w;
        w.show();
        w.findChild<QLineEdit*>("runsEdit")->setText(runs.path());
        w.findChild<QSpinBox*>("patienceSpin")->setValue(0);
        w.findChild<QSpinBox*>("maxEpochsSpin")->setValue(100000);
        w.trainAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(w.lossPlot()->trainPointCount() > 0, 1300000);
        w.pauseAction()->trigger();
        QCOMPARE(w.state(), MainWindow::State::Paused);
        QCOMPARE(w.pauseAction()->text(), QString("&Resume"));
        QTest::qWait(300);
        const int pausedAt = w.lossPlot()->trainPointCount();
        QTest::qWait(700);
        QVERIFY(w.lossPlot()->trainPointCount() <= pausedAt + 1); // at most the step in flight
        w.pauseAction()->trigger();
        QCOMPARE(w.state(), MainWindow::State::Running);
        w.stopAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(w.state() == MainWindow::State::Idle, 60000);
        QVERIFY(w.lossPlot()->stopLabel().contains("stopped by user"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
