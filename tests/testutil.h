// Small helpers shared by the Qt Test executables: a scratch directory that cleans up after
// itself, file writing, and where the sources, test data and the built `azllm` binary are.
// Header-only and Qt6::Core only: no LibTorch, no widgets, no test logic.
#pragma once

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QString>
#include <QTemporaryDir>

#include <string>

namespace azllm::test {

// The repository root (for resources/ and tests/data/).
inline QString sourcePath(const QString& relative)
{
    return QDir(QStringLiteral(AZLLM_SOURCE_DIR)).filePath(relative);
}

// Golden fixtures and other committed test inputs live in tests/data/.
inline QString testDataPath(const QString& relative)
{
    return sourcePath(QStringLiteral("tests/data/") + relative);
}

// The azllm command-line tool built alongside the tests.
inline QString azllmBinary()
{
    return QStringLiteral(AZLLM_BINARY_DIR "/bin/azllm");
}

inline QByteArray readAll(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

// Writes bytes exactly as given (no newline translation), creating parent folders.
inline bool writeBytes(const QString& path, const QByteArray& bytes)
{
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return false;
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return f.write(bytes) == bytes.size();
}

// A scratch folder removed when it goes out of scope. Keep it alive for the whole test function
// when a failure message names paths inside it.
class TempDir {
public:
    TempDir() : m_dir(QDir::tempPath() + QStringLiteral("/azllm-test-XXXXXX")) {}
    bool isValid() const { return m_dir.isValid(); }
    QString path() const { return m_dir.path(); }
    // Path of an entry inside the folder (it need not exist).
    QString file(const QString& name) const { return m_dir.filePath(name); }
    std::string str(const QString& name = {}) const
    {
        return (name.isEmpty() ? path() : file(name)).toStdString();
    }
    // Writes name (relative, may contain folders) and returns its path.
    QString write(const QString& name, const QByteArray& bytes) const
    {
        const QString p = file(name);
        return writeBytes(p, bytes) ? p : QString();
    }

private:
    QTemporaryDir m_dir;
};

} // namespace azllm::test
