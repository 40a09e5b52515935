// Export dialog: the output folder (default <run>/export, giving <run>_final.pt and hf/), format,
// dtype and checkpoint; the export runs on a background thread and the dialog reports the paths,
// sizes and parameter count, or the error (nothing partial is left by core).
#pragma once

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;
namespace azllm {
class ExportWorker;
}

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    ExportDialog(const QString& runDir, QWidget* parent = nullptr);
    ~ExportDialog() override;

    QLineEdit* outEdit() const { return m_out; }
    QComboBox* formatBox() const { return m_format; }
    QComboBox* dtypeBox() const { return m_dtype; }
    QPushButton* exportButton() const { return m_export; }
    QLabel* resultLabel() const { return m_result; }
    bool isRunning() const;
    bool succeeded() const { return m_ok; }
    QString ptPath() const { return m_ptPath; }
    QString hfDir() const { return m_hfDir; }
    void startExport();

Q_SIGNALS:
    void exportFinished(bool ok, const QString& summary);

protected:
    void reject() override;

private:
    QString m_runDir;
    azllm::ExportWorker* m_worker;
    QLineEdit* m_out;
    QComboBox* m_format;
    QComboBox* m_dtype;
    QComboBox* m_checkpoint;
    QPushButton* m_export;
    QDialogButtonBox* m_buttons;
    QLabel* m_result;
    bool m_ok = false;
    bool m_running = false; // until finished or failed has arrived
    QString m_ptPath, m_hfDir;
};
