// The desktop window driven through its real widgets (offscreen): opens with the demo corpus and
// the tiny preset, Train runs a real training to its early stop, the plot shows train and
// validation loss with the best and stop markers, and actions follow the state machine. The run
// it trains is then opened again (plot rebuilt from metrics.csv), exported from the Export dialog
// (checked with `azllm info`), and chatted with: Enter streams a reply, Stop ends one, Regenerate
// and Clear work. Also the plot's x-axis switch, log-y, tooltips and PNG/PDF/CSV saving, the
// patience explorer, and closing the window during training.
#include "chatpanel.h"
#include "exportdialog.h"
#include "language.h"
#include "lossplotwidget.h"
#include "mainwindow.h"
#include "precision.h"
#include "samplestrip.h"
#include "setuppanel.h"
#include "testutil.h"

#include <qcustomplot.h>

#include <QAction>
#include <QCheckBox>
#include <QClipboard>
#include <QPointer>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

class TestMainWindow : public QObject {
    Q_OBJECT
    QTemporaryDir m_runs;
    QString m_run; // trained by trainRunsToEarlyStopAndPlotsIt, reused below

    static void setPromptAndPressEnter(ChatPanel* chat, const QString& text)
    {
        chat->promptEdit()->setFocus();
        chat->promptEdit()->setPlainText(text);
        QTest::keyClick(chat->promptEdit(), Qt::Key_Return);
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("AzLLM-test");
        QCoreApplication::setApplicationName("AzLLM Studio test");
        QSettings().clear();
    }

