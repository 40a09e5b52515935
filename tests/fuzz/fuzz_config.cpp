// libFuzzer target: JSON parsing of config.json sections and trainer_state.json (early-stopping
// state) from arbitrary bytes. Invariant: never crashes; accepted configs validate.
#include "config.h"
#include "earlystopping.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(reinterpret_cast<const char*>(data), static_cast<int>(size)));
    if (!doc.isObject())
        return 0;
    const QJsonObject o = doc.object();
    if (auto g = azllm::gptConfigFromJson(o["model"].toObject()); g && !g->validate())
        std::abort();
    if (auto t = azllm::trainConfigFromJson(o["train"].toObject()); t && !t->validate())
        std::abort();
    if (auto e = azllm::earlyStoppingConfigFromJson(o["early_stopping"].toObject()); e && !e->validate())
        std::abort();
    (void)azllm::samplingConfigFromJson(o["sampling"].toObject());
    azllm::EarlyStopping es;
    if (es.restoreState(o)) {
        (void)es.update(1.0, 1);
        (void)es.saveState();
    }
    return 0;
}
