// The JSON source formats on the fixtures written here (tests/testdata/json, see its README.md)
// and on the real samples in ../shared (skipped when absent), format detection, and hostile
// input: every malformed record is reported with its position and the good ones around it still
// come through.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/byte_source.h"
#include "ingest/formats.h"
#include "ingest/json_array_splitter.h"
#include "ingest/temp_files.h"
#include "support/shared_data.h"

namespace paperboy::ingest {
namespace {

using paperboy::testing::read_file;
using paperboy::testing::TempDir;

// Written here, so these run everywhere.
const std::string kTestdata = PAPERBOY_TESTDATA_DIR;
const std::string kSnapshot = kTestdata + "/json/handmade_arxiv_snapshot.jsonl";
const std::string kHfDaily = kTestdata + "/json/handmade_hf_daily_2024-10-25.json";
const std::string kHfDailyNewer = kTestdata + "/harvest/handmade_daily_papers_2024-10-25.json";
const std::string kBeirCorpus = kTestdata + "/beir/handmade/corpus.jsonl";
const std::string kSeedPage = kTestdata + "/json/seed_page.json";

// Real samples under ../shared (support/shared_data.h).
constexpr const char* kRealSnapshot =
    "data/arxiv-kaggle-snapshot/arxiv-metadata-oai-snapshot.sample200.jsonl";
constexpr const char* kRealHfDaily = "data/hf-daily-papers/daily_papers_2024-10-25.json";
constexpr const char* kRealScifact = "data/scifact/beir/corpus.jsonl.gz";

class CollectingSink : public RecordSink {
  public:
    void on_record(Record&& record) override { records.push_back(std::move(record)); }
    void on_error(RecordError&& error) override { errors.push_back(std::move(error)); }

    const Paper* find(std::string_view id) const {
        for (const Record& r : records) {
            if (r.paper.id.str() == id) return &r.paper;
        }
        return nullptr;
    }
    std::vector<std::string> error_messages() const {
        std::vector<std::string> out;
        for (const RecordError& e : errors) out.push_back(e.message());
        return out;
    }

    std::vector<Record> records;
    std::vector<RecordError> errors;
};

// Parses a file in `format`; the Status must be ok.
CollectingSink parse_file(Format format, const std::string& path) {
    CollectingSink sink;
    auto source = open_file_source(path);
    EXPECT_TRUE(source.ok()) << (source.ok() ? "" : source.error().message());
    if (!source.ok()) return sink;
    Status status = parse(format, **source, sink);
    EXPECT_TRUE(status.ok()) << (status.ok() ? "" : status.error().message());
    return sink;
}

// Parses text held in memory, named "mem".
CollectingSink parse_text(Format format, std::string text, Status* status_out = nullptr) {
    CollectingSink sink;
    auto source = memory_source(std::move(text), "mem");
    Status status = parse(format, *source, sink);
    if (status_out != nullptr) {
        *status_out = status;
    } else {
        EXPECT_TRUE(status.ok()) << (status.ok() ? "" : status.error().message());
    }
    return sink;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        lines.push_back(text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return lines;
}

// ---- arxiv-jsonl ----

TEST(ArxivJsonl, ParsesTheKaggleSample) {
    PAPERBOY_REQUIRE_SHARED(sample, kRealSnapshot);
    CollectingSink sink = parse_file(Format::kArxivJsonl, sample);
    EXPECT_EQ(sink.records.size(), 200u);
    EXPECT_TRUE(sink.errors.empty()) << sink.error_messages().front();

    const Paper* p = sink.find("0704.0001");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->title,
              "Calculation of prompt diphoton production cross sections at Tevatron and LHC "
              "energies");
    ASSERT_EQ(p->authors.size(), 4u);
    EXPECT_EQ(p->authors[0].name, "C. Balázs");
    EXPECT_EQ(p->authors[0].keyname, "Balázs");
    EXPECT_EQ(p->authors[0].forenames, "C.");
    EXPECT_EQ(p->authors[3].name, "C.-P. Yuan");
    EXPECT_EQ(p->categories, std::vector<std::string>{"hep-ph"});
    EXPECT_EQ(p->version, 2);
    EXPECT_EQ(p->published, "2007-04-02T19:18:42Z");
    // update_date (2008-11-26) is later than v2 (2007-07-24).
    EXPECT_EQ(p->updated, "2008-11-26T00:00:00Z");
    EXPECT_EQ(p->doi, "10.1103/PhysRevD.76.013009");
    EXPECT_EQ(p->journal_ref, "Phys.Rev.D76:013009,2007");
    EXPECT_EQ(p->report_no, "ANL-HEP-PR-07-12");
    EXPECT_EQ(p->comments, "37 pages, 15 figures; published version");
    EXPECT_EQ(p->submitter, "Pavel Nadolsky");
    EXPECT_EQ(p->license, "");  // null in the source
    EXPECT_EQ(p->abstract_raw.substr(0, 31), "  A fully differential calculat");
    EXPECT_EQ(p->abstract.substr(0, 40), "A fully differential calculation in pert");
    EXPECT_EQ(p->abstract.find('\n'), std::string::npos);

    const Paper* q = sink.find("0704.0002");
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->categories, (std::vector<std::string>{"math.CO", "cs.CG"}));
    EXPECT_EQ(q->primary_category(), "math.CO");
    EXPECT_EQ(q->license, "http://arxiv.org/licenses/nonexclusive-distrib/1.0/");
    EXPECT_EQ(q->published, "2007-03-31T02:26:18Z");
    EXPECT_EQ(q->updated, "2008-12-13T17:26:00Z");  // v2 is later than update_date
    // TeX math stays for the renderer.
    EXPECT_NE(q->abstract.find("$(k,\\ell)$-pebble game"), std::string::npos);
}

TEST(ArxivJsonl, ResolvesNumberedAffiliationsFromTheAuthorString) {
    PAPERBOY_REQUIRE_SHARED(sample, kRealSnapshot);
    CollectingSink sink = parse_file(Format::kArxivJsonl, sample);
    const Paper* p = sink.find("0704.0025");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->authors.size(), 2u);
    EXPECT_EQ(p->authors[0].name, "A. S. Mishchenko");
    ASSERT_EQ(p->authors[1].affiliations.size(), 2u);
    EXPECT_EQ(p->authors[1].affiliations[1], "The University of Tokyo");

