// Setup form (see setuppanel.h).
#include "setuppanel.h"

#include "corpus.h"
#include "trainer.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>

namespace {
const char* kDemoLabel = "demo";
}

SetupPanel::SetupPanel(QWidget* parent) : QWidget(parent)
{
    auto* form = new QFormLayout(this);
    m_corpus = new QLineEdit(kDemoLabel, this);
    m_corpus->setObjectName("corpusEdit");
    m_corpus->setToolTip(tr("A UTF-8 .txt file, a folder of them, or 'demo' for the bundled Azerbaijani corpus"));
    m_browseCorpus = new QPushButton(tr("Browse…"), this);
    auto* corpusRow = new QHBoxLayout;
    corpusRow->addWidget(m_corpus, 1);
    corpusRow->addWidget(m_browseCorpus);
    form->addRow(tr("Corpus"), corpusRow);
    m_corpusStats = new QLabel(this);
    m_corpusStats->setObjectName("corpusStats");
    m_corpusStats->setWordWrap(true);
    form->addRow(QString(), m_corpusStats);

    m_preset = new QComboBox(this);
    m_preset->setObjectName("presetCombo");
    for (const auto& n : azllm::presetNames())
        m_preset->addItem(QString::fromStdString(n));
    form->addRow(tr("Preset"), m_preset);
    m_vocab = new QSpinBox(this);
    m_vocab->setRange(262, 1000000);
    m_vocab->setToolTip(tr("Largest tokenizer vocabulary; a small corpus gets fewer pieces"));
    form->addRow(tr("Vocabulary (max)"), m_vocab);
    m_batch = new QSpinBox(this);
    m_batch->setRange(1, 4096);
    form->addRow(tr("Batch size"), m_batch);
    m_lr = new QDoubleSpinBox(this);
    m_lr->setDecimals(6);
    m_lr->setRange(0.000001, 1.0);
    m_lr->setSingleStep(0.0001);
    form->addRow(tr("Learning rate"), m_lr);
    m_patience = new QSpinBox(this);
    m_patience->setObjectName("patienceSpin");
    m_patience->setRange(0, 1000);
    m_patience->setValue(3);
    m_patience->setToolTip(tr("Evaluations without improvement before stopping (0 = never)"));
    form->addRow(tr("Patience"), m_patience);
    m_minDelta = new QDoubleSpinBox(this);
    m_minDelta->setDecimals(4);
    m_minDelta->setRange(0, 10);
    form->addRow(tr("Min delta"), m_minDelta);
    m_maxEpochs = new QSpinBox(this);
    m_maxEpochs->setObjectName("maxEpochsSpin");
    m_maxEpochs->setRange(1, 1000000);
    m_maxEpochs->setValue(100);
    form->addRow(tr("Max epochs"), m_maxEpochs);
    m_seed = new QSpinBox(this);
    m_seed->setRange(0, 2147483647);
    m_seed->setValue(1337);
    form->addRow(tr("Seed"), m_seed);
    m_threads = new QSpinBox(this);
    m_threads->setRange(0, 1024);
    m_threads->setSpecialValueText(tr("all cores"));
    form->addRow(tr("Threads"), m_threads);
    m_runs = new QLineEdit(this);
    m_runs->setObjectName("runsEdit");
    m_runs->setText(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/runs");
    m_browseRuns = new QPushButton(tr("Browse…"), this);
    auto* runsRow = new QHBoxLayout;
    runsRow->addWidget(m_runs, 1);
    runsRow->addWidget(m_browseRuns);
    form->addRow(tr("Runs folder"), runsRow);

    connect(m_browseCorpus, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Choose a corpus"), QString(), tr("Text (*.txt)"));
        if (!f.isEmpty())
            setCorpusPath(f);
    });
    connect(m_browseRuns, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Where to save runs"), m_runs->text());
        if (!d.isEmpty())
            m_runs->setText(d);
    });
    connect(m_corpus, &QLineEdit::editingFinished, this, [this] { refreshCorpusStats(); });
    connect(m_preset, &QComboBox::currentTextChanged, this, [this](const QString& n) { applyPreset(n); });
    applyPreset(m_preset->currentText());
    refreshCorpusStats();
}

