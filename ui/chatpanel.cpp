// Chat panel (see chatpanel.h).
#include "chatpanel.h"

#include "chatworker.h"
#include "config.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSpinBox>
#include <QTextCursor>
#include <QVBoxLayout>

ChatPanel::ChatPanel(QWidget* parent)
    : QWidget(parent), m_worker(new azllm::ChatWorker(this)), m_transcript(new QPlainTextEdit), m_prompt(new QPlainTextEdit),
      m_send(new QPushButton(tr("Send"))), m_stopButton(new QPushButton(tr("Stop"))), m_regenerate(new QPushButton(tr("Regenerate"))),
      m_clear(new QPushButton(tr("Clear"))), m_open(new QPushButton(tr("Open model…"))), m_source(new QLabel), m_status(new QLabel),
      m_temperature(new QDoubleSpinBox), m_topK(new QSpinBox), m_topP(new QDoubleSpinBox), m_minP(new QDoubleSpinBox),
      m_repetition(new QDoubleSpinBox), m_maxNew(new QSpinBox), m_seed(new QSpinBox), m_oneLine(new QCheckBox(tr("One line per reply")))
{
    const azllm::SamplingConfig d;
    m_transcript->setReadOnly(true);
    m_transcript->setObjectName("chatTranscript");
    m_transcript->setPlaceholderText(tr("Replies appear here, token by token."));
    m_prompt->setObjectName("chatPrompt");
    m_prompt->setPlaceholderText(tr("Type a prompt — Enter sends, Shift+Enter adds a line"));
    m_prompt->setMaximumHeight(80);
    m_prompt->installEventFilter(this);
    m_source->setObjectName("chatSource");
    m_source->setWordWrap(true);
    m_source->setText(tr("No model yet: train until the first evaluation, or open an export."));
    m_status->setObjectName("chatStatus");

    m_temperature->setRange(0, 5);
    m_temperature->setSingleStep(0.05);
    m_temperature->setValue(d.temperature);
    m_temperature->setToolTip(tr("0 = greedy (always the most likely token)"));
    m_topK->setRange(0, 100000);
    m_topK->setValue(d.topK);
    m_topK->setToolTip(tr("Keep the K most likely tokens; 0 = off"));
    m_topP->setRange(0.01, 1.0);
    m_topP->setSingleStep(0.01);
    m_topP->setValue(d.topP);
    m_topP->setToolTip(tr("Keep the most likely tokens up to this probability mass; 1 = off"));
    m_minP->setRange(0, 0.99);
    m_minP->setSingleStep(0.01);
    m_minP->setValue(d.minP);
    m_minP->setToolTip(tr("Drop tokens less likely than this fraction of the best one; 0 = off"));
    m_repetition->setRange(0.5, 3.0);
    m_repetition->setSingleStep(0.05);
    m_repetition->setValue(d.repetitionPenalty);
    m_repetition->setToolTip(tr("Above 1 makes tokens already in the conversation less likely; 1 = off"));
    m_maxNew->setRange(1, 100000);
    m_maxNew->setValue(d.maxNewTokens);
    m_seed->setRange(-1, 2147483647);
    m_seed->setValue(-1);
    m_seed->setSpecialValueText(tr("random"));
    m_seed->setToolTip(tr("The same seed gives the same reply; random = a new one each time"));
    m_oneLine->setChecked(true);
    m_temperature->setObjectName("temperature");
    m_topK->setObjectName("topK");
    m_topP->setObjectName("topP");
    m_minP->setObjectName("minP");
    m_repetition->setObjectName("repetitionPenalty");
    m_maxNew->setObjectName("maxNewTokens");
    m_seed->setObjectName("seed");

    auto* sampling = new QGroupBox(tr("Sampling"));
    auto* form = new QFormLayout(sampling);
    form->addRow(tr("Temperature"), m_temperature);
    form->addRow(tr("Top-k"), m_topK);
    form->addRow(tr("Top-p"), m_topP);
    form->addRow(tr("Min-p"), m_minP);
    form->addRow(tr("Repetition penalty"), m_repetition);
    form->addRow(tr("Max new tokens"), m_maxNew);
    form->addRow(tr("Seed"), m_seed);
    form->addRow(m_oneLine);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_send);
    buttons->addWidget(m_stopButton);
    buttons->addWidget(m_regenerate);
    buttons->addWidget(m_clear);
    auto* sourceRow = new QHBoxLayout;
    sourceRow->addWidget(m_source, 1);
    sourceRow->addWidget(m_open);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(sourceRow);
    layout->addWidget(m_transcript, 1);
    layout->addWidget(m_prompt);
    layout->addLayout(buttons);
    layout->addWidget(m_status);
    layout->addWidget(sampling);

    connect(m_send, &QPushButton::clicked, this, &ChatPanel::send);
    connect(m_stopButton, &QPushButton::clicked, this, &ChatPanel::stop);
    connect(m_regenerate, &QPushButton::clicked, this, &ChatPanel::regenerate);
    connect(m_clear, &QPushButton::clicked, this, &ChatPanel::clear);
    connect(m_open, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a model folder (export, Hugging Face folder or run)"));
        if (!dir.isEmpty())
            openModel(dir);
    });

    using W = azllm::ChatWorker;
    connect(m_worker, &W::loaded, this, [this](const QString& description, int, qint64) {
        m_loading = false;
        m_stale = false;
        m_source->setText(tr("Model: %1").arg(description));
        m_status->setText(tr("ready"));
        updateButtons();
        if (m_sendAfterLoad) {
            m_sendAfterLoad = false;
            startReply();
        }
    });
    connect(m_worker, &W::loadFailed, this, [this](const QString& message) {
        m_loading = false;
        m_sendAfterLoad = false;
        m_status->setText(tr("cannot load the model: %1").arg(message));
        if (!m_pendingUser.isEmpty()) {
            appendTranscript(tr("[no reply: the model could not be loaded]\n"));
            m_pendingUser.clear();
        }
        updateButtons();
    });
    connect(m_worker, &W::piece, this, [this](const QString& text) {
        m_reply += text;
        appendTranscript(text);
    });
    connect(m_worker, &W::finished, this, [this](const QString& reason, int tokens, double tps, double firstMs, bool truncated) {
        m_generating = false;
        if (reason == "cancelled")
            appendTranscript(tr(" [stopped]"));
        appendTranscript("\n");
        m_history += m_pendingUser + "\n" + m_reply + "\n";
        m_status->setText(tr("%1 tokens · %2 tokens/s · first token after %3 ms · stopped: %4%5")
                              .arg(tokens)
                              .arg(tps, 0, 'f', 1)
                              .arg(firstMs, 0, 'f', 0)
                              .arg(reason)
                              .arg(truncated ? tr(" · only the most recent context fits the model") : QString()));
        updateButtons();
        Q_EMIT replyFinished(reason);
    });
    connect(m_worker, &W::failed, this, [this](const QString& message) {
        m_generating = false;
        appendTranscript("\n");
        m_status->setText(tr("generation failed: %1").arg(message));
        updateButtons();
        Q_EMIT replyFinished("failed");
    });
    updateButtons();
}