    const Paper* q = sink.find("0704.0044");  // authors_parsed carries affiliations itself
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->authors[0].affiliations, std::vector<std::string>{"Oxford"});

    const Paper* babar = sink.find("0704.0020");
    ASSERT_NE(babar, nullptr);
    EXPECT_EQ(babar->authors[0].name, "The BABAR Collaboration");
}

TEST(ArxivJsonl, ReadsEveryFieldOfTheHandmadeSnapshot) {
    CollectingSink sink = parse_file(Format::kArxivJsonl, kSnapshot);
    EXPECT_EQ(sink.records.size(), 12u);
    EXPECT_TRUE(sink.errors.empty()) << sink.error_messages().front();

    const Paper* p = sink.find("0705.4412");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->title,
              "Stripe melting and a hidden nematic phase in a frustrated lattice model of doped "
              "antiferromagnets");
    ASSERT_EQ(p->authors.size(), 3u);
    EXPECT_EQ(p->authors[0].name, "H. Vössing");
    EXPECT_EQ(p->authors[0].keyname, "Vössing");
    EXPECT_EQ(p->authors[0].forenames, "H.");
    EXPECT_EQ(p->authors[1].name, "J. P. Okafor");
    EXPECT_EQ(p->categories, (std::vector<std::string>{"cond-mat.str-el", "cond-mat.stat-mech"}));
    EXPECT_EQ(p->version, 2);
    EXPECT_EQ(p->published, "2007-05-29T14:03:11Z");
    // update_date (2008-03-17) is later than v2 (2007-12-03).
    EXPECT_EQ(p->updated, "2008-03-17T00:00:00Z");
    EXPECT_EQ(p->doi, "10.5555/pbq.2008.2041");
    EXPECT_EQ(p->journal_ref, "Phys. Lett. Q 18 (2008) 2041");
    EXPECT_EQ(p->report_no, "PB-CM-07-031");
    EXPECT_EQ(p->comments, "24 pages, 9 figures; v2: discussion of finite-size effects expanded");
    EXPECT_EQ(p->submitter, "Henrike Vössing");  // V\"ossing in the source
    EXPECT_EQ(p->license, "");                   // null in the source
    EXPECT_EQ(p->abstract_raw.substr(0, 12), "  We study a");
    EXPECT_EQ(p->abstract.substr(0, 30), "We study a frustrated lattice ");
    EXPECT_EQ(p->abstract.find('\n'), std::string::npos);
    EXPECT_NE(p->abstract.find("up to $T_2 > T_1$."), std::string::npos);

    const Paper* q = sink.find("0706.1183");
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->categories, (std::vector<std::string>{"math.CO", "cs.DM"}));
    EXPECT_EQ(q->primary_category(), "math.CO");
    EXPECT_EQ(q->license, "http://arxiv.org/licenses/nonexclusive-distrib/1.0/");
    EXPECT_EQ(q->published, "2007-06-08T16:20:02Z");
    EXPECT_EQ(q->updated, "2009-01-10T11:05:40Z");  // v2 is later than update_date
    EXPECT_EQ(q->doi, "");                          // null
    EXPECT_EQ(q->journal_ref, "");
    // TeX math stays for the renderer.
    EXPECT_NE(q->abstract.find("$n - O(\\log n / \\log\\log n)$"), std::string::npos);

    // Old-style ids, with TeX in the names, title and abstract.
    const Paper* old = sink.find("hep-th/9909931");
    ASSERT_NE(old, nullptr);
    EXPECT_EQ(old->id.str(), "hep-th/9909931");
    EXPECT_EQ(old->categories, std::vector<std::string>{"hep-th"});
    EXPECT_EQ(old->submitter, "Mikołaj Brzeziński");
    EXPECT_EQ(old->authors[0].name, "Mikołaj Brzeziński");
    EXPECT_EQ(old->published, "1999-09-29T12:44:05Z");
    EXPECT_EQ(old->updated, "2008-02-03T00:00:00Z");
    EXPECT_EQ(old->report_no, "PB-TH-99-17");
    const Paper* math = sink.find("math/0501913");
    ASSERT_NE(math, nullptr);
    EXPECT_EQ(math->title, "On the Poincaré series of a numerical semigroup with three generators");
    EXPECT_NE(math->abstract.find("the Poincaré series"), std::string::npos);
    EXPECT_NE(math->abstract_raw.find("Poincar\\'e"), std::string::npos);
    EXPECT_EQ(math->submitter, "José Ibañez");
    EXPECT_EQ(math->comments, "");  // every optional field null
    EXPECT_EQ(math->journal_ref, "");
    EXPECT_EQ(math->doi, "");
    EXPECT_EQ(math->report_no, "");
    EXPECT_EQ(math->version, 1);
    EXPECT_EQ(math->updated, "2005-01-31T17:27:03Z");  // update_date is earlier that day

    // UTF-8 as it is (not \u escapes) and authors_parsed null: the names come from the string.
    const Paper* raw = sink.find("0811.0402");
    ASSERT_NE(raw, nullptr);
    ASSERT_EQ(raw->authors.size(), 3u);
    EXPECT_EQ(raw->authors[0].name, "Zoë Ångström");
    EXPECT_EQ(raw->authors[1].name, "Nguyễn Thị Lan");
    EXPECT_EQ(raw->authors[2].name, "Pádraig Ó Murchú");
    EXPECT_EQ(raw->submitter, "Zoë Ångström");

    // The optional fields absent altogether.
    const Paper* bare = sink.find("1210.3357");
    ASSERT_NE(bare, nullptr);
    ASSERT_EQ(bare->authors.size(), 2u);
    EXPECT_EQ(bare->authors[1].name, "Arnaud Bellec");
    EXPECT_EQ(bare->submitter, "");
    EXPECT_EQ(bare->license, "");
    EXPECT_EQ(bare->version, 1);
    EXPECT_EQ(bare->published, "2012-10-12T07:45:00Z");
    EXPECT_EQ(bare->updated, "2012-10-12T07:45:00Z");

    // Five-digit ids.
    const Paper* five = sink.find("1503.04418");
    ASSERT_NE(five, nullptr);
    EXPECT_EQ(five->version, 3);
    EXPECT_EQ(five->published, "2015-03-16T18:22:10Z");
    EXPECT_EQ(five->updated, "2015-09-30T00:00:00Z");
    ASSERT_EQ(five->authors.size(), 3u);
    EXPECT_EQ(five->authors[2].name, "T.-H. Lindgren");  // "T. -H." in authors_parsed
    EXPECT_EQ(five->license, "http://creativecommons.org/licenses/by/4.0/");
    const Paper* recent = sink.find("2312.17705");
    ASSERT_NE(recent, nullptr);
    EXPECT_EQ(recent->title, "Calibrated uncertainty for learning curves of small language models");
    ASSERT_EQ(recent->authors.size(), 3u);
    EXPECT_EQ(recent->authors[1].name, "Søren Kjærgaard");
    EXPECT_EQ(recent->authors[2].name, "Iñigo Etxeberria");
    EXPECT_NE(recent->abstract.find("$\\mathcal{O}(\\sqrt{k})$"), std::string::npos);
}

