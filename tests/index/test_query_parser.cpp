#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.h"
#include "index/query.h"
#include "text/analyzer.h"

namespace paperboy::index {
namespace {

const text::Analyzer& analyzer() {
    static const text::Analyzer instance;
    return instance;
}

// Days since 1970-01-01 as "YYYY-MM-DD" (H. Hinnant's civil_from_days).
std::string day_string(int32_t days) {
    int64_t z = int64_t{days} + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(y), static_cast<int>(m),
                  static_cast<int>(d));
    return buf;
}

std::string describe(const Clause& c) {
    std::string out;
    if (c.field) {
        static constexpr const char* kNames[] = {"title:", "abstract:", "author:", "cat:"};
        out += kNames[static_cast<int>(*c.field)];
    }
    switch (c.kind) {
        case Clause::Kind::kTerm:
            out += c.terms.at(0);
            break;
        case Clause::Kind::kPrefix:
            out += c.terms.at(0) + "*";
            break;
        case Clause::Kind::kPhrase:
            // Gaps left by stopwords show as "_": "proof _ concept".
            out += '"';
            for (size_t i = 0; i < c.terms.size(); ++i) {
                if (i > 0) {
                    out += ' ';
                    for (uint32_t p = c.positions[i - 1] + 1; p < c.positions[i]; ++p) out += "_ ";
                }
                out += c.terms[i];
            }
            out += '"';
            break;
    }
    return out;
}

// A compact, readable rendering of a Query: only the non-empty parts, e.g.
// `should{attent transform} not{"neural network"} filters{cat=cs.cl}`.
std::string describe(const Query& q) {
    std::string out;
    auto section = [&](const char* name, const std::vector<std::string>& items) {
        if (items.empty()) return;
        if (!out.empty()) out += ' ';
        out += name;
        out += '{';
        for (size_t i = 0; i < items.size(); ++i) out += (i ? " " : "") + items[i];
        out += '}';
    };
    auto clauses = [](const std::vector<Clause>& list) {
        std::vector<std::string> items;
        for (const Clause& c : list) items.push_back(describe(c));
        return items;
    };
    section("should", clauses(q.should));
    section("must", clauses(q.must));
    section("not", clauses(q.must_not));
    std::vector<std::string> filters;
    if (q.filters.from_day) filters.push_back("from=" + day_string(*q.filters.from_day));
    if (q.filters.to_day) filters.push_back("to=" + day_string(*q.filters.to_day));
    for (const auto& c : q.filters.categories) filters.push_back("cat=" + c);
    for (const auto& o : q.filters.organizations) filters.push_back("org=" + o);
    if (q.filters.has_code) filters.push_back("code");
    if (q.filters.on_daily_list) filters.push_back("daily");
    section("filters", filters);
    section("words", q.words);
    return out;
}

struct Case {
    const char* input;
    const char* expected;
};

// Every construct of the language, as typed and as parsed.
const Case kCases[] = {
    // Words: ranked OR of the analysed terms; the typed words (folded) are kept for suggestions.
    {"transformers", "should{transform} words{transformers}"},
    {"attention transformers", "should{attent transform} words{attention transformers}"},
    {"ATTENTION", "should{attent} words{attention}"},
    {"model models", "should{model} words{model models}"},
    {"Transformers, (graphs)?", "should{transform graph} words{transformers graphs}"},
    {"GPT-4", "should{gpt4 gpt 4} words{gpt 4}"},
    {"  graph \t  learning  ", "should{graph learn} words{graph learning}"},
    {"the of and", ""},
    {"", ""},
    // Phrases: one must clause with the parts' relative positions; stopwords leave gaps.
    {"\"large language models\"", "must{\"larg languag model\"}"},
    {"\"proof of concept\"", "must{\"proof _ concept\"}"},
    {"\"attention\"", "must{attent}"},
    {"\"gpt-4 models\"", "must{\"gpt 4 model\"}"},
    {"\"of the\"", ""},
    {"\"large language", "must{\"larg languag\"}"},
    {"graph\"neural networks\"", "should{graph} must{\"neural network\"} words{graph}"},
    {"\"large language\" \"diffusion models\"", "must{\"larg languag\" \"diffus model\"}"},
    // Exclusion: words and phrases; a compound is excluded as the phrase of its parts.
    {"graph -neural", "should{graph} not{neural} words{graph}"},
    {"-\"neural networks\"", "not{\"neural network\"}"},
    {"-gpt-4", "not{\"gpt 4\"}"},
    {"graph - neural", "should{graph neural} words{graph neural}"},
    {"-the", ""},
    // Field prefixes.
    {"title:transformers", "should{title:transform} words{transformers}"},
    {"TITLE:graph", "should{title:graph} words{graph}"},
    {"title:\"large language\"", "must{title:\"larg languag\"}"},
    {"abstract:diffusion", "should{abstract:diffus} words{diffusion}"},
    {"author:Vaswani", "should{author:vaswani}"},
    {"authors:\"Ashish Vaswani\"", "must{author:\"ashish vaswani\"}"},
    {"author:Learning", "should{author:learn}"},  // names are stemmed like every field
    {"-author:smith", "not{author:smith}"},
    {"-title:graph", "not{title:graph}"},
    {"title: graph", "should{graph} words{graph}"},
    {"graph author:", "should{graph} words{graph}"},
    {"title:title:graph", "should{title:titl title:graph} words{title graph}"},
    // Unknown prefixes are words.
    {"foo:bar", "should{foo bar} words{foo bar}"},
    // Filters.
    {"cat:cs.CL", "filters{cat=cs.cl}"},
    {"cat:cs.CL cat:cs.LG cat:cs.cl", "filters{cat=cs.cl cat=cs.lg}"},
    {"org:Meta", "filters{org=meta}"},
    {"org:\"Google DeepMind\"", "filters{org=google deepmind}"},
    {"-cat:cs.CL graph", "should{graph} words{graph}"},
    {"after:2024-01-01", "filters{from=2024-01-01}"},
    {"before:2024-12-31", "filters{to=2024-12-31}"},
    {"year:2024", "filters{from=2024-01-01 to=2024-12-31}"},
    {"after:2024-03 before:2024-03", "filters{from=2024-03-01 to=2024-03-31}"},
    {"before:2024-02", "filters{to=2024-02-29}"},
    {"before:2023", "filters{to=2023-12-31}"},
    {"year:2024 after:2024-06-01 after:2023-01-01", "filters{from=2024-06-01 to=2024-12-31}"},
    {"after:2024-13-45", ""},
    {"after:2023-02-29", ""},
    {"after:2024-1-1", ""},
    {"year:2024-05", ""},
    {"year:99999999999", ""},
    {"has:code on:daily", "filters{code daily}"},
    {"has:CODE on:Daily", "filters{code daily}"},
    {"has:slides on:weekly", ""},
    // Prefixes: folded, unstemmed, at least two characters.
    {"transfo*", "should{transfo*}"},
    {"Transfo**", "should{transfo*}"},
    {"title:atten*", "should{title:atten*}"},
    {"self-atten*", "should{selfatten*}"},
    {"-transfo*", "not{transfo*}"},
    {"a* * ñ*", ""},
    {"-transfo* title:\"transfo*\"", "must{title:transfo} not{transfo*}"},
    // All together.
    {"title:\"diffusion models\" graph -gpt-4 cat:cs.LG year:2023 has:code trans*",
     "should{graph trans*} must{title:\"diffus model\"} not{\"gpt 4\"} "
     "filters{from=2023-01-01 to=2023-12-31 cat=cs.lg code} words{graph}"},
};

TEST(QueryParser, ParsesEveryConstruct) {
    for (const Case& c : kCases) {
        const Query q = parse_query(c.input, analyzer());
        EXPECT_EQ(describe(q), c.expected) << "input: " << c.input;
        EXPECT_FALSE(q.truncated) << "input: " << c.input;
    }
}

TEST(QueryParser, EmptyMeansNoClausesAndNoFilters) {
    EXPECT_TRUE(parse_query("the of a", analyzer()).empty());
    EXPECT_FALSE(parse_query("cat:cs.CL", analyzer()).empty());
    // Exclusions alone select nothing to rank.
    EXPECT_TRUE(parse_query("-graph", analyzer()).empty());
}

// The structural invariants every parse must keep, whatever the input.
void expect_well_formed(const Query& q, std::string_view input) {
    SCOPED_TRACE(std::string("input: ") + std::string(input.substr(0, 60)));
    size_t plain_words = 0;
    for (const Clause& c : q.should) plain_words += c.kind == Clause::Kind::kTerm ? 1 : 0;
    EXPECT_LE(plain_words, kMaxTermClauses);
    EXPECT_LE(q.should.size() - plain_words + q.must.size() + q.must_not.size(), kMaxClauses);
    for (const auto* list : {&q.should, &q.must, &q.must_not}) {
        for (const Clause& c : *list) {
            EXPECT_GE(c.count, 1u);
            ASSERT_FALSE(c.terms.empty());
            for (const std::string& t : c.terms) EXPECT_FALSE(t.empty());
            if (c.kind == Clause::Kind::kPhrase) {
                ASSERT_EQ(c.terms.size(), c.positions.size());
                EXPECT_GE(c.terms.size(), 2u);
                EXPECT_LE(c.terms.size(), 16u);
                EXPECT_EQ(c.positions[0], 0u);
                for (size_t i = 1; i < c.positions.size(); ++i) {
                    EXPECT_LT(c.positions[i - 1], c.positions[i]);
                }
            } else {
                EXPECT_EQ(c.terms.size(), 1u);
            }
        }
    }
}

TEST(QueryParser, TruncatesAnOverlongQueryAtAWordBoundary) {
    std::string input;
    while (input.size() < 2 * kMaxQueryBytes) input += "graph ";
    const Query q = parse_query(input, analyzer());
    expect_well_formed(q, input);
    EXPECT_TRUE(q.truncated);
    EXPECT_EQ(describe(q), "should{graph} words{graph}");
    // Every whole "graph " within the limit counted; the one the limit cuts through did not.
    ASSERT_EQ(q.should.size(), 1u);
    EXPECT_EQ(q.should[0].count, kMaxQueryBytes / 6);

    const Query one_word = parse_query(std::string(2 * kMaxQueryBytes, 'x'), analyzer());
    expect_well_formed(one_word, "xxx...");
    EXPECT_TRUE(one_word.truncated);
}

TEST(QueryParser, MergesRepeatedWordsIntoOneClauseWithACount) {
    const Query q = parse_query("graph neural graphs GRAPH title:graph neural", analyzer());
    expect_well_formed(q, "repeated");
    ASSERT_EQ(q.should.size(), 3u);
    EXPECT_EQ(describe(q.should[0]), "graph");
    EXPECT_EQ(q.should[0].count, 3u);  // "graph", "graphs", "GRAPH": one stem
    EXPECT_EQ(describe(q.should[1]), "neural");
    EXPECT_EQ(q.should[1].count, 2u);
    EXPECT_EQ(describe(q.should[2]), "title:graph");  // another field: another clause
    EXPECT_EQ(q.should[2].count, 1u);
    EXPECT_FALSE(q.truncated);
}

// A pasted argument or abstract (ArguAna queries run to 300 words) is used whole.
TEST(QueryParser, KeepsEveryDistinctWordOfAParagraph) {
    std::string input;
    for (int i = 0; i < 330; ++i) {
        input += static_cast<char>('b' + i / 100);
        input += static_cast<char>('a' + i / 10 % 10);
        input += static_cast<char>('a' + i % 10);
        input += "qz ";
    }
    input += input;  // every word twice
    const Query q = parse_query(input, analyzer());
    expect_well_formed(q, input);
    EXPECT_FALSE(q.truncated);
    ASSERT_EQ(q.should.size(), 330u);
    for (const Clause& c : q.should) EXPECT_EQ(c.count, 2u);
}

TEST(QueryParser, TruncationNeverLeavesHalfACharacter) {
    // One long compound of two-byte characters, "xyzé-é-é-...", cut by the limit in the middle
    // of an "é": no space to back up to, so the cut stays and must drop the half character.
    std::string input = "xyz";
    while (input.size() < 2 * kMaxQueryBytes) input += "\xC3\xA9-";
    ASSERT_EQ(input[kMaxQueryBytes - 1], '\xC3');
    const Query q = parse_query(input, analyzer());
    EXPECT_TRUE(q.truncated);
    ASSERT_FALSE(q.words.empty());
    for (const std::string& w : q.words) EXPECT_TRUE(is_valid_utf8(w));
    ASSERT_FALSE(q.should.empty());
    for (const Clause& c : q.should) EXPECT_TRUE(is_valid_utf8(c.terms[0]));
}

TEST(QueryParser, CapsDistinctWordsAtMaxTermClauses) {
    std::string input;
    for (int i = 0; i < 2000; ++i) {
        // Distinct letter-only words ("baa", "bab", ...), so that none is a compound.
        input += static_cast<char>('b' + i / 400);
        input += static_cast<char>('a' + i / 20 % 20);
        input += static_cast<char>('a' + i % 20);
        input += "qz ";
    }
    ASSERT_LE(input.size(), kMaxQueryBytes);
    const Query q = parse_query(input, analyzer());
    expect_well_formed(q, input);
    EXPECT_EQ(q.should.size(), kMaxTermClauses);
    EXPECT_TRUE(q.truncated);
    EXPECT_LE(q.words.size(), kMaxClauses);
}

TEST(QueryParser, CapsClausesAcrossMustAndMustNot) {
    std::string input;
    for (int i = 0; i < 200; ++i) {
        const std::string w = std::string(1, static_cast<char>('b' + i % 20)) +
                              static_cast<char>('b' + i / 20) + "qz";
        input += (i % 2 ? "-\"" : "\"") + w + " graph\" ";
    }
    const Query q = parse_query(input, analyzer());
    expect_well_formed(q, input);
    EXPECT_EQ(q.must.size() + q.must_not.size(), kMaxClauses);
    EXPECT_TRUE(q.truncated);
}

TEST(QueryParser, KeepsSixteenTermsOfALongPhrase) {
    std::string input = "\"";
    for (int i = 0; i < 40; ++i)
        input += std::string("graph") + static_cast<char>('a' + i % 26) + "z ";
    const Query q = parse_query(input, analyzer());
    expect_well_formed(q, input);
    ASSERT_EQ(q.must.size(), 1u);
    EXPECT_EQ(q.must[0].terms.size(), 16u);
    EXPECT_EQ(q.must[0].positions.back(), 15u);
    EXPECT_TRUE(q.truncated);
}

TEST(QueryParser, CapsFilterLists) {
    std::string input;
    for (int i = 0; i < 500; ++i) input += "cat:c" + std::to_string(i) + " ";
    const Query q = parse_query(input, analyzer());
    EXPECT_EQ(q.filters.categories.size(), kMaxClauses);
    EXPECT_TRUE(q.truncated);
}

TEST(QueryParser, DropsPrefixesLongerThanAnyTerm) {
    EXPECT_EQ(describe(parse_query(std::string(64, 'x') + "*", analyzer())),
              "should{" + std::string(64, 'x') + "*}");
    EXPECT_TRUE(parse_query(std::string(65, 'x') + "*", analyzer()).empty());
}

TEST(QueryParser, SurvivesBrokenQuotes) {
    for (const char* input : {"\"", "\"\"", "\"\"\"", "\" \"", "graph \"", "\"graph", "-\"",
                              "title:\"", "-title:\"", "\"\"graph\"\"", "a\"b\"c\"d"}) {
        const Query q = parse_query(input, analyzer());
        expect_well_formed(q, input);
        EXPECT_FALSE(q.truncated) << input;
    }
    EXPECT_EQ(describe(parse_query("\"\"graph\"\"", analyzer())), "should{graph} words{graph}");
    EXPECT_EQ(describe(parse_query("\"graph", analyzer())), "must{graph}");
}

TEST(QueryParser, OperatorsAloneGiveEmptyQuery) {
    for (const char* input : {"-", "--", "- - -", "\"", "*", "**", ":", "::", "-:", "-*", "*:*",
                              "\"*\"", "title:", "-title:", "cat:", "after:", "year:", "has:"}) {
        const Query q = parse_query(input, analyzer());
        EXPECT_TRUE(q.empty()) << input << " -> " << describe(q);
        EXPECT_TRUE(q.must_not.empty()) << input;
        EXPECT_TRUE(q.words.empty()) << input;
    }
}

TEST(QueryParser, ControlCharactersSeparateWords) {
    EXPECT_EQ(describe(parse_query("graph\tneural\x01networks\x7f"
                                   "learning",
                                   analyzer())),
              "should{graph neural network learn} words{graph neural networks learning}");
    // U+0085 (NEL), a C1 control, is a separator too.
    EXPECT_EQ(describe(parse_query("graph\xC2\x85neural", analyzer())),
              "should{graph neural} words{graph neural}");
    EXPECT_EQ(describe(parse_query("title:\x1bgraph", analyzer())), "should{graph} words{graph}");
}

TEST(QueryParser, NulBytesSeparateWords) {
    const std::string input("graph\0neural\0\0", 14);
    EXPECT_EQ(describe(parse_query(input, analyzer())), "should{graph neural} words{graph neural}");
    EXPECT_TRUE(parse_query(std::string(100, '\0'), analyzer()).empty());
}

TEST(QueryParser, InvalidUtf8IsDropped) {
    EXPECT_EQ(describe(parse_query("graph\xFFneural", analyzer())),
              "should{graph neural} words{graph neural}");
    for (const char* input : {"\xC3", "\xFF\xFE", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xC0\xAF",
                              "\"\xE2\x82", "cat:\xFF", "org:\xC3", "title:\xE2\x82"}) {
        const Query q = parse_query(input, analyzer());
        expect_well_formed(q, input);
        EXPECT_TRUE(q.empty()) << describe(q);
    }
}

TEST(QueryParser, KeepsValidNonAsciiText) {
    // The analyzer folds; the parser keeps whatever the fold gives, bytes above ASCII included.
    const Query q = parse_query("Schrödinger Ελλάδα", analyzer());
    ASSERT_EQ(q.should.size(), 2u);
    EXPECT_EQ(q.words, (std::vector<std::string>{analyzer().fold("schrödinger"),
                                                 analyzer().fold("ελλάδα")}));
    EXPECT_EQ(describe(parse_query("Ελλά*", analyzer())),
              "should{" + analyzer().fold("ελλά") + "*}");
}

TEST(QueryParser, RepeatedPrefixesAreTextOfTheFirstField) {
    const Query q = parse_query("title:title:title:graph", analyzer());
    expect_well_formed(q, "title:title:title:graph");
    for (const Clause& c : q.should) EXPECT_EQ(c.field, Field::kTitle);
    EXPECT_EQ(q.should.size(), 2u);  // "titl" (deduplicated) and "graph"

    std::string deep;
    while (deep.size() <= kMaxQueryBytes) deep += "author:";
    deep += "smith";
    const Query d = parse_query(deep, analyzer());
    expect_well_formed(d, deep);
    EXPECT_TRUE(d.truncated);
}

TEST(QueryParser, ImpossibleDatesAndHugeNumbersAreNotFilters) {
    for (const char* input :
         {"after:2024-13-45", "before:2024-00-10", "after:2024-02-30", "year:99999999999",
          "year:-2024", "after:99999999999-01-01", "before:0000", "year:0999", "after:2024-01-01x",
          "year:2O24", "after:+2024", "before:2024--01"}) {
        const Query q = parse_query(input, analyzer());
        EXPECT_FALSE(q.filters.from_day) << input;
        EXPECT_FALSE(q.filters.to_day) << input;
        EXPECT_TRUE(q.empty()) << input;
    }
}

TEST(QueryParser, ContradictoryDatesGiveAnEmptyRange) {
    const Query q = parse_query("year:2023 year:2024", analyzer());
    ASSERT_TRUE(q.filters.from_day && q.filters.to_day);
    EXPECT_GT(*q.filters.from_day, *q.filters.to_day);
}

TEST(QueryParser, UnknownSchemesAndPrefixesAreWords) {
    const Query q = parse_query("http://arxiv.org foo:bar", analyzer());
    EXPECT_TRUE(q.filters.empty());
    EXPECT_FALSE(q.should.empty());
    expect_well_formed(q, "http://arxiv.org");
}

}  // namespace
}  // namespace paperboy::index
