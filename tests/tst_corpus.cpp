// Tests for core/corpus.cpp and core/dataset.cpp on real files in a scratch folder: corpus
// validation (UTF-8 errors with exact offsets, BOMs, line ends, empty and binary input), folder
// loading, statistics, the bundled demo corpus, token files and the train/validation split.
// Tokenizing a corpus needs the tokenizer and is tested in tst_tokenizer.
#include "corpus.h"
#include "dataset.h"
#include "testutil.h"

#include <QRegularExpression>
#include <QSet>
#include <QtTest>

#include <algorithm>
#include <numeric>
#include <set>

using namespace azllm;
using azllm::test::TempDir;

namespace {

// Code points, lines and distinct code points counted independently of core (with QString).
struct Expected {
    int64_t bytes, characters, lines, distinct;
};
Expected expectedStats(const QByteArray& normalisedUtf8)
{
    const QList<uint> ucs4 = QString::fromUtf8(normalisedUtf8).toUcs4();
    const QSet<uint> distinct(ucs4.begin(), ucs4.end());
    return {normalisedUtf8.size(), ucs4.size(), normalisedUtf8.count('\n'), distinct.size()};
}

// The byte offset named in "... at byte offset N ...", or -1.
int64_t offsetIn(const std::string& message)
{
    const auto m = QRegularExpression(QStringLiteral("byte offset (\\d+)")).match(QString::fromStdString(message));
    return m.hasMatch() ? m.captured(1).toLongLong() : -1;
}

std::vector<int32_t> iota(int32_t n)
{
    std::vector<int32_t> v(static_cast<size_t>(n));
    std::iota(v.begin(), v.end(), 0);
    return v;
}

// Maximal runs of consecutive values: a split made of contiguous slices of 0..n-1 in order has
// each run increasing by exactly 1.
std::vector<std::pair<int32_t, int32_t>> runsOf(const std::vector<int32_t>& v)
{
    std::vector<std::pair<int32_t, int32_t>> runs; // (first, length)
    for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0 && v[i] == v[i - 1] + 1)
            ++runs.back().second;
        else
            runs.push_back({v[i], 1});
    }
    return runs;
}

QByteArray tokenFileHeaderPatched(const QByteArray& file, int intIndex, int32_t value)
{
    QByteArray out = file;
    std::memcpy(out.data() + 4 * intIndex, &value, 4);
    return out;
}

} // namespace

class TestCorpus : public QObject {
    Q_OBJECT

private slots:
    // ---- streamCorpusFile: any read block and chunk size gives loadCorpus's text -------------
    void streamingEqualsWholeFileAtEveryBoundary()
    {
        TempDir dir;
        QByteArray raw = "\xEF\xBB\xBF" "Salam ə dünya\r\nikinci\rüçüncü 👋 sətir\r\n\r\n";
        raw += QByteArray(300, 'x') + " " + QByteArray(200, 'y') + "\n"; // a line longer than the chunks
        raw += "Ğ ğ İ ı Ö ö Ü ü Ç ç Ş ş Ə ə\r";
        const QString path = dir.write("t.txt", raw);
        auto whole = loadCorpus(path.toStdString());
        QVERIFY2(whole.ok(), whole.message().c_str());
        const std::string& expected = whole->documents.front().text;
        for (size_t block : {size_t(1), size_t(2), size_t(3), size_t(5), size_t(7), size_t(64), size_t(1) << 20}) {
            for (size_t chunk : {size_t(16), size_t(37), size_t(100), size_t(4) << 20}) {
                std::string joined;
                bool ok = true;
                auto st = streamCorpusFile(path.toStdString(), [&](std::string_view c) -> Status {
                    // Chunks end at line ends, except the pieces of a line longer than a chunk.
                    if (c.size() > chunk + 4 || c.empty())
                        ok = false;
                    if (c.back() != '\n' && c.size() + 4 < chunk && joined.size() + c.size() != expected.size())
                        ok = false;
                    joined.append(c);
                    return {};
                }, chunk, block);
                QVERIFY2(st.ok(), st.message().c_str());
                QVERIFY2(ok, qPrintable(QString("chunk shapes wrong at block %1, chunk %2").arg(block).arg(chunk)));
                QVERIFY2(joined == expected, qPrintable(QString("text differs at block %1, chunk %2").arg(block).arg(chunk)));
            }
        }
    }