TEST(ArxivJsonl, ResolvesAffiliationsOfTheHandmadeSnapshot) {
    CollectingSink sink = parse_file(Format::kArxivJsonl, kSnapshot);
    // Numbered ("R. Castellanos (1 and 2), ... ((1) ..., (2) ...)"): from the author string.
    const Paper* p = sink.find("0709.2867");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->authors.size(), 3u);
    EXPECT_EQ(p->authors[0].name, "R. Castellanos");
    EXPECT_EQ(p->authors[0].affiliations,
              (std::vector<std::string>{"Institute of Invented Materials, Sendai",
                                        "Universidade Fictícia de Lisboa"}));
    EXPECT_EQ(p->authors[1].affiliations,
              std::vector<std::string>{"Institute of Invented Materials, Sendai"});
    EXPECT_EQ(p->authors[2].affiliations,
              std::vector<std::string>{"Universidade Fictícia de Lisboa"});

    const Paper* q = sink.find("0711.0458");  // authors_parsed carries affiliations itself
    ASSERT_NE(q, nullptr);
    ASSERT_EQ(q->authors.size(), 3u);
    EXPECT_EQ(q->authors[0].affiliations, std::vector<std::string>{"Padova"});
    EXPECT_EQ(q->authors[2].affiliations, std::vector<std::string>{"Oslo"});

    const Paper* collaboration = sink.find("0712.3390");
    ASSERT_NE(collaboration, nullptr);
    ASSERT_EQ(collaboration->authors.size(), 2u);
    EXPECT_EQ(collaboration->authors[0].name, "The KESTREL Collaboration");
    EXPECT_EQ(collaboration->version, 3);
    EXPECT_EQ(collaboration->updated, "2008-03-14T16:00:00Z");
    EXPECT_EQ(collaboration->report_no, "KESTREL-PUB-07/042, PB-EX-07-11");
}

TEST(ArxivJsonl, GzipAndPlainGiveTheSameRecords) {
    TempDir dir;
    std::string gz = write_gzip(dir, "sample.jsonl.gz", read_file(kSnapshot));
    CollectingSink plain = parse_file(Format::kArxivJsonl, kSnapshot);
    CollectingSink packed = parse_file(Format::kArxivJsonl, gz);
    ASSERT_EQ(plain.records.size(), 12u);
    ASSERT_EQ(plain.records.size(), packed.records.size());
    for (size_t i = 0; i < plain.records.size(); ++i) {
        EXPECT_EQ(plain.records[i].paper, packed.records[i].paper) << i;
    }
}

TEST(ArxivJsonl, FallsBackToTheAuthorStringWithoutAuthorsParsed) {
    CollectingSink sink = parse_text(
        Format::kArxivJsonl,
        R"j({"id":"0704.0001","title":"T","authors":"C. Bal\\'azs and E. L. Berger (ANL)"})j");
    ASSERT_EQ(sink.records.size(), 1u);
    const Paper& p = sink.records[0].paper;
    ASSERT_EQ(p.authors.size(), 2u);
    EXPECT_EQ(p.authors[0].name, "C. Balázs");
    EXPECT_EQ(p.authors[1].affiliations, std::vector<std::string>{"ANL"});
    EXPECT_EQ(p.version, 0);
    EXPECT_EQ(p.published, "");
}

TEST(ArxivJsonl, ConvertsTitleAccentsAndKeepsMath) {
    CollectingSink sink = parse_text(
        Format::kArxivJsonl,
        R"j({"id":"hep-th/9901001v3","title":"Sch\\\"odinger on $S^{2}$\n  and M\\\"obius","versions":[{"version":"v1","created":"Mon, 4 Jan 1999 10:00:00 GMT"},{"version":"v3","created":"Tue, 5 Jan 1999 10:00:00 GMT"}]})j");
    ASSERT_EQ(sink.records.size(), 1u) << sink.error_messages().front();
    const Paper& p = sink.records[0].paper;
    EXPECT_EQ(p.id.str(), "hep-th/9901001");
    EXPECT_EQ(p.title, "Schödinger on $S^{2}$ and Möbius");
    EXPECT_EQ(p.version, 3);
    EXPECT_EQ(p.published, "1999-01-04T10:00:00Z");
    EXPECT_EQ(p.updated, "1999-01-05T10:00:00Z");
}

