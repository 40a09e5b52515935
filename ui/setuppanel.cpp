// Setup form (see setuppanel.h).
#include "setuppanel.h"

#include "corpus.h"
#include "precision.h"
#include "trainer.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QThread>
#include <QVBoxLayout>

namespace {
const char* kDemoLabel = "demo";

QSpinBox* spin(int lo, int hi, const char* name, const QString& tip = {})
{
    auto* s = new QSpinBox;
    s->setRange(lo, hi);
    s->setObjectName(name);
    s->setToolTip(tip);
    return s;
}

QDoubleSpinBox* dspin(double lo, double hi, int decimals, double step, const char* name, const QString& tip = {})
{
    auto* s = new QDoubleSpinBox;
    s->setRange(lo, hi);
    s->setDecimals(decimals);
    s->setSingleStep(step);
    s->setObjectName(name);
    s->setToolTip(tip);
    return s;
}
} // namespace

SetupPanel::SetupPanel(QWidget* parent) : QWidget(parent)
{
    auto* inner = new QWidget;
    auto* v = new QVBoxLayout(inner);
    v->setContentsMargins(4, 4, 4, 4);
    auto group = [&](const QString& title) {
        auto* g = new QGroupBox(title);
        auto* f = new QFormLayout(g);
        f->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        v->addWidget(g);
        return f;
    };

    // Data
    auto* data = group(tr("Data"));
    m_corpus = new QLineEdit(kDemoLabel);
    m_corpus->setObjectName("corpusEdit");
    m_corpus->setToolTip(tr("A UTF-8 .txt file, a folder of them, or 'demo' for the bundled Azerbaijani corpus"));
    auto* file = new QPushButton(tr("File…"));
    auto* folder = new QPushButton(tr("Folder…"));
    auto* corpusRow = new QHBoxLayout;
    corpusRow->addWidget(m_corpus, 1);
    corpusRow->addWidget(file);
    corpusRow->addWidget(folder);
    data->addRow(tr("Corpus"), corpusRow);
    m_corpusStats = new QLabel;
    m_corpusStats->setObjectName("corpusStats");
    m_corpusStats->setWordWrap(true);
    data->addRow(QString(), m_corpusStats);

    // Tokenizer
    auto* tok = group(tr("Tokenizer"));
    m_tokMode = new QComboBox;
    m_tokMode->setObjectName("tokenizerMode");
    m_tokMode->addItems({tr("Train a new one"), tr("Load a .model file")});
    tok->addRow(tr("Tokenizer"), m_tokMode);
    m_vocab = spin(262, 1000000, "vocabSpin", tr("Largest vocabulary; a small corpus gets fewer pieces"));
    tok->addRow(tr("Vocabulary (max)"), m_vocab);
    m_tokType = new QComboBox;
    m_tokType->setObjectName("tokenizerType");
    m_tokType->addItems({"unigram", "bpe"});
    tok->addRow(tr("Type"), m_tokType);
    m_tokFile = new QLineEdit;
    m_tokFile->setObjectName("tokenizerFile");
    m_tokBrowse = new QPushButton(tr("Browse…"));
    auto* tokRow = new QHBoxLayout;
    tokRow->addWidget(m_tokFile, 1);
    tokRow->addWidget(m_tokBrowse);
    tok->addRow(tr(".model file"), tokRow);

    // Model
    auto* model = group(tr("Model"));
    m_preset = new QComboBox;
    m_preset->setObjectName("presetCombo");
    for (const auto& n : azllm::presetNames())
        m_preset->addItem(QString::fromStdString(n));
    model->addRow(tr("Preset"), m_preset);
    m_block = spin(2, 65536, "blockSpin", tr("Context length in tokens"));
    model->addRow(tr("Block size"), m_block);
    m_layers = spin(1, 256, "layersSpin");
    model->addRow(tr("Layers"), m_layers);
    m_heads = spin(1, 256, "headsSpin");
    model->addRow(tr("Heads"), m_heads);
    m_embd = spin(1, 16384, "embdSpin", tr("Must be a multiple of the number of heads"));
    model->addRow(tr("Embedding size"), m_embd);
    m_dropout = dspin(0, 0.9, 2, 0.05, "dropoutSpin");
    model->addRow(tr("Dropout"), m_dropout);
    m_params = new QLabel;
    m_params->setObjectName("parameterCount");
    model->addRow(QString(), m_params);

    // Optimizer
    auto* opt = group(tr("Optimizer (AdamW)"));
    m_lr = dspin(0.000001, 1.0, 6, 0.0001, "lrSpin");
    opt->addRow(tr("Learning rate"), m_lr);
    m_batch = spin(1, 4096, "batchSpin");
    opt->addRow(tr("Batch size"), m_batch);
    m_accum = spin(1, 4096, "accumSpin", tr("Micro-batches per optimizer step"));
    opt->addRow(tr("Gradient accumulation"), m_accum);
    m_warmup = spin(0, 10000000, "warmupSpin");
    opt->addRow(tr("Warm-up steps"), m_warmup);
    m_decay = dspin(0, 10, 3, 0.01, "decaySpin");
    opt->addRow(tr("Weight decay"), m_decay);

    // Early stopping
    auto* es = group(tr("Early stopping"));
    m_patience = spin(0, 1000, "patienceSpin", tr("Evaluations without improvement before stopping (0 = never)"));
    m_patience->setValue(3);
    es->addRow(tr("Patience"), m_patience);
    m_minDelta = dspin(0, 10, 4, 0.001, "minDeltaSpin", tr("An evaluation improves when val < best - min delta"));
    es->addRow(tr("Min delta"), m_minDelta);
    m_evalMode = new QComboBox;
    m_evalMode->setObjectName("evalMode");
    m_evalMode->addItems({tr("every epoch"), tr("every N steps")});
    m_evalSteps = spin(1, 10000000, "evalStepsSpin");
    m_evalSteps->setValue(100);
    auto* evalRow = new QHBoxLayout;
    evalRow->addWidget(m_evalMode, 1);
    evalRow->addWidget(m_evalSteps);
    es->addRow(tr("Evaluate"), evalRow);
    m_maxEpochs = spin(0, 1000000, "maxEpochsSpin", tr("0 = unlimited"));
    m_maxEpochs->setValue(100);
    es->addRow(tr("Max epochs"), m_maxEpochs);
    m_maxSteps = spin(0, 100000000, "maxStepsSpin", tr("0 = unlimited"));
    es->addRow(tr("Max steps"), m_maxSteps);
    m_restoreBest = new QCheckBox(tr("Restore the best weights at the end"));
    m_restoreBest->setObjectName("restoreBest");
    m_restoreBest->setChecked(true);
    es->addRow(QString(), m_restoreBest);

    // Run
    auto* run = group(tr("Run"));
    m_seed = spin(0, 2147483647, "seedSpin");
    m_seed->setValue(1337);
    run->addRow(tr("Seed"), m_seed);
    m_threads = spin(0, 1024, "threadsSpin");
    m_threads->setSpecialValueText(tr("all cores"));
    run->addRow(tr("Threads"), m_threads);
    m_precision = new QComboBox;
    m_precision->setObjectName("precisionCombo");
    m_precision->addItem(tr("fp32"), QStringLiteral("fp32"));
    const bool nativeBf16 = azllm::cpuHasNativeBf16();
    m_precision->addItem(nativeBf16 ? tr("bf16 autocast (native on this CPU)") : tr("bf16 autocast (emulated on this CPU: slower)"),
                         QStringLiteral("bf16"));
    m_precision->setToolTip(nativeBf16 ? tr("Matrix products in bfloat16 with fp32 weights and optimizer state. This CPU has "
                                            "AVX512-BF16; the validation loss stays within 2% of fp32 (docs/performance.md).")
                                       : tr("Matrix products in bfloat16 with fp32 weights and optimizer state. This CPU has no "
                                            "AVX512-BF16, so bf16 runs emulated and is slower than fp32."));
    run->addRow(tr("Precision"), m_precision);
    m_runs = new QLineEdit;
    m_runs->setObjectName("runsEdit");
    m_runs->setText(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/runs");
    auto* browseRuns = new QPushButton(tr("Browse…"));
    auto* runsRow = new QHBoxLayout;
    runsRow->addWidget(m_runs, 1);
    runsRow->addWidget(browseRuns);
    run->addRow(tr("Runs folder"), runsRow);

    m_problem = new QLabel;
    m_problem->setObjectName("setupProblem");
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet("color: #b00;");
    v->addWidget(m_problem);
    v->addStretch(1);

    auto* scroll = new QScrollArea;
    scroll->setWidget(inner);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // fields shrink to the panel instead
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);
    setMinimumWidth(340);
    m_params->setWordWrap(true);

    m_inputs = {m_corpus, file, folder, m_tokMode, m_vocab, m_tokType, m_tokFile, m_tokBrowse, m_preset, m_block, m_layers, m_heads,
                m_embd, m_dropout, m_lr, m_batch, m_accum, m_warmup, m_decay, m_patience, m_minDelta, m_evalMode, m_evalSteps,
                m_maxEpochs, m_maxSteps, m_restoreBest, m_seed, m_threads, m_precision, m_runs, browseRuns};

    connect(file, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Choose a corpus file"), QString(), tr("Text (*.txt);;All files (*)"));
        if (!f.isEmpty())
            setCorpusPath(f);
    });
    connect(folder, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Choose a folder of .txt files"));
        if (!d.isEmpty())
            setCorpusPath(d);
    });
    connect(m_tokBrowse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Choose a sentencepiece model"), QString(), tr("sentencepiece (*.model)"));
        if (!f.isEmpty())
            m_tokFile->setText(f);
    });
    connect(browseRuns, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Where to save runs"), m_runs->text());
        if (!d.isEmpty())
            m_runs->setText(d);
    });
    connect(m_corpus, &QLineEdit::editingFinished, this, [this] { refreshCorpusStats(); });
    connect(m_preset, &QComboBox::currentTextChanged, this, [this](const QString& n) { applyPreset(n); });
    for (auto* s : findChildren<QSpinBox*>())
        connect(s, qOverload<int>(&QSpinBox::valueChanged), this, &SetupPanel::revalidate);
    for (auto* s : findChildren<QDoubleSpinBox*>())
        connect(s, qOverload<double>(&QDoubleSpinBox::valueChanged), this, &SetupPanel::revalidate);
    for (auto* c : {m_tokMode, m_tokType, m_evalMode})
        connect(c, qOverload<int>(&QComboBox::currentIndexChanged), this, &SetupPanel::revalidate);
    for (auto* e : {m_tokFile, m_runs})
        connect(e, &QLineEdit::textChanged, this, &SetupPanel::revalidate);
    applyPreset(m_preset->currentText());
    refreshCorpusStats();
}

