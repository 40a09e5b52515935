// azllm-studio: the desktop application. Composition only.
#include "chatpanel.h"
#include "language.h"
#include "mainwindow.h"
#include "platform.h"

#include <QAction>
#include <QApplication>
#include <QCommandLineParser>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTimer>

#include <cstdio>
#include <cstdlib>

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
    parser.addOption(autoTrain);
    parser.addOption(shot);
    parser.addOption(chat);
    parser.process(app);

    // On the heap: View > Language replaces the window with one in the new language.
    auto* first = new MainWindow;
    first->setAttribute(Qt::WA_DeleteOnClose);
    first->show();
    MainWindow& w = *first;
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