TEST(ArxivJsonl, ReportsBadLinesAndKeepsTheGoodOnes) {
    std::vector<std::string> sample = lines_of(read_file(kSnapshot));
    std::string text;
    text += sample[0] + "\n";                                                // 1 good
    text += "{\"id\": \"0704.9999\", \"title\": \n";                         // 2 truncated JSON
    text += sample[1] + "\r\n";                                              // 3 good, CRLF
    text += "\n";                                                            // 4 blank: skipped
    text += "{\"title\": \"No id\"}\n";                                      // 5 no id
    text += "{\"id\": \"abc\", \"title\": \"Bad id\"}\n";                    // 6 bad id
    text += "{\"id\": 704.0003, \"title\": \"Numeric id\"}\n";               // 7 wrong type
    text += "{\"id\": \"0704.0003\"}\n";                                     // 8 no title
    text += "{\"id\": \"0704.0003\", \"title\": [\"x\"]}\n";                 // 9 wrong type
    text += "[1, 2, 3]\n";                                                   // 10 not an object
    text += "{\"id\": \"0704.0003\", \"title\": \"T\", \"versions\": 7}\n";  // 11 wrong type
    text += "{\"id\": \"0704.0003\", \"title\": \"T\"} trailing\n";          // 12 trailing bytes
    text += "{\"id\": \"0704.0004\", \"title\": \"Bad \xff\xfe UTF-8\"}\n";  // 13 bad UTF-8
    text += std::string(100000, '[') + "\n";                                 // 14 deep nesting
    text += "{\"id\": \"0704.0005\", \"title\": \"T\", \"update_date\": \"yesterday\"}\n";  // 15
    text += sample[2];  // 16 good, no newline

    CollectingSink sink = parse_text(Format::kArxivJsonl, text);
    ASSERT_EQ(sink.records.size(), 3u);
    EXPECT_EQ(sink.records[0].paper.id.str(), "0705.4412");
    EXPECT_EQ(sink.records[1].paper.id.str(), "0706.1183");
    EXPECT_EQ(sink.records[2].paper.id.str(), "0709.2867");

    std::vector<std::string> messages = sink.error_messages();
    ASSERT_EQ(messages.size(), 12u);
    std::vector<uint64_t> lines;
    for (const RecordError& e : sink.errors) lines.push_back(e.line);
    EXPECT_EQ(lines, (std::vector<uint64_t>{2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));
    EXPECT_EQ(messages[1], "mem line 5: field \"id\" missing");
    EXPECT_EQ(messages[2].substr(0, 36), "mem line 6: invalid paper id \"abc\": ");
    EXPECT_EQ(messages[3], "mem line 7: field \"id\" is a number, expected a string");
    EXPECT_EQ(messages[4], "mem line 8: field \"title\" missing");
    EXPECT_EQ(messages[5], "mem line 9: field \"title\" is an array, expected a string");
    EXPECT_EQ(messages[6], "mem line 10: expected a JSON object, found an array");
    EXPECT_EQ(messages[7], "mem line 11: field \"versions\" is a number, expected an array");
    EXPECT_NE(messages[9].find("UTF-8"), std::string::npos) << messages[9];
    EXPECT_NE(messages[11].find("update_date"), std::string::npos) << messages[11];
    for (const std::string& m : messages) EXPECT_LT(m.size(), 400u) << m;
}

TEST(ArxivJsonl, TruncatedFileLosesOnlyTheCutRecord) {
    std::string text = read_file(kSnapshot);
    std::vector<std::string> lines = lines_of(text);
    ASSERT_EQ(lines.size(), 12u);
    size_t cut = 0;
    for (size_t i = 0; i < 7; ++i) cut += lines[i].size() + 1;
    cut += lines[7].size() / 2;  // in the middle of line 8
    CollectingSink sink = parse_text(Format::kArxivJsonl, text.substr(0, cut));
    EXPECT_EQ(sink.records.size(), 7u);
    ASSERT_EQ(sink.errors.size(), 1u);
    EXPECT_EQ(sink.errors[0].line, 8u);
}

TEST(ArxivJsonl, TruncatedGzipReportsAnError) {
    TempDir dir;
    std::string gz = read_file(write_gzip(dir, "a.gz", read_file(kSnapshot)));
    std::string path = dir.write("cut.jsonl.gz", gz.substr(0, gz.size() * 2 / 3));
    auto source = open_file_source(path);
    ASSERT_TRUE(source.ok());
    CollectingSink sink;
    Status status = parse_arxiv_jsonl(**source, sink);
    EXPECT_FALSE(status.ok());
    EXPECT_GT(sink.records.size(), 2u);
    EXPECT_LT(sink.records.size(), 12u);
}

TEST(ArxivJsonl, SurvivesBinaryGarbage) {
    std::string garbage;
    uint32_t x = 12345;
    for (int i = 0; i < 200000; ++i) {
        x = x * 1103515245 + 12345;
        garbage += static_cast<char>(x >> 24);
    }
    CollectingSink sink = parse_text(Format::kArxivJsonl, garbage);
    EXPECT_TRUE(sink.records.empty());
    EXPECT_FALSE(sink.errors.empty());
}

TEST(ArxivJsonl, SkipsAnOversizeLine) {
    std::vector<std::string> sample = lines_of(read_file(kSnapshot));
    std::string huge =
        "{\"id\": \"0704.0009\", \"title\": \"" + std::string(65u << 20, 'x') + "\"}";
    CollectingSink sink =
        parse_text(Format::kArxivJsonl, sample[0] + "\n" + huge + "\n" + sample[1] + "\n");
    ASSERT_EQ(sink.records.size(), 2u);
    ASSERT_EQ(sink.errors.size(), 1u);
    EXPECT_EQ(sink.errors[0].line, 2u);
    EXPECT_NE(sink.errors[0].reason.find("longer than"), std::string::npos);
}

TEST(ArxivJsonl, EmptyInputHasNoRecords) {
    CollectingSink sink = parse_text(Format::kArxivJsonl, "");
    EXPECT_TRUE(sink.records.empty());
    EXPECT_TRUE(sink.errors.empty());
}

// ---- hf-daily ----

TEST(HfDaily, ParsesTheDailyList) {
    PAPERBOY_REQUIRE_SHARED(day, kRealHfDaily);
    CollectingSink sink = parse_file(Format::kHfDaily, day);
    ASSERT_EQ(sink.records.size(), 29u);
    EXPECT_TRUE(sink.errors.empty());
    std::vector<int> upvotes;
    for (const Record& r : sink.records) {
        ASSERT_TRUE(r.daily.has_value());
        upvotes.push_back(r.daily->upvotes);
        EXPECT_EQ(r.daily->date, "2024-10-25");
        EXPECT_EQ(r.daily->paper_id, r.paper.id);
        EXPECT_TRUE(r.paper.id.is_arxiv());
    }
    EXPECT_EQ(upvotes, (std::vector<int>{64, 41, 37, 35, 28, 27, 17, 14, 12, 11, 11, 11, 10, 9, 9,
                                         8,  7,  7,  6,  6,  5,  5,  5,  4,  3,  3,  2,  2,  2}));

    const Record& first = sink.records[0];
    EXPECT_EQ(first.paper.id.str(), "2410.17243");
    EXPECT_EQ(first.paper.title.substr(0, 66),
              "Breaking the Memory Barrier: Near Infinite Batch Size Scaling for ");
    EXPECT_EQ(first.paper.title.find('\n'), std::string::npos);
    ASSERT_FALSE(first.paper.authors.empty());
    EXPECT_EQ(first.paper.authors[0].name, "Zesen Cheng");
    EXPECT_EQ(first.paper.published, "2024-10-22T17:59:30Z");
    EXPECT_EQ(first.paper.abstract.substr(0, 30), "Contrastive loss is a powerful");
    EXPECT_EQ(first.daily->submitted_by, "ClownRat");
    EXPECT_EQ(first.daily->submitted_at, "2024-10-25T00:57:09Z");
    EXPECT_EQ(first.daily->num_comments, 3);
}

TEST(HfDaily, ParsesTheHandmadeDay) {
    CollectingSink sink = parse_file(Format::kHfDaily, kHfDaily);
    ASSERT_EQ(sink.records.size(), 8u);
    EXPECT_TRUE(sink.errors.empty()) << sink.error_messages().front();
    std::vector<int> upvotes;
    for (const Record& r : sink.records) {
        ASSERT_TRUE(r.daily.has_value());
        upvotes.push_back(r.daily->upvotes);
        EXPECT_EQ(r.daily->date, "2024-10-25");
        EXPECT_EQ(r.daily->paper_id, r.paper.id);
        EXPECT_TRUE(r.paper.id.is_arxiv());
        EXPECT_EQ(r.paper.title.find('\n'), std::string::npos) << r.paper.title;
        EXPECT_EQ(r.paper.abstract.find('\n'), std::string::npos) << r.paper.id.str();
    }
    EXPECT_EQ(upvotes, (std::vector<int>{57, 41, 33, 27, 19, 12, 12, 3}));

    const Record& first = sink.records[0];
    EXPECT_EQ(first.paper.id.str(), "2410.61842");
    EXPECT_EQ(first.paper.title,
              "Tidewater: Paging the Key-Value Cache to Host Memory for Million-Token Decoding");
    ASSERT_EQ(first.paper.authors.size(), 6u);
    EXPECT_EQ(first.paper.authors[0].name, "Wen-Li Ashford");
    EXPECT_EQ(first.paper.authors[1].name, "Maren Ødegaard");
    EXPECT_EQ(first.paper.published, "2024-10-22T17:41:09Z");
    EXPECT_EQ(first.paper.abstract.substr(0, 34), "Decoding with contexts of a millio");
    EXPECT_EQ(first.paper.github_url, "");
    EXPECT_EQ(first.daily->submitted_by, "wenli-a");
    EXPECT_EQ(first.daily->submitted_at, "2024-10-25T01:12:44Z");
    EXPECT_EQ(first.daily->num_comments, 5);

    EXPECT_EQ(sink.records[1].paper.github_url, "https://github.com/quillmark-lab/quillmark");
    EXPECT_EQ(sink.records[1].paper.authors[1].name, "Clara Ibáñez-Ruiz");
    EXPECT_EQ(sink.records[2].paper.project_url, "https://saffron-vl.example.org");
    EXPECT_EQ(sink.records[2].paper.github_url, "");

    // A hidden author is still an author; names are UTF-8 as the API sends them.
    const Record& last = sink.records[7];
    EXPECT_EQ(last.paper.id.str(), "2410.62716");
    ASSERT_EQ(last.paper.authors.size(), 4u);
    EXPECT_EQ(last.paper.authors[0].name, "Ánne Márjá Sara");
    EXPECT_EQ(last.paper.authors[2].name, "Elle Kuoljok");
    EXPECT_EQ(last.daily->submitted_at, "2024-10-25T13:03:59Z");
    EXPECT_EQ(last.daily->num_comments, 0);
}

TEST(HfDaily, ReadsTheNewerSchemaOfTheHandmadeHarvestDay) {
    CollectingSink sink = parse_file(Format::kHfDaily, kHfDailyNewer);
    ASSERT_EQ(sink.records.size(), 5u);
    EXPECT_TRUE(sink.errors.empty()) << sink.error_messages().front();
    for (const Record& r : sink.records) {
        ASSERT_TRUE(r.daily.has_value());
        // The list's day is submittedOnDailyAt; the item's publishedAt is the arXiv day here.
        EXPECT_EQ(r.daily->date, "2024-10-25") << r.paper.id.str();
        EXPECT_LT(r.paper.published, "2024-10-25") << r.paper.id.str();
    }

    const Record& first = sink.records[0];
    EXPECT_EQ(first.paper.id.str(), "2410.64410");
    EXPECT_EQ(first.paper.published, "2024-10-23T16:20:00Z");
    EXPECT_EQ(first.paper.github_url, "https://github.com/pocket-lab/pocket-planner");
    EXPECT_EQ(first.paper.project_url, "https://pocket-planner.example.org");
    EXPECT_EQ(first.paper.organization, "pocketlab");  // the item's
    EXPECT_EQ(first.daily->submitted_at, "2024-10-25T02:03:04Z");
    EXPECT_EQ(first.daily->submitted_by, "mlzhou");
    EXPECT_EQ(first.daily->upvotes, 22);
    EXPECT_EQ(first.daily->num_comments, 3);

    const Record& second = sink.records[1];
    EXPECT_EQ(second.paper.organization, "icelab");  // the paper's
    EXPECT_EQ(second.paper.project_url, "");

    const Record& third = sink.records[2];
    ASSERT_EQ(third.paper.authors.size(), 3u);
    EXPECT_EQ(third.paper.authors[0].name, "Þórdís Guðmundsdóttir");
    EXPECT_EQ(third.paper.project_url, "https://byte-nordic.example.org");
    EXPECT_EQ(third.paper.github_url, "");
    EXPECT_EQ(third.daily->submitted_by, "thordisg");

    const Record& plain = sink.records[3];  // none of the optional fields
    EXPECT_EQ(plain.paper.id.str(), "2410.65533");
    EXPECT_EQ(plain.paper.github_url, "");
    EXPECT_EQ(plain.paper.project_url, "");
    EXPECT_EQ(plain.paper.organization, "");
    EXPECT_EQ(plain.daily->num_comments, 0);

    EXPECT_EQ(sink.records[4].daily->submitted_at, "2024-10-25T21:48:00Z");
    EXPECT_EQ(sink.records[4].paper.authors.size(), 3u);
}

TEST(HfDaily, ReadsTheNewerSchema) {
    CollectingSink sink = parse_text(Format::kHfDaily, R"j([
      {"paper": {"id": "2501.00001", "title": "New", "summary": "S.",
                 "authors": [{"name": "A B"}, {"name": "C D", "hidden": true}],
                 "publishedAt": "2024-12-30T10:00:00.000Z",
                 "submittedOnDailyAt": "2025-01-02T00:00:00.000Z",
                 "submittedOnDailyBy": {"name": "akhaliq", "fullname": "AK"},
                 "upvotes": 12, "githubRepo": "https://github.com/o/r",
                 "projectPage": "https://o.github.io/r",
                 "organization": {"name": "nvidia", "fullname": "NVIDIA"},
                 "ai_summary": "ignored", "ai_keywords": ["x"]},
       "publishedAt": "2024-12-30T10:00:00.000Z", "numComments": 1}
    ])j");
    ASSERT_EQ(sink.records.size(), 1u) << sink.error_messages().front();
    const Record& r = sink.records[0];
    EXPECT_EQ(r.paper.github_url, "https://github.com/o/r");
    EXPECT_EQ(r.paper.project_url, "https://o.github.io/r");
    EXPECT_EQ(r.paper.organization, "nvidia");
    EXPECT_EQ(r.paper.authors.size(), 2u);
    ASSERT_TRUE(r.daily.has_value());
    EXPECT_EQ(r.daily->date, "2025-01-02");
    EXPECT_EQ(r.daily->submitted_at, "2025-01-02T00:00:00Z");
    EXPECT_EQ(r.daily->submitted_by, "akhaliq");
    EXPECT_EQ(r.daily->upvotes, 12);
    EXPECT_EQ(r.daily->num_comments, 1);
}