ChatPanel::~ChatPanel()
{
    m_worker->stop();
    m_worker->wait();
}

bool ChatPanel::hasModel() const { return m_worker->hasModel(); }

azllm::SamplingConfig ChatPanel::sampling() const
{
    azllm::SamplingConfig s;
    s.temperature = m_temperature->value();
    s.topK = m_topK->value();
    s.topP = m_topP->value();
    s.minP = m_minP->value();
    s.repetitionPenalty = m_repetition->value();
    s.maxNewTokens = m_maxNew->value();
    s.seed = m_seed->value();
    if (m_oneLine->isChecked())
        s.stop = {"\n"};
    return s;
}

void ChatPanel::setRunSource(const QString& runDir)
{
    if (!m_runDir.isEmpty() && m_runDir == runDir && hasModel()) {
        m_stale = true; // a newer best checkpoint: reload before the next reply
        return;
    }
    m_runDir = runDir;
    if (!m_worker->isBusy()) {
        m_loading = true;
        m_worker->load(runDir);
    } else {
        m_stale = true;
    }
    updateButtons();
}

void ChatPanel::openModel(const QString& path)
{
    if (m_worker->isBusy())
        return;
    m_runDir.clear();
    m_loading = true;
    m_status->setText(tr("loading %1…").arg(path));
    m_worker->load(path);
    updateButtons();
}

