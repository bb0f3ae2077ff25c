// Tests of the XML parsers (arXiv API Atom, OAI-PMH) and the record splitter under them: on our
// own hand-written fixtures in tests/testdata/{atom,oai}, which name every field and edge case
// and run everywhere; on real arXiv responses from ../shared (skipped when it is absent); and
// on small hostile inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ingest/byte_source.h"
#include "ingest/formats.h"
#include "ingest/record.h"
#include "ingest/xml_dc_subjects.h"
#include "ingest/xml_record_splitter.h"
#include "support/shared_data.h"

namespace paperboy::ingest {
namespace {

const std::string kTestData = PAPERBOY_TESTDATA_DIR;

class CollectingSink : public RecordSink {
  public:
    void on_record(Record&& record) override { records.push_back(std::move(record)); }
    void on_error(RecordError&& error) override { errors.push_back(std::move(error)); }
    void on_feed_info(const FeedInfo& feed) override {
        info = feed;
        ++info_calls;
    }

    std::vector<Record> records;
    std::vector<RecordError> errors;
    std::optional<FeedInfo> info;
    int info_calls = 0;
};

using Parser = std::function<Status(ByteSource&, RecordSink&)>;

struct Parsed {
    Status status;
    CollectingSink sink;
};

// The path of one of our own fixtures, `relative` to tests/testdata.
std::string testdata(const std::string& relative) { return kTestData + "/" + relative; }

Parsed parse_file(const Parser& parser, const std::string& path) {
    Parsed out;
    Result<std::unique_ptr<ByteSource>> source = open_file_source(path);
    if (!source.ok()) {
        ADD_FAILURE() << source.error().message();
        return out;
    }
    out.status = parser(**source, out.sink);
    return out;
}

Parsed parse_text(const Parser& parser, std::string text) {
    Parsed out;
    std::unique_ptr<ByteSource> source = memory_source(std::move(text), "inline.xml");
    out.status = parser(*source, out.sink);
    return out;
}

const Paper* find_paper(const Parsed& parsed, std::string_view id) {
    for (const Record& r : parsed.sink.records) {
        if (r.paper.id.str() == id) return &r.paper;
    }
    return nullptr;
}

std::string errors_text(const Parsed& parsed) {
    std::string out;
    for (const RecordError& e : parsed.sink.errors) out += e.message() + "\n";
    return out;
}

using Strings = std::vector<std::string>;

// ---------------------------------------------------------------------------------------------
// XmlRecordSplitter

std::vector<XmlRecordText> split(std::string text, XmlRecordSpec spec, XmlSplitterLimits limits,
                                 std::string* envelope = nullptr) {
    std::unique_ptr<ByteSource> source = memory_source(std::move(text), "split.xml");
    XmlRecordSplitter splitter(*source, std::move(spec), limits);
    std::vector<XmlRecordText> out;
    XmlRecordText record;
    for (;;) {
        Result<bool> more = splitter.next(record);
        EXPECT_TRUE(more.ok()) << more.error().message();
        if (!more.ok() || !*more) break;
        out.push_back(std::move(record));
    }
    if (envelope != nullptr) *envelope = splitter.envelope();
    return out;
}

const std::string kTrickyFeed =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE feed [ <!ENTITY x \"<entry>\"> ]>\n"
    "<feed a=\"1>2\">\n"
    "  <!-- <entry>not a record</entry> -->\n"
    "  <title><![CDATA[ <entry> ]]></title>\n"
    "  <entry q='</entry>'><id>1</id><summary><![CDATA[</entry> <entry>]]></summary>\n"
    "    <entry><id>nested</id></entry>\n"
    "  </entry>\n"
    "  <atom:entry><id>2</id></atom:entry><entry/>\n"
    "  <other><entry><id>wrong parent</id></entry></other>\n"
    "  <total>7</total>\n"
    "</feed>\n";

TEST(XmlRecordSplitter, IgnoresMarkupInCommentsCdataAndAttributes) {
    std::string envelope;
    std::vector<XmlRecordText> records =
        split(kTrickyFeed, {"entry", {"feed"}, "feed"}, XmlSplitterLimits{}, &envelope);
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].text,
              "<entry q='</entry>'><id>1</id><summary><![CDATA[</entry> <entry>]]></summary>\n"
              "    <entry><id>nested</id></entry>\n  </entry>");
    EXPECT_EQ(records[0].line, 6u);
    EXPECT_EQ(records[0].ordinal, 1u);
    EXPECT_EQ(records[1].text, "<atom:entry><id>2</id></atom:entry>");
    EXPECT_EQ(records[1].line, 9u);
    EXPECT_EQ(records[2].text, "<entry/>");
    EXPECT_EQ(records[2].ordinal, 3u);
    EXPECT_NE(envelope.find("<total>7</total>"), std::string::npos);
    EXPECT_NE(envelope.find("wrong parent"), std::string::npos);
    EXPECT_EQ(envelope.find("<id>1</id>"), std::string::npos);
}

TEST(XmlRecordSplitter, GivesTheSameRecordsWhateverTheChunkSize) {
    std::vector<XmlRecordText> whole = split(kTrickyFeed, {"entry", {"feed"}, ""}, {});
    for (size_t chunk : {1, 2, 3, 7, 64}) {
        std::vector<XmlRecordText> pieces =
            split(kTrickyFeed, {"entry", {"feed"}, ""}, XmlSplitterLimits{chunk, 1 << 20, 1 << 20});
        ASSERT_EQ(pieces.size(), whole.size()) << "chunk " << chunk;
        for (size_t i = 0; i < whole.size(); ++i) {
            EXPECT_EQ(pieces[i].text, whole[i].text) << "chunk " << chunk;
            EXPECT_EQ(pieces[i].line, whole[i].line) << "chunk " << chunk;
        }
    }
}

TEST(XmlRecordSplitter, SkipsARecordOverTheLimitAndGoesOn) {
    std::string text = "<feed><entry><id>big</id><summary>" + std::string(5000, 'x') +
                       "</summary></entry>\n<entry><id>small</id></entry></feed>";
    std::vector<XmlRecordText> records =
        split(text, {"entry", {}, ""}, XmlSplitterLimits{256, 1000, 1 << 20});
    ASSERT_EQ(records.size(), 2u);
    EXPECT_TRUE(records[0].text.empty());
    EXPECT_EQ(records[0].error, "record larger than the limit of 1000 bytes; skipped");
    EXPECT_EQ(records[1].text, "<entry><id>small</id></entry>");
    EXPECT_EQ(records[1].line, 2u);
    EXPECT_TRUE(records[1].error.empty());
}

TEST(XmlRecordSplitter, ReportsARecordCutOffByTheEndOfTheInput) {
    std::vector<XmlRecordText> records =
        split("<feed>\n<entry><id>1</id></entry>\n<entry><id>2</id>\n<summary>", {"entry"}, {});
    ASSERT_EQ(records.size(), 2u);
    EXPECT_TRUE(records[0].error.empty());
    EXPECT_EQ(records[1].line, 3u);
    EXPECT_EQ(records[1].ordinal, 2u);
    EXPECT_NE(records[1].error.find("not closed before the end of the input"), std::string::npos);
}

TEST(XmlRecordSplitter, RefusesTextBeforeTheFirstElement) {
    std::unique_ptr<ByteSource> source = memory_source("\n\n{\"id\": 1}", "x.json");
    XmlRecordSplitter splitter(*source, {"entry", {}, ""});
    XmlRecordText record;
    Result<bool> more = splitter.next(record);
    ASSERT_FALSE(more.ok());
    EXPECT_EQ(more.error().code(), ErrorCode::kParse);
    EXPECT_EQ(more.error().message(), "x.json line 3: not XML (text before the first element)");
}

TEST(XmlRecordSplitter, KeepsMemoryBoundedOnAHugeTagOutsideRecords) {
    std::string text = "<feed><link href=\"" + std::string(3000, 'a') + "\"/></feed>";
    std::unique_ptr<ByteSource> source = memory_source(text, "x.xml");
    XmlRecordSplitter splitter(*source, {"entry", {}, ""}, XmlSplitterLimits{100, 1000, 1000});
    XmlRecordText record;
    Result<bool> more = splitter.next(record);
    ASSERT_FALSE(more.ok());
    EXPECT_NE(more.error().message().find("markup larger than"), std::string::npos);
}

TEST(XmlRecordSplitter, StopsAtTheFirstElementWhenTheRootIsWrong) {
    std::unique_ptr<ByteSource> source = memory_source("<html><body/></html>", "page.html");
    XmlRecordSplitter splitter(*source, {"entry", {"feed"}, "feed"});
    XmlRecordText record;
    Result<bool> more = splitter.next(record);
    ASSERT_FALSE(more.ok());
    EXPECT_EQ(more.error().message(),
              "page.html line 1: the document element is <html>, not <feed>");
}

// ---------------------------------------------------------------------------------------------
// arXiv API Atom, our own fixtures (tests/testdata/atom)

TEST(ArxivAtom, ReadsEveryFieldOfACurrentFormatEntry) {
    Parsed p = parse_file(parse_arxiv_atom, testdata("atom/feed_current.xml"));
    ASSERT_TRUE(p.status.ok()) << p.status.error().message();
    ASSERT_EQ(p.sink.records.size(), 3u) << errors_text(p);
    EXPECT_TRUE(p.sink.errors.empty()) << errors_text(p);
    const Paper& paper = p.sink.records[0].paper;
    EXPECT_EQ(paper.id.str(), "2403.01234");
    EXPECT_EQ(paper.version, 3);
    EXPECT_EQ(paper.title, "Lantern Attention: Routing Long Contexts Through a Few Lit Tokens");
    // Entities resolved; the raw text keeps its leading spaces, the display form its paragraph.
    EXPECT_TRUE(paper.abstract_raw.starts_with("  We propose lantern attention, in which"));
    EXPECT_EQ(paper.abstract,
              "We propose lantern attention, in which each query attends to a handful of \"lit\" "
              "tokens chosen by a learned router & a sliding window. On synthetic recall tasks "
              "it matches dense attention at an eighth of the cost (p < 0.01).\n\n"
              "Code: https://github.com/paperboy-fixtures/lantern-attention.");
    ASSERT_EQ(paper.authors.size(), 3u);
    EXPECT_EQ(paper.authors[0].name, "Zoë Łukasiewicz-Ortega");  // UTF-8 in the source
    EXPECT_EQ(paper.authors[0].affiliations,
              (Strings{"Universidad Ficticia de Ejemplo", "Institute for Made-Up Studies"}));
    EXPECT_EQ(paper.authors[1].name, "José María Núñez");  // character references
    EXPECT_TRUE(paper.authors[1].affiliations.empty());
    EXPECT_EQ(paper.authors[2].name, "田中 健二");
    EXPECT_EQ(paper.authors[2].affiliations, Strings{"Fictional Institute of Technology"});
    // The Atom feed gives whole names only: nothing is guessed.
    EXPECT_TRUE(paper.authors[0].keyname.empty());
    EXPECT_TRUE(paper.authors[0].forenames.empty());
    EXPECT_EQ(paper.categories, (Strings{"cs.CL", "cs.LG", "stat.ML"}));
    EXPECT_EQ(paper.primary_category(), "cs.CL");
    EXPECT_EQ(paper.published, "2024-03-02T17:40:11Z");
    EXPECT_EQ(paper.updated, "2024-03-28T09:15:00Z");
    EXPECT_EQ(paper.comments,
              "12 pages, 5 figures; v3 adds ablations. Project page: https://lantern.example.org/");
    EXPECT_EQ(paper.journal_ref, "Proc. Workshop on Imaginary Models 3 (2024) 101-112");
    EXPECT_EQ(paper.doi, "10.5555/lantern.2024.017");
    // Links come from the text (the abstract's code, the comment's project page), not from the
    // feed's <link> elements, whose pdf and doi links name the paper itself.
    EXPECT_EQ(paper.github_url, "https://github.com/paperboy-fixtures/lantern-attention");
    EXPECT_EQ(paper.project_url, "https://lantern.example.org/");
    EXPECT_TRUE(paper.submitter.empty());
    EXPECT_TRUE(paper.license.empty());
    EXPECT_TRUE(p.sink.records[0].datestamp.empty());
    EXPECT_EQ(p.sink.records[0].kind, Record::Kind::kPaper);

    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_EQ(p.sink.info_calls, 1);
    EXPECT_EQ(p.sink.info->total_results, 3);
    EXPECT_EQ(p.sink.info->start_index, 0);
    EXPECT_TRUE(p.sink.info->resumption_token.empty());
    EXPECT_EQ(p.sink.info->complete_list_size, -1);
}

TEST(ArxivAtom, ReadsAnOldStyleIdAndLeavesAbsentFieldsEmpty) {
    Parsed p = parse_file(parse_arxiv_atom, testdata("atom/feed_current.xml"));
    ASSERT_EQ(p.sink.records.size(), 3u) << errors_text(p);
    const Paper& paper = p.sink.records[1].paper;
    EXPECT_EQ(paper.id.str(), "quant-ph/0305117");
    EXPECT_TRUE(paper.id.is_arxiv());
    EXPECT_EQ(paper.version, 1);
    EXPECT_EQ(paper.title, "A Toy Register Machine for Two Entangled Counters");
    ASSERT_EQ(paper.authors.size(), 1u);
    EXPECT_EQ(paper.authors[0].name, "Edmund Faircloth");
    EXPECT_EQ(paper.categories, (Strings{"quant-ph", "cs.FL"}));
    EXPECT_EQ(paper.published, "2003-05-19T11:02:44Z");
    EXPECT_EQ(paper.updated, paper.published);
    EXPECT_TRUE(paper.comments.empty());
    EXPECT_TRUE(paper.journal_ref.empty());
    EXPECT_TRUE(paper.doi.empty());
    EXPECT_TRUE(paper.github_url.empty());
    EXPECT_TRUE(paper.project_url.empty());
}

TEST(ArxivAtom, ReadsASparseEntryAndSkipsNamelessAuthors) {
    Parsed p = parse_file(parse_arxiv_atom, testdata("atom/feed_current.xml"));
    ASSERT_EQ(p.sink.records.size(), 3u) << errors_text(p);
    const Paper& paper = p.sink.records[2].paper;
    EXPECT_EQ(paper.id.str(), "2401.00007");
    EXPECT_EQ(paper.version, 1);
    EXPECT_EQ(paper.title, "Counting Necklaces with <3 Colours");
    EXPECT_TRUE(paper.abstract_raw.empty());
    EXPECT_TRUE(paper.abstract.empty());
    // The first <author> has a blank name; the second's is wrapped over two lines.
    ASSERT_EQ(paper.authors.size(), 1u);
    EXPECT_EQ(paper.authors[0].name, "Marguerite Okafor-Lindqvist");
    EXPECT_EQ(paper.categories, Strings{"math.CO"});  // the primary category alone
    EXPECT_EQ(paper.published, "2024-01-01T00:00:01Z");
}

TEST(ArxivAtom, ReadsThe2016FormatWithItsWrappedTextAndInlineNamespaces) {
    Parsed p = parse_file(parse_arxiv_atom, testdata("atom/feed_2016.xml"));
    ASSERT_TRUE(p.status.ok()) << p.status.error().message();
    ASSERT_EQ(p.sink.records.size(), 2u) << errors_text(p);
    EXPECT_TRUE(p.sink.errors.empty()) << errors_text(p);

    const Paper& first = p.sink.records[0].paper;
    EXPECT_EQ(first.id.str(), "1209.4321");
    EXPECT_EQ(first.version, 2);
    EXPECT_EQ(first.title, "Ballistic Quill Transport in Twisted Paper Bilayers at Low Humidity");
    EXPECT_TRUE(first.abstract_raw.starts_with("  We study how a quill glides across two sheets"));
    EXPECT_EQ(first.abstract,
              "We study how a quill glides across two sheets of paper twisted by a small angle. "
              "At low humidity the motion is ballistic over distances much longer than a fibre; "
              "a simple model with one parameter reproduces the measured drift.\n\n"
              "The model also predicts a smear length, which we confirm.");
    ASSERT_EQ(first.authors.size(), 3u);
    EXPECT_EQ(first.authors[0].name, "Ada Quill");
    EXPECT_EQ(first.authors[0].affiliations, Strings{"Nowhere University"});
    EXPECT_EQ(first.authors[1].name, "Bartholomew O'Hara");
    EXPECT_EQ(first.authors[2].name, "Ingrid Ødegård");
    EXPECT_EQ(first.categories, (Strings{"cond-mat.mes-hall", "cond-mat.soft"}));
    EXPECT_EQ(first.published, "2012-09-19T19:59:01Z");
    EXPECT_EQ(first.updated, "2013-02-11T10:20:30Z");
    EXPECT_EQ(first.doi, "10.5555/quill.2013.042");
    EXPECT_EQ(first.journal_ref, "Imag. Surf. Sci. 7, 042 (2013)");
    EXPECT_EQ(first.comments, "9 pages, 4 figures. Accepted version");

    const Paper& second = p.sink.records[1].paper;
    EXPECT_EQ(second.id.str(), "hep-th/9911042");
    EXPECT_EQ(second.version, 2);
    EXPECT_EQ(second.title, "Quills on a Circle");
    EXPECT_EQ(second.categories, Strings{"hep-th"});
    EXPECT_EQ(second.comments, "LaTeX, 6 pages; typo in eq. (3) fixed");
    EXPECT_TRUE(second.doi.empty());
    EXPECT_TRUE(second.journal_ref.empty());

    // The opensearch elements declare their namespace inline; this is the second page.
    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_EQ(p.sink.info->total_results, 27);
    EXPECT_EQ(p.sink.info->start_index, 10);
}

TEST(ArxivAtom, ReportsTheApiErrorFeedWithItsPositionAndFailsTheRequest) {
    const std::string path = testdata("atom/error_bad_id.xml");
    Parsed p = parse_file(parse_arxiv_atom, path);
    ASSERT_FALSE(p.status.ok());
    EXPECT_EQ(p.status.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(p.status.error().message(),
              path + ": arXiv API error: incorrect id format for 2403.1");
    EXPECT_TRUE(p.sink.records.empty());
    ASSERT_EQ(p.sink.errors.size(), 1u);
    EXPECT_EQ(p.sink.errors[0].source, path);
    EXPECT_EQ(p.sink.errors[0].line, 11u);
    EXPECT_EQ(p.sink.errors[0].record, 1u);
    EXPECT_EQ(p.sink.errors[0].message(),
              path + " line 11: arXiv API error: incorrect id format for 2403.1");
    // The error feed's totalResults counts the error entry: no feed information is given.
    EXPECT_FALSE(p.sink.info.has_value());
}

TEST(ArxivAtom, AcceptsAnEmptyResultFeed) {
    Parsed p = parse_file(parse_arxiv_atom, testdata("atom/empty_result.xml"));
    ASSERT_TRUE(p.status.ok()) << p.status.error().message();
    EXPECT_TRUE(p.sink.records.empty());
    EXPECT_TRUE(p.sink.errors.empty()) << errors_text(p);
    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_EQ(p.sink.info->total_results, 0);
    EXPECT_EQ(p.sink.info->start_index, 0);
}

// ---------------------------------------------------------------------------------------------
// arXiv API Atom, real responses (arxiv.py's recordings in ../shared)

TEST(ArxivAtom, ReadsAnEntryWithAffiliationsJournalRefAndComment) {
    PAPERBOY_REQUIRE_SHARED(
        path, "data/arxiv-api-atom/xml_from_fixtures/id_astro-ph_0601001_s0_m100_3150dca9dc76.xml");
    Parsed p = parse_file(parse_arxiv_atom, path);
    ASSERT_TRUE(p.status.ok()) << p.status.error().message();
    ASSERT_EQ(p.sink.records.size(), 1u) << errors_text(p);
    const Paper& paper = p.sink.records[0].paper;
    EXPECT_EQ(paper.id.str(), "astro-ph/0601001");
    EXPECT_EQ(paper.version, 1);
    EXPECT_EQ(paper.title,
              "Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys "
              "Toward the Galactic Bulge and Carina");
    ASSERT_EQ(paper.authors.size(), 4u);
    EXPECT_EQ(paper.authors[0].name, "Andrew Gould");
    EXPECT_EQ(paper.authors[0].affiliations, Strings{"Ohio State"});
    EXPECT_EQ(paper.authors[3].name, "Andrzej Udalski");
    EXPECT_EQ(paper.authors[3].affiliations, Strings{"Warsaw University Observatory"});
    EXPECT_EQ(paper.categories, Strings{"astro-ph"});
    EXPECT_EQ(paper.published, "2006-01-02T14:57:58Z");
    EXPECT_EQ(paper.updated, "2006-01-02T14:57:58Z");
    EXPECT_EQ(paper.journal_ref, "ActaAstron.56:1-50,2006");
    EXPECT_TRUE(paper.comments.starts_with("62 pages including 16 figures and 9 tables."));
    // The raw abstract keeps the source's leading spaces and escapes resolved.
    EXPECT_TRUE(paper.abstract_raw.starts_with("  We derive the frequencies of hot Jupiters"));
    EXPECT_NE(paper.abstract.find("V_max<17.5"), std::string::npos);
    EXPECT_TRUE(paper.abstract.starts_with("We derive"));
    EXPECT_EQ(paper.project_url,
              "http://www.astronomy.ohio-state.edu/~gould/ogle_hot_jupiters.ps.gz");
    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_EQ(p.sink.info->total_results, 1);
    EXPECT_EQ(p.sink.info->start_index, 0);
}

TEST(ArxivAtom, PutsThePrimaryCategoryFirstWithoutDuplicates) {
    PAPERBOY_REQUIRE_SHARED(path, "data/arxiv-api-atom/xml_2016/id_list_1111.2011v2.xml");
    Parsed p = parse_file(parse_arxiv_atom, path);
    ASSERT_TRUE(p.status.ok());
    ASSERT_EQ(p.sink.records.size(), 1u);
    const Paper& paper = p.sink.records[0].paper;
    EXPECT_EQ(paper.id.str(), "1111.2011");
    EXPECT_EQ(paper.version, 2);
    EXPECT_EQ(paper.title,
              "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large "
              "Connectivity Limit");
    EXPECT_EQ(paper.categories, (Strings{"cond-mat.str-el", "cond-mat.stat-mech"}));
    EXPECT_EQ(paper.doi, "10.1103/PhysRevB.85.115117");
    EXPECT_EQ(paper.journal_ref, "Phys. Rev. B 85, 115117 (2012)");
    EXPECT_EQ(paper.comments, "8 pages, 3 figures. Published version");
    EXPECT_EQ(paper.published, "2011-11-08T18:48:36Z");
    EXPECT_EQ(paper.updated, "2012-04-02T12:38:54Z");
    ASSERT_EQ(paper.authors.size(), 3u);
    EXPECT_EQ(paper.authors[1].name, "Adrian Del Maestro");
    EXPECT_TRUE(paper.authors[1].affiliations.empty());
}

TEST(ArxivAtom, ReadsThe2016FormatFeedInfo) {
    PAPERBOY_REQUIRE_SHARED(path, "data/arxiv-api-atom/xml_2016/sq_au_del_maestro.xml");
    Parsed p = parse_file(parse_arxiv_atom, path);
    ASSERT_TRUE(p.status.ok());
    EXPECT_EQ(p.sink.records.size(), 10u);
    EXPECT_TRUE(p.sink.errors.empty()) << errors_text(p);
    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_EQ(p.sink.info->total_results, 31);
    EXPECT_EQ(p.sink.info->start_index, 0);
}

TEST(ArxivAtom, ReadsAPageOfAHundredEntries) {
    PAPERBOY_REQUIRE_SHARED(
        path, "data/arxiv-api-atom/xml_from_fixtures/q_testing_s0_m100_cfe7536492ca.xml");
    Parsed p = parse_file(parse_arxiv_atom, path);
    ASSERT_TRUE(p.status.ok());
    EXPECT_EQ(p.sink.records.size(), 100u);
    EXPECT_TRUE(p.sink.errors.empty()) << errors_text(p);
    EXPECT_EQ(p.sink.info_calls, 1);
    EXPECT_EQ(p.sink.info->total_results, 214881);
    for (const Record& r : p.sink.records) {
        EXPECT_TRUE(r.paper.id.is_arxiv());
        EXPECT_FALSE(r.paper.title.empty());
        EXPECT_FALSE(r.paper.authors.empty()) << r.paper.id.str();
        EXPECT_FALSE(r.paper.categories.empty()) << r.paper.id.str();
        EXPECT_EQ(r.paper.published.size(), 20u) << r.paper.id.str();
    }
}

TEST(ArxivAtom, ReadsEveryFixtureWithoutErrors) {
    PAPERBOY_REQUIRE_SHARED(dir, "data/arxiv-api-atom");
    const std::pair<const char*, size_t> kFiles[] = {
        {"xml_from_fixtures/id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.xml", 1},
        {"xml_from_fixtures/id_1605.08386_s0_m100_199195aa31ad.xml", 1},
        {"xml_from_fixtures/id_1707.08567_s0_m100_6a1afebfc6a3.xml", 1},
        {"xml_from_fixtures/id_2104.12255v1_s0_m100_6ae69987ffe1.xml", 1},
        {"xml_from_fixtures/id_quant-ph_0201082v1_s0_m100_86989fe779ef.xml", 1},
        {"xml_2016/sq_au_del_maestro_ANDNOT_ti_checkerboard_OR_ti_Pyrochlore.xml", 10},
        {"xml_2016/sq_au_del_maestro_AND_ti_checkerboard.xml", 1},
        {"xml_2016/sq_au_del_maestro_AND_ti_quantum_criticality.xml", 2},
    };
    for (const auto& [file, count] : kFiles) {
        Parsed p = parse_file(parse_arxiv_atom, dir + "/" + file);
        EXPECT_TRUE(p.status.ok()) << file;
        EXPECT_EQ(p.sink.records.size(), count) << file;
        EXPECT_TRUE(p.sink.errors.empty()) << file << "\n" << errors_text(p);
    }
    Parsed p =
        parse_file(parse_arxiv_atom,
                   dir + "/xml_from_fixtures/id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.xml");
    ASSERT_EQ(p.sink.records.size(), 1u);
    const Paper& paper = p.sink.records[0].paper;
    EXPECT_EQ(paper.id.str(), "1707.08567");
    EXPECT_EQ(paper.authors.size(), 34u);
    EXPECT_EQ(paper.authors[0].name, "Kees A. Schouhamer Immink");
    EXPECT_EQ(paper.categories, Strings{"cs.IT"});
}

TEST(ArxivAtom, ReportsTheErrorFeedAndFailsTheRequest) {
    PAPERBOY_REQUIRE_SHARED(
        path, "data/arxiv-api-atom/xml_from_fixtures/id_abc_s0_m100_b79c8dcf6bc3.xml");
    Parsed p = parse_file(parse_arxiv_atom, path);
    ASSERT_FALSE(p.status.ok());
    EXPECT_EQ(p.status.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(p.status.error().message().find("arXiv API error: incorrect id format for abc"),
              std::string::npos);
    EXPECT_TRUE(p.sink.records.empty());
    ASSERT_EQ(p.sink.errors.size(), 1u);
    EXPECT_EQ(p.sink.errors[0].reason, "arXiv API error: incorrect id format for abc");
    EXPECT_EQ(p.sink.errors[0].line, 9u);
    EXPECT_EQ(p.sink.errors[0].record, 1u);
    EXPECT_FALSE(p.sink.info.has_value());
}

TEST(ArxivAtom, AcceptsAnEmptyResult) {
    PAPERBOY_REQUIRE_SHARED(dir, "data/arxiv-api-atom/xml_from_fixtures");
    for (const char* file :
         {"id_0000.0000_s0_m100_8b51d9633a68.xml", "id_0808.05394_s0_m100_7b0c7d0a7cdd.xml"}) {
        Parsed p = parse_file(parse_arxiv_atom, dir + "/" + file);
        ASSERT_TRUE(p.status.ok()) << file;
        EXPECT_TRUE(p.sink.records.empty());
        EXPECT_TRUE(p.sink.errors.empty());
        ASSERT_TRUE(p.sink.info.has_value());
        EXPECT_EQ(p.sink.info->total_results, 0);
        EXPECT_EQ(p.sink.info->start_index, 0);
    }
}

// ---------------------------------------------------------------------------------------------
// arXiv API Atom, malformed input

const std::string kAtomHead =
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";

TEST(ArxivAtom, ReportsEntriesWithoutIdOrTitleWithTheirLine) {
    Parsed p = parse_text(parse_arxiv_atom,
                          kAtomHead +
                              "<entry><title>No id</title></entry>\n"
                              "<entry>\n<id>http://arxiv.org/abs/2101.00001v3</id></entry>\n"
                              "<entry><id>not an id</id><title>T</title></entry>\n"
                              "<entry><id>http://arxiv.org/abs/2101.00002</id><title>Fine</title>"
                              "</entry>\n</feed>\n");
    ASSERT_TRUE(p.status.ok());
    ASSERT_EQ(p.sink.records.size(), 1u);
    EXPECT_EQ(p.sink.records[0].paper.id.str(), "2101.00002");
    ASSERT_EQ(p.sink.errors.size(), 3u);
    EXPECT_EQ(p.sink.errors[0].message(), "inline.xml line 3: field \"id\" missing");
    EXPECT_EQ(p.sink.errors[1].message(), "inline.xml line 4: field \"title\" missing");
    EXPECT_EQ(p.sink.errors[2].line, 6u);
    EXPECT_EQ(p.sink.errors[2].record, 3u);
}

TEST(ArxivAtom, ReportsATruncatedFileAfterTheCompleteEntries) {
    std::string text = kAtomHead +
                       "<entry><id>http://arxiv.org/abs/2101.00001</id><title>A</title></entry>\n"
                       "<entry><id>http://arxiv.org/abs/2101.00002</id><title>B</tit";
    Parsed p = parse_text(parse_arxiv_atom, text);
    ASSERT_TRUE(p.status.ok());
    ASSERT_EQ(p.sink.records.size(), 1u);
    ASSERT_EQ(p.sink.errors.size(), 1u);
    EXPECT_EQ(p.sink.errors[0].line, 4u);
    EXPECT_NE(p.sink.errors[0].reason.find("truncated"), std::string::npos);
}

TEST(ArxivAtom, RejectsInputThatIsNotAnAtomFeed) {
    Parsed json = parse_text(parse_arxiv_atom, "{\"papers\": []}");
    ASSERT_FALSE(json.status.ok());
    EXPECT_EQ(json.status.error().code(), ErrorCode::kParse);
    EXPECT_EQ(json.status.error().message(),
              "inline.xml line 1: not XML (text before the first element)");

    Parsed empty = parse_text(parse_arxiv_atom, "");
    ASSERT_FALSE(empty.status.ok());
    EXPECT_EQ(empty.status.error().message(), "inline.xml: not XML (no element found)");

    Parsed oai = parse_file(parse_arxiv_atom, testdata("oai/get_record_arxivraw.xml"));
    ASSERT_FALSE(oai.status.ok());
    EXPECT_NE(oai.status.error().message().find("the document element is <OAI-PMH>, not <feed>"),
              std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// OAI-PMH, arXiv format, our own fixtures (tests/testdata/oai)

TEST(OaiPmhArxiv, ReadsEveryFieldAndEveryKindOfAuthor) {
    Parsed p = parse_file(parse_oai_pmh, testdata("oai/list_records_arxiv.xml"));
    ASSERT_TRUE(p.status.ok()) << p.status.error().message();
    ASSERT_EQ(p.sink.records.size(), 3u) << errors_text(p);
    EXPECT_TRUE(p.sink.errors.empty()) << errors_text(p);
    const Record& record = p.sink.records[0];
    EXPECT_EQ(record.kind, Record::Kind::kPaper);
    EXPECT_EQ(record.datestamp, "2024-03-14");
    const Paper& paper = record.paper;
    EXPECT_EQ(paper.id.str(), "2403.05678");
    EXPECT_EQ(paper.version, 0);  // the arXiv format lists no versions
    EXPECT_EQ(paper.title, "A Search for Invisible Lanterns in Simulated Proton Collisions");
    EXPECT_TRUE(paper.abstract_raw.starts_with("  We look for lanterns"));
    EXPECT_EQ(paper.abstract,
              "We look for lanterns that leave no trace in a detector, using ten million "
              "simulated proton collisions. No excess is seen over the expected background, and "
              "we set an upper limit on the lantern production rate.");

    ASSERT_EQ(paper.authors.size(), 5u);
    // A collaboration is a keyname alone.
    EXPECT_EQ(paper.authors[0].name, "The Lantern Collaboration");
    EXPECT_EQ(paper.authors[0].keyname, "The Lantern Collaboration");
    EXPECT_TRUE(paper.authors[0].forenames.empty());
    // Character references, and two affiliations.
    EXPECT_EQ(paper.authors[1].name, "Mirela Kovačević");
    EXPECT_EQ(paper.authors[1].keyname, "Kovačević");
    EXPECT_EQ(paper.authors[1].forenames, "Mirela");
    EXPECT_EQ(paper.authors[1].affiliations,
              (Strings{"University of Nowhere", "Imaginary Accelerator Laboratory"}));
    // UTF-8 in the source.
    EXPECT_EQ(paper.authors[2].name, "Søren Müller-Øvergaard");
    EXPECT_EQ(paper.authors[2].keyname, "Müller-Øvergaard");
    EXPECT_TRUE(paper.authors[2].affiliations.empty());
    // A suffix.
    EXPECT_EQ(paper.authors[3].name, "Thomas J. Whitfield Jr");
    EXPECT_EQ(paper.authors[3].keyname, "Whitfield");
    EXPECT_EQ(paper.authors[3].forenames, "Thomas J.");
    EXPECT_EQ(paper.authors[3].suffix, "Jr");
    // A TeX accent in the forenames and a particle in the keyname.
    EXPECT_EQ(paper.authors[4].name, "Inés de la Cruz");
    EXPECT_EQ(paper.authors[4].keyname, "de la Cruz");
    EXPECT_EQ(paper.authors[4].forenames, "Inés");
    EXPECT_EQ(paper.authors[4].affiliations, Strings{"Instituto Imaginario"});

    EXPECT_EQ(paper.categories, (Strings{"hep-ex", "hep-ph", "physics.ins-det"}));
    EXPECT_EQ(paper.published, "2024-03-08T00:00:00Z");
    EXPECT_EQ(paper.updated, "2024-03-13T00:00:00Z");
    EXPECT_EQ(paper.comments,
              "21 pages, 9 figures; the simulated events are at https://data.example.org/lanterns");
    EXPECT_EQ(paper.project_url, "https://data.example.org/lanterns");
    EXPECT_TRUE(paper.github_url.empty());
    EXPECT_EQ(paper.report_no, "LANTERN-2024-007");
    EXPECT_EQ(paper.journal_ref, "J. Imag. Phys. 12 (2024) 345");
    EXPECT_EQ(paper.doi, "10.5555/jip.2024.345");
    EXPECT_EQ(paper.license, "http://creativecommons.org/licenses/by/4.0/");
}

TEST(OaiPmhArxiv, ReadsAnOldStyleIdWithoutItsOwnNamespaceOrAnUpdatedDay) {
    Parsed p = parse_file(parse_oai_pmh, testdata("oai/list_records_arxiv.xml"));
    ASSERT_EQ(p.sink.records.size(), 3u) << errors_text(p);
    const Paper& paper = p.sink.records[1].paper;
    EXPECT_EQ(paper.id.str(), "hep-ex/0307021");
    EXPECT_EQ(paper.title, "Calibrating a Paper Calorimeter");
    ASSERT_EQ(paper.authors.size(), 1u);
    EXPECT_EQ(paper.authors[0].name, "Ottilie Brightwater");
    EXPECT_EQ(paper.categories, Strings{"hep-ex"});
    // Without <updated> the paper has a single version: its latest day is its first.
    EXPECT_EQ(paper.published, "2003-07-09T00:00:00Z");
    EXPECT_EQ(paper.updated, "2003-07-09T00:00:00Z");
    EXPECT_TRUE(paper.comments.empty());
    EXPECT_TRUE(paper.doi.empty());
    EXPECT_TRUE(paper.license.empty());
    EXPECT_TRUE(paper.report_no.empty());
}

TEST(OaiPmhArxiv, ReportsADeletedRecordAndTheResumptionToken) {
    Parsed p = parse_file(parse_oai_pmh, testdata("oai/list_records_arxiv.xml"));
    ASSERT_EQ(p.sink.records.size(), 3u) << errors_text(p);
    const Record& deleted = p.sink.records[2];
    EXPECT_EQ(deleted.kind, Record::Kind::kDeletion);
    EXPECT_EQ(deleted.paper.id.str(), "hep-ex/0402010");
    EXPECT_EQ(deleted.datestamp, "2024-03-14");
    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_EQ(p.sink.info_calls, 1);
    EXPECT_EQ(p.sink.info->resumption_token, "7310452|1001");
    EXPECT_EQ(p.sink.info->complete_list_size, 2417);
    EXPECT_EQ(p.sink.info->response_date, "2024-03-15T06:30:12Z");
    EXPECT_EQ(p.sink.info->total_results, -1);  // an Atom field
}

TEST(OaiPmhArxiv, ReportsDeletedRecordsAndACompleteList) {
    Parsed p = parse_file(parse_oai_pmh, testdata("oai/handmade_deleted_record.xml"));
    ASSERT_TRUE(p.status.ok()) << p.status.error().message();
    EXPECT_TRUE(p.sink.errors.empty()) << errors_text(p);
    ASSERT_EQ(p.sink.records.size(), 2u);
    EXPECT_EQ(p.sink.records[0].kind, Record::Kind::kPaper);
    EXPECT_EQ(p.sink.records[0].paper.github_url, "https://github.com/example/live-record");
    EXPECT_EQ(p.sink.records[1].kind, Record::Kind::kDeletion);
    EXPECT_EQ(p.sink.records[1].paper.id.str(), "math/0101001");
    EXPECT_EQ(p.sink.records[1].datestamp, "2024-01-02");
    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_EQ(p.sink.info->resumption_token, "");
    EXPECT_EQ(p.sink.info->complete_list_size, 1002);
    EXPECT_EQ(p.sink.info->response_date, "2024-01-02T03:04:05Z");
}

// ---------------------------------------------------------------------------------------------
// OAI-PMH, arXiv format (real: hepcrawl's fixtures in ../shared)

TEST(OaiPmhArxiv, ReadsAListRecordsPage) {
    PAPERBOY_REQUIRE_SHARED(
        path,
        "data/arxiv-oai-pmh/hepcrawl/"
        "functional__arxiv__fixtures__http_server__records__arxiv-physics-hep-ex.xml");
    PAPERBOY_REQUIRE_SHARED(
        th_path,
        "data/arxiv-oai-pmh/hepcrawl/"
        "functional__arxiv__fixtures__http_server__records__arxiv-physics-hep-th.xml");
    Parsed p = parse_file(parse_oai_pmh, path);
    ASSERT_TRUE(p.status.ok()) << p.status.error().message();
    ASSERT_EQ(p.sink.records.size(), 3u);
    EXPECT_TRUE(p.sink.errors.empty()) << errors_text(p);
    const Paper* paper = find_paper(p, "1706.09418");
    ASSERT_NE(paper, nullptr);
    EXPECT_EQ(paper->title, "R-Parity Violation at the LHC");
    ASSERT_EQ(paper->authors.size(), 5u);
    EXPECT_EQ(paper->authors[0].name, "Daniel Dercks");
    EXPECT_EQ(paper->authors[0].keyname, "Dercks");
    EXPECT_EQ(paper->authors[0].forenames, "Daniel");
    EXPECT_EQ(paper->authors[2].name, "Manuel E. Krauss");
    EXPECT_EQ(paper->categories, (Strings{"hep-ph", "hep-ex"}));
    EXPECT_EQ(paper->doi, "10.1140/epjc/s10052-017-5414-4");
    EXPECT_EQ(paper->report_no, "BONN-TH-2017-03");
    EXPECT_EQ(paper->journal_ref, "Eur. Phys. J. C (2017) 77:856");
    EXPECT_EQ(paper->license, "http://arxiv.org/licenses/nonexclusive-distrib/1.0/");
    EXPECT_EQ(paper->published, "2017-06-28T00:00:00Z");
    EXPECT_EQ(paper->updated, "2017-11-26T00:00:00Z");
    EXPECT_EQ(paper->version, 0);
    EXPECT_TRUE(
        paper->comments.starts_with("43 pages, 13 tables, 17 figures; updated Figs. 11-17 "
                                    "and Tab. 12 including NLO corrections"));
    EXPECT_EQ(p.sink.records[0].datestamp, "2017-12-14");
    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_EQ(p.sink.info->response_date, "2017-12-14T13:00:41Z");
    EXPECT_TRUE(p.sink.info->resumption_token.empty());
    EXPECT_EQ(p.sink.info->complete_list_size, -1);

    Parsed th = parse_file(parse_oai_pmh, th_path);
    ASSERT_TRUE(th.status.ok());
    EXPECT_EQ(th.sink.records.size(), 3u);
    EXPECT_TRUE(th.sink.errors.empty()) << errors_text(th);
}

TEST(OaiPmhArxiv, ReadsAffiliationsAndSuffixes) {
    PAPERBOY_REQUIRE_SHARED(
        path, "data/arxiv-oai-pmh/hepcrawl/unit__responses__arxiv__sample_arxiv_record.xml");
    PAPERBOY_REQUIRE_SHARED(
        four_path, "data/arxiv-oai-pmh/hepcrawl/unit__responses__arxiv__sample_arxiv_record4.xml");
    Parsed p = parse_file(parse_oai_pmh, path);
    ASSERT_TRUE(p.status.ok());
    EXPECT_EQ(p.sink.records.size(), 12u);
    EXPECT_TRUE(p.sink.errors.empty()) << errors_text(p);
    const Paper* paper = find_paper(p, "1606.07066");
    ASSERT_NE(paper, nullptr);
    ASSERT_FALSE(paper->authors.empty());
    EXPECT_EQ(paper->authors[0].affiliations, (Strings{"Technion", "DESY"}));

    Parsed four = parse_file(parse_oai_pmh, four_path);
    ASSERT_EQ(four.sink.records.size(), 1u);
    const std::vector<Author>& authors = four.sink.records[0].paper.authors;
    auto it = std::find_if(authors.begin(), authors.end(),
                           [](const Author& a) { return !a.suffix.empty(); });
    ASSERT_NE(it, authors.end());
    EXPECT_EQ(it->suffix, "IV");
    EXPECT_EQ(it->keyname, "W.");
    EXPECT_EQ(it->name, "R. W. IV");
}

TEST(OaiPmhArxiv, ReadsARecordWithoutNamespaceAndMultipleDois) {
    PAPERBOY_REQUIRE_SHARED(
        path, "data/arxiv-oai-pmh/hepcrawl/unit__responses__arxiv__sample_arxiv_record0.xml");
    PAPERBOY_REQUIRE_SHARED(single_path,
                            "data/arxiv-oai-pmh/hepcrawl/"
                            "functional__arxiv__fixtures__http_server__records__arxiv-single.xml");
    Parsed p = parse_file(parse_oai_pmh, path);
    ASSERT_TRUE(p.status.ok());
    ASSERT_EQ(p.sink.records.size(), 1u);
    const Paper& paper = p.sink.records[0].paper;
    EXPECT_EQ(paper.id.str(), "1601.03238");
    EXPECT_EQ(paper.authors.size(), 5u);
    EXPECT_EQ(paper.authors[0].name, "Planck Collaboration");
    EXPECT_EQ(paper.categories, (Strings{"quant-ph", "gr-qc", "hep-th", "chao-dyn", "nlin.CD"}));
    // Kept as arXiv gives it: the field holds three DOIs.
    EXPECT_EQ(paper.doi,
              "10.1103/PhysRevD.93.016005, 10.1103/PhysRevD.98.079901;10.1103/PhysRevD.98.079903");
    // <updated> is absent: a single version, so the latest date is the first.
    EXPECT_EQ(paper.published, "2016-01-13T00:00:00Z");
    EXPECT_EQ(paper.updated, "2016-01-13T00:00:00Z");
    EXPECT_EQ(paper.license, "https://creativecommons.org/licenses/by/3.0/");

    Parsed single = parse_file(parse_oai_pmh, single_path);
    ASSERT_TRUE(single.status.ok());
    ASSERT_EQ(single.sink.records.size(), 1u);
    EXPECT_EQ(single.sink.records[0].paper.id.str(), "1401.2122");
}

// ---------------------------------------------------------------------------------------------
// OAI-PMH, arXivRaw format, our own fixtures (tests/testdata/oai)

TEST(OaiPmhArxivRaw, ReadsVersionsSubmitterAndAFreeTextAuthorList) {
    Parsed p = parse_file(parse_oai_pmh, testdata("oai/list_records_arxivraw.xml"));
    ASSERT_TRUE(p.status.ok()) << p.status.error().message();
    ASSERT_EQ(p.sink.records.size(), 3u) << errors_text(p);
    EXPECT_TRUE(p.sink.errors.empty()) << errors_text(p);
    const Paper& paper = p.sink.records[0].paper;
    EXPECT_EQ(p.sink.records[0].datestamp, "2024-02-20");
    EXPECT_EQ(paper.id.str(), "2311.04567");
    // Three versions: the first's date is the submission, the last's the update.
    EXPECT_EQ(paper.version, 3);
    EXPECT_EQ(paper.published, "2023-11-08T14:03:27Z");
    EXPECT_EQ(paper.updated, "2024-02-20T18:22:05Z");
    EXPECT_EQ(paper.submitter, "Priya Raghunathan");
    EXPECT_EQ(paper.title, "Shortest Paths Through a Paper Maze with Folding Moves");
    // The author list: TeX accents, a parenthesised affiliation, a line break and "and".
    ASSERT_EQ(paper.authors.size(), 4u);
    EXPECT_EQ(paper.authors[0].name, "Priya Raghunathan");
    EXPECT_EQ(paper.authors[0].affiliations, Strings{"Imaginary Institute of Science"});
    EXPECT_EQ(paper.authors[1].name, "Jan Křížek");
    EXPECT_TRUE(paper.authors[1].affiliations.empty());
    EXPECT_EQ(paper.authors[2].name, "Anaïs Lefèvre");
    EXPECT_EQ(paper.authors[3].name, "Oluwaseun Adeyemi");
    EXPECT_EQ(paper.categories, (Strings{"cs.DS", "math.CO"}));
    EXPECT_EQ(paper.comments, "18 pages, 7 figures; v3: proof of Lemma 4 corrected");
    EXPECT_EQ(paper.report_no, "IIS-TR-2023-19");
    EXPECT_EQ(paper.journal_ref, "Imag. J. Algorithms 5 (2024) 77-95");
    EXPECT_EQ(paper.doi, "10.5555/ija.2024.077");
    EXPECT_EQ(paper.license, "http://arxiv.org/licenses/nonexclusive-distrib/1.0/");
    EXPECT_TRUE(paper.abstract.starts_with("A paper maze may be folded along its grid lines"));
    EXPECT_TRUE(paper.abstract.ends_with("when k is part of the input."));
}

TEST(OaiPmhArxivRaw, ReadsASingleVersionOldStyleRecordADeletionAndTheToken) {
    Parsed p = parse_file(parse_oai_pmh, testdata("oai/list_records_arxivraw.xml"));
    ASSERT_EQ(p.sink.records.size(), 3u) << errors_text(p);
    const Paper& paper = p.sink.records[1].paper;
    EXPECT_EQ(paper.id.str(), "math/0407215");
    EXPECT_EQ(paper.version, 1);
    EXPECT_EQ(paper.published, "2004-07-12T20:15:33Z");
    EXPECT_EQ(paper.updated, "2004-07-12T20:15:33Z");
    EXPECT_EQ(paper.submitter, "Henrietta Vale");
    ASSERT_EQ(paper.authors.size(), 1u);
    EXPECT_EQ(paper.authors[0].name, "Henrietta Vale");
    EXPECT_EQ(paper.categories, Strings{"math.CO"});
    EXPECT_TRUE(paper.comments.empty());
    EXPECT_TRUE(paper.journal_ref.empty());

    EXPECT_EQ(p.sink.records[2].kind, Record::Kind::kDeletion);
    EXPECT_EQ(p.sink.records[2].paper.id.str(), "2310.09999");
    EXPECT_EQ(p.sink.records[2].datestamp, "2024-02-20");

    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_EQ(p.sink.info->resumption_token, "4821907|2001");
    EXPECT_EQ(p.sink.info->complete_list_size, 1873);
    EXPECT_EQ(p.sink.info->response_date, "2024-02-21T05:10:44Z");
}

TEST(OaiPmhArxivRaw, ReadsAGetRecordResponseOfTwoVersions) {
    Parsed p = parse_file(parse_oai_pmh, testdata("oai/get_record_arxivraw.xml"));
    ASSERT_TRUE(p.status.ok()) << p.status.error().message();
    ASSERT_EQ(p.sink.records.size(), 1u) << errors_text(p);
    EXPECT_EQ(p.sink.records[0].datestamp, "2019-06-03");
    const Paper& paper = p.sink.records[0].paper;
    EXPECT_EQ(paper.id.str(), "1904.00321");
    EXPECT_EQ(paper.version, 2);
    EXPECT_EQ(paper.title, "Mailboxes & Pigeons: Delivery Guarantees for Carrier-Bird Networks");
    EXPECT_EQ(paper.published, "2019-03-31T22:47:10Z");
    EXPECT_EQ(paper.updated, "2019-06-01T07:05:59Z");
    EXPECT_EQ(paper.submitter, "Tomasz Wierzbicki");
    std::vector<std::string> names;
    for (const Author& a : paper.authors) names.push_back(a.name);
    EXPECT_EQ(names,
              (Strings{"Tomasz Wierzbicki", "Mei-Ling Chou", "Rafael Andrade", "Greta Lindholm"}));
    EXPECT_EQ(paper.categories, (Strings{"cs.NI", "cs.DC"}));
    EXPECT_EQ(paper.license, "http://creativecommons.org/licenses/by/4.0/");
    // GetRecord has no list, so no token and no list size.
    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_EQ(p.sink.info->response_date, "2024-05-06T12:00:30Z");
    EXPECT_TRUE(p.sink.info->resumption_token.empty());
    EXPECT_EQ(p.sink.info->complete_list_size, -1);
}

// ---------------------------------------------------------------------------------------------
// OAI-PMH, arXivRaw format (real: litpuvn's responses in ../shared)

TEST(OaiPmhArxivRaw, ReadsAListRecordsPageWithItsResumptionToken) {
    PAPERBOY_REQUIRE_SHARED(
        path,
        "data/arxiv-oai-pmh/litpuvn-arxiv-oai-harvester/ListRecords_arXivRaw_from2016-10-20.xml");
    Parsed p = parse_file(parse_oai_pmh, path);
    ASSERT_TRUE(p.status.ok()) << p.status.error().message();
    EXPECT_EQ(p.sink.records.size(), 387u);
    EXPECT_TRUE(p.sink.errors.empty()) << errors_text(p);
    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_EQ(p.sink.info->resumption_token, "1403493|1001");
    EXPECT_EQ(p.sink.info->complete_list_size, 1440);
    EXPECT_EQ(p.sink.info->response_date, "2016-10-21T04:36:53Z");

    const Paper& paper = p.sink.records[0].paper;
    EXPECT_EQ(paper.id.str(), "0803.4354");
    EXPECT_EQ(paper.version, 6);
    EXPECT_EQ(paper.published, "2008-03-30T23:26:50Z");
    EXPECT_EQ(paper.updated, "2016-10-20T16:58:38Z");
    EXPECT_EQ(paper.submitter, "Moustapha Diaby");
    EXPECT_EQ(paper.title,
              "A O(n^8) X O(n^7) Linear Programming Model of the Traveling Salesman Problem");
    ASSERT_EQ(paper.authors.size(), 1u);
    EXPECT_EQ(paper.authors[0].name, "Moustapha Diaby");
    EXPECT_EQ(paper.categories, Strings{"cs.DM"});
    EXPECT_EQ(p.sink.records[0].datestamp, "2016-10-21");
    for (const Record& r : p.sink.records) {
        EXPECT_GE(r.paper.version, 1) << r.paper.id.str();
        EXPECT_FALSE(r.paper.authors.empty()) << r.paper.id.str();
        EXPECT_LE(r.paper.published, r.paper.updated) << r.paper.id.str();
    }
}

TEST(OaiPmhArxivRaw, ReadsAGetRecordResponse) {
    PAPERBOY_REQUIRE_SHARED(
        path, "data/arxiv-oai-pmh/litpuvn-arxiv-oai-harvester/GetRecord_arXivRaw.xml");
    Parsed p = parse_file(parse_oai_pmh, path);
    ASSERT_TRUE(p.status.ok());
    ASSERT_EQ(p.sink.records.size(), 1u);
    const Paper& paper = p.sink.records[0].paper;
    EXPECT_EQ(paper.id.str(), "0804.2273");
    EXPECT_EQ(paper.version, 1);
    EXPECT_EQ(paper.title, "Object Re-Use & Exchange: A Resource-Centric Approach");
    EXPECT_EQ(paper.published, "2008-04-14T21:02:00Z");
    EXPECT_EQ(paper.updated, "2008-04-14T21:02:00Z");
    ASSERT_EQ(paper.authors.size(), 6u);
    EXPECT_EQ(paper.authors[0].name, "Carl Lagoze");
    EXPECT_EQ(paper.authors[5].name, "Pete Johnston");
    EXPECT_EQ(paper.categories, (Strings{"cs.DL", "cs.NI"}));
    EXPECT_EQ(paper.license, "http://creativecommons.org/licenses/by/3.0/");
    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_EQ(p.sink.info->response_date, "2016-10-21T07:09:03Z");
}

// ---------------------------------------------------------------------------------------------
// OAI-PMH, oai_dc format, our own fixtures (tests/testdata/oai)

TEST(OaiPmhDublinCore, ReadsEveryFieldArxivWritesInDublinCore) {
    Parsed p = parse_file(parse_oai_pmh, testdata("oai/list_records_oai_dc.xml"));
    ASSERT_TRUE(p.status.ok()) << p.status.error().message();
    ASSERT_EQ(p.sink.records.size(), 3u) << errors_text(p);
    EXPECT_TRUE(p.sink.errors.empty()) << errors_text(p);
    EXPECT_EQ(p.sink.records[0].datestamp, "2024-01-10");
    const Paper& paper = p.sink.records[0].paper;
    EXPECT_EQ(paper.id.str(), "2306.00421");  // from the abstract page's URL
    EXPECT_EQ(paper.version, 0);
    EXPECT_EQ(paper.title,
              "Tidal Learning Rates: Stochastic Gradient Descent that Follows the Moon");
    // "Keyname, Forenames[, Suffix]", or a name without a comma, which is all keyname.
    ASSERT_EQ(paper.authors.size(), 4u);
    EXPECT_EQ(paper.authors[0].name, "Chidinma Okonkwo");
    EXPECT_EQ(paper.authors[0].keyname, "Okonkwo");
    EXPECT_EQ(paper.authors[0].forenames, "Chidinma");
    EXPECT_EQ(paper.authors[1].name, "Per Magnus Halvorsen");
    EXPECT_EQ(paper.authors[2].name, "Arthur Bell III");
    EXPECT_EQ(paper.authors[2].suffix, "III");
    EXPECT_EQ(paper.authors[3].name, "Lantern Consortium");
    EXPECT_EQ(paper.authors[3].keyname, "Lantern Consortium");
    // Subjects in words become categories; classification codes are dropped.
    EXPECT_EQ(paper.categories, (Strings{"cs.LG", "stat.ML"}));
    // The first description is the abstract, a "Comment:" one the comments.
    EXPECT_EQ(paper.abstract,
              "We let the learning rate of stochastic gradient descent rise and fall with a fixed "
              "period and show that, on three invented benchmarks, this is no worse than a tuned "
              "schedule.");
    EXPECT_EQ(paper.comments, "9 pages; code at https://github.com/paperboy-fixtures/tidal-sgd");
    EXPECT_EQ(paper.github_url, "https://github.com/paperboy-fixtures/tidal-sgd");
    // The first date is the first version's day, the last the latest version's.
    EXPECT_EQ(paper.published, "2023-06-01T00:00:00Z");
    EXPECT_EQ(paper.updated, "2024-01-09T00:00:00Z");
    // Identifiers: the journal reference as plain text, the DOI with its prefix.
    EXPECT_EQ(paper.journal_ref, "Trans. Imag. Learn. 4 (2024) 1-9");
    EXPECT_EQ(paper.doi, "10.5555/til.2024.001");
    EXPECT_EQ(paper.license, "http://creativecommons.org/licenses/by-sa/4.0/");
}

TEST(OaiPmhDublinCore, ReadsAnOldStyleIdNonAsciiCreatorsAndASingleDate) {
    Parsed p = parse_file(parse_oai_pmh, testdata("oai/list_records_oai_dc.xml"));
    ASSERT_EQ(p.sink.records.size(), 3u) << errors_text(p);
    const Paper& paper = p.sink.records[1].paper;
    EXPECT_EQ(paper.id.str(), "cond-mat/9811073");
    EXPECT_EQ(paper.title, "Reply to \"Comment on the Crumpled Sheet Model\"");
    ASSERT_EQ(paper.authors.size(), 2u);
    EXPECT_EQ(paper.authors[0].name, "Lærke Åström");  // character references
    EXPECT_EQ(paper.authors[0].keyname, "Åström");
    EXPECT_EQ(paper.authors[1].name, "Thị Hoa Nguyễn");  // UTF-8 in the source
    EXPECT_EQ(paper.authors[1].keyname, "Nguyễn");
    // "Physics - Quantum Physics" is not how arXiv names quant-ph, so it is not a category.
    EXPECT_EQ(paper.categories, Strings{"cond-mat.soft"});
    EXPECT_EQ(paper.published, "1998-11-05T00:00:00Z");
    EXPECT_EQ(paper.updated, "1998-11-05T00:00:00Z");
    EXPECT_TRUE(paper.comments.empty());
    EXPECT_TRUE(paper.doi.empty());
    EXPECT_TRUE(paper.journal_ref.empty());
    EXPECT_TRUE(paper.license.empty());
}

TEST(OaiPmhDublinCore, EndsTheListWithADeletionAndAnEmptyToken) {
    Parsed p = parse_file(parse_oai_pmh, testdata("oai/list_records_oai_dc.xml"));
    ASSERT_EQ(p.sink.records.size(), 3u) << errors_text(p);
    EXPECT_EQ(p.sink.records[2].kind, Record::Kind::kDeletion);
    EXPECT_EQ(p.sink.records[2].paper.id.str(), "2306.00999");
    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_TRUE(p.sink.info->resumption_token.empty());  // the list is complete
    EXPECT_EQ(p.sink.info->complete_list_size, 1003);
    EXPECT_EQ(p.sink.info->response_date, "2024-01-11T04:00:09Z");
}

// ---------------------------------------------------------------------------------------------
// OAI-PMH, oai_dc format (real: scrapi's recording in ../shared)

TEST(OaiPmhDublinCore, ReadsAllRecordsOfTheHarvest) {
    PAPERBOY_REQUIRE_SHARED(
        path, "data/arxiv-oai-pmh/scrapi-vcr/ListRecords_oai_dc_2014-12-24_2014-12-25.xml");
    Parsed p = parse_file(parse_oai_pmh, path);
    ASSERT_TRUE(p.status.ok()) << p.status.error().message();
    EXPECT_EQ(p.sink.records.size(), 897u);
    EXPECT_TRUE(p.sink.errors.empty()) << errors_text(p);
    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_TRUE(p.sink.info->resumption_token.empty());
    EXPECT_EQ(p.sink.info->response_date, "2015-04-24T13:49:17Z");

    const Paper& first = p.sink.records[0].paper;
    EXPECT_EQ(first.id.str(), "0709.2184");
    EXPECT_EQ(first.title, "Irrationality measure and lower bounds for pi(x)");
    ASSERT_EQ(first.authors.size(), 5u);
    EXPECT_EQ(first.authors[0].name, "David Burt");
    EXPECT_EQ(first.authors[0].keyname, "Burt");
    EXPECT_EQ(first.authors[0].forenames, "David");
    EXPECT_EQ(first.authors[2].name, "Steven J. Miller");
    EXPECT_EQ(first.categories, Strings{"math.NT"});  // the MSC subject is not a category
    EXPECT_EQ(first.published, "2007-09-13T00:00:00Z");
    EXPECT_EQ(first.updated, "2014-12-22T00:00:00Z");
    EXPECT_TRUE(first.abstract.starts_with("In this note we show how the irrationality measure"));
    EXPECT_TRUE(first.comments.starts_with("Version 4.0, 7 ps. E. Kowalski and T. Rivoal"));
    EXPECT_EQ(p.sink.records[0].datestamp, "2014-12-24");

    const Paper* last = find_paper(p, "math/0208210");
    ASSERT_NE(last, nullptr);
    EXPECT_EQ(last->doi, "10.4236/jamp.2014.213134");
    EXPECT_EQ(last->journal_ref, "Journal of Applied Mathematics and Physics, 2 (2014) 1149-1152");
    EXPECT_EQ(last->categories, Strings{"math.GM"});

    const Paper* comment = find_paper(p, "0804.0053");
    ASSERT_NE(comment, nullptr);
    EXPECT_EQ(comment->title, "Comment on \"General nonlocality in quantum fields\"");
    EXPECT_EQ(comment->categories, Strings{"physics.gen-ph"});

    // Every record names its arXiv categories in words that the table knows.
    for (const Record& r : p.sink.records) {
        EXPECT_FALSE(r.paper.categories.empty()) << r.paper.id.str();
        EXPECT_FALSE(r.paper.authors.empty()) << r.paper.id.str();
    }
}

TEST(OaiDcSubjects, MapsOnlyArxivCategoryNames) {
    const std::pair<const char*, const char*> kCases[] = {
        {"Physics - Quantum Physics", nullptr},  // arXiv writes plain "Quantum Physics"
        {"Quantum Physics", "quant-ph"},
        {"Computer Science - Learning", "cs.LG"},
        {"Computer Science - Machine Learning", "cs.LG"},
        {"Statistics - Machine Learning", "stat.ML"},
        {"Mathematics - Mathematical Physics", "math-ph"},
        {"Condensed Matter - Strongly Correlated Electrons", "cond-mat.str-el"},
        {"Physics - Atomic and Molecular Clusters", "physics.atm-clus"},
        {"11N05 (Primary), 11N56, 11J82 (Secondary)", nullptr},
        {"H.5.2", nullptr},
        {"computer science - learning", nullptr},
    };
    for (const auto& [subject, code] : kCases) {
        std::optional<std::string_view> got = arxiv_category_from_dc_subject(subject);
        if (code == nullptr) {
            EXPECT_FALSE(got.has_value()) << subject;
        } else {
            EXPECT_EQ(got.value_or("(none)"), code) << subject;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// OAI-PMH protocol errors and hostile input

const std::string kOaiHead =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">\n"
    "<responseDate>2024-05-01T10:00:00Z</responseDate>\n";

std::string oai_dc_record(const std::string& id, const std::string& title,
                          const std::string& description = "An abstract.") {
    return "<record><header><identifier>oai:arXiv.org:" + id +
           "</identifier><datestamp>2024-05-01</datestamp></header><metadata>"
           "<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" "
           "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>" +
           title + "</dc:title><dc:creator>Doe, Jane</dc:creator><dc:description>" + description +
           "</dc:description></oai_dc:dc></metadata></record>\n";
}

TEST(OaiPmh, TreatsNoRecordsMatchAsAnEmptyList) {
    Parsed p =
        parse_text(parse_oai_pmh, kOaiHead +
                                      "<request verb=\"ListRecords\">http://export.arxiv.org/oai2"
                                      "</request>\n<error code=\"noRecordsMatch\">No records"
                                      "</error>\n</OAI-PMH>\n");
    ASSERT_TRUE(p.status.ok());
    EXPECT_TRUE(p.sink.records.empty());
    EXPECT_TRUE(p.sink.errors.empty());
    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_EQ(p.sink.info->response_date, "2024-05-01T10:00:00Z");
}

TEST(OaiPmh, FailsOnAProtocolError) {
    Parsed p =
        parse_text(parse_oai_pmh, kOaiHead +
                                      "<error code=\"badResumptionToken\">The value of the "
                                      "resumptionToken argument is invalid or expired.</error>\n"
                                      "</OAI-PMH>\n");
    ASSERT_FALSE(p.status.ok());
    EXPECT_EQ(p.status.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(p.status.error().message(),
              "inline.xml: OAI-PMH error badResumptionToken: The value of the resumptionToken "
              "argument is invalid or expired.");
    EXPECT_FALSE(p.sink.info.has_value());
}

TEST(OaiPmh, FailsOnABadResumptionTokenResponse) {
    const std::string path = testdata("oai/error_bad_resumption_token.xml");
    Parsed p = parse_file(parse_oai_pmh, path);
    ASSERT_FALSE(p.status.ok());
    EXPECT_EQ(p.status.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(p.status.error().message(),
              path +
                  ": OAI-PMH error badResumptionToken: The value of the resumptionToken argument "
                  "is invalid or expired.");
    EXPECT_TRUE(p.sink.records.empty());
    EXPECT_TRUE(p.sink.errors.empty());
    EXPECT_FALSE(p.sink.info.has_value());
}

TEST(OaiPmh, ReadsANoRecordsMatchResponseAsAnEmptyList) {
    Parsed p = parse_file(parse_oai_pmh, testdata("oai/error_no_records_match.xml"));
    ASSERT_TRUE(p.status.ok()) << p.status.error().message();
    EXPECT_TRUE(p.sink.records.empty());
    EXPECT_TRUE(p.sink.errors.empty());
    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_EQ(p.sink.info->response_date, "2024-03-16T06:30:00Z");
    EXPECT_TRUE(p.sink.info->resumption_token.empty());
    EXPECT_EQ(p.sink.info->complete_list_size, -1);
}

TEST(OaiPmh, ReportsATruncatedRecordOfOurPageAndKeepsTheOneBefore) {
    std::string full;
    {
        std::ifstream in(testdata("oai/list_records_arxivraw.xml"), std::ios::binary);
        full.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    // Cut in the middle of the second record.
    size_t second = full.find("<record>", full.find("<record>") + 1);
    ASSERT_NE(second, std::string::npos);
    Parsed p = parse_text(parse_oai_pmh, full.substr(0, second + 200));
    ASSERT_TRUE(p.status.ok());
    ASSERT_EQ(p.sink.records.size(), 1u);
    EXPECT_EQ(p.sink.records[0].paper.id.str(), "2311.04567");
    ASSERT_EQ(p.sink.errors.size(), 1u);
    EXPECT_EQ(p.sink.errors[0].record, 2u);
    EXPECT_EQ(p.sink.errors[0].line,
              1u + std::count(full.begin(), full.begin() + static_cast<ptrdiff_t>(second), '\n'));
    EXPECT_NE(p.sink.errors[0].reason.find("truncated"), std::string::npos);
    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_TRUE(p.sink.info->resumption_token.empty());  // the token was cut off too
}

TEST(OaiPmh, MatchesPrefixedElementsByLocalName) {
    Parsed p = parse_text(
        parse_oai_pmh,
        "<oai:OAI-PMH xmlns:oai=\"http://www.openarchives.org/OAI/2.0/\">"
        "<oai:ListRecords><oai:record><oai:header><oai:identifier>oai:arXiv.org:2401.00002"
        "</oai:identifier></oai:header><oai:metadata><raw:arXivRaw xmlns:raw=\"x\">"
        "<raw:title>Prefixed</raw:title><raw:authors>A. Author and B. Author</raw:authors>"
        "<raw:version version=\"v2\"><raw:date>Mon, 2 Apr 2007 19:18:42 GMT</raw:date>"
        "</raw:version></raw:arXivRaw></oai:metadata></oai:record>"
        "<oai:resumptionToken completeListSize=\"5\">tok</oai:resumptionToken>"
        "</oai:ListRecords></oai:OAI-PMH>");
    ASSERT_TRUE(p.status.ok()) << p.status.error().message();
    ASSERT_EQ(p.sink.records.size(), 1u) << errors_text(p);
    const Paper& paper = p.sink.records[0].paper;
    EXPECT_EQ(paper.id.str(), "2401.00002");  // from the header: the metadata has no <id>
    EXPECT_EQ(paper.title, "Prefixed");
    EXPECT_EQ(paper.version, 2);
    EXPECT_EQ(paper.published, "2007-04-02T19:18:42Z");
    EXPECT_EQ(paper.authors.size(), 2u);
    EXPECT_EQ(p.sink.info->resumption_token, "tok");
    EXPECT_EQ(p.sink.info->complete_list_size, 5);
}

TEST(OaiPmh, ReportsBadRecordsWithTheirLineAndGoesOn) {
    std::string text = kOaiHead + "<ListRecords>\n" +
                       oai_dc_record("2401.00001", "Good one") +        // line 5
                       oai_dc_record("2401.00002", "Bad <b>tag</i>") +  // line 6
                       "<record><header><identifier>oai:arXiv.org:2401.00003</identifier>"
                       "</header><metadata><marc/></metadata></record>\n" +  // line 7
                       oai_dc_record("", "No id anywhere") +                 // line 8
                       "<record>\n<header/>\n</record>\n" +                  // lines 9-11
                       oai_dc_record("2401.00004", "Second good one") +      // line 12
                       "</ListRecords>\n</OAI-PMH>\n";
    Parsed p = parse_text(parse_oai_pmh, text);
    ASSERT_TRUE(p.status.ok());
    ASSERT_EQ(p.sink.records.size(), 2u);
    EXPECT_EQ(p.sink.records[1].paper.title, "Second good one");
    ASSERT_EQ(p.sink.errors.size(), 4u) << errors_text(p);
    EXPECT_EQ(p.sink.errors[0].message(),
              "inline.xml line 6: malformed XML at line 6: Start-end tags mismatch");
    EXPECT_EQ(p.sink.errors[1].message(), "inline.xml line 7: unsupported metadata format <marc>");
    EXPECT_EQ(p.sink.errors[1].record, 3u);
    EXPECT_EQ(p.sink.errors[2].line, 8u);
    EXPECT_EQ(p.sink.errors[3].message(), "inline.xml line 9: record has no <metadata>");
}

TEST(OaiPmh, ReportsInvalidUtf8WithItsLine) {
    std::string text =
        kOaiHead + "<ListRecords>\n" + oai_dc_record("2401.00001", "Fine") +
        oai_dc_record("2401.00002", "Caf\xC3\xA9 ok", "first line\nsecond line \xE9t\xE9\n") +
        oai_dc_record("2401.00003", "Bad \xC0\xAF overlong") +
        oai_dc_record("2401.00004", std::string("Nul \0 byte", 10)) +
        "</ListRecords>\n</OAI-PMH>\n";
    Parsed p = parse_text(parse_oai_pmh, text);
    ASSERT_TRUE(p.status.ok());
    ASSERT_EQ(p.sink.records.size(), 1u);
    EXPECT_EQ(p.sink.records[0].paper.id.str(), "2401.00001");
    ASSERT_EQ(p.sink.errors.size(), 3u) << errors_text(p);
    EXPECT_EQ(p.sink.errors[0].message(),
              "inline.xml line 6: invalid UTF-8 or control character at line 7");
    EXPECT_EQ(p.sink.errors[1].line, 9u);
    EXPECT_EQ(p.sink.errors[2].reason, "invalid UTF-8 or control character at line 10");
}

TEST(OaiPmh, ReportsATruncatedRecordAndKeepsTheOnesBefore) {
    PAPERBOY_REQUIRE_SHARED(
        path,
        "data/arxiv-oai-pmh/litpuvn-arxiv-oai-harvester/ListRecords_arXivRaw_from2016-10-20.xml");
    std::string full;
    {
        Result<std::unique_ptr<ByteSource>> source = open_file_source(path);
        ASSERT_TRUE(source.ok());
        char buf[65536];
        for (;;) {
            Result<size_t> n = (*source)->read(buf, sizeof buf);
            ASSERT_TRUE(n.ok());
            if (*n == 0) break;
            full.append(buf, *n);
        }
    }
    // Cut in the middle of the 11th record.
    size_t cut = 0;
    for (int i = 0; i < 11; ++i) cut = full.find("<record>", cut + 1);
    cut += 300;
    Parsed p = parse_text(parse_oai_pmh, full.substr(0, cut));
    ASSERT_TRUE(p.status.ok());
    EXPECT_EQ(p.sink.records.size(), 10u);
    ASSERT_EQ(p.sink.errors.size(), 1u);
    EXPECT_EQ(p.sink.errors[0].record, 11u);
    EXPECT_EQ(p.sink.errors[0].line,
              1u + std::count(full.begin(), full.begin() + (cut - 300), '\n'));
    EXPECT_NE(p.sink.errors[0].reason.find("truncated"), std::string::npos);
    ASSERT_TRUE(p.sink.info.has_value());
    EXPECT_TRUE(p.sink.info->resumption_token.empty());
}

TEST(OaiPmh, SkipsARecordOverSixteenMebibytes) {
    std::string huge(17u << 20, 'x');
    std::string text = kOaiHead + "<ListRecords>\n" + oai_dc_record("2401.00001", "Huge", huge) +
                       oai_dc_record("2401.00002", "Small") + "</ListRecords>\n</OAI-PMH>\n";
    Parsed p = parse_text(parse_oai_pmh, std::move(text));
    ASSERT_TRUE(p.status.ok());
    ASSERT_EQ(p.sink.records.size(), 1u);
    EXPECT_EQ(p.sink.records[0].paper.title, "Small");
    ASSERT_EQ(p.sink.errors.size(), 1u);
    EXPECT_EQ(p.sink.errors[0].message(),
              "inline.xml line 5: record larger than the limit of 16 MiB; skipped");
}

TEST(OaiPmh, SurvivesDeepNesting) {
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += "<a>";
    std::string closing;
    for (int i = 0; i < 100000; ++i) closing += "</a>";
    // Deep inside a record: a well-formed record is still read.
    Parsed inside =
        parse_text(parse_oai_pmh, kOaiHead + "<ListRecords>\n" +
                                      oai_dc_record("2401.00001", "Deep", deep + "text" + closing) +
                                      "</ListRecords>\n</OAI-PMH>\n");
    ASSERT_TRUE(inside.status.ok());
    EXPECT_EQ(inside.sink.records.size(), 1u) << errors_text(inside);
    // Deep in the envelope and never closed: reported as a truncated response.
    Parsed outside = parse_text(parse_oai_pmh, kOaiHead + deep);
    ASSERT_TRUE(outside.status.ok());
    EXPECT_TRUE(outside.sink.records.empty());
    ASSERT_EQ(outside.sink.errors.size(), 1u);
    EXPECT_NE(outside.sink.errors[0].reason.find("truncated"), std::string::npos);
}

TEST(OaiPmh, RejectsGarbageWithoutCrashing) {
    std::mt19937 random(20240501);
    for (int round = 0; round < 200; ++round) {
        std::string bytes(1 + random() % 4096, '\0');
        for (char& c : bytes) c = static_cast<char>(random() % 256);
        if (round % 2 == 1) bytes = kOaiHead + "<ListRecords><record>" + bytes;
        Parsed p = parse_text(parse_oai_pmh, bytes);
        if (round % 2 == 0) {
            ASSERT_FALSE(p.status.ok()) << "round " << round;
            EXPECT_EQ(p.status.error().code(), ErrorCode::kParse);
        } else {
            // After a valid head, the damage is confined to records and reported.
            for (const RecordError& e : p.sink.errors) EXPECT_FALSE(e.reason.empty());
            EXPECT_FALSE(p.sink.errors.empty() && p.sink.records.empty() && p.status.ok())
                << "round " << round << ": garbage went unreported";
        }
    }
}

}  // namespace
}  // namespace paperboy::ingest
