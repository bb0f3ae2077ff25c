#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/utf8.h"
#include "text/analyzer.h"
#include "text/stopwords.h"

namespace paperboy::text {
namespace {

// "term@position", with '*' after the position of a compound whole.
std::string render(const std::vector<Token>& tokens) {
    std::string out;
    for (const Token& token : tokens) {
        if (!out.empty()) out += ' ';
        out += token.term + "@" + std::to_string(token.position);
        if (token.is_compound_whole) out += '*';
    }
    return out;
}

std::string analyze(const Analyzer& analyzer, std::string_view text) {
    std::vector<Token> tokens;
    analyzer.analyze(text, tokens);
    return render(tokens);
}

struct Case {
    const char* name;
    std::string input;
    const char* expected;
};

// One row per tokenizer rule of analyzer.cpp, with the default options (stopwords, stemming).
const Case kCases[] = {
    // Compounds: whole + parts, wholes share the first part's position.
    {"hyphen_letter_digit", "GPT-4", "gpt4@0* gpt@0 4@1"},
    {"letter_digit_boundary", "GPT4", "gpt4@0* gpt@0 4@1"},
    {"separate_words", "gpt 4", "gpt@0 4@1"},
    {"llama_glued", "Llama2", "llama2@0* llama@0 2@1"},
    {"llama_hyphen", "Llama-2", "llama2@0* llama@0 2@1"},
    {"segment_wholes", "Llama-2-7B", "llama27b@0* llama@0 llama2@0* 2@1 7b@2* 7@2 b@3"},
    {"name_version_pair", "GPT-3.5-turbo", "gpt3.5turbo@0* gpt@0 gpt3.5@0* 3.5@1 turbo@2"},
    {"mistral", "Mistral-7B", "mistral7b@0* mistral@0 7b@1* 7@1 b@2"},
    {"f1_score", "F1-score", "f1score@0* f1@0* f@0 1@1 score@2"},
    {"knn", "k-NN", "knn@0* k@0 nn@1"},
    {"three_d", "3D", "3d@0* 3@0 d@1"},
    {"whole_is_stemmed", "BERT-Large", "bertlarg@0* bert@0 larg@1"},
    {"stopword_parts_keep_positions", "state-of-the-art", "stateoftheart@0* state@0 art@3"},
    {"covid", "COVID-19", "covid19@0* covid@0 19@1"},
    {"slash", "input/output", "inputoutput@0* input@0 output@1"},
    {"underscore", "snake_case", "snakecas@0* snake@0 case@1"},
    {"dot_between_letters", "cs.CL", "cscl@0* cs@0 cl@1"},
    {"abbreviation_trailing_dot", "e.g. this", "eg@0* e@0 g@1"},
    {"initials", "U.S.A.", "usa@0* u@0 s@1"},
    {"url", "https://github.com/foo", "https@0 githubcomfoo@1* github@1 com@2 foo@3"},
    // Case changes never split.
    {"mixed_case", "LoRA", "lora@0"},
    {"camel_case", "GraphFormer", "graphform@0"},
    // Numbers: decimals are one term, never stemmed.
    {"decimals", "1.5 and 3.14", "1.5@0 3.14@2"},
    {"decimal_not_integer", "15 vs 1.5", "15@0 vs@1 1.5@2"},
    {"version_decimal", "GPT-3.5", "gpt3.5@0* gpt@0 3.5@1"},
    {"year", "in 2024", "2024@1"},
    // Apostrophes.
    {"contraction", "don't", "dont@0"},
    {"typographic_apostrophe", "don\u2019t", "dont@0"},
    {"possessive", "the model's output", "model@1 output@2"},
    {"plural_possessive", "Bayes' theorem", "bay@0 theorem@1"},
    {"name_and_possessive", "O'Neil's", "oneil@0"},
    // Stemming and stopwords.
    {"stemming", "Transformers are running", "transform@0 run@2"},
    {"stopword_gap", "proof of concept", "proof@0 concept@2"},
    {"stopwords_only", "the of and is a", ""},
    {"empty", "", ""},
    {"whitespace_only", "  \t\n\r ", ""},
    // Unicode: NFKC, case folding, accents.
    {"accent", "Bal\u00e1zs", "balaz@0"},
    {"combining_accent", "Bala\u0301zs", "balaz@0"},
    {"sharp_s", "Gr\u00f6\u00dfe", "gross@0"},
    {"accents_stemmed", "na\u00efve caf\u00e9", "naiv@0 cafe@1"},
    {"greek", "\u0391\u039b\u03a6\u0391 beta", "\u03b1\u03bb\u03c6\u03b1@0 beta@1"},
    {"ligature", "\ufb01ne-tuning", "finetun@0* fine@0 tune@1"},
    {"full_width_digits", "\uff11\uff12\uff13", "123@0"},
    {"full_width_compound", "\uff27\uff30\uff34\uff0d\uff14", "gpt4@0* gpt@0 4@1"},
    {"superscript", "x\u00b2", "x2@0* x@0 2@1"},
    {"soft_hyphen_joins", "trans\u00adformer", "transform@0"},
    {"zero_width_space_separates", "hello\u200bworld", "hello@0 world@1"},
    {"cjk_run", "\u65e5\u672c\u8a9e", "\u65e5\u672c\u8a9e@0"},
    // Hostile input.
    {"control_characters", "deep\x01learning\x7fnow", "deep@0 learn@1 now@2"},
    {"invalid_utf8", "deep\xff\xfelearning", "deep@0 learn@1"},
    {"truncated_utf8", "abc\xc3", "abc@0"},
    {"overlong_utf8",
     "a\xc0\xaf"
     "b",
     "b@1"},
    {"long_token_dropped", std::string(65, 'q') + " next", "next@1"},
    {"long_token_kept_at_limit", std::string(64, 'q'),
     "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq@0"},
    {"long_whole_keeps_parts", "x-" + std::string(70, 'q') + "-y", "x@0 y@2"},
    {"punctuation_soup", "!!! ... --- /// ''' (( )) <> && @#$%^*", ""},
    {"double_joiners_separate", "--b-- x--y b-", "b@0 x@1 y@2 b@3"},
    {"quotes_and_brackets", "\u201cquoted\u201d (parenthesised) [x]", "quot@0 parenthesis@1 x@2"},
    {"html", "<b>bold</b>&amp;", "b@0 bold@1 b@2 amp@3"},
};

class AnalyzerTable : public ::testing::TestWithParam<Case> {};

TEST_P(AnalyzerTable, ProducesExpectedTermsAndPositions) {
    const Analyzer analyzer;
    EXPECT_EQ(analyze(analyzer, GetParam().input), GetParam().expected)
        << "input: " << GetParam().input;
}

INSTANTIATE_TEST_SUITE_P(Rules, AnalyzerTable, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                             return std::string(param_info.param.name);
                         });

TEST(Analyzer, TableHasAtLeastFortyCases) { EXPECT_GE(std::size(kCases), 40u); }

TEST(Analyzer, OffsetsPointIntoTheOriginalText) {
    const Analyzer analyzer;
    const std::string text = "Über GPT-4\u2019s caf\u00e9";
    std::vector<Token> tokens;
    analyzer.analyze(text, tokens);
    std::vector<std::string> sources;
    for (const Token& token : tokens) {
        sources.push_back(text.substr(token.begin, token.end - token.begin));
    }
    EXPECT_EQ(sources, (std::vector<std::string>{"\u00dcber", "GPT-4\u2019s", "GPT", "4\u2019s",
                                                 "caf\u00e9"}));
}

TEST(Analyzer, FirstPositionOffsetsEveryPosition) {
    const Analyzer analyzer;
    std::vector<Token> tokens;
    analyzer.analyze("the GPT-4 model", tokens, 100);
    EXPECT_EQ(render(tokens), "gpt4@101* gpt@101 4@102 model@103");
}

TEST(Analyzer, AppendsToExistingTokens) {
    const Analyzer analyzer;
    std::vector<Token> tokens;
    analyzer.analyze("first", tokens);
    analyzer.analyze("second", tokens, 1);
    EXPECT_EQ(render(tokens), "first@0 second@1");
}

TEST(Analyzer, AuthorOptionsKeepStopwordsAndDoNotStem) {
    const Analyzer authors(AnalyzerOptions{.stem = false, .remove_stopwords = false});
    EXPECT_EQ(analyze(authors, "Ashish Vaswani, Quoc V. Le, The Anh Nguyen"),
              "ashish@0 vaswani@1 quoc@2 v@3 le@4 the@5 anh@6 nguyen@7");
    EXPECT_EQ(analyze(authors, "Bal\u00e1zs Running-Wolf"),
              "balazs@0 runningwolf@1* running@1 wolf@2");
}

TEST(Analyzer, TermsMatchAnalyze) {
    const Analyzer analyzer;
    EXPECT_EQ(analyzer.terms("Attention is all you need"),
              (std::vector<std::string>{"attent", "all", "you", "need"}));
    EXPECT_TRUE(analyzer.terms("the of").empty());
}

TEST(Analyzer, FoldNormalisesWithoutTokenising) {
    const Analyzer analyzer;
    EXPECT_EQ(analyzer.fold("Transfo"), "transfo");
    EXPECT_EQ(analyzer.fold("cs.CL"), "cs.cl");
    EXPECT_EQ(analyzer.fold("Bal\u00e1zs Gr\u00f6\u00dfe"), "balazs grosse");
    EXPECT_EQ(analyzer.fold("\ufb01 \uff27\uff30\uff34"), "fi gpt");
    EXPECT_EQ(analyzer.fold(""), "");
    EXPECT_TRUE(
        is_valid_utf8(analyzer.fold("a\xff"
                                    "b")));
}

TEST(Analyzer, StemAndStopwordOfFoldedWords) {
    const Analyzer analyzer;
    EXPECT_EQ(analyzer.stem("transformers"), "transform");
    EXPECT_EQ(analyzer.stem("running"), "run");
    EXPECT_EQ(analyzer.stem("gpt4"), "gpt4");  // digits: never stemmed
    EXPECT_EQ(analyzer.stem(""), "");
    EXPECT_TRUE(analyzer.is_stopword("the"));
    EXPECT_TRUE(analyzer.is_stopword("we"));
    EXPECT_FALSE(analyzer.is_stopword("few"));  // "few-shot" stays searchable
    EXPECT_FALSE(analyzer.is_stopword("transformer"));
    EXPECT_FALSE(analyzer.is_stopword(""));
    const Analyzer unstemmed(AnalyzerOptions{.stem = false});
    EXPECT_EQ(unstemmed.stem("transformers"), "transformers");
}

TEST(Analyzer, EveryStopwordIsRecognisedAndRemoved) {
    const Analyzer analyzer;
    for (std::string_view word : english_stopwords()) {
        EXPECT_TRUE(is_english_stopword(word)) << word;
        EXPECT_TRUE(analyzer.terms(word).empty()) << word;
    }
}

// --- The "find" property: a query's terms are among the terms of a document that contains
// the queried thing, and its parts match as a phrase at consecutive positions.

std::set<std::string> term_set(const Analyzer& analyzer, std::string_view text) {
    const std::vector<std::string> terms = analyzer.terms(text);
    return {terms.begin(), terms.end()};
}

// Whether the non-whole tokens of `query` occur in `doc` at the same relative positions.
bool phrase_matches(const Analyzer& analyzer, std::string_view query, std::string_view doc) {
    std::vector<Token> q;
    std::vector<Token> d;
    analyzer.analyze(query, q);
    analyzer.analyze(doc, d);
    std::erase_if(q, [](const Token& t) { return t.is_compound_whole; });
    if (q.empty()) return false;
    for (const Token& anchor : d) {
        if (anchor.term != q[0].term || anchor.position < q[0].position) continue;
        const uint32_t shift = anchor.position - q[0].position;
        const bool all = std::all_of(q.begin(), q.end(), [&](const Token& qt) {
            return std::any_of(d.begin(), d.end(), [&](const Token& dt) {
                return dt.term == qt.term && dt.position == qt.position + shift;
            });
        });
        if (all) return true;
    }
    return false;
}

struct FindCase {
    const char* query;
    const char* doc;
};

const FindCase kFindCases[] = {
    {"gpt4", "We evaluate GPT-4 on math."},
    {"gpt-4", "We evaluate GPT-4 on math."},
    {"gpt 4", "We evaluate GPT-4 on math."},
    {"GPT4", "We evaluate GPT-4 on math."},
    {"gpt 4", "We evaluate GPT4 on math."},
    {"llama2", "fine-tuned Llama-2 models"},
    {"llama-2", "fine-tuned Llama-2 models"},
    {"llama 2", "fine-tuned Llama-2 models"},
    {"llama 2", "fine-tuned Llama2 models"},
    {"llama-2", "fine-tuned Llama2 models"},
    {"llama 2", "the Llama-2-7B checkpoint"},
    {"knn", "a k-NN classifier"},
    {"k-nn", "a k-NN classifier"},
    {"k nn", "a k-NN classifier"},
    {"state of the art", "achieves state-of-the-art results"},
    {"state-of-the-art", "achieves state-of-the-art results"},
    {"stateoftheart", "achieves state-of-the-art results"},
    {"f1 score", "the F1-score improves"},
    {"f1-score", "the F1-score improves"},
    {"f1score", "the F1-score improves"},
    {"mistral 7b", "Mistral-7B outperforms"},
    {"mistral7b", "Mistral-7B outperforms"},
    {"bert large", "BERT-Large baseline"},
    {"bertlarge", "BERT-Large baseline"},
    {"lora", "LoRA adapters"},
    {"LORA", "LoRA adapters"},
    {"3d", "3D reconstruction"},
    {"3-d", "3D reconstruction"},
    {"balazs", "C. Bal\u00e1zs"},
    {"gpt-3.5", "GPT-3.5-turbo"},
    {"gpt 3.5", "GPT-3.5-turbo"},
    {"covid 19", "COVID-19 patients"},
    {"finetuning", "\ufb01ne-tuning"},
    {"fine tuning", "\ufb01ne-tuning"},
    {"transformer's", "Transformers"},
};

TEST(AnalyzerFind, QueryTermsAreDocumentTerms) {
    const Analyzer analyzer;
    for (const FindCase& c : kFindCases) {
        const std::set<std::string> doc = term_set(analyzer, c.doc);
        for (const std::string& term : analyzer.terms(c.query)) {
            EXPECT_TRUE(doc.count(term)) << "query \"" << c.query << "\" term \"" << term
                                         << "\" not in doc \"" << c.doc << "\"";
        }
    }
}

TEST(AnalyzerFind, QueryPartsMatchAsPhrase) {
    const Analyzer analyzer;
    for (const FindCase& c : kFindCases) {
        EXPECT_TRUE(phrase_matches(analyzer, c.query, c.doc))
            << "query \"" << c.query << "\" doc \"" << c.doc << "\"";
    }
}

TEST(AnalyzerFind, DifferentThingsDoNotMatch) {
    const Analyzer analyzer;
    EXPECT_FALSE(phrase_matches(analyzer, "gpt 4", "GPT-3 has 4 layers"));
    EXPECT_FALSE(term_set(analyzer, "version 15").count("1.5"));
    EXPECT_FALSE(term_set(analyzer, "GPT-4").count("gpt3"));
}

// Spellings of each compound: as written, lower-cased, with joiners removed, with joiners as
// spaces. Every spelling as a query finds the document that has the written form, and analysing
// twice gives the same result (no hidden state in the stem cache).
TEST(AnalyzerFind, SpellingVariantsOfScientificTokens) {
    const Analyzer analyzer;
    const char* kTokens[] = {"GPT-4",       "Llama-2",  "k-NN",         "BERT-Large", "F1-score",
                             "Mistral-7B",  "COVID-19", "T5-XXL",       "ResNet-50",  "YOLOv8",
                             "Wav2Vec-2.0", "A100",     "RoBERTa",      "word2vec",   "t-SNE",
                             "U-Net",       "CLIP-ViT", "Mixtral-8x7B", "Phi-3",      "X-ray"};
    for (const char* token : kTokens) {
        const std::string doc = std::string("we study ") + token + " here";
        const std::set<std::string> doc_terms = term_set(analyzer, doc);
        std::string lower;
        std::string glued;
        std::string spaced;
        for (const char* p = token; *p; ++p) {
            const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
            lower += c;
            if (c != '-') glued += c;
            spaced += c == '-' ? ' ' : c;
        }
        for (const std::string& query : {std::string(token), lower, glued, spaced}) {
            // The glued spelling's whole must be there; its parts may split differently
            // ("mixtral8x7b" has the part "8" where the document has "8x7b").
            const std::vector<std::string> query_terms = analyzer.terms(query);
            ASSERT_FALSE(query_terms.empty()) << query;
            EXPECT_TRUE(doc_terms.count(query_terms[0]))
                << "query \"" << query << "\" first term \"" << query_terms[0] << "\" not in \""
                << doc << "\"";
            if (query != glued) {
                EXPECT_TRUE(phrase_matches(analyzer, query, doc)) << query << " / " << doc;
            }
        }
        EXPECT_EQ(analyze(analyzer, doc), analyze(analyzer, doc));
    }
}

TEST(Analyzer, IsThreadSafe) {
    const Analyzer analyzer;
    const std::string text =
        "Large language models such as GPT-4 and Llama-2 achieve state-of-the-art results on "
        "k-NN retrieval benchmarks; Bal\u00e1zs et al. study their running costs.";
    const std::string expected = analyze(analyzer, text);
    std::vector<std::thread> threads;
    std::vector<int> mismatches(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i) {
                if (analyze(analyzer, text) != expected) ++mismatches[static_cast<size_t>(t)];
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

TEST(Analyzer, SurvivesArbitraryBytes) {
    const Analyzer analyzer;
    std::string bytes;
    uint32_t state = 12345;
    for (int i = 0; i < 20000; ++i) {
        state = state * 1103515245u + 12345u;
        bytes += static_cast<char>(state >> 16);
    }
    std::vector<Token> tokens;
    analyzer.analyze(bytes, tokens);
    for (const Token& token : tokens) {
        EXPECT_LE(token.begin, token.end);
        EXPECT_LE(token.end, bytes.size());
        EXPECT_FALSE(token.term.empty());
        EXPECT_LE(token.term.size(), 64u);
        EXPECT_TRUE(is_valid_utf8(token.term));
    }
}

}  // namespace
}  // namespace paperboy::text
