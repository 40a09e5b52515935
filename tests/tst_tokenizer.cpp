// Tests for core/tokenizer.cpp (sentencepiece behind the dlmopen'd plugin): training unigram and
// BPE models on Azerbaijani text, exact round trips (İ/ı, ə, emoji, empty, 1 MB lines), fixed
// special ids, byte fallback, id<->piece, training errors, golden encodings, tokenizeCorpus, and
// LibTorch running in the same process as the plugin (DESIGN.md: they cannot be linked together).
//
// Regenerate the golden fixture with AZLLM_REGENERATE_GOLDEN=1 (see tests/data/tokenizer/README.md).
// LibTorch before any Qt header: Qt's `slots` macro breaks ATen's ivalue_inl.h.
#include <ATen/ATen.h>

#include "corpus.h"
#include "dataset.h"
#include "testutil.h"
#include "tokenizer.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QtTest>

#include <algorithm>
#include <map>
#include <memory>

using namespace azllm;
using azllm::test::TempDir;

namespace {

constexpr int kVocab = 1000;
constexpr int kGoldenVocab = 400;

// The sentences of tests/data/tokenizer/golden.tsv: Azerbaijani with every special letter, an
// emoji and characters that are not in the demo corpus (byte fallback). No tabs or newlines.
const char* const kGoldenSentences[] = {
    "Bütün insanlar ləyaqət və hüquqlarına görə azad və bərabər doğulurlar.",
    "İstanbul ılıq, ƏLİ əla. Şəki, Gəncə, Quba: çox gözəl!",
    "Hər kəsin yaşamaq, azadlıq və şəxsi toxunulmazlıq hüququ vardır.",
    "Azərbaycan Respublikasının paytaxtı Bakı şəhəridir.",
    "Öyrənmək üçün heç vaxt gec deyil; ağıl yaşda deyil, başdadır.",
    "salam 👋🙂",
    "Çayxanada 3 stəkan çay, 12 qənd və 1 limon.",
    "Qarabağ atları — Xan qızı bulağı",
    "中文 və 日本語: korpusda olmayan simvollar",
    "  iki boşluq  və son boşluq ",
    "ŞÜÖĞÇİƏ şüöğçiə ı",
};

// Training text: the demo corpus plus sentences recombined from its words by a fixed generator,
// so unigram and BPE both have enough text for a 1000-piece vocabulary.
std::string generatedAzerbaijaniText()
{
    const QByteArray udhr = azllm::test::readAll(azllm::test::sourcePath("resources/corpus/az_udhr.txt"));
    const QStringList words = QString::fromUtf8(udhr).split(QRegularExpression("\\s+"), Qt::SkipEmptyParts);
    std::string text = udhr.toStdString();
    uint64_t state = 20240917;
    auto next = [&state] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<uint32_t>(state >> 33);
    };
    for (int line = 0; line < 1500 && !words.isEmpty(); ++line) {
        const int n = 6 + int(next() % 10);
        QStringList picked;
        for (int i = 0; i < n; ++i)
            picked << words[int(next() % uint32_t(words.size()))];
        text += picked.join(' ').toStdString() + "\n";
    }
    return text;
}

std::string join(const std::vector<int32_t>& ids)
{
    std::string s;
    for (int32_t id : ids)
        s += (s.empty() ? "" : " ") + std::to_string(id);
    return s;
}

QString goldenModelPath() { return azllm::test::testDataPath("tokenizer/golden.model"); }
QString goldenTsvPath() { return azllm::test::testDataPath("tokenizer/golden.tsv"); }

