// Sample strip: after each evaluation, a short greedy continuation of a user-set prompt is
// generated from that evaluation's weights (the run's `last` checkpoint, read from disk on a
// background thread, never the live weights) and listed with its step and validation loss, so the
// text can be seen improving and then overfitting. At most one sample is in flight; evaluations
// that arrive meanwhile are folded into the next one (the row names the step actually sampled).
#pragma once

#include <QWidget>

class QLineEdit;
class QListWidget;
namespace azllm {
class ChatWorker;
}

class SampleStrip : public QWidget {
    Q_OBJECT
public:
    explicit SampleStrip(QWidget* parent = nullptr);
    ~SampleStrip() override;

    // The run's last checkpoint now holds an evaluation's weights (val loss for the label).
    void requestSample(const QString& runDir, qint64 step, double valLoss);
    void clear();
    int count() const;
    QString rowText(int i) const;
    QLineEdit* promptEdit() const { return m_prompt; }
    bool isBusy() const;

Q_SIGNALS:
    void sampleAdded(qint64 step, const QString& text);

private:
    void startNext();

    azllm::ChatWorker* m_worker;
    QLineEdit* m_prompt;
    QListWidget* m_list;
    QString m_pendingRun;
    double m_pendingVal = 0, m_runningVal = 0;
    qint64 m_pendingStep = -1, m_runningStep = -1;
    qint64 m_step = -1;
    QString m_text;
    bool m_busy = false;
};
