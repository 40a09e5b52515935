// azllm: the headless command line (see cli.h).
#include "cli.h"
#include "platform.h"

#include <QCoreApplication>

#include <string>

int main(int argc, char** argv)
{
    // Only commands that run tensor work pay for the re-exec (about 0.8 s of LibTorch start-up).
    if (argc > 1) {
        const std::string cmd = argv[1];
        if (cmd == "train" || cmd == "bench" || cmd == "generate" || cmd == "chat" || cmd == "score" || cmd == "export")
            azllm::ensureFastThreading(argc, argv);
    }
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("azllm");
    QCoreApplication::setApplicationVersion(AZLLM_VERSION);
    return azllm::cli::run(argc, argv);
}
