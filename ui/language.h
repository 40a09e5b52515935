// UI language: English or Azerbaijani (Qt Linguist .ts compiled to .qm and embedded), chosen in
// the View > Language menu and stored in QSettings; "system" follows the system locale.
#pragma once

#include <QString>

class QCoreApplication;

QString languageSetting();                // "system", "en" or "az"
void setLanguageSetting(const QString& lang);
// Loads the translator for the setting (or the system locale) into app; returns "en" or "az".
QString installUiTranslator(QCoreApplication* app);