TEST(HfDaily, ReportsBadItemsWithTheirLines) {
    CollectingSink sink = parse_text(Format::kHfDaily,
                                     "[\n"
                                     "  {\"paper\": {\"id\": \"2410.00001\", \"title\": \"A\"},\n"
                                     "   \"publishedAt\": \"2024-10-25T01:00:00Z\"},\n"
                                     "  {\"paper\": {\"id\": \"nope\", \"title\": \"B\"}},\n"
                                     "  42,\n"
                                     "  {\"paper\": {\"id\": \"2410.00002\", \"title\": \"C\"}},\n"
                                     "  {\"paper\": \"x\"},\n"
                                     "  {\"paper\": {\"id\": \"2410.00003\", \"title\": \"D\"}, "
                                     "\"publishedAt\": \"2024-10-25\", \"numComments\": \"3\"},\n"
                                     "  {\"paper\": {\"id\": \"2410.00004\", \"title\": \"E\"},\n"
                                     "   \"publishedAt\": \"2024-10-25T02:00:00Z\"}\n"
                                     "]\n");
    ASSERT_EQ(sink.records.size(), 2u);
    EXPECT_EQ(sink.records[1].paper.id.str(), "2410.00004");
    std::vector<std::string> m = sink.error_messages();
    ASSERT_EQ(m.size(), 5u);
    EXPECT_EQ(m[0].substr(0, 37), "mem line 4: invalid paper id \"nope\": ");
    EXPECT_EQ(m[1], "mem line 5: expected a JSON object, found a number");
    EXPECT_EQ(m[2].substr(0, 12), "mem line 6: ");  // no list date
    EXPECT_EQ(m[3], "mem line 7: field \"paper\" is a string, expected an object");
    EXPECT_EQ(m[4], "mem line 8: field \"numComments\" is a string, expected a number");
}

