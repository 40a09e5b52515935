// Main window (see mainwindow.h).
#include "mainwindow.h"

#include "chatpanel.h"
#include "corpus.h"
#include "exportdialog.h"
#include "language.h"
#include "lossplotwidget.h"
#include "platform.h"
#include "run.h"
#include "samplestrip.h"
#include "setuppanel.h"
#include "trainerworker.h"

#include <QAction>
#include <QActionGroup>
#include <QCoreApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSpinBox>
#include <QTabWidget>
#include <QSplitter>
#include <QStatusBar>
#include <QThread>
#include <QToolBar>
#include <QVBoxLayout>

namespace {
QString reasonText(const QString& reason, int patience)
{
    if (reason == "patience")
        return QObject::tr("early stop: no improvement for %1 evaluations").arg(patience);
    if (reason == "diverged")
        return QObject::tr("stopped: diverged (non-finite loss)");
    if (reason == "user")
        return QObject::tr("stopped by user");
    if (reason == "max_epochs")
        return QObject::tr("reached max epochs");
    if (reason == "max_steps")
        return QObject::tr("reached max steps");
    if (reason == "threshold")
        return QObject::tr("reached the stopping threshold");
    return reason;
}
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), m_setup(new SetupPanel), m_plot(new LossPlotWidget), m_chat(new ChatPanel), m_samples(new SampleStrip), m_log(new QPlainTextEdit),
      m_progress(new QProgressBar), m_speed(new QLabel), m_best(new QLabel), m_whatIfPatience(new QSpinBox),
      m_whatIfDelta(new QDoubleSpinBox), m_whatIfLabel(new QLabel), m_worker(new azllm::TrainerWorker(this))
{
    setWindowTitle(tr("AzLLM Studio"));
    resize(1500, 860);

    m_train = new QAction(tr("&Train"), this);
    m_train->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    m_train->setToolTip(tr("Start a new training run with these settings (Ctrl+Enter)"));
    m_pause = new QAction(tr("&Pause"), this);
    m_pause->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    m_stop = new QAction(tr("&Stop"), this);
    m_stop->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    m_stop->setToolTip(tr("Stop after the current step and restore the best checkpoint"));
    m_export = new QAction(tr("&Export…"), this);
    m_export->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_export->setToolTip(tr("Write the best weights as <run>_final.pt and a Hugging Face folder (Ctrl+E)"));
    m_openRun = new QAction(tr("&Open run…"), this);
    m_openRun->setShortcut(QKeySequence::Open);
    m_openRun->setToolTip(tr("Open an existing run directory: its curves are redrawn and Train resumes it"));
    auto* tb = addToolBar(tr("Training"));
    tb->setObjectName("trainingToolbar");
    tb->addAction(m_train);
    tb->addAction(m_pause);
    tb->addAction(m_stop);
    tb->addSeparator();
    tb->addAction(m_export);
    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New run"), QKeySequence::New, this, [this] {
        if (m_state != State::Idle)
            return;
        m_openedRun = false;
        m_runDir.clear();
        m_plot->clear();
        m_record.clear();
        updateWhatIf();
        setWindowTitle(tr("AzLLM Studio"));
        setState(State::Idle);
        log(tr("new run: Train starts one with the settings on the left"));
    });
    file->addAction(m_openRun);
    file->addAction(m_export);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    auto* menu = menuBar()->addMenu(tr("&Training"));
    menu->addAction(m_train);
    menu->addAction(m_pause);
    menu->addAction(m_stop);
    auto* view = menuBar()->addMenu(tr("&View"));
    auto* langMenu = view->addMenu(tr("Language"));
    auto* langs = new QActionGroup(this);
    for (const auto& [code, name] : {std::pair<QString, QString>{"system", tr("System default")}, {"en", tr("English")},
                                     {"az", tr("Azerbaijani")}}) {
        QAction* a = langMenu->addAction(name);
        a->setCheckable(true);
        a->setData(code);
        a->setObjectName("language-" + code);
        a->setChecked(languageSetting() == code);
        langs->addAction(a);
        connect(a, &QAction::triggered, this, [this, code] {
            if (code == languageSetting())
                return;
            setLanguageSetting(code);
            if (m_state == State::Idle && testAttribute(Qt::WA_DeleteOnClose)) {
                rebuildForLanguage(this); // the window is rebuilt in the new language now
                return;
            }
            QMessageBox::information(this, tr("Language"),
                                     tr("The language changes when this run has ended and you choose it again, or the next "
                                        "time AzLLM Studio starts."));
        });
    }

    m_log->setReadOnly(true);
    m_log->setObjectName("eventLog");
    m_log->setMaximumBlockCount(5000);
    m_progress->setObjectName("progress");
    m_progress->setFormat(tr("idle"));
    m_progress->setValue(0);

    auto* right = new QWidget;
    auto* rl = new QVBoxLayout(right);
    rl->setContentsMargins(0, 0, 0, 0);
    // Patience explorer: early stopping replayed on the recorded validation curve.
    m_whatIfPatience->setRange(0, 1000);
    m_whatIfPatience->setObjectName("whatIfPatience");
    m_whatIfPatience->setToolTip(tr("0 = never stop early"));
    m_whatIfDelta->setRange(0, 10);
    m_whatIfDelta->setDecimals(4);
    m_whatIfDelta->setSingleStep(0.001);
    m_whatIfDelta->setObjectName("whatIfMinDelta");
    m_whatIfLabel->setObjectName("whatIfLabel");
    auto* explorer = new QWidget;
    auto* el = new QHBoxLayout(explorer);
    el->setContentsMargins(0, 0, 0, 0);
    el->addWidget(new QLabel(tr("What if: patience")));
    el->addWidget(m_whatIfPatience);
    el->addWidget(new QLabel(tr("min Δ")));
    el->addWidget(m_whatIfDelta);
    el->addWidget(m_whatIfLabel, 1);
    auto* plotBox = new QWidget;
    auto* pl = new QVBoxLayout(plotBox);
    pl->setContentsMargins(0, 0, 0, 0);
    pl->addWidget(m_plot, 1);
    pl->addWidget(explorer);
    auto* bottom = new QTabWidget;
    bottom->setObjectName("bottomTabs");
    bottom->addTab(m_log, tr("Event log"));
    bottom->addTab(m_samples, tr("Samples"));
    auto* vsplit = new QSplitter(Qt::Vertical);
    vsplit->addWidget(plotBox);
    vsplit->addWidget(bottom);
    vsplit->setStretchFactor(0, 4);
    vsplit->setStretchFactor(1, 1);
    rl->addWidget(vsplit, 1);
    rl->addWidget(m_progress);
    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(m_setup);
    split->addWidget(right);
    split->addWidget(m_chat);
    split->setStretchFactor(1, 1);
    split->setSizes({390, 700, 410});
    setCentralWidget(split);
    statusBar()->addPermanentWidget(m_speed);
    statusBar()->addPermanentWidget(m_best);

    connect(m_train, &QAction::triggered, this, &MainWindow::startTraining);
    connect(m_export, &QAction::triggered, this, &MainWindow::openExportDialog);
    // Invalid form values are refused in the form: Train stays disabled while the panel says why.
    connect(m_setup, &SetupPanel::changed, this, [this] {
        if (m_state == State::Idle)
            m_train->setEnabled(m_openedRun || m_setup->validate().isEmpty());
    });
    connect(m_openRun, &QAction::triggered, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a run directory"), m_setup->runsFolder());
        if (!dir.isEmpty())
            openRun(dir);
    });
    connect(m_whatIfPatience, qOverload<int>(&QSpinBox::valueChanged), this, &MainWindow::updateWhatIf);
    connect(m_whatIfDelta, qOverload<double>(&QDoubleSpinBox::valueChanged), this, &MainWindow::updateWhatIf);
    connect(m_pause, &QAction::triggered, this, [this] {
        if (m_state == State::Running) {
            m_worker->pause();
            setState(State::Paused);
            log(tr("paused"));
        } else if (m_state == State::Paused) {
            m_worker->resume();
            setState(State::Running);
            log(tr("resumed"));
        }
    });
    connect(m_stop, &QAction::triggered, this, [this] {
        m_worker->stop();
        setState(State::Stopping);
        log(tr("stopping after the current step…"));
    });

    using W = azllm::TrainerWorker;
    connect(m_worker, &W::logMessage, this, &MainWindow::log);
    connect(m_worker, &W::started, this, [this](qint64, qint64 maxSteps, const QString& msg) {
        m_maxSteps = maxSteps;
        m_progress->setRange(0, static_cast<int>(std::max<qint64>(1, maxSteps)));
        log(msg);
    });
    connect(m_worker, &W::stepReported, this,
            [this](qint64 step, double epoch, qint64 tokens, double loss, double lr, double tps, double elapsed) {
                m_plot->addTrainPoint(step, loss, epoch, tokens, elapsed);
                m_lastStep = step;
                if (m_samplePending) { // the evaluation's weights are in `last` by now
                    m_samplePending = false;
                    m_samples->requestSample(m_runDir, m_sampleStep, m_sampleVal);
                }
                m_record.push_back({step, epoch, tokens, loss, 0, lr, tps, elapsed, false});
                m_progress->setValue(static_cast<int>(step));
                const double eta = step > 0 && m_maxSteps > step ? elapsed / step * (m_maxSteps - step) : 0;
                m_progress->setFormat(tr("epoch %1 · step %2/%3 · ETA ≤ %4 s").arg(epoch, 0, 'f', 2).arg(step).arg(m_maxSteps).arg(qint64(eta)));
                m_speed->setText(tr("%1 tokens/s").arg(qint64(tps)));
            });
    connect(m_worker, &W::evalReported, this,
            [this](qint64 step, double epoch, qint64 tokens, double trainLoss, double valLoss, bool improved, int wait, int patience,
                   double bestVal, qint64 bestStep, double elapsed) {
                m_plot->addValPoint(step, valLoss, improved, wait, patience, bestStep, bestVal, epoch, tokens, elapsed);
                m_record.push_back({step, epoch, tokens, trainLoss, valLoss, 0, 0, elapsed, true});
                m_patience = patience;
                updateWhatIf();
                m_samplePending = true;
                m_sampleStep = step;
                m_sampleVal = valLoss;
                m_best->setText(tr("best val %1 @ step %2").arg(bestVal, 0, 'f', 4).arg(bestStep));
                log(improved ? tr("step %1: val %2 (train %3) improved").arg(step).arg(valLoss, 0, 'f', 4).arg(trainLoss, 0, 'f', 4)
                             : tr("step %1: val %2 (train %3) no improvement %4/%5")
                                   .arg(step).arg(valLoss, 0, 'f', 4).arg(trainLoss, 0, 'f', 4).arg(wait).arg(patience));
            });
    connect(m_worker, &W::bestSaved, this, [this](qint64) {
        m_chat->setRunSource(m_runDir); // a snapshot read from disk, never the live weights
        updateExportEnabled();
    });
    connect(m_worker, &W::finished, this, [this](const QString& reason, qint64 stopStep, qint64 bestStep, double bestVal, const QString&) {
        const QString text = reasonText(reason, m_patience);
        if (m_samplePending) {
            m_samplePending = false;
            m_samples->requestSample(m_runDir, m_sampleStep, m_sampleVal);
        }
        m_plot->markStop(stopStep, text);
        log(tr("%1 at step %2; best val %3 at step %4 restored").arg(text).arg(stopStep).arg(bestVal, 0, 'f', 4).arg(bestStep));
        log(tr("GUI responsiveness: the longest event-loop stall during this run was %1 ms (near step %2)")
                .arg(m_maxStallMs, 0, 'f', 1)
                .arg(m_maxStallStep));
        m_progress->setFormat(text);
        setState(State::Idle);
        if (QFileInfo::exists(m_runDir + "/checkpoints/best/model.pt"))
            m_chat->setRunSource(m_runDir); // the best weights, restored
    });
    connect(m_worker, &W::failed, this, [this](const QString& message) {
        log(tr("error: %1").arg(message));
        m_progress->setFormat(tr("failed"));
        setState(State::Idle);
        // Non-modal: the window stays responsive and tests are never blocked by a dialog.
        auto* box = new QMessageBox(QMessageBox::Warning, tr("Training failed"), message, QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });

    // Responsiveness: a 10 ms timer that arrives late measures how long the event loop stalled.
    m_stallTimer.setInterval(10);
    connect(&m_stallTimer, &QTimer::timeout, this, [this] {
        const double late = m_stallClock.nsecsElapsed() / 1e6 - 10.0;
        m_stallClock.restart();
        if (m_state != State::Idle && late > m_maxStallMs) {
            m_maxStallMs = late;
            m_maxStallStep = m_lastStep;
        }
    });
    m_stallClock.start();
    m_stallTimer.start();

    m_setup->loadSettings();
    m_whatIfPatience->setValue(m_setup->runSetup(QString()).earlyStopping.patience);
    setState(State::Idle);
    const std::string blas = azllm::blasWarning();
    if (!blas.empty())
        log(QString::fromStdString(blas));
    log(tr("ready: corpus '%1', preset %2. Click Train.").arg(m_setup->corpusPath(), m_setup->presetName()));
}

