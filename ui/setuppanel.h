// Setup form: corpus (the bundled demo by default), preset, early stopping and a few optimizer
// fields, and where runs are saved. Produces an azllm::RunSetup; locked while a run is active.
// Values persist in QSettings between sessions.
#pragma once

#include "run.h"

#include <QWidget>

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

    // A setup for a new run in runsFolder()/<name>; empty message when valid.
    azllm::RunSetup runSetup(const QString& runName) const;
    QString validate() const;
    QString corpusPath() const;
    QString presetName() const;
    QString runsFolder() const;
    void setCorpusPath(const QString& path);
    void setLocked(bool locked);
    void saveSettings() const;
    void loadSettings();

signals:
    void changed();

private:
    void refreshCorpusStats();
    void applyPreset(const QString& name);

    QLineEdit* m_corpus;
    QPushButton* m_browseCorpus;
    QLabel* m_corpusStats;
    QComboBox* m_preset;
    QSpinBox* m_vocab;
    QSpinBox* m_batch;
    QDoubleSpinBox* m_lr;
    QSpinBox* m_patience;
    QDoubleSpinBox* m_minDelta;
    QSpinBox* m_maxEpochs;
    QSpinBox* m_seed;
    QSpinBox* m_threads;
    QLineEdit* m_runs;
    QPushButton* m_browseRuns;
};