    void streamingReportsTheSameErrorOffsetsAtEveryBlockSize()
    {
        TempDir dir;
        const QString bad = dir.write("bad.txt", QByteArray("Salam ə\nabc \xC3(\n"));
        const QString nul = dir.write("nul.txt", QByteArray("ab\ncd\0e\n", 8));
        for (size_t block : {size_t(1), size_t(2), size_t(3), size_t(4096)}) {
            auto sink = [](std::string_view) { return Status(); };
            auto st = streamCorpusFile(bad.toStdString(), sink, 16, block);
            QVERIFY(!st.ok());
            QVERIFY2(QString::fromStdString(st.message()).contains("byte offset 13"), st.message().c_str());
            auto st2 = streamCorpusFile(nul.toStdString(), sink, 16, block);
            QVERIFY(!st2.ok());
            QVERIFY2(QString::fromStdString(st2.message()).contains("NUL bytes at byte offset 5"), st2.message().c_str());
        }
    }

    // Found by fuzz_corpus: the first problem in file order is reported at every block size, and
    // a last line handed over in pieces (no final newline in the file) still gets its line end.
    void streamingRegressionsFoundByFuzzing()
    {
        TempDir dir;
        const QString mixed = dir.write("mixed.txt", QByteArray("ab\0cd \xC3(\n", 9));
        const QString tail = dir.write("tail.txt", QByteArray("a\xC4\xB0NSAN \xC4\xB0\xC4\x9CQU(QLASR"));
        auto whole = loadCorpus(tail.toStdString());
        QVERIFY(whole.ok());
        for (size_t block : {size_t(1), size_t(3), size_t(5), size_t(7), size_t(4096)}) {
            auto st = streamCorpusFile(mixed.toStdString(), [](std::string_view) { return Status(); }, 16, block);
            QVERIFY2(QString::fromStdString(st.message()).contains("NUL bytes at byte offset 2"), st.message().c_str());
            std::string joined;
            auto ok = streamCorpusFile(tail.toStdString(), [&](std::string_view c) { joined.append(c); return Status(); }, 20, block);
            QVERIFY(ok.ok());
            QCOMPARE(joined, whole->documents.front().text);
            QCOMPARE(joined.back(), '\n');
        }
    }

    void scanKeepsNoTextAndSamplesEvenly()
    {
        TempDir dir;
        QByteArray text;
        for (int i = 0; i < 2000; ++i)
            text += "sətir " + QByteArray::number(i) + "\n";
        const QString path = dir.write("t.txt", text);
        auto whole = loadCorpus(path.toStdString());
        std::string sample;
        auto scanned = scanCorpusWithSample(path.toStdString(), 4000, sample);
        QVERIFY(scanned.ok());
        QCOMPARE(scanned->fingerprint, whole->fingerprint);
        QCOMPARE(scanned->stats.bytes, whole->stats.bytes);
        QVERIFY(scanned->documents.front().text.empty());
        // About 4000 bytes of whole lines, from the start, middle and end of the corpus.
        QVERIFY2(sample.size() >= 3000 && sample.size() <= 4000 + (1 << 20), qPrintable(QString::number(sample.size())));
        QVERIFY(sample.find("sətir 5\n") != std::string::npos || sample.find("sətir 1\n") != std::string::npos);
        QVERIFY(sample.find("sətir 10") != std::string::npos);
        QVERIFY(sample.find("sətir 199") != std::string::npos);
        std::string all;
        scanCorpusWithSample(path.toStdString(), 1 << 20, all);
        QCOMPARE(all, whole->documents.front().text);
    }

    // ---- loadCorpus: good input ---------------------------------------------------------------

    void validFileGivesExactStatistics()
    {
        TempDir dir;
        // ə and ı are 2 bytes, € 3 bytes, 👋 4 bytes: bytes and characters differ.
        const QByteArray text = "Salam, dünya! Əli gəldi.\nİstanbul ılıq €5 👋\n";
        const QString path = dir.write("az.txt", text);
        auto c = loadCorpus(path.toStdString());
        QVERIFY2(c.ok(), c.message().c_str());
        QCOMPARE(c->source, path.toStdString());
        QCOMPARE(c->documents.size(), size_t(1));
        QCOMPARE(QByteArray::fromStdString(c->documents[0].text), text);
        QCOMPARE(c->documents[0].path, path.toStdString());
        const Expected e = expectedStats(text);
        QCOMPARE(c->stats.bytes, e.bytes);
        QCOMPARE(c->stats.characters, e.characters);
        QCOMPARE(c->stats.lines, e.lines);
        QCOMPARE(c->stats.distinctCharacters, e.distinct);
        QCOMPARE(c->stats.files, 1);
        QCOMPARE(c->fingerprint.size(), size_t(64));
    }

