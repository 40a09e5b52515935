// azllm: the headless command line (see cli.h).
#include "cli.h"
#include "platform.h"

#include <QCoreApplication>

int main(int argc, char** argv)
{
    azllm::ensureFastThreading(argc, argv);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("azllm");
    QCoreApplication::setApplicationVersion(AZLLM_VERSION);
    return azllm::cli::run(argc, argv);
}
