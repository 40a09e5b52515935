// Setup form: corpus (file or folder; the bundled demo by default) with statistics, tokenizer
// (train a new one with a vocabulary size and type, or load a .model), preset and its model
// fields, optimizer fields, early stopping (patience, min delta, evaluate every epoch or N steps,
// max epochs/steps, restore best), seed, threads and the runs folder. Produces an
// azllm::RunSetup. Every change is validated at once: problems() names the first invalid value
// and the panel shows it (Train stays disabled). Locked while a run is active; values persist in
// QSettings between sessions.
#pragma once

#include "corpus.h"
#include "run.h"

#include <QWidget>

#include <atomic>
#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

class SetupPanel : public QWidget {
    Q_OBJECT
public:
    explicit SetupPanel(QWidget* parent = nullptr);
    ~SetupPanel() override;

    // A setup for a new run in runsFolder()/<name>.
    azllm::RunSetup runSetup(const QString& runName) const;
    // Empty when every value is valid, else a message naming the field and what to do.
    QString validate() const;
    QString corpusPath() const;
    QString presetName() const;
    QString runsFolder() const;
    void setCorpusPath(const QString& path);
    void setLocked(bool locked);
    void saveSettings() const;
    void loadSettings();

Q_SIGNALS:
    void changed();

private:
    void refreshCorpusStats();
    void showCorpusStats(const QString& path, const azllm::Result<azllm::Corpus>& corpus);
    void applyPreset(const QString& name);
    void revalidate();

    QLineEdit* m_corpus;
    QLabel* m_corpusStats;
    QComboBox* m_tokMode;
    QSpinBox* m_vocab;
    QComboBox* m_tokType;
    QLineEdit* m_tokFile;
    QPushButton* m_tokBrowse;
    QComboBox* m_preset;
    QSpinBox* m_block;
    QSpinBox* m_layers;
    QSpinBox* m_heads;
    QSpinBox* m_embd;
    QDoubleSpinBox* m_dropout;
    QLabel* m_params;
    QDoubleSpinBox* m_lr;
    QSpinBox* m_batch;
    QSpinBox* m_accum;
    QSpinBox* m_warmup;
    QDoubleSpinBox* m_decay;
    QSpinBox* m_patience;
    QDoubleSpinBox* m_minDelta;
    QComboBox* m_evalMode;
    QSpinBox* m_evalSteps;
    QSpinBox* m_maxEpochs;
    QSpinBox* m_maxSteps;
    QCheckBox* m_restoreBest;
    QSpinBox* m_seed;
    QSpinBox* m_threads;
    QComboBox* m_precision;
    QLineEdit* m_runs;
    QLabel* m_problem;
    QList<QWidget*> m_inputs; // locked while a run is active
    bool m_applyingPreset = false;
    // A corpus over a few MiB is scanned on a worker thread (it is read as a stream); this
    // cancels the one in flight when another is chosen or the panel goes away.
    std::shared_ptr<std::atomic<bool>> m_scanCancel;
    QList<class QThread*> m_scanThreads; // running scans, cancelled ones included
};