MainWindow::~MainWindow() = default;

QString MainWindow::logText() const { return m_log->toPlainText(); }

void MainWindow::log(const QString& line)
{
    m_log->appendPlainText(QDateTime::currentDateTime().toString("HH:mm:ss  ") + line);
}

void MainWindow::setState(State s)
{
    m_state = s;
    m_train->setEnabled(s == State::Idle && (m_openedRun || m_setup->validate().isEmpty()));
    m_pause->setEnabled(s == State::Running || s == State::Paused);
    m_pause->setText(s == State::Paused ? tr("&Resume") : tr("&Pause"));
    m_stop->setEnabled(s == State::Running || s == State::Paused);
    m_setup->setLocked(s != State::Idle);
    m_openRun->setEnabled(s == State::Idle);
    m_train->setText(m_openedRun ? tr("&Resume training") : tr("&Train"));
    updateExportEnabled();
}

void MainWindow::updateExportEnabled()
{
    m_export->setEnabled(m_state != State::Stopping && !m_runDir.isEmpty() &&
                         QFileInfo::exists(m_runDir + "/checkpoints/best/model.pt"));
}

void MainWindow::updateWhatIf()
{
    azllm::EarlyStoppingConfig cfg;
    cfg.patience = m_whatIfPatience->value();
    cfg.minDelta = m_whatIfDelta->value();
    const auto r = azllm::replayEarlyStopping(m_record, cfg);
    if (r.evals.empty()) {
        m_whatIfLabel->setText(tr("(no evaluations yet)"));
        m_plot->clearWhatIf();
        return;
    }
    QString text;
    if (r.stopStep >= 0)
        text = tr("would stop at step %1, best step %2 (val %3)").arg(r.stopStep).arg(r.bestStep).arg(r.bestLoss, 0, 'f', 4);
    else
        text = tr("would not have stopped yet; best step %1 (val %2)").arg(r.bestStep).arg(r.bestLoss, 0, 'f', 4);
    m_whatIfLabel->setText(text);
    if (r.stopStep >= 0)
        m_plot->setWhatIf(r.stopStep, r.bestStep, tr("what if: stop at %1").arg(r.stopStep));
    else
        m_plot->clearWhatIf();
}

