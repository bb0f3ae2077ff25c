#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/html.h"
#include "core/utf8.h"
#include "support/shared_data.h"
#include "text/analyzer.h"
#include "text/chunk_scan.h"
#include "text/snippet.h"

namespace paperboy::text {
namespace {

const std::string kEllipsis = "\u2026";

// A small deterministic random source for the generated-text tests: next() gives the next value.
class Lcg {
  public:
    explicit Lcg(uint64_t seed) : state_(seed) {}
    size_t operator()() {
        state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<size_t>(state_ >> 33);
    }

  private:
    uint64_t state_;
};

std::string snippet(std::string_view text, std::string_view query, size_t max_bytes = 300) {
    static const Analyzer analyzer;
    SnippetOptions options;
    options.max_bytes = max_bytes;
    return make_snippet(analyzer, text, analyzer.terms(query), options);
}

TEST(HtmlEscape, EscapesTheFiveSpecialCharacters) {
    EXPECT_EQ(html_escape("a & b < c > d \"e\" 'f'"),
              "a &amp; b &lt; c &gt; d &quot;e&quot; &#39;f&#39;");
    EXPECT_EQ(html_escape(""), "");
    EXPECT_EQ(html_escape("caf\u00e9"), "caf\u00e9");
}

TEST(Snippet, HighlightsMatchingWordsOfAShortText) {
    EXPECT_EQ(snippet("We train transformers on text.", "transformer"),
              "We train <mark>transformers</mark> on text.");
}

TEST(Snippet, HighlightsEveryOccurrenceAndStemVariant) {
    EXPECT_EQ(snippet("Running runs; the runner ran.", "run"),
              "<mark>Running</mark> <mark>runs</mark>; the runner ran.");
}

TEST(Snippet, MergesTheMatchedPartsOfACompound) {
    EXPECT_EQ(snippet("We test GPT-4 today.", "gpt 4"), "We test <mark>GPT-4</mark> today.");
    EXPECT_EQ(snippet("We test GPT-4 today.", "gpt4"), "We test <mark>GPT-4</mark> today.");
    EXPECT_EQ(snippet("It is state-of-the-art.", "state of the art"),
              "It is <mark>state-of-the-art</mark>.");
}

TEST(Snippet, DoesNotMergeAcrossAnUnmatchedPart) {
    EXPECT_EQ(snippet("Llama-2-7B", "llama 7b"), "<mark>Llama</mark>-2-<mark>7B</mark>");
}

TEST(Snippet, HighlightsOnlyAPartWhenOnlyThePartMatches) {
    EXPECT_EQ(snippet("The F1-score rose.", "score"), "The F1-<mark>score</mark> rose.");
}

TEST(Snippet, EscapesHostileText) {
    const std::string out =
        snippet("<script>alert('x')</script> attention & \"quotes\" <img src=x>", "attention");
    EXPECT_EQ(out,
              "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; <mark>attention</mark> &amp; "
              "&quot;quotes&quot; &lt;img src=x&gt;");
    EXPECT_EQ(out.find("<script"), std::string::npos);
}

TEST(Snippet, HighlightsInsideMarkupLikeTextAreEscaped) {
    const std::string out = snippet("<b>bold</b> claims", "bold b");
    EXPECT_EQ(out, "&lt;<mark>b</mark>&gt;<mark>bold</mark>&lt;/<mark>b</mark>&gt; claims");
}

TEST(Snippet, WithoutMatchesShowsTheStartOfTheText) {
    std::string text;
    for (int i = 0; i < 100; ++i) text += "word" + std::to_string(i) + " ";
    const std::string out = snippet(text, "absent", 40);
    EXPECT_EQ(out, "word0 word1 word2 word3 word4 word5" + kEllipsis);  // 35 of 40 bytes
    EXPECT_EQ(snippet(text, "", 40), out);
}

TEST(Snippet, ChoosesTheWindowWithMostDistinctTermsAndMarksCuts) {
    std::string filler;
    for (int i = 0; i < 40; ++i) filler += "filler ";
    const std::string text = filler + "graph alone here. " + filler +
                             "graph neural networks together. " + filler + "graph graph graph.";
    const std::string out = snippet(text, "graph neural", 60);
    EXPECT_NE(out.find("<mark>graph</mark> <mark>neural</mark> networks together"),
              std::string::npos)
        << out;
    EXPECT_EQ(out.rfind(kEllipsis, 0), 0u) << out;                           // cut before
    EXPECT_EQ(out.substr(out.size() - kEllipsis.size()), kEllipsis) << out;  // cut after
}

TEST(Snippet, PrefersMoreOccurrencesWhenDistinctTermsTie) {
    std::string filler;
    for (int i = 0; i < 40; ++i) filler += "filler ";
    const std::string text =
        filler + "one graph here. " + filler + "graph and graph again. " + filler;
    const std::string out = snippet(text, "graph", 50);
    EXPECT_NE(out.find("<mark>graph</mark> and <mark>graph</mark> again"), std::string::npos)
        << out;
}

TEST(Snippet, StaysWithinTheByteBudgetAndCutsAtWords) {
    std::string text;
    for (int i = 0; i < 200; ++i) text += "alpha beta gamma delta ";
    const std::string out = snippet(text, "gamma", 100);
    std::string plain = out;
    for (const std::string& markup : {std::string("<mark>"), std::string("</mark>"), kEllipsis}) {
        for (size_t at; (at = plain.find(markup)) != std::string::npos;)
            plain.erase(at, markup.size());
    }
    EXPECT_LE(plain.size(), 100u);
    EXPECT_GE(plain.size(), 80u);
    EXPECT_NE(plain.front(), ' ');
    EXPECT_NE(plain.back(), ' ');
    EXPECT_NE(text.find(plain), std::string::npos);  // whole words of the source
}

TEST(Snippet, MatchNearTheEndFillsTheBudgetBackwards) {
    std::string text;
    for (int i = 0; i < 50; ++i) text += "lorem ";
    text += "target";
    const std::string out = snippet(text, "target", 60);
    EXPECT_EQ(out, kEllipsis +
                       "lorem lorem lorem lorem lorem lorem lorem lorem lorem <mark>target</mark>");
}

TEST(Snippet, EmptyTextGivesEmptySnippet) { EXPECT_EQ(snippet("", "anything"), ""); }

TEST(Snippet, TextWithoutWordsIsCutSafely) {
    const std::string text(1000, '!');
    const std::string out = snippet(text, "x", 50);
    EXPECT_EQ(out, std::string(50, '!') + kEllipsis);
}

TEST(Snippet, NeverCutsInsideAUtf8Sequence) {
    std::string text;
    for (int i = 0; i < 100; ++i) text += "\u00e9\u00e8\u4e2d";  // 2 + 2 + 3 bytes, no spaces
    for (size_t max_bytes = 1; max_bytes < 40; ++max_bytes) {
        const std::string out = snippet(text, "x", max_bytes);
        EXPECT_TRUE(is_valid_utf8(out)) << max_bytes;
    }
}

TEST(Snippet, InvalidUtf8IsReplacedNotCopied) {
    const std::string out = snippet("bad \xff\xfe bytes \xc3 and attention", "attention");
    EXPECT_TRUE(is_valid_utf8(out));
    EXPECT_NE(out.find("<mark>attention</mark>"), std::string::npos);
    EXPECT_NE(out.find("\uFFFD"), std::string::npos);
}

TEST(Snippet, HugeTextIsHandled) {
    std::string text;
    while (text.size() < (1u << 20)) text += "a long abstract about nothing in particular. ";
    text += "needle";
    const std::string out = snippet(text, "about", 200);
    EXPECT_NE(out.find("<mark>about</mark>"), std::string::npos);
    EXPECT_LE(out.size(), 400u);
    const std::string single_word(1u << 20, 'z');
    EXPECT_TRUE(is_valid_utf8(snippet(single_word, "z", 100)));
}

// Random texts from hostile pieces: the snippet is valid UTF-8, its only raw '<' open a mark,
// and its source text stays within the budget.
TEST(Snippet, RandomHostileTextsGiveSafeSnippets) {
    const Analyzer analyzer;
    const char* kPieces[] = {"graph", "GPT-4", "<script>", "&amp;",         "\"",
                             "'",     " ",     "  ",       "\u00e9t\u00e9", "\u4e2d\u6587",
                             "\xff",  "\xc3",  "\xe2\x80", "neural",        "state-of-the-art",
                             ".",     "\n",    "x<y",      "\u2026"};
    const std::vector<std::string> query = analyzer.terms("graph neural gpt-4 script amp");
    Lcg next(7);
    for (int round = 0; round < 300; ++round) {
        std::string text;
        const uint32_t pieces = next() % 200;
        for (uint32_t k = 0; k < pieces; ++k) text += kPieces[next() % std::size(kPieces)];
        SnippetOptions options;
        options.max_bytes = 1 + next() % 120;
        const std::string out = make_snippet(analyzer, text, query, options);
        EXPECT_TRUE(is_valid_utf8(out)) << text;
        std::string plain = out;
        for (const std::string markup : {"<mark>", "</mark>"}) {
            for (size_t at; (at = plain.find(markup)) != std::string::npos;) {
                plain.erase(at, markup.size());
            }
        }
        EXPECT_EQ(plain.find('<'), std::string::npos) << out;
        EXPECT_EQ(plain.find('>'), std::string::npos) << out;
        EXPECT_EQ(plain.find('"'), std::string::npos) << out;
    }
}

TEST(Snippet, UsesTheGivenMarkup) {
    const Analyzer analyzer;
    SnippetOptions options;
    options.open = "[";
    options.close = "]";
    EXPECT_EQ(make_snippet(analyzer, "find the needle", analyzer.terms("needle"), options),
              "find the [needle]");
}

}  // namespace
}  // namespace paperboy::text