TEST(HfDaily, TruncatedArrayKeepsTheCompleteItems) {
    std::string text = read_file(kHfDaily);
    size_t cut = text.find("\"2410.63388\"");  // inside the sixth item
    ASSERT_NE(cut, std::string::npos);
    CollectingSink sink = parse_text(Format::kHfDaily, text.substr(0, cut));
    EXPECT_EQ(sink.records.size(), 5u);
    ASSERT_EQ(sink.errors.size(), 1u);
    EXPECT_NE(sink.errors[0].reason.find("truncated"), std::string::npos);
    EXPECT_EQ(sink.errors[0].record, sink.records.size() + 1);
}

TEST(HfDaily, InputThatIsNotAnArrayFails) {
    for (std::string text : {std::string(""), std::string("{\"a\": 1}"),
                             std::string("\x01\x02\x03"), std::string("   \n  ")}) {
        Status status;
        CollectingSink sink = parse_text(Format::kHfDaily, text, &status);
        EXPECT_FALSE(status.ok()) << text;
        if (!status.ok()) {
            EXPECT_EQ(status.error().code(), ErrorCode::kParse);
        }
        EXPECT_TRUE(sink.records.empty());
    }
}

TEST(HfDaily, MismatchedBracketStopsWithAnError) {
    CollectingSink sink = parse_text(Format::kHfDaily,
                                     "[{\"paper\": {\"id\": \"2410.00001\", \"title\": \"A\"}, "
                                     "\"publishedAt\": \"2024-10-25\"},\n"
                                     " {\"paper\": [}}]");
    EXPECT_EQ(sink.records.size(), 1u);
    ASSERT_EQ(sink.errors.size(), 1u);
    EXPECT_EQ(sink.errors[0].line, 2u);
    EXPECT_NE(sink.errors[0].reason.find("mismatched"), std::string::npos);
}

TEST(HfDaily, EmptyArrayHasNoRecords) {
    CollectingSink sink = parse_text(Format::kHfDaily, "\xEF\xBB\xBF [ ]");
    EXPECT_TRUE(sink.records.empty());
    EXPECT_TRUE(sink.errors.empty());
}

// ---- beir ----

TEST(Beir, ParsesTheScifactCorpus) {
    PAPERBOY_REQUIRE_SHARED(corpus, kRealScifact);
    CollectingSink sink = parse_file(Format::kBeir, corpus);
    EXPECT_EQ(sink.records.size(), 5183u);
    EXPECT_TRUE(sink.errors.empty());
    const Paper* p = sink.find("local:4983");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->title,
              "Microstructural development of human newborn cerebral white matter assessed in "
              "vivo by diffusion tensor magnetic resonance imaging.");
    EXPECT_EQ(p->abstract.substr(0, 40), "Alterations of the architecture of cereb");
    EXPECT_EQ(sink.records[0].paper.id.str(), "local:4983");
    EXPECT_FALSE(sink.records[0].daily.has_value());
}

TEST(Beir, ParsesTheHandmadeCorpus) {
    CollectingSink sink = parse_file(Format::kBeir, kBeirCorpus);
    EXPECT_EQ(sink.records.size(), 12u);
    EXPECT_TRUE(sink.errors.empty()) << sink.error_messages().front();
    EXPECT_EQ(sink.records[0].paper.id.str(), "local:101");
    EXPECT_FALSE(sink.records[0].daily.has_value());
    const Paper* p = sink.find("local:103");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->title, "Cover crops of rye reduce nitrate leaching over winter");
    EXPECT_EQ(p->abstract.substr(0, 40), "Cereal rye sown after maize took up resi");
    ASSERT_NE(sink.find("local:PB-7"), nullptr);
    // No title: the text's first words stand in.
    const Paper* untitled = sink.find("local:109");
    ASSERT_NE(untitled, nullptr);
    EXPECT_EQ(untitled->title.substr(0, 22), "Short note: straw mulc");
}