void SetupPanel::applyPreset(const QString& name)
{
    auto p = azllm::presetByName(name.toStdString());
    if (!p)
        return;
    m_applyingPreset = true;
    m_vocab->setValue(static_cast<int>(p->model.vocabSize));
    m_block->setValue(static_cast<int>(p->model.blockSize));
    m_layers->setValue(static_cast<int>(p->model.nLayer));
    m_heads->setValue(static_cast<int>(p->model.nHead));
    m_embd->setValue(static_cast<int>(p->model.nEmbd));
    m_dropout->setValue(p->model.dropout);
    m_batch->setValue(static_cast<int>(p->train.batchSize));
    m_accum->setValue(static_cast<int>(p->train.gradAccum));
    m_lr->setValue(p->train.learningRate);
    m_warmup->setValue(static_cast<int>(p->train.warmupSteps));
    m_decay->setValue(p->train.weightDecay);
    m_applyingPreset = false;
    revalidate();
}

QString SetupPanel::corpusPath() const { return m_corpus->text().trimmed(); }
QString SetupPanel::presetName() const { return m_preset->currentText(); }
QString SetupPanel::runsFolder() const { return m_runs->text().trimmed(); }

void SetupPanel::setCorpusPath(const QString& path)
{
    m_corpus->setText(path);
    refreshCorpusStats();
}

