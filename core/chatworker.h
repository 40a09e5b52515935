// The Qt edge of generation for the desktop app: loads a model snapshot (a run's best checkpoint
// read from disk, an export or a Hugging Face folder: never live training weights) and generates
// on a background thread, turning text pieces into queued signals. stop() cancels within one
// token. The header has no LibTorch include, so ui/ can use it.
#pragma once

#include "config.h"

#include <QObject>

#include <memory>

namespace azllm {

class ChatWorker : public QObject {
    Q_OBJECT
public:
    explicit ChatWorker(QObject* parent = nullptr);
    ~ChatWorker() override; // cancels and joins

    // Loads in the background (loaded or loadFailed follows); false while busy.
    // checkpoint: "best" or "last" for a run directory.
    bool load(const QString& path, const QString& checkpoint = QStringLiteral("best"));
    // Generates a continuation of prompt (piece ... then finished or failed); false while busy or
    // without a model.
    bool generate(const QString& prompt, const SamplingConfig& s);
    void stop();
    bool isBusy() const;
    bool hasModel() const;
    QString modelPath() const;
    bool wait(int ms = -1);

Q_SIGNALS:
    void loaded(const QString& description, int blockSize, qint64 step); // step -1 when unknown
    void loadFailed(const QString& message);
    void piece(const QString& text);
    void finished(const QString& stopReason, int tokens, double tokensPerS, double firstTokenMs, bool promptTruncated);
    void failed(const QString& message);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

// Runs an export on a background thread (see export.h).
struct ExportOptions;
class ExportWorker : public QObject {
    Q_OBJECT
public:
    explicit ExportWorker(QObject* parent = nullptr);
    ~ExportWorker() override;
    bool start(const ExportOptions& o);
    bool isRunning() const;
    bool wait(int ms = -1);

Q_SIGNALS:
    // files: "path<TAB>bytes" lines
    void finished(const QString& ptPath, const QString& hfDir, qint64 parameters, qint64 step, const QStringList& files);
    void failed(const QString& message);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace azllm