    void azerbaijaniInterfaceFromTheSetting()
    {
        setLanguageSetting("az");
        QCOMPARE(installUiTranslator(QCoreApplication::instance()), QString("az"));
        {
            MainWindow w;
            QCOMPARE(w.trainAction()->text(), QString("&Öyrət"));
            QCOMPARE(w.exportAction()->text(), QString("&İxrac…"));
            QVERIFY(w.findChild<QAction*>("language-az")->isChecked());
        }
        setLanguageSetting("en");
        QCOMPARE(installUiTranslator(QCoreApplication::instance()), QString("en"));
        {
            MainWindow w;
            QCOMPARE(w.trainAction()->text(), QString("&Train"));
        }
        // Switching from the menu rebuilds the window in the new language at once.
        auto* w = new MainWindow;
        w->setAttribute(Qt::WA_DeleteOnClose);
        w->show();
        QPointer<MainWindow> old(w);
        w->findChild<QAction*>("language-az")->trigger();
        QTRY_VERIFY(old.isNull());
        MainWindow* now = nullptr;
        for (QWidget* t : QApplication::topLevelWidgets())
            if (auto* m = qobject_cast<MainWindow*>(t); m && m->isVisible())
                now = m;
        QVERIFY(now);
        QCOMPARE(now->trainAction()->text(), QString("&Öyrət"));
        QPointer<MainWindow> azWindow(now);
        now->findChild<QAction*>("language-en")->trigger();
        QTRY_VERIFY(azWindow.isNull());
        now = nullptr;
        for (QWidget* t : QApplication::topLevelWidgets())
            if (auto* m = qobject_cast<MainWindow*>(t); m && m->isVisible())
                now = m;
        QVERIFY(now);
        QCOMPARE(now->trainAction()->text(), QString("&Train"));
        now->close();
        QSettings().remove("ui/language");
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

    // A large corpus is read on a worker thread: the label says so at once, the window keeps
    // handling events, and the statistics arrive; choosing another corpus meanwhile drops the scan.
    void largeCorpusIsScannedWithoutBlockingTheWindow()
    {
        azllm::test::TempDir dir;
        QByteArray line = "Hər kəs azad doğulur və ləyaqət baxımından bərabərdir.\n";
        QByteArray big;
        big.reserve(20 << 20);
        while (big.size() < (20 << 20))
            big += line;
        const QString path = dir.write("big.txt", big);
        MainWindow w;
        w.show();
        auto* stats = w.findChild<QLabel*>("corpusStats");
        w.setupPanel()->setCorpusPath(path);
        QVERIFY2(stats->text().startsWith("reading 20 MB"), qPrintable(stats->text()));
        const qint64 lines = big.count('\n');
        QTRY_VERIFY_WITH_TIMEOUT(stats->text().contains(QString::number(lines) + " lines"), 60000);
        // Chosen again, then replaced by the demo before the scan ends: the demo's numbers stay.
        w.setupPanel()->setCorpusPath(path);
        w.setupPanel()->setCorpusPath("demo");
        QVERIFY(stats->text().contains("UDHR"));
        QTest::qWait(1500);
        QVERIFY2(stats->text().contains("UDHR"), qPrintable(stats->text()));
    }

    void invalidFormValuesAreRefusedInTheForm()
    {
        MainWindow w;
        w.show();
        auto* problem = w.findChild<QLabel*>("setupProblem");
        QVERIFY(problem && problem->text().isEmpty());
        QVERIFY(w.trainAction()->isEnabled());
        w.findChild<QSpinBox*>("headsSpin")->setValue(3); // 128 dims cannot be split into 3 heads
        QVERIFY2(problem->text().contains("multiple of n_head"), qPrintable(problem->text()));
        QVERIFY(!w.trainAction()->isEnabled());
        w.findChild<QSpinBox*>("headsSpin")->setValue(4);
        QVERIFY(problem->text().isEmpty());
        QVERIFY(w.trainAction()->isEnabled());
        w.findChild<QSpinBox*>("maxEpochsSpin")->setValue(0);
        w.findChild<QSpinBox*>("maxStepsSpin")->setValue(0);
        QVERIFY2(problem->text().contains("max epochs or max steps"), qPrintable(problem->text()));
        QVERIFY(!w.trainAction()->isEnabled());
        w.findChild<QSpinBox*>("maxEpochsSpin")->setValue(100);
        w.findChild<QComboBox*>("tokenizerMode")->setCurrentIndex(1); // load a .model, none chosen
        QVERIFY2(problem->text().contains(".model"), qPrintable(problem->text()));
        w.findChild<QLineEdit*>("tokenizerFile")->setText("/nonexistent/x.model");
        QVERIFY2(problem->text().contains("does not exist"), qPrintable(problem->text()));
        w.findChild<QComboBox*>("tokenizerMode")->setCurrentIndex(0);
        QVERIFY(w.trainAction()->isEnabled());
        // The preset fills the model fields.
        w.findChild<QComboBox*>("presetCombo")->setCurrentText("small");
        QCOMPARE(w.findChild<QSpinBox*>("embdSpin")->value(), 384);
        QVERIFY(w.findChild<QLabel*>("parameterCount")->text().contains("parameters"));
        w.findChild<QComboBox*>("presetCombo")->setCurrentText("tiny");
        QCOMPARE(w.findChild<QSpinBox*>("embdSpin")->value(), 128);
    }

    void precisionChoiceReachesTheRunAndIsRemembered()
    {
        MainWindow w;
        w.show();
        auto* precision = w.findChild<QComboBox*>("precisionCombo");
        QVERIFY(precision);
        QCOMPARE(precision->count(), 2);
        QCOMPARE(w.setupPanel()->runSetup("r").train.precision, std::string("fp32"));
        precision->setCurrentIndex(1);
        QCOMPARE(w.setupPanel()->runSetup("r").train.precision, std::string("bf16"));
        // The item says whether this CPU runs bf16 natively.
        QVERIFY2(precision->currentText().contains(azllm::cpuHasNativeBf16() ? "native" : "slower"), qPrintable(precision->currentText()));
        w.setupPanel()->saveSettings();
        MainWindow again;
        again.setupPanel()->loadSettings();
        QCOMPARE(again.setupPanel()->runSetup("r").train.precision, std::string("bf16"));
        precision->setCurrentIndex(0);
        w.setupPanel()->saveSettings();
    }

    void trainRunsToEarlyStopAndPlotsIt()
    {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(!w.exportAction()->isEnabled()); // nothing to export yet
        auto* runsEdit = w.findChild<QLineEdit*>("runsEdit");
        runsEdit->setText(m_runs.path());
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
        QVERIFY(w.exportAction()->isEnabled());
        // The stop marker sits at the step the engine recorded.
        const QJsonObject state =
            QJsonDocument::fromJson(azllm::test::readAll(w.lastRunDir() + "/checkpoints/last/trainer_state.json")).object();
        QCOMPARE(w.lossPlot()->stopStep(), state["stop_step"].toDouble());
        QVERIFY(w.lossPlot()->bestLabel().startsWith(QString("best: step %1 ").arg(qint64(state["best_step"].toDouble()))));
        // The chat panel picked up the best checkpoint while training ran.
        QTRY_VERIFY_WITH_TIMEOUT(w.chatPanel()->hasModel(), 30000);
        // The sample strip listed greedy continuations from evaluation weights, labelled by step.
        QTRY_VERIFY_WITH_TIMEOUT(w.sampleStrip()->count() >= 2 && !w.sampleStrip()->isBusy(), 60000);
        QVERIFY2(w.sampleStrip()->rowText(0).startsWith("step ") && w.sampleStrip()->rowText(0).contains("Hər kəs"),
                 qPrintable(w.sampleStrip()->rowText(0)));
        // The event-loop stall was measured (its size is a benchmark figure, not asserted here).
        QVERIFY(w.maxStallMs() > 0);
        qInfo("longest GUI event-loop stall during training: %.1f ms", w.maxStallMs());
        QVERIFY(w.logText().contains("longest event-loop stall"));
        m_run = w.lastRunDir();
    }

    void openRunRebuildsThePlotAndOffersResume()
    {
        if (m_run.isEmpty())
            QSKIP("needs the run trained by trainRunsToEarlyStopAndPlotsIt");
        MainWindow w;
        w.setConfirmClose(false);
        w.show();
        QVERIFY(w.openRun(m_run));
        QVERIFY(w.windowTitle().contains(QFileInfo(m_run).fileName()));
        const QString metrics = QString::fromUtf8(azllm::test::readAll(m_run + "/metrics.csv"));
        int steps = 0, evals = 0;
        for (const QString& line : metrics.split('\n', Qt::SkipEmptyParts).mid(1))
            (line.split(',').value(4).isEmpty() ? steps : evals)++;
        QCOMPARE(w.lossPlot()->trainPointCount(), steps);
        QCOMPARE(w.lossPlot()->valPointCount(), evals);
        QVERIFY(w.lossPlot()->bestLabel().startsWith("best: step "));
        QVERIFY(!w.lossPlot()->stopLabel().isEmpty());
        QCOMPARE(w.trainAction()->text(), QString("&Resume training"));
        QVERIFY(w.exportAction()->isEnabled());
    }

    void patienceExplorerReplaysTheRecordedCurve()
    {
        MainWindow w;
        w.show();
        QVERIFY(w.openRun(m_run));
        w.whatIfPatience()->setValue(1);
        QVERIFY2(w.whatIfLabel()->text().contains("would stop at step"), qPrintable(w.whatIfLabel()->text()));
        QVERIFY(w.lossPlot()->whatIfLabel().startsWith("what if: stop at "));
        w.whatIfPatience()->setValue(0); // never stops early
        QVERIFY2(w.whatIfLabel()->text().contains("would not have stopped"), qPrintable(w.whatIfLabel()->text()));
        QVERIFY(w.lossPlot()->whatIfLabel().isEmpty());
    }

    void plotSwitchesAxesAndSaves()
    {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openRun(m_run));
        LossPlotWidget* p = w.lossPlot();
        p->xAxisBox()->setCurrentIndex(1);
        QCOMPARE(p->xAxisMode(), LossPlotWidget::XAxis::Epoch);
        QCOMPARE(p->plot()->xAxis->label(), QString("epoch"));
        p->replotNow();
        QVERIFY(p->plot()->xAxis->range().upper < 100); // epochs, not steps
        p->xAxisBox()->setCurrentIndex(2);
        p->replotNow();
        QVERIFY(p->plot()->xAxis->range().upper > 1000); // tokens
        p->logYBox()->setChecked(true);
        QVERIFY(p->logY());
        // Hovering a validation point names it with exact values.
        p->xAxisBox()->setCurrentIndex(0);
        p->replotNow();
        p->plot()->replot(QCustomPlot::rpImmediateRefresh);
        auto* val = p->plot()->graph(2);
        QVERIFY(val->dataCount() > 0);
        const auto first = *val->data()->constBegin();
        const QPoint at(int(p->plot()->xAxis->coordToPixel(first.key)), int(p->plot()->yAxis->coordToPixel(first.value)));
        QVERIFY2(p->tooltipAt(at).startsWith("validation loss "), qPrintable(p->tooltipAt(at)));
        QTemporaryDir out;
        QVERIFY(p->savePng(out.filePath("loss.png")));
        QVERIFY(p->savePdf(out.filePath("loss.pdf")));
        QVERIFY(p->saveCsv(out.filePath("loss.csv")));
        QVERIFY(QImage(out.filePath("loss.png")).width() > 100);
        QVERIFY(azllm::test::readAll(out.filePath("loss.pdf")).startsWith("%PDF"));
        const auto csv = QString::fromUtf8(azllm::test::readAll(out.filePath("loss.csv"))).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(csv.size(), 1 + p->trainPointCount() + p->valPointCount());
    }