// Trains the golden model from the demo corpus and rewrites golden.model and golden.tsv in the
// source tree. Trains with a relative output path so the model's stored trainer flags hold no
// absolute path of this machine.
bool regenerateGolden(QString* error)
{
    auto corpus = loadCorpus(demoCorpusPath());
    if (!corpus) {
        *error = QString::fromStdString(corpus.message());
        return false;
    }
    std::string text;
    for (const auto& d : corpus->documents)
        text += d.text;
    TokenizerTrainConfig cfg;
    cfg.modelType = "unigram";
    cfg.vocabSize = kGoldenVocab;
    cfg.threads = 1;
    const QString dir = QFileInfo(goldenModelPath()).absolutePath();
    if (!QDir().mkpath(dir)) {
        *error = "cannot create " + dir;
        return false;
    }
    const QString cwd = QDir::currentPath();
    QDir::setCurrent(dir);
    const Status st = Tokenizer::train(text, cfg, "golden.model");
    QDir::setCurrent(cwd);
    if (!st) {
        *error = QString::fromStdString(st.message());
        return false;
    }
    auto tok = Tokenizer::load(goldenModelPath().toStdString());
    if (!tok) {
        *error = QString::fromStdString(tok.message());
        return false;
    }
    QByteArray tsv;
    for (const char* s : kGoldenSentences) {
        auto ids = (*tok)->encode(s);
        if (!ids) {
            *error = QString::fromStdString(ids.message());
            return false;
        }
        tsv += QByteArray(s) + '\t' + QByteArray::fromStdString(join(*ids)) + '\n';
    }
    return azllm::test::writeBytes(goldenTsvPath(), tsv);
}

} // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

    TempDir m_dir;
    std::string m_trainingText;
    std::map<QString, std::unique_ptr<Tokenizer>> m_tok; // "unigram", "bpe"

    const Tokenizer& tok(const QString& type) { return *m_tok.at(type); }

    void addModelRows(const char* name, const QByteArray& text)
    {
        for (const char* type : {"unigram", "bpe"})
            QTest::newRow(qPrintable(QString("%1 %2").arg(type, name))) << QString(type) << text;
    }

