// Main window (see mainwindow.h).
#include "mainwindow.h"

#include "lossplotwidget.h"
#include "platform.h"
#include "setuppanel.h"
#include "trainerworker.h"

#include <QAction>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSplitter>
#include <QStatusBar>
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
    : QMainWindow(parent), m_setup(new SetupPanel), m_plot(new LossPlotWidget), m_log(new QPlainTextEdit),
      m_progress(new QProgressBar), m_speed(new QLabel), m_best(new QLabel), m_worker(new azllm::TrainerWorker(this))
{
    setWindowTitle(tr("AzLLM Studio"));
    resize(1200, 760);

    m_train = new QAction(tr("&Train"), this);
    m_train->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    m_train->setToolTip(tr("Start a new training run with these settings (Ctrl+Enter)"));
    m_pause = new QAction(tr("&Pause"), this);
    m_pause->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    m_stop = new QAction(tr("&Stop"), this);
    m_stop->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    m_stop->setToolTip(tr("Stop after the current step and restore the best checkpoint"));
    auto* tb = addToolBar(tr("Training"));
    tb->setObjectName("trainingToolbar");
    tb->addAction(m_train);
    tb->addAction(m_pause);
    tb->addAction(m_stop);
    auto* menu = menuBar()->addMenu(tr("&Training"));
    menu->addAction(m_train);
    menu->addAction(m_pause);
    menu->addAction(m_stop);
    menu->addSeparator();
    menu->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    m_log->setReadOnly(true);
    m_log->setObjectName("eventLog");
    m_log->setMaximumBlockCount(5000);
    m_progress->setObjectName("progress");
    m_progress->setFormat(tr("idle"));
    m_progress->setValue(0);

    auto* right = new QWidget;
    auto* rl = new QVBoxLayout(right);
    rl->setContentsMargins(0, 0, 0, 0);
    auto* vsplit = new QSplitter(Qt::Vertical);
    vsplit->addWidget(m_plot);
    vsplit->addWidget(m_log);
    vsplit->setStretchFactor(0, 4);
    vsplit->setStretchFactor(1, 1);
    rl->addWidget(vsplit, 1);
    rl->addWidget(m_progress);
    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(m_setup);
    split->addWidget(right);
    split->setStretchFactor(1, 1);
    setCentralWidget(split);
    statusBar()->addPermanentWidget(m_speed);
    statusBar()->addPermanentWidget(m_best);

    connect(m_train, &QAction::triggered, this, &MainWindow::startTraining);
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
            [this](qint64 step, double epoch, qint64, double loss, double, double tps, double elapsed) {
                m_plot->addTrainPoint(step, loss);
                m_progress->setValue(static_cast<int>(step));
                const double eta = step > 0 && m_maxSteps > step ? elapsed / step * (m_maxSteps - step) : 0;
                m_progress->setFormat(tr("epoch %1 · step %2/%3 · ETA ≤ %4 s").arg(epoch, 0, 'f', 2).arg(step).arg(m_maxSteps).arg(qint64(eta)));
                m_speed->setText(tr("%1 tokens/s").arg(qint64(tps)));
            });
    connect(m_worker, &W::evalReported, this,
            [this](qint64 step, double, qint64, double trainLoss, double valLoss, bool improved, int wait, int patience,
                   double bestVal, qint64 bestStep, double) {
                m_plot->addValPoint(step, valLoss, improved, wait, patience, bestStep, bestVal);
                m_best->setText(tr("best val %1 @ step %2").arg(bestVal, 0, 'f', 4).arg(bestStep));
                log(improved ? tr("step %1: val %2 (train %3) improved").arg(step).arg(valLoss, 0, 'f', 4).arg(trainLoss, 0, 'f', 4)
                             : tr("step %1: val %2 (train %3) no improvement %4/%5")
                                   .arg(step).arg(valLoss, 0, 'f', 4).arg(trainLoss, 0, 'f', 4).arg(wait).arg(patience));
            });
    connect(m_worker, &W::finished, this, [this](const QString& reason, qint64 stopStep, qint64 bestStep, double bestVal, const QString&) {
        const QString text = reasonText(reason, m_setup->runSetup(QString()).earlyStopping.patience);
        m_plot->markStop(stopStep, text);
        log(tr("%1 at step %2; best val %3 at step %4 restored").arg(text).arg(stopStep).arg(bestVal, 0, 'f', 4).arg(bestStep));
        m_progress->setFormat(text);
        setState(State::Idle);
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

    m_setup->loadSettings();
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
    m_train->setEnabled(s == State::Idle);
    m_pause->setEnabled(s == State::Running || s == State::Paused);
    m_pause->setText(s == State::Paused ? tr("&Resume") : tr("&Pause"));
    m_stop->setEnabled(s == State::Running || s == State::Paused);
    m_setup->setLocked(s != State::Idle);
}

void MainWindow::startTraining()
{
    if (m_state != State::Idle)
        return;
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
    log(tr("training %1 into %2").arg(m_setup->presetName(), m_runDir));
    if (m_worker->startNew(setup))
        setState(State::Running);
}

void MainWindow::closeEvent(QCloseEvent* e)
{
    if (m_state != State::Idle) {
        m_worker->stop();
        m_worker->wait();
    }
    m_setup->saveSettings();
    e->accept();
}
