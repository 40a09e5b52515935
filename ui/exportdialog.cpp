// Export dialog (see exportdialog.h).
#include "exportdialog.h"

#include "chatworker.h"
#include "export.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

ExportDialog::ExportDialog(const QString& runDir, QWidget* parent)
    : QDialog(parent), m_runDir(runDir), m_worker(new azllm::ExportWorker(this)), m_out(new QLineEdit), m_format(new QComboBox),
      m_dtype(new QComboBox), m_checkpoint(new QComboBox), m_export(new QPushButton(tr("Export"))),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Close)), m_result(new QLabel)
{
    setWindowTitle(tr("Export %1").arg(QFileInfo(runDir).fileName()));
    m_out->setText(QDir(runDir).filePath("export"));
    m_out->setObjectName("exportOut");
    m_format->addItem(tr("PyTorch state dict and Hugging Face folder"), "all");
    m_format->addItem(tr("PyTorch state dict (<run>_final.pt) only"), "pt");
    m_format->addItem(tr("Hugging Face folder (hf/) only"), "hf");
    m_dtype->addItem(tr("float32 (exact)"), "fp32");
    m_dtype->addItem(tr("bfloat16 (half the size)"), "bf16");
    m_dtype->addItem(tr("float16 (half the size)"), "fp16");
    m_checkpoint->addItem(tr("best (lowest validation loss)"), "best");
    m_checkpoint->addItem(tr("last"), "last");
    m_result->setObjectName("exportResult");
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_result->setText(tr("Writes %1_final.pt (model weights only, eval mode, no optimizer state) with config.json and "
                         "tokenizer.model, and a Hugging Face GPT-2 folder hf/.")
                          .arg(QFileInfo(runDir).fileName()));

    auto* browse = new QPushButton(tr("Browse…"));
    auto* outRow = new QHBoxLayout;
    outRow->addWidget(m_out, 1);
    outRow->addWidget(browse);
    auto* form = new QFormLayout;
    form->addRow(tr("Output folder"), outRow);
    form->addRow(tr("Format"), m_format);
    form->addRow(tr("Weights"), m_dtype);
    form->addRow(tr("Checkpoint"), m_checkpoint);
    m_buttons->addButton(m_export, QDialogButtonBox::ActionRole);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_result);
    layout->addWidget(m_buttons);
    resize(620, 260);

    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Export into"), m_out->text());
        if (!dir.isEmpty())
            m_out->setText(dir);
    });
    connect(m_export, &QPushButton::clicked, this, &ExportDialog::startExport);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ExportDialog::reject);
    connect(m_worker, &azllm::ExportWorker::finished, this,
            [this](const QString& pt, const QString& hf, qint64 params, qint64 step, const QStringList& files) {
                m_ok = true;
                m_running = false;
                m_ptPath = pt;
                m_hfDir = hf;
                qint64 total = 0;
                QString list;
                for (const QString& f : files) {
                    const auto parts = f.split('\t');
                    total += parts.value(1).toLongLong();
                    list += QString("%1  (%2)<br>").arg(parts.value(0).toHtmlEscaped(), QLocale().formattedDataSize(parts.value(1).toLongLong()));
                }
                m_result->setText(tr("<b>Exported</b> step %1, %2 parameters, %3 in all:<br>%4")
                                      .arg(step)
                                      .arg(QLocale().toString(params))
                                      .arg(QLocale().formattedDataSize(total), list));
                m_export->setEnabled(true);
                m_buttons->setEnabled(true);
                Q_EMIT exportFinished(true, pt.isEmpty() ? hf : pt);
            });
    connect(m_worker, &azllm::ExportWorker::failed, this, [this](const QString& message) {
        m_ok = false;
        m_running = false;
        m_result->setText(tr("<b>Export failed:</b> %1").arg(message.toHtmlEscaped()));
        m_export->setEnabled(true);
        m_buttons->setEnabled(true);
        Q_EMIT exportFinished(false, message);
    });
}

ExportDialog::~ExportDialog() { m_worker->wait(); }

bool ExportDialog::isRunning() const { return m_running; }

void ExportDialog::startExport()
{
    if (m_running)
        return;
    azllm::ExportOptions o;
    o.runDir = m_runDir.toStdString();
    o.outDir = m_out->text().trimmed().toStdString();
    o.format = m_format->currentData().toString().toStdString();
    o.dtype = m_dtype->currentData().toString().toStdString();
    o.checkpoint = m_checkpoint->currentData().toString().toStdString();
    if (auto st = azllm::validateExportOptions(o); !st) {
        m_result->setText(tr("<b>Cannot export:</b> %1").arg(QString::fromStdString(st.message()).toHtmlEscaped()));
        return;
    }
    m_ok = false;
    m_export->setEnabled(false);
    m_buttons->setEnabled(false);
    m_result->setText(tr("Exporting…"));
    m_running = m_worker->start(o);
}

void ExportDialog::reject()
{
    if (m_running)
        return; // finishes quickly; closing mid-way would hide the result
    QDialog::reject();
}