bool MainWindow::openRun(const QString& dir)
{
    if (m_state != State::Idle)
        return false;
    auto cfg = azllm::loadRunConfig(dir.toStdString());
    if (!cfg) {
        QMessageBox::warning(this, tr("Cannot open the run"), QString::fromStdString(cfg.message()));
        return false;
    }
    auto rows = azllm::readMetrics(azllm::runpaths::metrics(dir.toStdString()));
    m_plot->clear();
    m_record.clear();
    m_patience = cfg->earlyStopping.patience;
    if (rows) {
        m_record = *rows;
        const auto replay = azllm::replayEarlyStopping(m_record, cfg->earlyStopping);
        size_t e = 0;
        for (const auto& r : m_record) {
            if (!r.eval) {
                m_plot->addTrainPoint(r.step, r.trainLoss, r.epoch, r.tokens, r.elapsedS);
            } else if (e < replay.evals.size()) {
                const auto& ev = replay.evals[e++];
                m_plot->addValPoint(r.step, r.valLoss, ev.improved, ev.wait, m_patience, ev.bestStep, ev.bestLoss, r.epoch, r.tokens,
                                    r.elapsedS);
            }
        }
    }
    // Where and why the run ended, as its trainer state records it.
    QFile f(QString::fromStdString(azllm::runpaths::last(dir.toStdString())) + "/trainer_state.json");
    if (f.open(QIODevice::ReadOnly)) {
        const QJsonObject s = QJsonDocument::fromJson(f.readAll()).object();
        if (s.contains("stop_reason"))
            m_plot->markStop(s["stop_step"].toDouble(), reasonText(s["stop_reason"].toString(), m_patience));
    }
    m_runDir = dir;
    m_openedRun = true;
    m_whatIfPatience->setValue(m_patience);
    updateWhatIf();
    setWindowTitle(tr("AzLLM Studio — %1").arg(QFileInfo(dir).fileName()));
    log(tr("opened run %1 (%2 metrics rows); Resume training continues it from its last checkpoint").arg(dir).arg(m_record.size()));
    if (QFileInfo::exists(dir + "/checkpoints/best/model.pt"))
        m_chat->setRunSource(dir);
    setState(State::Idle);
    return true;
}

