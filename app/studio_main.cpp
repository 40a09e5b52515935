// azllm-studio: the desktop application. Composition only.
#include "chatpanel.h"
#include "language.h"
#include "mainwindow.h"
#include "platform.h"

#include <QAction>
#include <QApplication>
#include <QCommandLineParser>
#include <QEvent>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTimer>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace {
// Seconds since this process started (it keeps its start time across the OMP re-exec), from
// /proc/self/stat (field 22, clock ticks since boot) and /proc/uptime; -1 when unavailable.
double secondsSinceProcessStart()
{
    std::ifstream stat("/proc/self/stat"), up("/proc/uptime");
    std::string s((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const size_t paren = s.rfind(')');
    double uptime = 0;
    if (paren == std::string::npos || !(up >> uptime))
        return -1;
    std::istringstream fields(s.substr(paren + 2));
    std::string f;
    for (int i = 3; i <= 22 && fields >> f; ++i) {
        if (i == 22)
            return uptime - std::stod(f) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }
    return -1;
}
} // namespace

int main(int argc, char** argv)
{
    azllm::ensureFastThreading(argc, argv);
    const bool hasDisplay = std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY") || std::getenv("QT_QPA_PLATFORM");
    if (!hasDisplay) {
        std::fprintf(stderr,
                     "azllm-studio: no display found (DISPLAY/WAYLAND_DISPLAY unset). Run it under a desktop session or "
                     "xvfb-run, or use the headless command line: azllm train --corpus demo --run-dir runs/demo\n");
        return 1;
    }
    QApplication app(argc, argv);
    QApplication::setOrganizationName("AzLLM");
    QApplication::setApplicationName("AzLLM Studio");
    QApplication::setApplicationVersion(AZLLM_VERSION);
    installUiTranslator(&app);
    QCommandLineParser parser;
    parser.setApplicationDescription("AzLLM Studio: train, early-stop and chat with small GPT models");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption autoTrain("train", "Start training with the current settings right away.");
    QCommandLineOption shot("screenshot", "After the run ends, save the window to FILE (PNG) and quit.", "FILE");
    QCommandLineOption chat("chat", "With --screenshot: once the run has ended, send PROMPT in the chat panel and save the "
                                    "window after the reply.", "PROMPT");
    QCommandLineOption startupTime("startup-time", "Print how long the window took to appear after the process started, and quit.");
    parser.addOption(startupTime);
    parser.addOption(autoTrain);
    parser.addOption(shot);
    parser.addOption(chat);
    parser.process(app);

    // On the heap: View > Language replaces the window with one in the new language.
    auto* first = new MainWindow;
    first->setAttribute(Qt::WA_DeleteOnClose);
    first->show();
    MainWindow& w = *first;
    if (parser.isSet(startupTime)) {
        // The first paint of the window is when the user sees it.
        struct FirstPaint : QObject {
            bool eventFilter(QObject*, QEvent* e) override
            {
                if (e->type() == QEvent::Paint && !done) {
                    done = true;
                    std::printf("azllm-studio: window painted %.0f ms after the process started\n", 1000.0 * secondsSinceProcessStart());
                    QTimer::singleShot(0, [] { QApplication::exit(0); });
                }
                return false;
            }
            bool done = false;
        };
        first->installEventFilter(new FirstPaint);
    }
    if (parser.isSet(autoTrain))
        QTimer::singleShot(0, &w, [&w] { w.trainAction()->trigger(); });
    if (parser.isSet(shot)) {
        const QString file = parser.value(shot);
        const QString prompt = parser.value(chat);
        auto save = [&w, file] {
            // Let the plot's replot timer draw the final markers first.
            QTimer::singleShot(400, &w, [&w, file] {
                const bool ok = w.grab().save(file);
                std::fprintf(stderr, ok ? "azllm-studio: saved %s\n" : "azllm-studio: could not save %s\n", qPrintable(file));
                QApplication::exit(ok ? 0 : 1);
            });
        };
        auto* poll = new QTimer(&w);
        QObject::connect(poll, &QTimer::timeout, &w, [&w, poll, prompt, save] {
            if (w.state() != MainWindow::State::Idle)
                return;
            if (prompt.isEmpty()) {
                poll->stop();
                save();
                return;
            }
            ChatPanel* c = w.chatPanel();
            if (!c->hasModel() || !c->sendButton()->isEnabled())
                return; // the best checkpoint is still loading
            poll->stop();
            QObject::connect(c, &ChatPanel::replyFinished, &w, [save] { save(); });
            c->promptEdit()->setPlainText(prompt);
            c->send();
        });
        QTimer::singleShot(1000, poll, [poll] { poll->start(200); });
    }
    return app.exec();
}