    void statisticsCountedByHand()
    {
        TempDir dir;
        // a ə \n ə b \n : 1+2+1+2+1+1 bytes, 6 code points, 2 lines, {a, ə, b, \n}
        auto c = loadCorpus(dir.write("t.txt", "aə\nəb\n").toStdString());
        QVERIFY2(c.ok(), c.message().c_str());
        QCOMPARE(c->stats.bytes, int64_t(8));
        QCOMPARE(c->stats.characters, int64_t(6));
        QCOMPARE(c->stats.lines, int64_t(2));
        QCOMPARE(c->stats.distinctCharacters, int64_t(4));
    }

    void missingFinalNewlineIsAdded()
    {
        TempDir dir;
        auto c = loadCorpus(dir.write("t.txt", "bir\niki").toStdString());
        QVERIFY2(c.ok(), c.message().c_str());
        QCOMPARE(c->documents[0].text, std::string("bir\niki\n"));
        QCOMPARE(c->stats.lines, int64_t(2));
        QCOMPARE(c->stats.bytes, int64_t(8));
    }

    void folderOfTxtFilesIsSortedAndCombined()
    {
        TempDir dir;
        dir.write("corpus/b.txt", "ikinci\n");
        dir.write("corpus/a.txt", "birinci\n");
        dir.write("corpus/sub/c.txt", "üçüncü\n");
        dir.write("corpus/sub/deeper/d.txt", "dördüncü\n");
        dir.write("corpus/notes.md", "not a corpus file\n");
        dir.write("corpus/data.bin", QByteArray("\0\1\2", 3));
        auto c = loadCorpus(dir.str("corpus"));
        QVERIFY2(c.ok(), c.message().c_str());
        QCOMPARE(c->stats.files, 4);
        QStringList order;
        for (const auto& d : c->documents)
            order << QDir(dir.file("corpus")).relativeFilePath(QString::fromStdString(d.path));
        QCOMPARE(order, (QStringList{"a.txt", "b.txt", "sub/c.txt", "sub/deeper/d.txt"}));
        QCOMPARE(c->documents[0].text, std::string("birinci\n"));
        QCOMPARE(c->documents[3].text, std::string("dördüncü\n"));
        const Expected e = expectedStats("birinci\nikinci\nüçüncü\ndördüncü\n");
        QCOMPARE(c->stats.bytes, e.bytes);
        QCOMPARE(c->stats.characters, e.characters);
        QCOMPARE(c->stats.lines, int64_t(4));
        QCOMPARE(c->stats.distinctCharacters, e.distinct);
    }

    void emptyFileInsideAFolderIsSkipped()
    {
        TempDir dir;
        dir.write("corpus/a.txt", "mətn\n");
        dir.write("corpus/b.txt", "");
        auto c = loadCorpus(dir.str("corpus"));
        QVERIFY2(c.ok(), c.message().c_str());
        QCOMPARE(c->documents.size(), size_t(1));
        QCOMPARE(c->stats.lines, int64_t(1));
    }