MainWindow* MainWindow::rebuildForLanguage(MainWindow* old)
{
    installUiTranslator(QCoreApplication::instance());
    auto* w = new MainWindow;
    w->setAttribute(Qt::WA_DeleteOnClose);
    w->setGeometry(old->geometry());
    const QString run = old->m_runDir;
    if (!run.isEmpty() && QFileInfo::exists(run + "/config.json"))
        w->openRun(run); // the plot and chat source come back from the run's files
    w->show();
    old->m_confirmClose = false;
    old->close(); // WA_DeleteOnClose: deleted by Qt
    return w;
}

ExportDialog* MainWindow::openExportDialog()
{
    if (!m_export->isEnabled())
        return nullptr;
    auto* dialog = new ExportDialog(m_runDir, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ExportDialog::exportFinished, this, [this](bool ok, const QString& what) {
        log(ok ? tr("exported %1").arg(what) : tr("export failed: %1").arg(what));
    });
    dialog->show();
    return dialog;
}

void MainWindow::resumeOpenedRun(const azllm::RunConfig& cfg, const QString& changed)
{
    if (m_state != State::Idle)
        return;
    if (!changed.isEmpty()) {
        const auto answer = QMessageBox::question(
            this, tr("Corpus changed"),
            tr("%1.\n\nThe run's saved token data no longer matches it. Continue training on the saved token data?").arg(changed),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer != QMessageBox::Yes)
            return;
    }
    log(tr("resuming %1 from its last checkpoint").arg(m_runDir));
    m_maxStallMs = 0;
    if (m_worker->start(cfg, true))
        setState(State::Running);
    m_stallClock.restart(); // measure from here: the click handler itself is not "while training"
}