    void exportDialogWritesFilesThatLoad()
    {
        MainWindow w;
        w.show();
        QVERIFY(w.openRun(m_run));
        ExportDialog* d = w.openExportDialog();
        QVERIFY(d);
        QCOMPARE(d->outEdit()->text(), m_run + "/export");
        QTemporaryDir out;
        d->outEdit()->setText(out.filePath("exp"));
        QTest::mouseClick(d->exportButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!d->isRunning(), 60000);
        QVERIFY2(d->succeeded(), qPrintable(d->resultLabel()->text()));
        QVERIFY(d->resultLabel()->text().contains("parameters"));
        QCOMPARE(d->ptPath(), out.filePath("exp") + "/" + QFileInfo(m_run).fileName() + "_final.pt");
        QVERIFY(QFile::exists(d->hfDir() + "/model.safetensors"));
        // Loads: azllm describes the export from its files.
        for (const QString& path : {out.filePath("exp"), d->hfDir()}) {
            azllm::test::Proc info = azllm::test::runAzllm({"info", path});
            QVERIFY2(info.code == 0 && info.out.contains("parameters"), qPrintable(info.out + info.err));
        }
        // A destination that cannot be created is an error in the dialog, not a crash.
        const QString file = out.filePath("afile");
        QVERIFY(azllm::test::writeBytes(file, "x"));
        d->outEdit()->setText(file + "/sub");
        QTest::mouseClick(d->exportButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!d->isRunning(), 60000);
        QVERIFY(!d->succeeded());
        QVERIFY(d->resultLabel()->text().contains("Export failed"));
    }

