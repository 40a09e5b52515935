// azllm-studio: the desktop application. Composition only.
#include "mainwindow.h"
#include "platform.h"

#include <QApplication>

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
    MainWindow w;
    w.show();
    return app.exec();
}