void MainWindow::startTraining()
{
    if (m_state != State::Idle)
        return;
    if (m_openedRun) {
        auto cfg = azllm::loadRunConfig(m_runDir.toStdString());
        if (!cfg) {
            QMessageBox::warning(this, tr("Cannot resume"), QString::fromStdString(cfg.message()));
            return;
        }
        const std::string corpus = cfg->data.value("corpus").toString().toStdString();
        if (azllm::corpusRawBytes(corpus) < azllm::kCorpusBackgroundReadBytes) {
            const auto changed = azllm::checkCorpusUnchanged(*cfg);
            resumeOpenedRun(*cfg, QString::fromStdString(changed.message()));
            return;
        }
        // A large corpus is reread on a worker thread; Train stays disabled meanwhile.
        log(tr("checking that the corpus is unchanged…"));
        m_train->setEnabled(false);
        auto result = std::make_shared<azllm::Status>();
        const azllm::RunConfig run = *cfg;
        QThread* thread = QThread::create([run, result] { *result = azllm::checkCorpusUnchanged(run); });
        connect(thread, &QThread::finished, this, [this, thread, run, result] {
            thread->deleteLater();
            m_train->setEnabled(m_state == State::Idle);
            resumeOpenedRun(run, QString::fromStdString(result->message()));
        });
        thread->start();
        return;
    }
    const QString problem = m_setup->validate();
    if (!problem.isEmpty()) {
        QMessageBox::information(this, tr("Cannot train yet"), problem);
        return;
    }
    const QString name = "run-" + QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss");
    auto setup = m_setup->runSetup(name);
    if (auto st = QDir().mkpath(m_setup->runsFolder()); !st) {
        QMessageBox::warning(this, tr("Cannot train"), tr("Cannot create the runs folder '%1'.").arg(m_setup->runsFolder()));
        return;
    }
    m_setup->saveSettings();
    m_runDir = QString::fromStdString(setup.runDir);
    setWindowTitle(tr("AzLLM Studio — %1").arg(name));
    m_plot->clear();
    m_record.clear();
    m_samples->clear();
    m_maxStallMs = 0;
    m_patience = setup.earlyStopping.patience;
    log(tr("training %1 into %2").arg(m_setup->presetName(), m_runDir));
    if (m_worker->startNew(setup))
        setState(State::Running);
    m_stallClock.restart(); // measure from here: the click handler itself is not "while training"
}

void MainWindow::closeEvent(QCloseEvent* e)
{
    if (m_state != State::Idle && m_confirmClose &&
        QMessageBox::question(this, tr("Training is running"),
                              tr("Stop training and quit? The run keeps its best and last checkpoints and can be resumed "
                                 "later with Open run."),
                              QMessageBox::Yes | QMessageBox::No, QMessageBox::No) != QMessageBox::Yes) {
        e->ignore();
        return;
    }
    if (m_state != State::Idle) {
        m_worker->stop();
        m_worker->wait();
    }
    m_setup->saveSettings();
    e->accept();
}