SetupPanel::~SetupPanel()
{
    if (m_scanCancel)
        m_scanCancel->store(true);
    for (QThread* t : m_scanThreads) {
        t->wait();
        delete t;
    }
}

void SetupPanel::refreshCorpusStats()
{
    const QString p = corpusPath();
    const std::string path = p == kDemoLabel ? azllm::demoCorpusPath() : p.toStdString();
    if (m_scanCancel)
        m_scanCancel->store(true); // a scan in flight is dropped; its thread ends at its next chunk
    const int64_t bytes = azllm::corpusRawBytes(path);
    if (bytes < azllm::kCorpusBackgroundReadBytes) {
        showCorpusStats(p, azllm::scanCorpus(path));
        return;
    }
    // A large corpus: read on a worker thread so the window stays responsive.
    m_corpusStats->setText(tr("reading %1 MB…").arg(bytes >> 20));
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    auto result = std::make_shared<azllm::Result<azllm::Corpus>>(azllm::Result<azllm::Corpus>::error(""));
    m_scanCancel = cancel;
    QThread* thread = QThread::create([path, cancel, result] {
        *result = azllm::scanCorpus(path, [cancel](size_t, std::string_view) {
            return cancel->load() ? azllm::Status::error("cancelled") : azllm::Status();
        });
    });
    m_scanThreads.append(thread);
    connect(thread, &QThread::finished, this, [this, thread, cancel, result, p] {
        m_scanThreads.removeOne(thread);
        thread->deleteLater();
        if (!cancel->load())
            showCorpusStats(p, *result);
    });
    thread->start();
    revalidate();
}

