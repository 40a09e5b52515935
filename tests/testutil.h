// Small helpers shared by the Qt Test executables: a scratch directory that cleans up after
// itself, file writing, and where the sources, test data and the built `azllm` binary are.
// Header-only and Qt6::Core only: no LibTorch, no widgets, no test logic. Also runs the azllm
// binary (optionally under a small file-size limit, a full disk) and picks out its error line.
#pragma once

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <csignal>
#include <string>
#include <sys/resource.h>

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

struct Proc {
    int code = -1; // -1 when it crashed or timed out
    QString out, err;
};

// Runs program with args (in cwd when given); limitFileSize makes every file write beyond 64 KiB
// fail (a full disk).
inline Proc runProgram(const QString& program, const QStringList& args, const QString& cwd = {}, int timeoutMs = 300000,
                       bool limitFileSize = false)
{
    QProcess p;
    if (!cwd.isEmpty())
        p.setWorkingDirectory(cwd);
    if (limitFileSize) {
        p.setChildProcessModifier([] {
            ::signal(SIGXFSZ, SIG_IGN);
            struct rlimit rl{64 * 1024, 64 * 1024};
            ::setrlimit(RLIMIT_FSIZE, &rl);
        });
    }
    p.start(program, args);
    p.waitForFinished(timeoutMs);
    Proc r;
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

// Runs the azllm binary built alongside the tests.
inline Proc runAzllm(const QStringList& args, int timeoutMs = 300000, bool limitFileSize = false)
{
    return runProgram(azllmBinary(), args, {}, timeoutMs, limitFileSize);
}

// The "azllm: error: ..." line of a run's standard error, or an empty string.
inline QString errorLine(const QString& err)
{
    for (const QString& l : err.split('\n'))
        if (l.startsWith("azllm: error:"))
            return l;
    return {};
}

} // namespace azllm::test
