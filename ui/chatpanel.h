// Chat panel: a transcript, a prompt box (Enter sends, Shift+Enter adds a line), Send / Stop /
// Regenerate / Clear, sampling controls and the model source (the current run's best checkpoint,
// offered as soon as one exists, or Open model… for an export or Hugging Face folder). Replies
// stream in piece by piece from a ChatWorker on a background thread. The model continues the
// conversation as text: each turn is one line, and a reply ends at the end of its line unless
// "one line per reply" is off.
#pragma once

#include <QWidget>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
namespace azllm {
class ChatWorker;
struct SamplingConfig;
}

class ChatPanel : public QWidget {
    Q_OBJECT
public:
    explicit ChatPanel(QWidget* parent = nullptr);
    ~ChatPanel() override;

    // The current run's best checkpoint exists or changed: use it (reloaded before the next reply).
    void setRunSource(const QString& runDir);
    // Loads an export folder, Hugging Face folder or run directory now.
    void openModel(const QString& path);
    void send();
    void stop();
    void regenerate();
    void clear();

    QPlainTextEdit* promptEdit() const { return m_prompt; }
    QPlainTextEdit* transcript() const { return m_transcript; }
    QPushButton* sendButton() const { return m_send; }
    QPushButton* stopButton() const { return m_stopButton; }
    QPushButton* regenerateButton() const { return m_regenerate; }
    QPushButton* clearButton() const { return m_clear; }
    QLabel* statusLabel() const { return m_status; }
    bool isGenerating() const { return m_generating; }
    bool hasModel() const;
    azllm::ChatWorker* worker() const { return m_worker; }
    azllm::SamplingConfig sampling() const;
    QString lastReply() const { return m_reply; }

Q_SIGNALS:
    void replyFinished(const QString& stopReason);

protected:
    bool eventFilter(QObject* o, QEvent* e) override;

private:
    void startReply();
    void appendTranscript(const QString& text);
    void updateButtons();

    azllm::ChatWorker* m_worker;
    QPlainTextEdit* m_transcript;
    QPlainTextEdit* m_prompt;
    QPushButton* m_send;
    QPushButton* m_stopButton;
    QPushButton* m_regenerate;
    QPushButton* m_clear;
    QPushButton* m_open;
    QLabel* m_source;
    QLabel* m_status;
    QDoubleSpinBox* m_temperature;
    QSpinBox* m_topK;
    QDoubleSpinBox* m_topP;
    QDoubleSpinBox* m_minP;
    QDoubleSpinBox* m_repetition;
    QSpinBox* m_maxNew;
    QSpinBox* m_seed;
    QCheckBox* m_oneLine;

    QString m_history;       // the conversation as the model sees it
    QString m_pendingUser;   // the user turn being answered
    QString m_reply;         // the reply being streamed
    int m_replyStart = -1;   // transcript position where the reply began
    QString m_runDir;        // run source; reloaded when stale
    bool m_stale = false;
    bool m_generating = false;
    bool m_loading = false;
    bool m_sendAfterLoad = false;
};