void SetupPanel::showCorpusStats(const QString& p, const azllm::Result<azllm::Corpus>& corpus)
{
    if (!corpus) {
        m_corpusStats->setText("<span style='color:#b00'>" + QString::fromStdString(corpus.message()).toHtmlEscaped() + "</span>");
    } else {
        const auto& s = corpus->stats;
        m_corpusStats->setText(tr("%1%2 file(s) · %3 characters · %4 lines · %5 distinct characters")
                                   .arg(p == kDemoLabel ? tr("Azerbaijani UDHR (bundled) · ") : QString())
                                   .arg(s.files)
                                   .arg(s.characters)
                                   .arg(s.lines)
                                   .arg(s.distinctCharacters));
    }
    revalidate();
}

void SetupPanel::revalidate()
{
    if (m_applyingPreset)
        return;
    const bool load = m_tokMode->currentIndex() == 1;
    m_vocab->setEnabled(!load && m_corpus->isEnabled());
    m_tokType->setEnabled(!load && m_corpus->isEnabled());
    m_tokFile->setEnabled(load && m_corpus->isEnabled());
    m_tokBrowse->setEnabled(load && m_corpus->isEnabled());
    m_evalSteps->setEnabled(m_evalMode->currentIndex() == 1 && m_corpus->isEnabled());
    const auto s = runSetup(QStringLiteral("x"));
    {
        const azllm::GptConfig& c = s.model;
        m_params->setText(tr("%1 parameters (with a %2-piece vocabulary)")
                              .arg(QLocale().toString(static_cast<qlonglong>(c.parameterCount())))
                              .arg(c.vocabSize));
    }
    const QString problem = validate();
    m_problem->setText(problem.isEmpty() ? QString() : tr("Cannot train: %1").arg(problem));
    Q_EMIT changed();
}

QString SetupPanel::validate() const
{
    if (corpusPath().isEmpty())
        return tr("choose a corpus (a .txt file or folder), or type 'demo'.");
    if (corpusPath() != kDemoLabel && !QFileInfo::exists(corpusPath()))
        return tr("the corpus '%1' does not exist.").arg(corpusPath());
    if (m_tokMode->currentIndex() == 1) {
        const QString f = m_tokFile->text().trimmed();
        if (f.isEmpty())
            return tr("choose the tokenizer's .model file, or train a new one.");
        if (!QFileInfo(f).isFile())
            return tr("the tokenizer '%1' does not exist.").arg(f);
    }
    const auto s = runSetup(QStringLiteral("x"));
    azllm::GptConfig model = s.model;
    if (auto st = model.validate(); !st)
        return QString::fromStdString(st.message());
    if (auto st = s.train.validate(); !st)
        return QString::fromStdString(st.message());
    if (auto st = s.earlyStopping.validate(); !st)
        return QString::fromStdString(st.message());
    if (runsFolder().isEmpty())
        return tr("choose a folder for runs.");
    return {};
}