private Q_SLOTS:
    void initTestCase()
    {
        // LibTorch first, then the plugin: both orders of first use happen in this process.
        QCOMPARE(at::ones({2, 2}).sum().item<float>(), 4.0f);

        if (qEnvironmentVariableIntValue("AZLLM_REGENERATE_GOLDEN") == 1) {
            QString error;
            QVERIFY2(regenerateGolden(&error), qPrintable(error));
            qInfo("regenerated %s and %s", qPrintable(goldenModelPath()), qPrintable(goldenTsvPath()));
        }

        auto plugin = Tokenizer::pluginPath();
        QVERIFY2(plugin.ok(), plugin.message().c_str());

        QVERIFY(m_dir.isValid());
        m_trainingText = generatedAzerbaijaniText();
        QVERIFY(m_trainingText.size() > 50000);
        QVERIFY(m_trainingText.find("ə") != std::string::npos);
        for (const char* type : {"unigram", "bpe"}) {
            TokenizerTrainConfig cfg;
            cfg.modelType = type;
            cfg.vocabSize = kVocab;
            const std::string path = m_dir.str(QString(type) + ".model");
            QElapsedTimer t;
            t.start();
            const Status st = Tokenizer::train(m_trainingText, cfg, path);
            QVERIFY2(st.ok(), st.message().c_str());
            auto loaded = Tokenizer::load(path);
            QVERIFY2(loaded.ok(), loaded.message().c_str());
            qInfo("trained %s (%d pieces) in %lld ms", type, (*loaded)->vocabSize(), static_cast<long long>(t.elapsed()));
            m_tok[type] = std::move(*loaded);
        }
    }

    void trainedModelHasRequestedTypeAndSize_data()
    {
        QTest::addColumn<QString>("type");
        QTest::newRow("unigram") << "unigram";
        QTest::newRow("bpe") << "bpe";
    }

    void trainedModelHasRequestedTypeAndSize()
    {
        QFETCH(QString, type);
        QCOMPARE(tok(type).vocabSize(), kVocab);
        QCOMPARE(QString::fromStdString(tok(type).modelType()), type);
        // No stray files next to the model: the temporary training folder is gone.
        QCOMPARE(QDir(m_dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                 (QStringList{"bpe.model", "unigram.model"}));
    }

    void specialIdsAreFixed_data() { trainedModelHasRequestedTypeAndSize_data(); }
    void specialIdsAreFixed()
    {
        QFETCH(QString, type);
        const Tokenizer& t = tok(type);
        QCOMPARE(t.unkId(), 0);
        QCOMPARE(t.bosId(), 1);
        QCOMPARE(t.eosId(), 2);
        QCOMPARE(t.padId(), 3);
        QCOMPARE(kUnkId, 0);
        QCOMPARE(kBosId, 1);
        QCOMPARE(kEosId, 2);
        QCOMPARE(kPadId, 3);
        QCOMPARE(t.idToPiece(0), std::string("<unk>"));
        QCOMPARE(t.idToPiece(1), std::string("<s>"));
        QCOMPARE(t.idToPiece(2), std::string("</s>"));
        QCOMPARE(t.idToPiece(3), std::string("<pad>"));
        QCOMPARE(t.pieceType(0), 2);
        for (int id = 1; id <= 3; ++id)
            QCOMPARE(t.pieceType(id), 3);
        // Text never encodes to a control id.
        auto ids = t.encode("<s> </s> <pad> <unk>");
        QVERIFY(ids.ok());
        for (int32_t id : *ids)
            QVERIFY2(id > 3, qPrintable(QString::fromStdString(join(*ids))));
    }

    void roundTripIsExact_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QByteArray>("text");
        addModelRows("Azerbaijani letters, mixed case", "İstanbul ılıq, ƏLİ əla. Şəki, Gəncə, Quba: çox gözəl!");
        addModelRows("dotted and dotless i", "İi Iı İSTİQLAL istiqlal ILIQ ılıq");
        addModelRows("emoji", "salam 👋🙂");
        addModelRows("emoji with modifiers", "👍🏽 👨‍👩‍👧 🇦🇿");
        addModelRows("empty string", "");
        addModelRows("single space", " ");
        addModelRows("leading, trailing and repeated spaces", "  iki  boşluq   və son ");
        addModelRows("tabs and newlines", "bir\tiki\nüç\n\ndörd\n");
        addModelRows("digits", "10 dekabr 1948-ci il, 30 maddə, 3.14");
        addModelRows("other scripts", "Bakı — Баку — باكو — 巴库 — Ελλάδα");
        addModelRows("combining accent kept as is", "e\xCC\x81 vs \xC3\xA9"); // e + U+0301 vs é
        addModelRows("whole training sentence", "Bütün insanlar ləyaqət və hüquqlarına görə azad və bərabər doğulurlar.");
    }

    void roundTripIsExact()
    {
        QFETCH(QString, type);
        QFETCH(QByteArray, text);
        const Tokenizer& t = tok(type);
        auto ids = t.encode(text.toStdString());
        QVERIFY2(ids.ok(), ids.message().c_str());
        QCOMPARE(ids->empty(), text.isEmpty());
        for (int32_t id : *ids)
            QVERIFY(id >= 0 && id < t.vocabSize());
        QVERIFY2(std::find(ids->begin(), ids->end(), t.unkId()) == ids->end(), "byte fallback must avoid <unk>");
        auto back = t.decode(*ids);
        QVERIFY2(back.ok(), back.message().c_str());
        QCOMPARE(QByteArray::fromStdString(*back), text);
    }

    void spaceMarkCharacterDoesNotRoundTrip()
    {
        // Known limitation (reported): sentencepiece writes spaces as U+2581 "▁" internally, so a
        // literal U+2581 in the text decodes as a space. Corpora almost never contain it; this
        // test turns into an XPASS failure when the tokenizer learns to preserve it.
        const Tokenizer& t = tok("unigram");
        const std::string text = "a\xE2\x96\x81" "b";
        auto ids = t.encode(text);
        QVERIFY(ids.ok());
        QEXPECT_FAIL("", "U+2581 is sentencepiece's space mark and decodes as ' '", Continue);
        QCOMPARE(*t.decode(*ids), text);
        QCOMPARE(*t.decode(*ids), std::string("a b"));
    }

    void azerbaijaniTextCompresses_data() { trainedModelHasRequestedTypeAndSize_data(); }
    void azerbaijaniTextCompresses()
    {
        // A trained vocabulary must beat byte-level encoding on text like its training text.
        QFETCH(QString, type);
        const std::string s = "Hər kəs azadlıq və bərabərlik hüququna malikdir.";
        auto ids = tok(type).encode(s);
        QVERIFY(ids.ok());
        QVERIFY2(ids->size() * 3 < s.size(), qPrintable(QString::fromStdString(join(*ids))));
    }

    void megabyteSingleLineRoundTrips_data() { trainedModelHasRequestedTypeAndSize_data(); }
    void megabyteSingleLineRoundTrips()
    {
        QFETCH(QString, type);
        const std::string unit = "İstanbul ılıq, ƏLİ əla 👋 中 ";
        std::string line;
        while (line.size() < (1u << 20))
            line += unit;
        QElapsedTimer timer;
        timer.start();
        auto ids = tok(type).encode(line);
        QVERIFY2(ids.ok(), ids.message().c_str());
        QVERIFY(ids->size() > 1000);
        auto back = tok(type).decode(*ids);
        QVERIFY2(back.ok(), back.message().c_str());
        QVERIFY(*back == line); // not QCOMPARE: a failure would print 1 MB
        qInfo("1 MB line: %zu ids, %lld ms", ids->size(), static_cast<long long>(timer.elapsed()));
    }

    void unseenCharacterUsesByteFallback_data() { trainedModelHasRequestedTypeAndSize_data(); }
    void unseenCharacterUsesByteFallback()
    {
        QFETCH(QString, type);
        const Tokenizer& t = tok(type);
        QVERIFY(m_trainingText.find("中") == std::string::npos);
        auto ids = t.encode("中");
        QVERIFY2(ids.ok(), ids.message().c_str());
        // U+4E2D is E4 B8 AD in UTF-8: three byte pieces, no <unk>.
        QCOMPARE(ids->size(), size_t(3));
        const int expected[] = {0xE4, 0xB8, 0xAD};
        for (size_t i = 0; i < 3; ++i) {
            QCOMPARE(t.pieceType((*ids)[i]), 6);
            QCOMPARE(t.byteValue((*ids)[i]), expected[i]);
        }
        auto back = t.decode(*ids);
        QVERIFY(back.ok());
        QCOMPARE(*back, std::string("中"));
        // Inside Azerbaijani text too.
        const std::string mixed = "Çin dilində 中文 yazılır";
        auto mixedIds = t.encode(mixed);
        QVERIFY(mixedIds.ok());
        QVERIFY(std::find(mixedIds->begin(), mixedIds->end(), t.unkId()) == mixedIds->end());
        QCOMPARE(*t.decode(*mixedIds), mixed);
    }

    void everyByteHasAPiece_data() { trainedModelHasRequestedTypeAndSize_data(); }
    void everyByteHasAPiece()
    {
        QFETCH(QString, type);
        const Tokenizer& t = tok(type);
        std::vector<bool> seen(256, false);
        for (int id = 0; id < t.vocabSize(); ++id)
            if (const int b = t.byteValue(id); b >= 0)
                seen[size_t(b)] = true;
        QCOMPARE(int(std::count(seen.begin(), seen.end(), true)), 256);
        QCOMPARE(t.byteValue(0), -1);
        QCOMPARE(t.byteValue(t.vocabSize() - 1), -1);
    }

    void idAndPieceRoundTrip_data() { trainedModelHasRequestedTypeAndSize_data(); }
    void idAndPieceRoundTrip()
    {
        QFETCH(QString, type);
        const Tokenizer& t = tok(type);
        for (int id = 0; id < t.vocabSize(); ++id) {
            const std::string piece = t.idToPiece(id);
            QVERIFY2(!piece.empty(), qPrintable(QString::number(id)));
            QCOMPARE(t.pieceToId(piece), id);
        }
        QCOMPARE(t.pieceToId("no such piece ☃☃☃"), t.unkId());
        QCOMPARE(t.idToPiece(-1), std::string());
        QCOMPARE(t.idToPiece(t.vocabSize()), std::string());
        // A learned Azerbaijani piece: "ə" itself is in every model trained on this text.
        QVERIFY(t.pieceToId("ə") > 3);
    }

    void decodeRefusesIdsOutsideTheVocabulary()
    {
        const Tokenizer& t = tok("unigram");
        auto r = t.decode({5, t.vocabSize(), 6});
        QVERIFY(!r.ok());
        QVERIFY2(QString::fromStdString(r.message()).contains(QString::number(t.vocabSize())), r.message().c_str());
        QVERIFY(!t.decode({-1}).ok());
    }

    void serializedModelLoadsFromBytes()
    {
        const Tokenizer& t = tok("bpe");
        auto copy = Tokenizer::fromBytes(t.serialized());
        QVERIFY2(copy.ok(), copy.message().c_str());
        const std::string s = "Şəki, Gəncə, Quba 👋";
        QCOMPARE(join(*(*copy)->encode(s)), join(*t.encode(s)));
        QCOMPARE((*copy)->vocabSize(), kVocab);
        QCOMPARE((*copy)->modelType(), std::string("bpe"));
    }

    void loadRefusesMissingAndDamagedModels()
    {
        auto missing = Tokenizer::load(m_dir.str("missing.model"));
        QVERIFY(!missing.ok());
        QVERIFY2(QString::fromStdString(missing.message()).contains("does not exist"), missing.message().c_str());

        TempDir dir;
        const QString garbage = dir.write("garbage.model", QByteArray("this is not a protobuf \xFF\xFE\x01\x02"));
        auto bad = Tokenizer::load(garbage.toStdString());
        QVERIFY(!bad.ok());
        QVERIFY2(QString::fromStdString(bad.message()).contains("not a sentencepiece model"), bad.message().c_str());

        const QString empty = dir.write("empty.model", QByteArray());
        QVERIFY(!Tokenizer::load(empty.toStdString()).ok());
        QVERIFY(!Tokenizer::fromBytes("").ok());
    }

    void tooLargeVocabularyIsRefusedWithTheLimit_data() { trainedModelHasRequestedTypeAndSize_data(); }
    void tooLargeVocabularyIsRefusedWithTheLimit()
    {
        QFETCH(QString, type);
        TempDir dir;
        TokenizerTrainConfig cfg;
        cfg.modelType = type.toStdString();
        cfg.vocabSize = 50000;
        const std::string out = dir.str("big.model");
        const Status st = Tokenizer::train(m_trainingText, cfg, out);
        QVERIFY(!st.ok());
        const QString msg = QString::fromStdString(st.message());
        QVERIFY2(msg.contains("at most"), qPrintable(msg));
        // "at most N" with a usable N: training with it succeeds.
        const auto m = QRegularExpression("at most (\\d+)").match(msg);
        QVERIFY2(m.hasMatch(), qPrintable(msg));
        const int limit = m.captured(1).toInt();
        QVERIFY2(limit > kVocab && limit < 50000, qPrintable(msg));
        QVERIFY(!QFileInfo::exists(QString::fromStdString(out)));
        QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), QStringList());
    }

    void badTrainingSettingsAreRefused_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<int>("vocab");
        QTest::addColumn<QString>("out");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("vocabulary below specials + 256 bytes") << "unigram" << 100 << "t.model" << "262";
        QTest::newRow("unknown model type") << "wordpiece" << 500 << "t.model" << "unigram or bpe";
        QTest::newRow("output not .model") << "unigram" << 500 << "t.bin" << ".model";
    }

    void badTrainingSettingsAreRefused()
    {
        QFETCH(QString, type);
        QFETCH(int, vocab);
        QFETCH(QString, out);
        QFETCH(QString, mentions);
        TempDir dir;
        TokenizerTrainConfig cfg;
        cfg.modelType = type.toStdString();
        cfg.vocabSize = vocab;
        const Status st = Tokenizer::train("salam dünya\n", cfg, dir.str(out));
        QVERIFY(!st.ok());
        QVERIFY2(QString::fromStdString(st.message()).contains(mentions), st.message().c_str());
    }

    void outputPathWithSpacesWorks()
    {
        TempDir dir;
        TokenizerTrainConfig cfg;
        cfg.vocabSize = 400;
        const std::string out = dir.str("Mənim modellərim/az tok.model");
        const Status st = Tokenizer::train(m_trainingText, cfg, out);
        QVERIFY2(st.ok(), st.message().c_str());
        auto t = Tokenizer::load(out);
        QVERIFY2(t.ok(), t.message().c_str());
        QCOMPARE((*t)->vocabSize(), 400);
    }

    void emptyTrainingTextIsRefused()
    {
        TempDir dir;
        const Status st = Tokenizer::train(" \n\n\t\n", TokenizerTrainConfig{}, dir.str("t.model"));
        QVERIFY(!st.ok());
        QVERIFY2(QString::fromStdString(st.message()).contains("empty"), st.message().c_str());
    }

    void tokenizeCorpusSeparatesLinesAndDocuments()
    {
        const Tokenizer& t = tok("unigram");
        Corpus corpus;
        corpus.documents.push_back({"a.txt", "Birinci sətir.\nİkinci sətir.\n"});
        corpus.documents.push_back({"b.txt", "Üçüncü 👋\n"});
        auto ids = tokenizeCorpus(corpus, t);
        QVERIFY2(ids.ok(), ids.message().c_str());
        // Documents are separated by exactly one EOS; the text never contains it otherwise.
        QCOMPARE(std::count(ids->begin(), ids->end(), t.eosId()), 1L);
        const auto eos = std::find(ids->begin(), ids->end(), t.eosId());
        QCOMPARE(*t.decode({ids->begin(), eos}), corpus.documents[0].text);
        QCOMPARE(*t.decode({eos + 1, ids->end()}), corpus.documents[1].text);
    }

    // The streaming pipeline (files read chunk by chunk, spooled, split by plan) produces exactly
    // the token files of the in-memory one, and a line over 64 KiB decodes back to its text.
    void streamedTokenFilesEqualInMemoryOnes()
    {
        const Tokenizer& t = tok("unigram");
        TempDir dir;
        QString longLine;
        for (int i = 0; i < 12000; ++i)
            longLine += QStringLiteral("söz%1 ").arg(i % 97);
        dir.write("corpus/a.txt", "Birinci sətir.\r\nİkinci sətir.\n\n" + longLine.toUtf8() + "\nson");
        dir.write("corpus/b.txt", QByteArray("\xEF\xBB\xBF") + "Üçüncü 👋\n");
        dir.write("corpus/blank.txt", " \n\t\n");
        auto mem = loadCorpus(dir.str("corpus"));
        QVERIFY2(mem.ok(), mem.message().c_str());
        auto scanned = scanCorpus(dir.str("corpus"));
        QVERIFY2(scanned.ok(), scanned.message().c_str());
        QCOMPARE(scanned->fingerprint, mem->fingerprint);
        QCOMPARE(scanned->documents.size(), size_t(2));
        auto ids = tokenizeCorpus(*mem, t);
        QVERIFY(ids.ok());
        auto split = splitTokens(*ids, 0.1, 3, 16);
        QVERIFY(split.ok());
        auto streamed = tokenizeCorpusToFiles(*scanned, t, 0.1, 3, 16, dir.str("train.bin"), dir.str("val.bin"));
        QVERIFY2(streamed.ok(), streamed.message().c_str());
        QCOMPARE(streamed->totalTokens, int64_t(ids->size()));
        auto train = readTokenFile(dir.str("train.bin"));
        auto val = readTokenFile(dir.str("val.bin"));
        QVERIFY(train.ok() && val.ok());
        QVERIFY(*train == split->train);
        QVERIFY(*val == split->val);
        // Nothing but the two files is left behind (no spool, no temporaries).
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 2);
        // The long line went through in pieces cut at spaces: its text comes back whole.
        const auto eos = std::find(ids->begin(), ids->end(), t.eosId());
        QCOMPARE(*t.decode({ids->begin(), eos}), mem->documents[0].text);
    }

    void goldenEncodingsMatch()
    {
        auto golden = Tokenizer::load(goldenModelPath().toStdString());
        QVERIFY2(golden.ok(), golden.message().c_str());
        const Tokenizer& t = **golden;
        QCOMPARE(t.vocabSize(), kGoldenVocab);
        QCOMPARE(t.modelType(), std::string("unigram"));
        const QByteArray tsv = azllm::test::readAll(goldenTsvPath());
        QVERIFY2(!tsv.isEmpty(), qPrintable(goldenTsvPath()));
        int checked = 0;
        bool sawEmoji = false, sawUnseen = false;
        for (const QByteArray& line : tsv.split('\n')) {
            if (line.isEmpty())
                continue;
            const int tab = line.indexOf('\t');
            QVERIFY2(tab > 0, line.constData());
            const std::string text = line.left(tab).toStdString();
            std::vector<int32_t> expected;
            for (const QByteArray& id : line.mid(tab + 1).split(' '))
                expected.push_back(id.toInt());
            auto ids = t.encode(text);
            QVERIFY2(ids.ok(), ids.message().c_str());
            QCOMPARE(QString::fromStdString(join(*ids)), QString::fromStdString(join(expected)));
            QCOMPARE(*t.decode(expected), text);
            sawEmoji = sawEmoji || text.find("👋") != std::string::npos;
            sawUnseen = sawUnseen || text.find("中") != std::string::npos;
            ++checked;
        }
        QCOMPARE(checked, int(std::size(kGoldenSentences)));
        QVERIFY(sawEmoji && sawUnseen);
    }

    void goldenModelHoldsNoPathOfThisMachine()
    {
        // sentencepiece stores its training flags (input file, model prefix) in the model.
        const QByteArray model = azllm::test::readAll(goldenModelPath());
        QVERIFY(!model.isEmpty());
        QVERIFY(!model.contains(AZLLM_SOURCE_DIR));
        QVERIFY(!model.contains(QDir::tempPath().toUtf8() + '/'));
        QVERIFY(!model.contains("/home/"));
    }

    void libtorchAndTokenizerWorkInOneProcess()
    {
        // A matrix product checked against plain loops.
        at::manual_seed(42);
        const at::Tensor a = at::randn({37, 53});
        const at::Tensor b = at::randn({53, 29});
        const at::Tensor c = at::matmul(a, b);
        QCOMPARE(c.size(0), int64_t(37));
        QCOMPARE(c.size(1), int64_t(29));
        auto A = a.accessor<float, 2>();
        auto B = b.accessor<float, 2>();
        auto C = c.accessor<float, 2>();
        double maxErr = 0;
        for (int i = 0; i < 37; ++i)
            for (int j = 0; j < 29; ++j) {
                double ref = 0;
                for (int k = 0; k < 53; ++k)
                    ref += double(A[i][k]) * double(B[k][j]);
                maxErr = std::max(maxErr, std::abs(ref - double(C[i][j])));
            }
        QVERIFY2(maxErr < 1e-4, qPrintable(QString::number(maxErr)));

        // Encode -> embedding lookup -> logits against the same table -> argmax -> decode: the
        // text comes back, with tokenizer and LibTorch calls interleaved.
        const Tokenizer& t = tok("unigram");
        const std::string text = "İstanbul ılıq, ƏLİ əla 👋 中";
        auto ids = t.encode(text);
        QVERIFY(ids.ok());
        const std::vector<int64_t> ids64(ids->begin(), ids->end());
        const at::Tensor idx = at::tensor(ids64, at::kLong);
        at::Tensor table = at::randn({t.vocabSize(), 64});
        table = table / table.norm(2, {1}, /*keepdim=*/true); // unit rows: each row is its own best match
        const at::Tensor emb = at::embedding(table, idx); // (T, 64)
        QCOMPARE(emb.size(0), int64_t(ids->size()));
        for (int64_t i = 0; i < emb.size(0); ++i)
            QVERIFY(at::equal(emb[i], table[ids64[size_t(i)]]));
        const at::Tensor logits = at::matmul(emb, table.t()); // (T, V)
        const at::Tensor pred = logits.argmax(1).contiguous();
        const std::vector<int32_t> predIds(pred.data_ptr<int64_t>(), pred.data_ptr<int64_t>() + pred.numel());
        QCOMPARE(join(predIds), join(*ids));
        auto back = t.decode(predIds);
        QVERIFY(back.ok());
        QCOMPARE(*back, text);
    }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "tst_tokenizer.moc"