namespace paperboy::text {
namespace {

// 200 real arXiv records (the Kaggle snapshot's first lines), from ../shared.
constexpr const char* kRealAbstracts =
    "data/arxiv-kaggle-snapshot/arxiv-metadata-oai-snapshot.sample200.jsonl";

// Snippets stem only the words that may_stem_to() a query term. That is exact only if no word
// stems to something may_stem_to() rules out: checked over the words of 200 real arXiv
// abstracts.
TEST(SnippetStemming, AStemKeepsItsWordsFirstTwoLetters) {
    PAPERBOY_REQUIRE_SHARED(sample, kRealAbstracts);
    std::ifstream in(sample);
    ASSERT_TRUE(in);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Analyzer analyzer;
    AnalyzerOptions unstemmed_options;
    unstemmed_options.stem = false;
    Analyzer unstemmed(unstemmed_options);
    std::vector<Token> stemmed_tokens;
    std::vector<Token> folded_tokens;
    analyzer.analyze(text, stemmed_tokens);
    unstemmed.analyze(text, folded_tokens);
    ASSERT_EQ(stemmed_tokens.size(), folded_tokens.size());
    ASSERT_GT(stemmed_tokens.size(), 10000U);
    size_t changed = 0;
    for (size_t i = 0; i < stemmed_tokens.size(); ++i) {
        const std::string& stem = stemmed_tokens[i].term;
        const std::string& word = folded_tokens[i].term;
        if (stem == word) continue;
        ++changed;
        ASSERT_GE(word.size(), 3U) << word;
        ASSERT_GE(stem.size(), 2U) << word << " -> " << stem;
        EXPECT_TRUE(may_stem_to(word, stem)) << word << " -> " << stem;
    }
    EXPECT_GT(changed, 1000U);

    // And the filtered analysis finds every occurrence the full one does.
    const std::vector<std::string> terms = {"model", "network", "quantum",
                                            "studi", "propos",  "lie"};
    std::vector<Token> filtered;
    analyzer.analyze(text, filtered, 0, [&](std::string_view w) {
        for (const std::string& t : terms) {
            if (may_stem_to(w, t)) return true;
        }
        return false;
    });
    ASSERT_EQ(filtered.size(), stemmed_tokens.size());
    for (size_t i = 0; i < filtered.size(); ++i) {
        const bool is_term =
            std::find(terms.begin(), terms.end(), stemmed_tokens[i].term) != terms.end();
        if (is_term) {
            EXPECT_EQ(filtered[i].term, stemmed_tokens[i].term);
        }
    }
}

// find_query_terms() analyses only the chunks that may hold a query term: it must still find
// every token the analyzer finds that is one, and only tokens the analyzer finds.
void expect_same_as_analyzer(const Analyzer& analyzer, std::string_view text,
                             const std::vector<std::string>& terms) {
    std::vector<Token> tokens;
    analyzer.analyze(text, tokens);
    std::vector<std::string> distinct;
    for (const std::string& t : terms) {
        if (std::find(distinct.begin(), distinct.end(), t) == distinct.end()) distinct.push_back(t);
    }
    const auto term_id = [&](const std::string& term) {
        const auto it = std::find(distinct.begin(), distinct.end(), term);
        return it == distinct.end() ? -1 : static_cast<int>(it - distinct.begin());
    };
    const std::vector<TermSpan> spans = find_query_terms(analyzer, text, terms);
    size_t next = 0;  // both lists are in text order
    for (const TermSpan& span : spans) {
        while (next < tokens.size() &&
               (tokens[next].begin != span.begin || tokens[next].end != span.end ||
                tokens[next].is_compound_whole != span.is_compound_whole)) {
            ASSERT_EQ(term_id(tokens[next].term), -1)
                << text << ": the query term " << tokens[next].term << " at " << tokens[next].begin
                << " was not found";
            ++next;
        }
        ASSERT_LT(next, tokens.size())
            << text << ": a token at " << span.begin << " that the analyzer does not find";
        ASSERT_EQ(span.term, term_id(tokens[next].term)) << text << " " << tokens[next].term;
        ++next;
    }
    for (; next < tokens.size(); ++next) {
        ASSERT_EQ(term_id(tokens[next].term), -1)
            << text << ": the query term " << tokens[next].term << " at " << tokens[next].begin
            << " was not found";
    }
}

TEST(ChunkScan, VectorScanMatchesTheBytewiseOne) {
    // Every byte value at every offset of blocks and tails, next to letters, digits, spaces
    // and punctuation, for pairs of letters and digits with and without the y-for-i variant.
    const std::vector<detail::TermPair> pairs = {
        {'m', 'o', false}, {'l', 'i', true}, {'4', 'x', false}, {'e', 'g', false}};
    const std::string neighbours = "Mo4xLyEg. -'\t\n9aZ\x80\xff";
    Lcg next(99);
    for (int round = 0; round < 4000; ++round) {
        std::string text;
        const size_t length = next() % 200;
        for (size_t k = 0; k < length; ++k) {
            text += next() % 3 == 0 ? static_cast<char>(next() % 256)
                                    : neighbours[next() % neighbours.size()];
        }
        detail::ChunkMasks fast;
        detail::ChunkMasks portable;
        detail::scan_chunk_masks(text, pairs, fast);
        detail::scan_chunk_masks_portable(text, pairs, portable);
        ASSERT_EQ(fast.space, portable.space) << "round " << round;
        ASSERT_EQ(fast.candidate, portable.candidate) << "round " << round;
    }
}

TEST(ChunkScan, MarksTheByteAfterAPairThatBeginsAPart) {
    const std::vector<detail::TermPair> pairs = {{'m', 'o', false}, {'l', 'i', true}};
    detail::ChunkMasks masks;
    // "model" begins a token; "unmodelled" has "mo" inside a word; "x2model" begins a part
    // where digits turn to letters; "m.o" has punctuation between; "Lying" has the y for i.
    const std::string text = "model unmodelled 2model m.o Lying mx";
    detail::scan_chunk_masks(text, pairs, masks);
    std::vector<size_t> marked;
    std::vector<size_t> spaces;
    for (size_t i = 0; i < text.size(); ++i) {
        if ((masks.candidate[i / 64] >> (i % 64) & 1U) != 0) marked.push_back(i);
        if ((masks.space[i / 64] >> (i % 64) & 1U) != 0) spaces.push_back(i);
    }
    EXPECT_EQ(marked, (std::vector<size_t>{1, 19, 25, 29}));
    EXPECT_EQ(spaces, (std::vector<size_t>{5, 16, 23, 27, 33}));
}

TEST(FindQueryTerms, MatchesTheAnalyzerOnRealAbstracts) {
    PAPERBOY_REQUIRE_SHARED(sample, kRealAbstracts);
    std::ifstream in(sample);
    ASSERT_TRUE(in);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const Analyzer analyzer;
    expect_same_as_analyzer(analyzer, text, {"model", "network", "quantum", "studi", "lie"});
    expect_same_as_analyzer(analyzer, text, {"gpt4", "gpt", "4", "2", "x", "stateoftheart"});
    expect_same_as_analyzer(analyzer, text, {"caf\u00e9", "\u03b1", "the", "model", "model"});
    expect_same_as_analyzer(analyzer, text, {});
    // Most of the text is skipped: only chunks with a query term's first two letters remain.
    EXPECT_LT(find_query_terms(analyzer, text, {"quantum", "entangl"}).size(),
              analyzer.terms(text).size() / 10);
}

TEST(FindQueryTerms, MatchesTheAnalyzerOnRandomText) {
    // Pieces that exercise every rule of the tokenizer, glued at random.
    const std::vector<std::string> pieces = {"a",
                                             "B",
                                             "z",
                                             "ab",
                                             "The",
                                             "of",
                                             "model",
                                             "Models",
                                             "running",
                                             "lying",
                                             "GPT",
                                             "4",
                                             "3.5",
                                             "2023",
                                             "x",
                                             "-",
                                             "_",
                                             "/",
                                             ".",
                                             ",",
                                             "'",
                                             "'s",
                                             "(",
                                             ")",
                                             " ",
                                             " ",
                                             " ",
                                             "\n",
                                             "\t",
                                             "\u2019",
                                             "\u2010",
                                             "\u00ad",
                                             "\u00e9",
                                             "caf\u00e9",
                                             "\u2014",
                                             "\u03b1\u03b2",
                                             "\xff",
                                             "\xc3",
                                             "\uff21",
                                             "\u0301",
                                             "state-of-the-art",
                                             "e.g.",
                                             "O'Neil",
                                             std::string(40, 'q'),
                                             std::string(70, 'r'),
                                             "\x01",
                                             "\u200b"};
    const std::vector<std::vector<std::string>> queries = {{"model", "run", "lie"},
                                                           {"gpt", "4", "gpt4"},
                                                           {"ab", "b", "z"},
                                                           {"3.5", "2023", "x"},
                                                           {"caf\u00e9", "\u03b1\u03b2", "a"},
                                                           {std::string(40, 'q')},
                                                           {"oneil", "eg", "e"},
                                                           {"oneil", "eg"}};
    const Analyzer analyzer;
    Lcg next(12345);
    for (int round = 0; round < 3000; ++round) {
        std::string text;
        const size_t length = 1 + next() % 24;
        for (size_t k = 0; k < length; ++k) text += pieces[next() % pieces.size()];
        expect_same_as_analyzer(analyzer, text, queries[next() % queries.size()]);
        if (HasFatalFailure()) return;
    }
}

TEST(FindQueryTerms, KeepsStopwordsWhenTheAnalyzerDoes) {
    AnalyzerOptions options;
    options.remove_stopwords = false;
    options.stem = false;
    const Analyzer analyzer(options);
    expect_same_as_analyzer(analyzer, "The running of the models, GPT-4 and the rest.",
                            {"the", "running", "model", "gpt"});
}

}  // namespace
}  // namespace paperboy::text