    void chatStreamsAReplyAndStops()
    {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openRun(m_run));
        ChatPanel* chat = w.chatPanel();
        QTRY_VERIFY_WITH_TIMEOUT(chat->hasModel() && chat->sendButton()->isEnabled(), 30000);
        // Shift+Enter adds a line; Enter sends.
        chat->promptEdit()->setFocus();
        chat->promptEdit()->setPlainText("Hər");
        chat->promptEdit()->moveCursor(QTextCursor::End);
        QTest::keyClick(chat->promptEdit(), Qt::Key_Return, Qt::ShiftModifier);
        QVERIFY(chat->promptEdit()->toPlainText().contains('\n'));
        QVERIFY(chat->transcript()->toPlainText().isEmpty());
        chat->findChild<QDoubleSpinBox*>("temperature")->setValue(0); // greedy
        QSignalSpy done(chat, &ChatPanel::replyFinished);
        setPromptAndPressEnter(chat, "Hər kəs");
        QVERIFY(chat->promptEdit()->toPlainText().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(done.count() == 1, 60000);
        const QString transcript = chat->transcript()->toPlainText();
        QVERIFY2(transcript.startsWith("You: Hər kəs\nModel: "), qPrintable(transcript));
        QVERIFY(!chat->lastReply().isEmpty());
        QVERIFY2(chat->statusLabel()->text().contains("tokens/s"), qPrintable(chat->statusLabel()->text()));
        // Greedy: Regenerate gives the same reply again, in place.
        const QString first = chat->lastReply();
        QTest::mouseClick(chat->regenerateButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(done.count() == 2, 60000);
        QCOMPARE(chat->lastReply(), first);
        QCOMPARE(chat->transcript()->toPlainText().count("Model: "), 1);

        // A long reply, stopped from the Stop button.
        chat->findChild<QSpinBox*>("maxNewTokens")->setValue(100000);
        chat->findChild<QCheckBox*>()->setChecked(false); // not one line per reply
        chat->findChild<QDoubleSpinBox*>("temperature")->setValue(1.0);
        setPromptAndPressEnter(chat, "Şəki");
        QTRY_VERIFY_WITH_TIMEOUT(chat->lastReply().size() > 20, 60000);
        QVERIFY(chat->isGenerating());
        QVERIFY(chat->stopButton()->isEnabled());
        QTest::mouseClick(chat->stopButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!chat->isGenerating(), 10000);
        QVERIFY(chat->transcript()->toPlainText().contains("[stopped]"));
        QTest::mouseClick(chat->clearButton(), Qt::LeftButton);
        QVERIFY(chat->transcript()->toPlainText().isEmpty());
    }

    // Azerbaijani letters type into the prompt, render in the transcript and copy out intact.
    void azerbaijaniTextTypesAndCopies()
    {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openRun(m_run));
        ChatPanel* chat = w.chatPanel();
        QTRY_VERIFY_WITH_TIMEOUT(chat->hasModel() && chat->sendButton()->isEnabled(), 30000);
        const QString az = QString::fromUtf8("Əli şəhərdə çörək aldı; ığ İÖÜ ğ");
        chat->promptEdit()->setFocus();
        // As an Azerbaijani keyboard layout delivers them: key events carrying the letters' text.
        for (const QChar ch : az)
            QTest::sendKeyEvent(QTest::Click, chat->promptEdit(), Qt::Key_unknown, QString(ch), Qt::NoModifier);
        QCOMPARE(chat->promptEdit()->toPlainText(), az);
        chat->findChild<QSpinBox*>("maxNewTokens")->setValue(5);
        QSignalSpy done(chat, &ChatPanel::replyFinished);
        QTest::keyClick(chat->promptEdit(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(done.count() == 1, 60000);
        QVERIFY(chat->transcript()->toPlainText().startsWith("You: " + az + "\n"));
        chat->transcript()->selectAll();
        chat->transcript()->copy();
        QVERIFY2(QGuiApplication::clipboard()->text().startsWith("You: " + az), qPrintable(QGuiApplication::clipboard()->text()));
    }

    // Not a timed assertion: reports how long a full replot of 100k training points takes.
    void replotsAHundredThousandPoints()
    {
        LossPlotWidget p;
        p.resize(900, 500);
        p.show();
        QVERIFY(QTest::qWaitForWindowExposed(&p));
        for (int i = 1; i <= 100000; ++i)
            p.addTrainPoint(i, 5.0 * std::exp(-i / 30000.0) + 0.3 * std::sin(i * 0.37), i / 1000.0, i * 2048.0, i * 0.05);
        for (int i = 1000; i <= 100000; i += 1000)
            p.addValPoint(i, 5.2 * std::exp(-i / 40000.0), i < 60000, i < 60000 ? 0 : (i - 59000) / 1000, 50, std::min(i, 59000), 2.5);
        QElapsedTimer t;
        t.start();
        p.replotNow();
        p.plot()->replot(QCustomPlot::rpImmediateRefresh);
        const qint64 first = t.elapsed();
        t.restart();
        p.plot()->replot(QCustomPlot::rpImmediateRefresh);
        qInfo("replot of 100k train points + 100 val points: %lld ms (first, with rescale), %lld ms (again)", first, t.elapsed());
        QCOMPARE(p.trainPointCount(), 100000);
    }

    void closingDuringTrainingStopsCleanly()
    {
        QTemporaryDir runs;
        auto* w = new MainWindow;
        w->setConfirmClose(false);
        w->show();
        w->findChild<QLineEdit*>("runsEdit")->setText(runs.path());
        w->findChild<QSpinBox*>("patienceSpin")->setValue(0);
        w->findChild<QSpinBox*>("maxEpochsSpin")->setValue(100000);
        w->trainAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(w->lastRunDir() + "/checkpoints/last/model.pt"), 120000);
        const QString run = w->lastRunDir();
        QVERIFY(w->close());
        delete w;
        const QJsonObject state = QJsonDocument::fromJson(azllm::test::readAll(run + "/checkpoints/last/trainer_state.json")).object();
        QCOMPARE(state["stop_reason"].toString(), QString("user"));
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
