// UI language (see language.h).
#include "language.h"

#include <QCoreApplication>
#include <QLocale>
#include <QSettings>
#include <QTranslator>

QString languageSetting() { return QSettings().value("ui/language", "system").toString(); }

void setLanguageSetting(const QString& lang) { QSettings().setValue("ui/language", lang); }

QString installUiTranslator(QCoreApplication* app)
{
    static QTranslator* installed = nullptr;
    if (installed) {
        app->removeTranslator(installed);
        delete installed;
        installed = nullptr;
    }
    QString lang = languageSetting();
    if (lang == "system")
        lang = QLocale::system().language() == QLocale::Azerbaijani ? "az" : "en";
    if (lang != "az")
        return "en";
    auto* t = new QTranslator(app);
    if (!t->load(QStringLiteral(":/i18n/azllm_az.qm"))) {
        delete t;
        return "en";
    }
    app->installTranslator(t);
    installed = t;
    return lang;
}