TEST(Beir, GzipAndPlainGiveTheSameRecords) {
    TempDir dir;
    const std::string gz = write_gzip(dir, "corpus.jsonl.gz", read_file(kBeirCorpus));
    // Decompress it through the ByteSource and write it back plain.
    auto source = open_file_source(gz);
    ASSERT_TRUE(source.ok());
    std::string plain;
    std::string buf(1 << 16, '\0');
    for (;;) {
        auto got = (*source)->read(buf.data(), buf.size());
        ASSERT_TRUE(got.ok());
        if (*got == 0) break;
        plain.append(buf, 0, *got);
    }
    EXPECT_EQ(plain, read_file(kBeirCorpus));
    CollectingSink a = parse_file(Format::kBeir, gz);
    CollectingSink b = parse_file(Format::kBeir, dir.write("corpus.jsonl", plain));
    ASSERT_EQ(a.records.size(), 12u);
    ASSERT_EQ(a.records.size(), b.records.size());
    for (size_t i = 0; i < a.records.size(); ++i) {
        ASSERT_EQ(a.records[i].paper, b.records[i].paper) << i;
    }
}

TEST(Beir, UsesArxivIdsWhenThereAreAny) {
    CollectingSink sink = parse_text(
        Format::kBeir,
        "{\"_id\": \"2401.12345v2\", \"title\": \"Arxiv\", \"text\": \"Body.\"}\n"
        "{\"_id\": 17, \"title\": \"\", \"text\": \"A document without a title whose text is "
        "long enough that only its first words can stand in as a title for display purposes.\"}\n"
        "{\"_id\": \"has space\", \"title\": \"Bad\"}\n"
        "{\"title\": \"No id\"}\n"
        "{\"_id\": \"MED-10\", \"title\": \"T\", \"text\": \"x\", \"metadata\": {\"url\": 1}}\n");
    ASSERT_EQ(sink.records.size(), 3u);
    EXPECT_EQ(sink.records[0].paper.id.str(), "2401.12345");
    EXPECT_EQ(sink.records[0].paper.version, 2);
    EXPECT_EQ(sink.records[1].paper.id.str(), "local:17");
    EXPECT_EQ(sink.records[1].paper.title.substr(0, 30), "A document without a title who");
    EXPECT_LE(sink.records[1].paper.title.size(), 104u);
    EXPECT_EQ(sink.records[2].paper.id.str(), "local:MED-10");
    ASSERT_EQ(sink.errors.size(), 2u);
    EXPECT_EQ(sink.errors[0].line, 3u);
    EXPECT_EQ(sink.errors[1].message(), "mem line 4: field \"_id\" missing");
}

// ---- papers-page ----

TEST(PapersPage, ParsesTheSeedPage) {
    CollectingSink sink = parse_file(Format::kPapersPage, kSeedPage);
    ASSERT_EQ(sink.records.size(), 66u);
    EXPECT_TRUE(sink.errors.empty());

    const Record& first = sink.records[0];
    EXPECT_EQ(first.paper.title.substr(0, 40), "Do Not (Always) Look Right: Investigatin");
    EXPECT_EQ(first.paper.id, PaperId::local_from_title(first.paper.title));
    EXPECT_EQ(first.paper.author_count, 2);
    EXPECT_EQ(first.paper.num_authors(), 2);
    EXPECT_EQ(first.paper.published, "2024-01-25T00:00:00Z");
    ASSERT_TRUE(first.daily.has_value());
    EXPECT_EQ(first.daily->date, "2025-11-03");
    EXPECT_EQ(first.daily->upvotes, 0);
    // "Aug 31" has no year: the page's.
    EXPECT_EQ(sink.records[1].paper.published, "2025-08-31T00:00:00Z");
    EXPECT_EQ(sink.records[2].daily->upvotes, 3);

    int without_date = 0;
    for (const Record& r : sink.records) {
        EXPECT_EQ(r.daily->date, "2025-11-03");
        if (r.paper.title.rfind("Fast Controlled Generation", 0) == 0) {
            ++without_date;
            EXPECT_EQ(r.paper.author_count, 0);
            EXPECT_EQ(r.paper.published, "");
            EXPECT_EQ(r.daily->upvotes, 0);
            EXPECT_FALSE(r.paper.abstract.empty());
        }
        if (r.paper.title.rfind("MERIT", 0) == 0) {
            EXPECT_EQ(r.paper.organization, "ByteDance");
            EXPECT_EQ(r.paper.published, "2025-06-03T00:00:00Z");
            EXPECT_EQ(r.daily->upvotes, 2);
        }
    }
    EXPECT_EQ(without_date, 1);
}

TEST(PapersPage, NeedsADateOrAYear) {
    Status status;
    CollectingSink sink = parse_text(
        Format::kPapersPage,
        R"j({"about": "x", "page": {"date_selected": "Nov 3"}, "papers": [{"title": "A"}]})j",
        &status);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), ErrorCode::kParse);
    EXPECT_NE(status.error().message().find("\"date\""), std::string::npos);
    EXPECT_NE(status.error().message().find("\"year\""), std::string::npos);
    EXPECT_TRUE(sink.records.empty());
}

TEST(PapersPage, TakesTheYearAndAPageAfterThePapers) {
    CollectingSink sink = parse_text(Format::kPapersPage, R"j({
      "papers": [{"title": "One", "date_shown": "Feb 29", "upvotes": 4},
                 {"title": "Two", "date_shown": "not a date"},
                 "junk",
                 {"title": "Three", "date_shown": "Dec 1, 2023", "organization": "Org"}],
      "page": {"date_selected": "Nov 3", "year": 2024}
    })j");
    ASSERT_EQ(sink.records.size(), 2u);
    EXPECT_EQ(sink.records[0].paper.published, "2024-02-29T00:00:00Z");
    EXPECT_EQ(sink.records[0].daily->date, "2024-11-03");
    EXPECT_EQ(sink.records[0].daily->upvotes, 4);
    EXPECT_EQ(sink.records[1].paper.organization, "Org");
    ASSERT_EQ(sink.errors.size(), 2u);
    EXPECT_EQ(sink.errors[0].line, 3u);
    EXPECT_EQ(sink.errors[0].record, 2u);
    EXPECT_EQ(sink.errors[1].record, 3u);
}

