// Sample strip (see samplestrip.h).
#include "samplestrip.h"

#include "chatworker.h"
#include "config.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QVBoxLayout>

SampleStrip::SampleStrip(QWidget* parent)
    : QWidget(parent), m_worker(new azllm::ChatWorker(this)), m_prompt(new QLineEdit(QStringLiteral("Hər kəs"))), m_list(new QListWidget)
{
    m_prompt->setObjectName("samplePrompt");
    m_prompt->setToolTip(tr("After each evaluation the model continues this prompt (greedy, 24 tokens)"));
    m_list->setObjectName("sampleList");
    auto* row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Samples after each evaluation, prompt:")));
    row->addWidget(m_prompt, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(row);
    layout->addWidget(m_list, 1);

    using W = azllm::ChatWorker;
    connect(m_worker, &W::loaded, this, [this](const QString&, int, qint64 step) {
        m_step = step;
        m_text.clear();
        azllm::SamplingConfig s;
        s.temperature = 0; // greedy: differences come from the weights alone
        s.repetitionPenalty = 1.0;
        s.maxNewTokens = 24;
        s.stop = {"\n"};
        if (!m_worker->generate(m_prompt->text(), s)) {
            m_busy = false;
            startNext();
        }
    });
    connect(m_worker, &W::loadFailed, this, [this](const QString& message) {
        m_list->addItem(tr("(no sample: %1)").arg(message));
        m_busy = false;
        startNext();
    });
    connect(m_worker, &W::piece, this, [this](const QString& t) { m_text += t; });
    connect(m_worker, &W::finished, this, [this](const QString&, int, double, double, bool) {
        // The val loss belongs to the evaluation asked for; a later checkpoint has none to show.
        const QString line = m_step == m_runningStep
                                 ? tr("step %1 · val %2 · %3%4").arg(m_step).arg(m_runningVal, 0, 'f', 3).arg(m_prompt->text(), m_text)
                                 : tr("step %1 · %2%3").arg(m_step).arg(m_prompt->text(), m_text);
        m_list->addItem(line);
        m_list->scrollToBottom();
        Q_EMIT sampleAdded(m_step, m_text);
        m_busy = false;
        startNext();
    });
    connect(m_worker, &W::failed, this, [this](const QString& message) {
        m_list->addItem(tr("(no sample: %1)").arg(message));
        m_busy = false;
        startNext();
    });
}

SampleStrip::~SampleStrip()
{
    m_worker->stop();
    m_worker->wait();
}

void SampleStrip::requestSample(const QString& runDir, qint64 step, double valLoss)
{
    m_pendingRun = runDir;
    m_pendingStep = step;
    m_pendingVal = valLoss;
    startNext();
}

void SampleStrip::startNext()
{
    if (m_busy || m_pendingRun.isEmpty() || m_worker->isBusy())
        return;
    m_busy = true;
    m_runningVal = m_pendingVal;
    m_runningStep = m_pendingStep;
    const QString run = m_pendingRun;
    m_pendingRun.clear();
    if (!m_worker->load(run, QStringLiteral("last")))
        m_busy = false;
}

void SampleStrip::clear()
{
    m_list->clear();
    m_pendingRun.clear();
}

int SampleStrip::count() const { return m_list->count(); }
QString SampleStrip::rowText(int i) const { return m_list->item(i) ? m_list->item(i)->text() : QString(); }
bool SampleStrip::isBusy() const { return m_busy; }