bool ChatPanel::eventFilter(QObject* o, QEvent* e)
{
    if (o == m_prompt && e->type() == QEvent::KeyPress) {
        auto* k = static_cast<QKeyEvent*>(e);
        if ((k->key() == Qt::Key_Return || k->key() == Qt::Key_Enter) && !(k->modifiers() & Qt::ShiftModifier)) {
            send();
            return true;
        }
    }
    return QWidget::eventFilter(o, e);
}

void ChatPanel::send()
{
    const QString text = m_prompt->toPlainText().trimmed();
    if (text.isEmpty() || m_generating || m_loading || !hasModel())
        return;
    m_prompt->clear();
    m_pendingUser = text;
    appendTranscript(tr("You: %1\n").arg(text));
    if (m_stale && !m_runDir.isEmpty() && !m_worker->isBusy()) {
        m_loading = true;
        m_sendAfterLoad = true;
        m_worker->load(m_runDir); // a fresh snapshot of the best checkpoint first
        updateButtons();
        return;
    }
    startReply();
}

void ChatPanel::startReply()
{
    m_reply.clear();
    appendTranscript(tr("Model: "));
    m_replyStart = m_transcript->document()->characterCount() - 1;
    // The conversation so far, one turn per line, then the new user turn: the model continues it.
    const QString context = m_history + m_pendingUser + "\n";
    m_generating = m_worker->generate(context, sampling());
    if (!m_generating)
        m_status->setText(tr("the model is busy; try again"));
    else
        m_status->setText(tr("generating…"));
    updateButtons();
}

void ChatPanel::stop()
{
    if (m_generating)
        m_worker->stop();
}

void ChatPanel::regenerate()
{
    if (m_generating || m_loading || !hasModel())
        return;
    // Take back the last exchange and answer its user turn again.
    const int cut = m_history.lastIndexOf(m_pendingUser + "\n" + m_reply + "\n");
    if (m_pendingUser.isEmpty() || cut < 0)
        return;
    m_history.truncate(cut);
    QTextCursor c(m_transcript->document());
    c.setPosition(m_replyStart);
    c.movePosition(QTextCursor::End, QTextCursor::KeepAnchor);
    c.removeSelectedText();
    m_reply.clear();
    m_replyStart = m_transcript->document()->characterCount() - 1;
    const QString context = m_history + m_pendingUser + "\n";
    m_generating = m_worker->generate(context, sampling());
    m_status->setText(tr("generating…"));
    updateButtons();
}

void ChatPanel::clear()
{
    if (m_generating)
        return;
    m_history.clear();
    m_pendingUser.clear();
    m_reply.clear();
    m_transcript->clear();
    m_status->clear();
    updateButtons();
}

void ChatPanel::appendTranscript(const QString& text)
{
    QTextCursor c(m_transcript->document());
    c.movePosition(QTextCursor::End);
    c.insertText(text);
    m_transcript->verticalScrollBar()->setValue(m_transcript->verticalScrollBar()->maximum());
}

void ChatPanel::updateButtons()
{
    const bool ready = hasModel() && !m_loading;
    m_send->setEnabled(ready && !m_generating);
    m_stopButton->setEnabled(m_generating);
    m_regenerate->setEnabled(ready && !m_generating && !m_pendingUser.isEmpty());
    m_clear->setEnabled(!m_generating);
    m_open->setEnabled(!m_generating && !m_loading);
}