TEST(PapersPage, MissingPapersArrayFails) {
    Status status;
    CollectingSink sink =
        parse_text(Format::kPapersPage, R"j({"page": {"date": "2025-11-03"}})j", &status);
    EXPECT_FALSE(status.ok());
    status = Status();
    parse_text(Format::kPapersPage, R"j([{"title": "x"}])j", &status);
    EXPECT_FALSE(status.ok());
}

// ---- the splitter on its own ----

TEST(JsonArraySplitter, YieldsElementsWithLinesAndOrdinals) {
    auto source = memory_source("[\n 1,\n {\"a\": \"]},[\\\"\"},\n\n [[], {}] ,\"s\" ]", "mem");
    JsonArraySplitter splitter(*source);
    std::vector<std::string> texts;
    std::vector<uint64_t> lines;
    for (;;) {
        auto e = splitter.next();
        ASSERT_TRUE(e.ok()) << e.error().message();
        if (!e->has_value()) break;
        texts.emplace_back((*e)->text);
        lines.push_back((*e)->line);
        EXPECT_EQ((*e)->ordinal, texts.size());
    }
    EXPECT_EQ(texts, (std::vector<std::string>{"1", "{\"a\": \"]},[\\\"\"}", "[[], {}]", "\"s\""}));
    EXPECT_EQ(lines, (std::vector<uint64_t>{2, 3, 5, 5}));
}

TEST(JsonArraySplitter, KeepsOtherMembersOfTheObject) {
    auto source =
        memory_source(R"j({"about": "x", "page": {"a": [1]}, "papers": [1, 2], "z": 3})j", "mem");
    JsonArraySplitter splitter(*source, "papers");
    int count = 0;
    for (;;) {
        auto e = splitter.next();
        ASSERT_TRUE(e.ok()) << e.error().message();
        if (!e->has_value()) break;
        ++count;
    }
    EXPECT_EQ(count, 2);
    ASSERT_EQ(splitter.members().size(), 3u);
    EXPECT_EQ(splitter.members()[1].first, "page");
    EXPECT_EQ(splitter.members()[1].second, "{\"a\": [1]}");
    EXPECT_EQ(splitter.members()[2].second, "3");
}

TEST(JsonArraySplitter, SkipsAnElementOverTheLimitWithoutHoldingIt) {
    std::string big = "[1, \"" + std::string(5u << 20, 'x') + "\", 3]";
    auto source = memory_source(big, "mem");
    JsonArraySplitter splitter(*source, "", 1 << 20);
    std::vector<bool> too_large;
    for (;;) {
        auto e = splitter.next();
        ASSERT_TRUE(e.ok()) << e.error().message();
        if (!e->has_value()) break;
        too_large.push_back((*e)->too_large);
    }
    EXPECT_EQ(too_large, (std::vector<bool>{false, true, false}));
}

// ---- detection ----

TEST(DetectFormat, RecognisesEveryFormat) {
    struct Case {
        std::string head;
        Format format;
    };
    const Case cases[] = {
        {read_file(kSnapshot).substr(0, 4000), Format::kArxivJsonl},
        {read_file(kHfDaily).substr(0, 4000), Format::kHfDaily},
        {read_file(kHfDailyNewer).substr(0, 4000), Format::kHfDaily},
        {read_file(kSeedPage).substr(0, 4000), Format::kPapersPage},
        {"{\"_id\": \"4983\", \"title\": \"x\", \"text\": \"y\"}\n", Format::kBeir},
        {"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed "
         "xmlns=\"http://www.w3.org/2005/Atom\">\n<title>arXiv Query</title>",
         Format::kArxivAtom},
        {"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OAI-PMH "
         "xmlns=\"http://www.openarchives.org/OAI/2.0/\">",
         Format::kOaiPmh},
        {"\xEF\xBB\xBF  \n [", Format::kHfDaily},
        {"{\"about\": {\"nested\": {\"_id\": 1}}, \"papers\": []}", Format::kPapersPage},
        {"{\"id\": \"0704.0001\", \"title\": \"a}\\\"{\", \"versions\": []}", Format::kArxivJsonl},
    };
    for (const Case& c : cases) {
        auto f = detect_format(c.head);
        ASSERT_TRUE(f.ok()) << c.head.substr(0, 60) << ": " << f.error().message();
        EXPECT_EQ(*f, c.format) << c.head.substr(0, 60);
    }
    TempDir dir;
    auto file = open_file_source(write_gzip(dir, "corpus.jsonl.gz", read_file(kBeirCorpus)));
    ASSERT_TRUE(file.ok());
    PeekableSource source(std::move(*file));
    auto head = source.peek(65536);
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(detect_format(*head).value(), Format::kBeir);
}

TEST(DetectFormat, ListsTheKnownFormatsWhenNothingMatches) {
    for (std::string head : {std::string(""), std::string("hello"), std::string("{\"x\": 1}"),
                             std::string("<html><body>"), std::string("\x89PNG\r\n")}) {
        auto f = detect_format(head);
        ASSERT_FALSE(f.ok()) << head;
        EXPECT_EQ(f.error().code(), ErrorCode::kParse);
        for (std::string_view name : all_format_names()) {
            EXPECT_NE(f.error().message().find(name), std::string::npos) << name;
        }
    }
}

TEST(DetectFormat, TellsAnEmptyInputFromWhiteSpace) {
    auto empty = detect_format("");
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().message().find("cannot detect the format of an empty input;"), 0u);
    auto blank = detect_format(std::string(1000, '\n'));
    ASSERT_FALSE(blank.ok());
    EXPECT_EQ(
        blank.error().message().find("cannot detect the format: the first 1000 bytes are white "
                                     "space;"),
        0u)
        << blank.error().message();
}

TEST(FormatNames, RoundTrip) {
    std::vector<std::string_view> names = all_format_names();
    ASSERT_EQ(names.size(), 6u);
    for (std::string_view name : names) {
        auto f = parse_format_name(name);
        ASSERT_TRUE(f.has_value()) << name;
        EXPECT_EQ(format_name(*f), name);
    }
    EXPECT_FALSE(parse_format_name("json").has_value());
}

}  // namespace
}  // namespace paperboy::ingest