    void lineEndsAreNormalisedToLf_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QByteArray>("normalised");
        QTest::newRow("CRLF") << QByteArray("bir\r\niki\r\n") << QByteArray("bir\niki\n");
        QTest::newRow("lone CR") << QByteArray("bir\riki\r") << QByteArray("bir\niki\n");
        QTest::newRow("CR then CRLF") << QByteArray("a\r\r\nb") << QByteArray("a\n\nb\n");
        QTest::newRow("mixed") << QByteArray("ə\r\nı\rö\nü") << QByteArray("ə\nı\nö\nü\n");
        QTest::newRow("LF unchanged") << QByteArray("x\n\ny\n") << QByteArray("x\n\ny\n");
    }

    void lineEndsAreNormalisedToLf()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QByteArray, normalised);
        TempDir dir;
        auto c = loadCorpus(dir.write("t.txt", raw).toStdString());
        QVERIFY2(c.ok(), c.message().c_str());
        QCOMPARE(QByteArray::fromStdString(c->documents[0].text), normalised);
        QCOMPARE(c->stats.bytes, int64_t(normalised.size()));
        QCOMPARE(c->stats.lines, int64_t(normalised.count('\n')));
    }

    void fingerprintDependsOnNormalisedTextOnly()
    {
        TempDir dir;
        auto lf = loadCorpus(dir.write("lf.txt", "Salam\ndünya\n").toStdString());
        auto crlf = loadCorpus(dir.write("crlf.txt", "\xEF\xBB\xBFSalam\r\ndünya").toStdString());
        auto other = loadCorpus(dir.write("other.txt", "Salam\ndünyа\n").toStdString()); // Cyrillic а
        QVERIFY(lf.ok() && crlf.ok() && other.ok());
        QCOMPARE(crlf->fingerprint, lf->fingerprint);
        QVERIFY(other->fingerprint != lf->fingerprint);
    }

    void utf8BomIsDropped()
    {
        TempDir dir;
        auto c = loadCorpus(dir.write("bom.txt", "\xEF\xBB\xBFSalam ə\n").toStdString());
        QVERIFY2(c.ok(), c.message().c_str());
        QCOMPARE(c->documents[0].text, std::string("Salam ə\n"));
        QCOMPARE(c->stats.bytes, int64_t(9));
        QCOMPARE(c->stats.characters, int64_t(8));
    }

    // ---- loadCorpus: refused input ------------------------------------------------------------

    void unusableFileIsRefused_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("empty file") << QByteArray() << "empty";
        QTest::newRow("BOM only") << QByteArray("\xEF\xBB\xBF") << "empty";
        QTest::newRow("whitespace only") << QByteArray(" \n\t\r\n  \n\v\f") << "whitespace";
        QTest::newRow("binary with NUL") << QByteArray("PK\x03\x04\0\0abc", 9) << "NUL";
        QTest::newRow("UTF-16LE with BOM") << QByteArray("\xFF\xFES\0a\0l\0a\0m\0\n\0", 14) << "UTF-16";
        QTest::newRow("UTF-16BE with BOM") << QByteArray("\xFE\xFF\0S\0a\0l\0a\0m\0\n", 14) << "UTF-16";
        // Without a BOM UTF-16 shows up as NUL bytes: still refused, as binary.
        QTest::newRow("UTF-16LE without BOM") << QByteArray("S\0a\0l\0a\0m\0\n\0", 12) << "NUL";
    }

    void unusableFileIsRefused()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, mentions);
        TempDir dir;
        const QString path = dir.write("bad.txt", bytes);
        auto c = loadCorpus(path.toStdString());
        QVERIFY(!c.ok());
        const QString msg = QString::fromStdString(c.message());
        QVERIFY2(msg.contains(mentions), qPrintable(msg));
        QVERIFY2(msg.contains(path), qPrintable(msg));
    }

    void nulByteOffsetIsReported()
    {
        TempDir dir;
        const QString path = dir.write("bin.txt", QByteArray("mətn\0x", 7)); // m ə(2) t n = 5 bytes
        auto c = loadCorpus(path.toStdString());
        QVERIFY(!c.ok());
        QCOMPARE(offsetIn(c.message()), int64_t(5));
        QVERIFY2(QString::fromStdString(c.message()).contains(path), c.message().c_str());
    }

    void invalidUtf8IsRefusedWithFileAndExactOffset_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<qint64>("offset");
        const QByteArray pre = "Salam ə\nı "; // 12 bytes of valid UTF-8 with 2-byte letters
        const qint64 at = pre.size();
        QTest::newRow("lone continuation byte") << pre + "\x80" + "abc\n" << at;
        QTest::newRow("continuation at file start") << QByteArray("\xBF") << qint64(0);
        QTest::newRow("truncated 3-byte sequence at EOF") << pre + "\xE2\x82" << at;
        QTest::newRow("truncated 4-byte sequence at EOF") << pre + "\xF0\x9F\x91" << at;
        QTest::newRow("lead byte then ASCII") << pre + "\xC3" + "a\n" << at;
        QTest::newRow("overlong C0 80") << pre + "\xC0\x80\n" << at;
        QTest::newRow("overlong C1 BF") << QByteArray("ab\xC1\xBF") << qint64(2);
        QTest::newRow("overlong E0 80 80") << pre + "\xE0\x80\x80" << at;
        QTest::newRow("overlong F0 80 80 80") << pre + "\xF0\x80\x80\x80" << at;
        QTest::newRow("surrogate ED A0 80") << pre + "\xED\xA0\x80 x\n" << at;
        QTest::newRow("surrogate ED BF BF") << pre + "\xED\xBF\xBF" << at;
        QTest::newRow("above U+10FFFF F4 90 80 80") << pre + "\xF4\x90\x80\x80\n" << at;
        QTest::newRow("lead byte F5") << pre + "\xF5\x80\x80\x80" << at;
        QTest::newRow("byte FF") << pre + "\xFF" << at;
        QTest::newRow("Windows-1254 text") << QByteArray("Salam d\xFCnya\n") << qint64(7);
        QTest::newRow("error after 10000 good bytes")
            << QByteArray(5000, 'a') + QByteArray("ə").repeated(2500) + "\x80" << qint64(10000);
        // After a CR line end: the offset is in the file as stored, not in the normalised text.
        QTest::newRow("after CRLF") << QByteArray("a\r\nb\r\n\x80") << qint64(6);
    }

    void invalidUtf8IsRefusedWithFileAndExactOffset()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(qint64, offset);
        TempDir dir;
        const QString path = dir.write("bad.txt", bytes);
        auto c = loadCorpus(path.toStdString());
        QVERIFY(!c.ok());
        const QString msg = QString::fromStdString(c.message());
        QVERIFY2(msg.contains("UTF-8"), qPrintable(msg));
        QVERIFY2(msg.contains(path), qPrintable(msg));
        QCOMPARE(offsetIn(c.message()), int64_t(offset));
        // findInvalidUtf8 agrees on the raw bytes.
        QCOMPARE(findInvalidUtf8(bytes.constData(), size_t(bytes.size())), int64_t(offset));
    }

    void errorOffsetsCountTheBom()
    {
        // The user opens the file in a hex editor: the offset must count the 3 BOM bytes.
        TempDir dir;
        const QString path = dir.write("bom.txt", "\xEF\xBB\xBF" "ab\x80\n");
        auto c = loadCorpus(path.toStdString());
        QVERIFY(!c.ok());
        QCOMPARE(offsetIn(c.message()), int64_t(5));
        auto nul = loadCorpus(dir.write("bomnul.txt", QByteArray("\xEF\xBB\xBF" "ab\0", 6)).toStdString());
        QVERIFY(!nul.ok());
        QCOMPARE(offsetIn(nul.message()), int64_t(5));
    }

    void invalidFileInsideAFolderIsNamed()
    {
        TempDir dir;
        dir.write("corpus/a.txt", "yaxşı\n");
        const QString bad = dir.write("corpus/z/b.txt", "pis \xC0\x80\n");
        auto c = loadCorpus(dir.str("corpus"));
        QVERIFY(!c.ok());
        QVERIFY2(QString::fromStdString(c.message()).contains(bad), c.message().c_str());
        QCOMPARE(offsetIn(c.message()), int64_t(4));
    }

    void validUtf8EdgesAreAccepted()
    {
        // The largest code points of each length and the ones right around the surrogates.
        const QByteArray ok = "\x7F \xC2\x80 \xDF\xBF \xE0\xA0\x80 \xED\x9F\xBF \xEE\x80\x80 \xEF\xBF\xBF "
                              "\xF0\x90\x80\x80 \xF4\x8F\xBF\xBF\n";
        QCOMPARE(findInvalidUtf8(ok.constData(), size_t(ok.size())), int64_t(-1));
        QCOMPARE(countCodePoints(ok.toStdString()), int64_t(18));
        TempDir dir;
        auto c = loadCorpus(dir.write("edges.txt", ok).toStdString());
        QVERIFY2(c.ok(), c.message().c_str());
        QCOMPARE(c->stats.characters, int64_t(18));
        QCOMPARE(c->stats.distinctCharacters, int64_t(11)); // 9 code points, space, newline
    }

    void folderWithoutTxtFilesIsRefused()
    {
        TempDir dir;
        dir.write("corpus/readme.md", "# hello\n");
        dir.write("corpus/text.TXT.bak", "hello\n");
        auto c = loadCorpus(dir.str("corpus"));
        QVERIFY(!c.ok());
        QVERIFY2(QString::fromStdString(c.message()).contains(".txt"), c.message().c_str());
        QVERIFY(!loadCorpus(dir.str("corpus/empty-subfolder-that-does-not-exist")).ok());
        QVERIFY(QDir().mkpath(dir.file("empty")));
        QVERIFY(!loadCorpus(dir.str("empty")).ok());
    }

    void folderOfEmptyFilesIsRefused()
    {
        TempDir dir;
        dir.write("corpus/a.txt", "");
        dir.write("corpus/b.txt", "  \n");
        auto c = loadCorpus(dir.str("corpus"));
        QVERIFY(!c.ok());
        QVERIFY2(QString::fromStdString(c.message()).contains("empty"), c.message().c_str());
    }

    void missingPathIsRefused()
    {
        TempDir dir;
        auto c = loadCorpus(dir.str("no-such-file.txt"));
        QVERIFY(!c.ok());
        QVERIFY2(QString::fromStdString(c.message()).contains("does not exist"), c.message().c_str());
        QVERIFY2(QString::fromStdString(c.message()).contains("no-such-file.txt"), c.message().c_str());
        QVERIFY(!loadCorpus("").ok());
    }

    void demoCorpusLoadsFromResources()
    {
        QCOMPARE(demoCorpusPath(), std::string(":/azllm/corpus/az_udhr.txt"));
        auto c = loadCorpus(demoCorpusPath());
        QVERIFY2(c.ok(), c.message().c_str());
        QCOMPARE(c->stats.files, 1);
        QVERIFY(c->documents[0].text.find("ə") != std::string::npos);
        QVERIFY(c->documents[0].text.find("İNSAN HÜQUQLARI") != std::string::npos);
        // Same text and statistics as the file it was compiled from.
        const QByteArray source = azllm::test::readAll(azllm::test::sourcePath("resources/corpus/az_udhr.txt"));
        QVERIFY(!source.isEmpty());
        QCOMPARE(QByteArray::fromStdString(c->documents[0].text), source);
        const Expected e = expectedStats(source);
        QCOMPARE(c->stats.bytes, e.bytes);
        QCOMPARE(c->stats.characters, e.characters);
        QCOMPARE(c->stats.lines, e.lines);
        QCOMPARE(c->stats.distinctCharacters, e.distinct);
        QVERIFY(c->stats.characters < c->stats.bytes); // multibyte letters
    }

    // ---- token files --------------------------------------------------------------------------

    void tokenFileRoundTrips_data()
    {
        QTest::addColumn<qint64>("vocab");
        QTest::addColumn<int>("width");
        QTest::newRow("vocab 2000 -> uint16") << qint64(2000) << 2;
        QTest::newRow("vocab 65535 -> uint16") << qint64(65535) << 2;
        QTest::newRow("vocab 65536 -> uint32") << qint64(65536) << 4;
        QTest::newRow("vocab 100000 -> uint32") << qint64(100000) << 4;
    }

    void tokenFileRoundTrips()
    {
        QFETCH(qint64, vocab);
        QFETCH(int, width);
        std::vector<int32_t> ids;
        for (int64_t i = 0; i < 5000; ++i)
            ids.push_back(static_cast<int32_t>((i * 7919) % vocab));
        ids.push_back(static_cast<int32_t>(vocab - 1));
        ids.push_back(0);
        TempDir dir;
        const std::string path = dir.str("data/train.bin");
        QVERIFY(QDir().mkpath(dir.file("data")));
        auto st = writeTokenFile(path, ids, vocab);
        QVERIFY2(st.ok(), st.message().c_str());
        QCOMPARE(QFileInfo(QString::fromStdString(path)).size(), qint64(1024 + width * qint64(ids.size())));
        auto back = readTokenFile(path);
        QVERIFY2(back.ok(), back.message().c_str());
        QVERIFY(*back == ids);
        // The header starts with the magic number and version.
        const QByteArray raw = azllm::test::readAll(QString::fromStdString(path));
        int32_t magic, version;
        std::memcpy(&magic, raw.constData(), 4);
        std::memcpy(&version, raw.constData() + 4, 4);
        QCOMPARE(magic, kTokenFileMagic);
        QCOMPARE(version, kTokenFileVersion);
        QCOMPARE(QByteArray(raw.constData(), 4), QByteArray("AZTK"));
    }

    void emptyTokenFileRoundTrips()
    {
        TempDir dir;
        QVERIFY(writeTokenFile(dir.str("e.bin"), {}, 2000).ok());
        auto back = readTokenFile(dir.str("e.bin"));
        QVERIFY2(back.ok(), back.message().c_str());
        QVERIFY(back->empty());
    }

    void idsOutsideTheVocabularyAreRefusedNotTruncated()
    {
        TempDir dir;
        auto st = writeTokenFile(dir.str("big.bin"), {1, 2, 70000}, 2000);
        QVERIFY(!st.ok());
        QVERIFY2(QString::fromStdString(st.message()).contains("outside the vocabulary"), st.message().c_str());
        QVERIFY(!writeTokenFile(dir.str("neg.bin"), {-1}, 2000).ok());
        QVERIFY(!QFileInfo::exists(QString::fromStdString(dir.str("big.bin"))));
    }

    void damagedTokenFileIsRefused_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("truncated header") << "truncate-header" << "truncated";
        QTest::newRow("truncated body") << "truncate-body" << "damaged";
        QTest::newRow("extra bytes") << "append" << "damaged";
        QTest::newRow("garbage") << "garbage" << "not an AzLLM token file";
        QTest::newRow("bad magic") << "magic" << "bad magic";
        QTest::newRow("future version") << "version" << "version 2";
        QTest::newRow("bad token width") << "width" << "damaged";
        QTest::newRow("negative count") << "count" << "damaged";
        QTest::newRow("id outside the vocabulary") << "vocab" << "outside its vocabulary";
        QTest::newRow("empty file") << "empty" << "truncated";
    }

    void damagedTokenFileIsRefused()
    {
        QFETCH(QString, damage);
        QFETCH(QString, mentions);
        TempDir dir;
        const std::string good = dir.str("good.bin");
        QVERIFY(writeTokenFile(good, iota(300), 2000).ok());
        QByteArray bytes = azllm::test::readAll(QString::fromStdString(good));
        QCOMPARE(bytes.size(), 1024 + 600);
        if (damage == "truncate-header")
            bytes.truncate(500);
        else if (damage == "truncate-body")
            bytes.chop(1);
        else if (damage == "append")
            bytes.append("xx");
        else if (damage == "garbage") {
            bytes = QByteArray(3000, '\0');
            for (int i = 0; i < bytes.size(); ++i)
                bytes[i] = char((i * 131 + 17) & 0xFF);
        } else if (damage == "magic")
            bytes = tokenFileHeaderPatched(bytes, 0, 0x12345678);
        else if (damage == "version")
            bytes = tokenFileHeaderPatched(bytes, 1, kTokenFileVersion + 1);
        else if (damage == "width")
            bytes = tokenFileHeaderPatched(bytes, 2, 3);
        else if (damage == "count")
            bytes = tokenFileHeaderPatched(tokenFileHeaderPatched(bytes, 4, -1), 5, -1);
        else if (damage == "vocab")
            bytes = tokenFileHeaderPatched(bytes, 3, 100); // ids go up to 299
        else if (damage == "empty")
            bytes.clear();
        const QString path = dir.write("bad.bin", bytes);
        auto r = readTokenFile(path.toStdString());
        QVERIFY(!r.ok());
        const QString msg = QString::fromStdString(r.message());
        QVERIFY2(msg.contains(mentions), qPrintable(msg));
        QVERIFY2(msg.contains(path), qPrintable(msg));
    }

    void missingTokenFileIsRefused()
    {
        TempDir dir;
        auto r = readTokenFile(dir.str("nope.bin"));
        QVERIFY(!r.ok());
        QVERIFY2(QString::fromStdString(r.message()).contains("nope.bin"), r.message().c_str());
    }

    // ---- splitTokens --------------------------------------------------------------------------

    void splitIsDeterministicForASeed()
    {
        const auto ids = iota(10000);
        auto a = splitTokens(ids, 0.1, 1337, 32);
        auto b = splitTokens(ids, 0.1, 1337, 32);
        QVERIFY2(a.ok(), a.message().c_str());
        QVERIFY(b.ok());
        QVERIFY(a->train == b->train);
        QVERIFY(a->val == b->val);
    }

    void splitDependsOnTheSeed()
    {
        const auto ids = iota(10000);
        auto ref = splitTokens(ids, 0.1, 1337, 32);
        QVERIFY(ref.ok());
        std::set<std::vector<int32_t>> distinctVal;
        for (uint64_t seed = 1; seed <= 10; ++seed) {
            auto s = splitTokens(ids, 0.1, seed, 32);
            QVERIFY(s.ok());
            distinctVal.insert(s->val);
        }
        // 20 chunks, 2 held out: 190 possible choices; ten seeds must not all agree.
        QVERIFY2(distinctVal.size() >= 5, qPrintable(QString::number(distinctVal.size())));
        auto other = splitTokens(ids, 0.1, 1338, 32);
        QVERIFY(other.ok());
        QVERIFY(other->val != ref->val);
    }

    void splitsAreContiguousSlicesInOrder_data()
    {
        QTest::addColumn<int>("n");
        QTest::addColumn<double>("valFraction");
        QTest::addColumn<int>("blockSize");
        QTest::newRow("10000 tokens, 10%") << 10000 << 0.1 << 32;
        QTest::newRow("10000 tokens, 25%") << 10000 << 0.25 << 32;
        QTest::newRow("uneven length") << 9973 << 0.1 << 50;
        QTest::newRow("few chunks") << 700 << 0.1 << 64;
        QTest::newRow("one chunk: tail held out") << 200 << 0.1 << 64;
        QTest::newRow("large") << 1000003 << 0.05 << 256;
    }

    void splitsAreContiguousSlicesInOrder()
    {
        QFETCH(int, n);
        QFETCH(double, valFraction);
        QFETCH(int, blockSize);
        const auto ids = iota(n);
        auto s = splitTokens(ids, valFraction, 7, blockSize);
        QVERIFY2(s.ok(), s.message().c_str());
        // Together they are the input, nothing lost or repeated.
        QCOMPARE(int(s->train.size() + s->val.size()), n);
        std::vector<int32_t> all = s->train;
        all.insert(all.end(), s->val.begin(), s->val.end());
        std::sort(all.begin(), all.end());
        QVERIFY(all == ids);
        // Each split is in input order (strictly increasing here) and made of long contiguous runs.
        for (const auto* split : {&s->train, &s->val}) {
            QVERIFY(std::is_sorted(split->begin(), split->end()));
            const auto runs = runsOf(*split);
            QVERIFY2(runs.size() <= 20, qPrintable(QString::number(runs.size())));
            for (const auto& r : runs)
                QVERIFY2(r.second >= blockSize + 1, qPrintable(QString("run at %1 of %2 tokens").arg(r.first).arg(r.second)));
        }
        // The held-out share is the one asked for, up to one chunk (at most 20 chunks of at least
        // two blocks each).
        const double tolerance = std::max(n / 20.0, 2.0 * (blockSize + 1)) + 1;
        QVERIFY2(std::abs(double(s->val.size()) - valFraction * n) <= tolerance,
                 qPrintable(QString("%1 validation tokens of %2").arg(s->val.size()).arg(n)));
    }

    void smallestSplittableInputGivesBlockPlusOneEach()
    {
        const int blockSize = 32;
        auto s = splitTokens(iota(2 * (blockSize + 1)), 0.1, 1, blockSize);
        QVERIFY2(s.ok(), s.message().c_str());
        QCOMPARE(s->train.size(), size_t(blockSize + 1));
        QCOMPARE(s->val.size(), size_t(blockSize + 1));
    }

    void tooSmallInputIsRefusedMentioningBlockSize_data()
    {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("blockSize");
        QTest::newRow("one short of two blocks") << 2 * 33 - 1 << 32;
        QTest::newRow("3 tokens") << 3 << 32;
        QTest::newRow("empty") << 0 << 8;
        QTest::newRow("block 4096") << 3000 << 4096;
    }

    void tooSmallInputIsRefusedMentioningBlockSize()
    {
        QFETCH(int, n);
        QFETCH(int, blockSize);
        auto s = splitTokens(iota(n), 0.1, 1, blockSize);
        QVERIFY(!s.ok());
        QVERIFY2(QString::fromStdString(s.message()).contains("block size"), s.message().c_str());
    }
};

QTEST_GUILESS_MAIN(TestCorpus)
#include "tst_corpus.moc"