void SetupPanel::applyPreset(const QString& name)
{
    auto p = azllm::presetByName(name.toStdString());
    if (!p)
        return;
    m_vocab->setValue(static_cast<int>(p->model.vocabSize));
    m_batch->setValue(static_cast<int>(p->train.batchSize));
    m_lr->setValue(p->train.learningRate);
    emit changed();
}

QString SetupPanel::corpusPath() const { return m_corpus->text().trimmed(); }
QString SetupPanel::presetName() const { return m_preset->currentText(); }
QString SetupPanel::runsFolder() const { return m_runs->text().trimmed(); }

void SetupPanel::setCorpusPath(const QString& path)
{
    m_corpus->setText(path);
    refreshCorpusStats();
}

void SetupPanel::refreshCorpusStats()
{
    const QString p = corpusPath();
    auto corpus = azllm::loadCorpus(p == kDemoLabel ? azllm::demoCorpusPath() : p.toStdString());
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
    emit changed();
}

QString SetupPanel::validate() const
{
    if (corpusPath().isEmpty())
        return tr("Choose a corpus (a .txt file or folder), or type 'demo'.");
    if (corpusPath() != kDemoLabel && !QFileInfo::exists(corpusPath()))
        return tr("The corpus '%1' does not exist.").arg(corpusPath());
    if (runsFolder().isEmpty())
        return tr("Choose a folder for runs.");
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
    s.tokenizer.vocabSize = m_vocab->value();
    s.tokenizer.hardVocabLimit = false;
    s.train.batchSize = m_batch->value();
    s.train.learningRate = m_lr->value();
    s.train.maxEpochs = m_maxEpochs->value();
    s.train.seed = static_cast<uint64_t>(m_seed->value());
    s.train.threads = m_threads->value();
    s.tokenizer.threads = azllm::effectiveThreads(s.train.threads);
    s.earlyStopping.patience = m_patience->value();
    s.earlyStopping.minDelta = m_minDelta->value();
    return s;
}

void SetupPanel::setLocked(bool locked)
{
    for (QWidget* w : std::initializer_list<QWidget*>{m_corpus, m_browseCorpus, m_preset, m_vocab, m_batch, m_lr, m_patience,
                                                      m_minDelta, m_maxEpochs, m_seed, m_threads, m_runs, m_browseRuns})
        w->setEnabled(!locked);
}

void SetupPanel::saveSettings() const
{
    QSettings s;
    s.setValue("setup/corpus", corpusPath());
    s.setValue("setup/preset", presetName());
    s.setValue("setup/vocab", m_vocab->value());
    s.setValue("setup/batch", m_batch->value());
    s.setValue("setup/lr", m_lr->value());
    s.setValue("setup/patience", m_patience->value());
    s.setValue("setup/minDelta", m_minDelta->value());
    s.setValue("setup/maxEpochs", m_maxEpochs->value());
    s.setValue("setup/seed", m_seed->value());
    s.setValue("setup/threads", m_threads->value());
    s.setValue("setup/runs", runsFolder());
}

void SetupPanel::loadSettings()
{
    QSettings s;
    if (!s.contains("setup/preset"))
        return; // first start: demo corpus and the tiny preset
    m_preset->setCurrentText(s.value("setup/preset").toString());
    m_vocab->setValue(s.value("setup/vocab", m_vocab->value()).toInt());
    m_batch->setValue(s.value("setup/batch", m_batch->value()).toInt());
    m_lr->setValue(s.value("setup/lr", m_lr->value()).toDouble());
    m_patience->setValue(s.value("setup/patience", 3).toInt());
    m_minDelta->setValue(s.value("setup/minDelta", 0.0).toDouble());
    m_maxEpochs->setValue(s.value("setup/maxEpochs", 100).toInt());
    m_seed->setValue(s.value("setup/seed", 1337).toInt());
    m_threads->setValue(s.value("setup/threads", 0).toInt());
    m_runs->setText(s.value("setup/runs", m_runs->text()).toString());
    setCorpusPath(s.value("setup/corpus", kDemoLabel).toString());
}