azllm::RunSetup SetupPanel::runSetup(const QString& runName) const
{
    auto preset = azllm::presetByName(presetName().toStdString());
    azllm::RunSetup s;
    s.preset = preset->name;
    s.model = preset->model;
    s.train = preset->train;
    s.corpusPath = corpusPath() == kDemoLabel ? azllm::demoCorpusPath() : corpusPath().toStdString();
    s.runDir = QDir(runsFolder()).filePath(runName).toStdString();
    if (m_tokMode->currentIndex() == 1)
        s.tokenizerModel = m_tokFile->text().trimmed().toStdString();
    s.tokenizer.vocabSize = m_vocab->value();
    s.tokenizer.modelType = m_tokType->currentText().toStdString();
    s.tokenizer.hardVocabLimit = false;
    s.model.vocabSize = m_vocab->value(); // replaced by the tokenizer's real size
    s.model.blockSize = m_block->value();
    s.model.nLayer = m_layers->value();
    s.model.nHead = m_heads->value();
    s.model.nEmbd = m_embd->value();
    s.model.dropout = m_dropout->value();
    s.train.batchSize = m_batch->value();
    s.train.gradAccum = m_accum->value();
    s.train.learningRate = m_lr->value();
    s.train.warmupSteps = m_warmup->value();
    s.train.weightDecay = m_decay->value();
    s.train.maxEpochs = m_maxEpochs->value();
    s.train.maxSteps = m_maxSteps->value();
    s.train.evalEvery = m_evalMode->currentIndex() == 1 ? m_evalSteps->value() : 0;
    s.train.seed = static_cast<uint64_t>(m_seed->value());
    s.train.threads = m_threads->value();
    s.train.precision = m_precision->currentData().toString().toStdString();
    s.tokenizer.threads = azllm::effectiveThreads(s.train.threads);
    s.earlyStopping.patience = m_patience->value();
    s.earlyStopping.minDelta = m_minDelta->value();
    s.earlyStopping.restoreBest = m_restoreBest->isChecked();
    return s;
}

void SetupPanel::setLocked(bool locked)
{
    for (QWidget* w : m_inputs)
        w->setEnabled(!locked);
    if (!locked)
        revalidate(); // re-applies the mode-dependent enabling
}

void SetupPanel::saveSettings() const
{
    QSettings s;
    s.beginGroup("setup");
    s.setValue("corpus", corpusPath());
    s.setValue("preset", presetName());
    s.setValue("tokenizerMode", m_tokMode->currentIndex());
    s.setValue("tokenizerType", m_tokType->currentText());
    s.setValue("tokenizerFile", m_tokFile->text());
    for (auto* sp : findChildren<QSpinBox*>())
        if (!sp->objectName().isEmpty())
            s.setValue(sp->objectName(), sp->value());
    for (auto* sp : findChildren<QDoubleSpinBox*>())
        if (!sp->objectName().isEmpty())
            s.setValue(sp->objectName(), sp->value());
    s.setValue("evalMode", m_evalMode->currentIndex());
    s.setValue("restoreBest", m_restoreBest->isChecked());
    s.setValue("precision", m_precision->currentData());
    s.setValue("runs", runsFolder());
}

void SetupPanel::loadSettings()
{
    QSettings s;
    s.beginGroup("setup");
    if (!s.contains("preset"))
        return; // first start: demo corpus and the tiny preset
    m_preset->setCurrentText(s.value("preset").toString());
    m_applyingPreset = true;
    for (auto* sp : findChildren<QSpinBox*>())
        if (s.contains(sp->objectName()))
            sp->setValue(s.value(sp->objectName()).toInt());
    for (auto* sp : findChildren<QDoubleSpinBox*>())
        if (s.contains(sp->objectName()))
            sp->setValue(s.value(sp->objectName()).toDouble());
    m_tokMode->setCurrentIndex(s.value("tokenizerMode", 0).toInt());
    m_tokType->setCurrentText(s.value("tokenizerType", "unigram").toString());
    m_tokFile->setText(s.value("tokenizerFile").toString());
    m_evalMode->setCurrentIndex(s.value("evalMode", 0).toInt());
    m_restoreBest->setChecked(s.value("restoreBest", true).toBool());
    m_precision->setCurrentIndex(std::max(0, m_precision->findData(s.value("precision", "fp32"))));
    m_runs->setText(s.value("runs", m_runs->text()).toString());
    m_applyingPreset = false;
    setCorpusPath(s.value("corpus", kDemoLabel).toString());
}
