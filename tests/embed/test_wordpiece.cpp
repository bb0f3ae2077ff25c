// The WordPiece tokenizer (embed/wordpiece.h): each rule of BertNormalizer, BertPreTokenizer
// and WordPiece on the hand-made tokenizer of tests/testdata/embed; the vocab.txt path; bad
// tokenizer files; and, from ../shared, every case of the potion and tiny-bert references
// (ids computed by the Hugging Face tokenizers library and by a numpy reading of it).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "embed/wordpiece.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace paperboy::embed {
namespace {

using Strings = std::vector<std::string>;
using Ids = std::vector<int32_t>;

const std::string kTiny = std::string(PAPERBOY_TESTDATA_DIR) + "/embed/tiny-wordpiece";

const WordPiece& tiny() {
    static const WordPiece* wp = [] {
        Result<WordPiece> r = WordPiece::from_folder(kTiny);
        if (!r.ok()) {
            ADD_FAILURE() << r.error().message();
            std::abort();
        }
        return new WordPiece(std::move(r).value());
    }();
    return *wp;
}

TEST(BertNormalizer, LowercasesAndStripsAccents) {
    EXPECT_EQ(tiny().pre_tokenize("The CAT Sat"), (Strings{"the", "cat", "sat"}));
    EXPECT_EQ(tiny().pre_tokenize("Café naïve Ångström"), (Strings{"cafe", "naive", "angstrom"}));
    // Decomposed input (e + U+0301) gives the same as precomposed.
    EXPECT_EQ(tiny().pre_tokenize("Cafe\xCC\x81"), (Strings{"cafe"}));
    // U+0130 decomposes to I + U+0307 before lowercasing, so accent stripping leaves "i".
    EXPECT_EQ(tiny().pre_tokenize("\xC4\xB0"), (Strings{"i"}));
    // Greek capital sigma lowercases per character (no final-sigma rule).
    EXPECT_EQ(tiny().pre_tokenize("ΣΑΣ"), (Strings{"σασ"}));
}

TEST(BertNormalizer, CleansControlCharactersAndWhitespace) {
    // Tab, CR, LF and NBSP separate words; other controls (VT, FF, NUL, DEL, U+0085), format
    // characters (zero-width space) and U+FFFD vanish, joining what they separated.
    EXPECT_EQ(tiny().pre_tokenize("a\tb\r\nc\xC2\xA0"
                                  "d"),
              (Strings{"a", "b", "c", "d"}));
    EXPECT_EQ(tiny().pre_tokenize(std::string("a\x0b"
                                              "b\x0c"
                                              "c\0d\x7f"
                                              "e",
                                              9)),
              (Strings{"abcde"}));
    EXPECT_EQ(tiny().pre_tokenize("a\xE2\x80\x8B"
                                  "b\xEF\xBF\xBD"
                                  "c\xC2\x85"
                                  "d"),
              (Strings{"abcd"}));
    // Invalid UTF-8 is read as U+FFFD and so dropped.
    EXPECT_EQ(tiny().pre_tokenize("ca\xFFt"), (Strings{"cat"}));
    EXPECT_TRUE(tiny().pre_tokenize("").empty());
    EXPECT_TRUE(tiny().pre_tokenize(" \t\n\u3000 ").empty());
}

TEST(BertNormalizer, PutsSpacesAroundCjkIdeographs) {
    EXPECT_EQ(tiny().pre_tokenize("ab中文cd"), (Strings{"ab", "中", "文", "cd"}));
    // Hiragana is not in the ideograph ranges: it stays one word.
    EXPECT_EQ(tiny().pre_tokenize("あいう"), (Strings{"あいう"}));
}

TEST(BertPreTokenizer, IsolatesEveryPunctuationCharacter) {
    EXPECT_EQ(tiny().pre_tokenize("GPT-4, state-of-the-art!"),
              (Strings{"gpt", "-", "4", ",", "state", "-", "of", "-", "the", "-", "art", "!"}));
    // ASCII symbols count as punctuation; Unicode symbols (Sm, So) do not; Unicode P* does.
    EXPECT_EQ(tiny().pre_tokenize("a$b+c<d=e>f^g`h|i~j"),
              (Strings{"a", "$", "b", "+", "c", "<", "d", "=", "e", ">", "f", "^", "g", "`", "h",
                       "|", "i", "~", "j"}));
    EXPECT_EQ(tiny().pre_tokenize("a∑b≤c"), (Strings{"a∑b≤c"}));
    EXPECT_EQ(tiny().pre_tokenize("a—b«c»d"), (Strings{"a", "—", "b", "«", "c", "»", "d"}));
    EXPECT_EQ(tiny().pre_tokenize("..."), (Strings{".", ".", "."}));
}

TEST(WordPieceModel, TakesTheLongestPieceFirst) {
    // "unaffable": un + ##aff + ##able (not ##ab + ##le after "aff").
    EXPECT_EQ(tiny().tokenize("unaffable"), (Strings{"un", "##aff", "##able"}));
    EXPECT_EQ(tiny().tokenize("words"), (Strings{"word", "##s"}));
    EXPECT_EQ(tiny().tokenize("aab"), (Strings{"a", "##ab"}));
    EXPECT_EQ(tiny().tokenize("aba"), (Strings{"a", "##b", "##a"}));
    EXPECT_EQ(tiny().encode("the cat sat.", false), (Ids{5, 6, 7, 14}));
}

TEST(WordPieceModel, MakesAWordWithAnUnmatchedPieceOneUnknown) {
    // "cat" matches the start of "catz" but nothing matches "##z": the whole word is [UNK].
    EXPECT_EQ(tiny().tokenize("catz the"), (Strings{"[UNK]", "the"}));
    EXPECT_EQ(tiny().tokenize("xyz"), (Strings{"[UNK]"}));
    EXPECT_EQ(tiny().tokenize("中文字"), (Strings{"中", "文", "[UNK]"}));
}

TEST(WordPieceModel, MakesAWordOverTheCharacterLimitOneUnknown) {
    // max_input_chars_per_word is 10 in the fixture: counted in characters, not bytes.
    EXPECT_EQ(tiny().tokenize("aaaaaaaaaa"),
              (Strings{"a", "##a", "##a", "##a", "##a", "##a", "##a", "##a", "##a", "##a"}));
    EXPECT_EQ(tiny().tokenize("aaaaaaaaaaa"), (Strings{"[UNK]"}));
    EXPECT_EQ(tiny().tokenize("aaaaaaaaaaa the"), (Strings{"[UNK]", "the"}));
    const WordPiece& wp = tiny();
    EXPECT_EQ(wp.config().max_input_chars_per_word, 10u);
}

TEST(WordPieceModel, MatchesSpecialTokensInTheRawText) {
    // Literal special tokens are cut out before normalisation; lowercase ones are not special.
    EXPECT_EQ(tiny().encode("the[SEP]cat [MASK]", false), (Ids{5, 3, 6, 4}));
    EXPECT_EQ(tiny().encode("[sep]", false), (Ids{1, 1, 1}));  // "[", "sep", "]": unknown
    EXPECT_EQ(tiny().pre_tokenize("a [CLS] b"), (Strings{"a", "[CLS]", "b"}));
}

TEST(WordPieceModel, AddsTheTemplateAndTruncates) {
    EXPECT_EQ(tiny().prefix_ids(), Ids{2});
    EXPECT_EQ(tiny().suffix_ids(), Ids{3});
    EXPECT_EQ(tiny().encode("the cat sat", true), (Ids{2, 5, 6, 7, 3}));
    EXPECT_EQ(tiny().encode("", true), (Ids{2, 3}));
    EXPECT_EQ(tiny().encode("the cat sat", true, 4), (Ids{2, 5, 6, 3}));
    EXPECT_EQ(tiny().encode("the cat sat", false, 2), (Ids{5, 6}));
    EXPECT_EQ(tiny().encode("unaffable", false, 2), (Ids{8, 9}));  // cut inside a word
    EXPECT_EQ(tiny().encode("the cat", true, 1), (Ids{2, 3}));     // the template always fits
}

TEST(WordPieceModel, ExposesTheVocabulary) {
    EXPECT_EQ(tiny().vocab_size(), 32u);
    EXPECT_EQ(tiny().unk_id(), 1);
    EXPECT_EQ(tiny().token_to_id("##able"), 10);
    EXPECT_EQ(tiny().token_to_id("dog"), std::nullopt);
    EXPECT_EQ(tiny().id_to_token(6), "cat");
    EXPECT_EQ(tiny().id_to_token(99), "");
    EXPECT_EQ(tiny().id_to_token(-1), "");
}

TEST(WordPieceModel, EncodeIntoAppendsAndStopsAtTheLimit) {
    WordPieceScratch scratch;
    Ids out = {42};
    tiny().encode_into("the cat sat", 2, out, scratch);
    EXPECT_EQ(out, (Ids{42, 5, 6}));
    tiny().encode_into("sat", 10, out, scratch);  // the scratch is reused
    EXPECT_EQ(out, (Ids{42, 5, 6, 7}));
}

TEST(WordPieceVocabTxt, ReadsVocabTxtWithItsConfig) {
    Result<WordPiece> wp =
        WordPiece::from_folder(std::string(PAPERBOY_TESTDATA_DIR) + "/embed/tiny-vocab");
    ASSERT_TRUE(wp.ok()) << wp.error().message();
    // do_lower_case false and strip_accents false: case and accents are kept.
    EXPECT_EQ(wp->pre_tokenize("The Café"), (Strings{"The", "Café"}));
    EXPECT_EQ(wp->encode("The Cat the cat", true), (Ids{2, 32, 33, 5, 6, 3}));
    EXPECT_EQ(wp->encode("a [SEP] b", false), (Ids{20, 3, 22}));
}

TEST(WordPieceVocabTxt, DefaultsToLowercasingWithoutAConfig) {
    paperboy::testing::TempDir dir;
    ASSERT_TRUE(paperboy::testing::write_file(dir.file("vocab.txt"),
                                              "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n##s\n"));
    Result<WordPiece> wp = WordPiece::from_folder(dir.path());
    ASSERT_TRUE(wp.ok()) << wp.error().message();
    EXPECT_EQ(wp->encode("Héllos", true), (Ids{2, 4, 5, 3}));
}

TEST(WordPieceErrors, RefusesWhatIsNotABertWordPiece) {
    auto refuse = [](const std::string& json, ErrorCode code, const std::string& part) {
        Result<WordPiece> wp = WordPiece::from_tokenizer_json(json, "t.json");
        ASSERT_FALSE(wp.ok()) << json;
        EXPECT_EQ(wp.error().code(), code) << wp.error().message();
        EXPECT_NE(wp.error().message().find("t.json"), std::string::npos);
        EXPECT_NE(wp.error().message().find(part), std::string::npos) << wp.error().message();
    };
    const std::string pre = R"("pre_tokenizer":{"type":"BertPreTokenizer"})";
    refuse("{", ErrorCode::kParse, "not JSON");
    refuse("{}", ErrorCode::kParse, "model");
    refuse(R"({"model":{"type":"BPE","vocab":{}}})", ErrorCode::kInvalidArgument, "BPE");
    refuse(R"({"model":{"type":"WordPiece","vocab":[]}})", ErrorCode::kParse, "vocab");
    refuse(R"({"model":{"type":"WordPiece","vocab":{"a":-1}},)" + pre + "}", ErrorCode::kParse,
           "\"a\"");
    refuse(R"({"model":{"type":"WordPiece","vocab":{"a":0}},)" + pre + "}",
           ErrorCode::kInvalidArgument, "[UNK]");
    refuse(R"({"model":{"type":"WordPiece","vocab":{"[UNK]":0}},"normalizer":{"type":"NFC"},)" +
               pre + "}",
           ErrorCode::kInvalidArgument, "NFC");
    refuse(
        R"({"model":{"type":"WordPiece","vocab":{"[UNK]":0}},"pre_tokenizer":{"type":"Whitespace"}})",
        ErrorCode::kInvalidArgument, "BertPreTokenizer");
    refuse(
        R"({"model":{"type":"WordPiece","vocab":{"[UNK]":0}},)" + pre +
            R"(,"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"[X]"}}],"special_tokens":{}}})",
        ErrorCode::kParse, "[X]");
}

TEST(WordPieceErrors, ReportsAFolderWithoutATokenizer) {
    paperboy::testing::TempDir dir;
    Result<WordPiece> wp = WordPiece::from_folder(dir.path());
    ASSERT_FALSE(wp.ok());
    EXPECT_EQ(wp.error().code(), ErrorCode::kNotFound);
    EXPECT_NE(wp.error().message().find(dir.path()), std::string::npos);
}

TEST(WordPieceErrors, AcceptsAMinimalTokenizerWithoutNormalizer) {
    Result<WordPiece> wp = WordPiece::from_tokenizer_json(
        R"({"model":{"type":"WordPiece","vocab":{"[UNK]":0,"A":1,"b":2}},"normalizer":null,)"
        R"("pre_tokenizer":{"type":"BertPreTokenizer"}})",
        "t.json");
    ASSERT_TRUE(wp.ok()) << wp.error().message();
    EXPECT_EQ(wp->encode("A b a", true), (Ids{1, 2, 0}));  // no template: nothing added
}

// --- The references in ../shared ---

TEST(WordPieceShared, MatchesThePotionReference) {
    PAPERBOY_REQUIRE_SHARED(model, "models/potion-base-4M-int8");
    PAPERBOY_REQUIRE_SHARED(reference, "fixtures/potion-reference.json");
    Result<WordPiece> wp = WordPiece::from_folder(model);
    ASSERT_TRUE(wp.ok()) << wp.error().message();
    EXPECT_EQ(wp->vocab_size(), 29528u);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    ASSERT_EQ(parser.load(reference).get(root), simdjson::SUCCESS);
    int cases = 0;
    for (simdjson::dom::element c : root["cases"].get_array()) {
        const std::string_view text = c["text"].get_string();
        Strings pre;
        for (simdjson::dom::element e : c["pre_tokens"].get_array()) {
            pre.emplace_back(std::string_view(e.get_string()));
        }
        Ids want;  // -1 marks an unknown word there
        for (simdjson::dom::element e : c["ids"].get_array()) {
            want.push_back(static_cast<int32_t>(int64_t(e)));
        }
        Ids got = wp->encode(text, false);
        for (int32_t& id : got) {
            if (id == wp->unk_id()) id = -1;
        }
        EXPECT_EQ(wp->pre_tokenize(text), pre) << text;
        EXPECT_EQ(got, want) << text;
        ++cases;
    }
    EXPECT_EQ(cases, 10);
}

TEST(WordPieceShared, MatchesTheTinyBertReference) {
    PAPERBOY_REQUIRE_SHARED(model, "fixtures/tiny-bert");
    Result<WordPiece> wp = WordPiece::from_folder(model);  // its tokenizer.json
    ASSERT_TRUE(wp.ok()) << wp.error().message();
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    ASSERT_EQ(parser.load(model + "/reference.json").get(root), simdjson::SUCCESS);
    int cases = 0;
    for (simdjson::dom::element c : root["cases"].get_array()) {
        const std::string_view text = c["text"].get_string();
        Ids want;
        for (simdjson::dom::element e : c["input_ids"].get_array()) {
            want.push_back(static_cast<int32_t>(int64_t(e)));
        }
        Strings tokens;
        for (simdjson::dom::element e : c["tokens"].get_array()) {
            tokens.emplace_back(std::string_view(e.get_string()));
        }
        const Ids got = wp->encode(text, true, 64);
        EXPECT_EQ(got, want) << text;
        Strings got_tokens;
        for (int32_t id : got) got_tokens.emplace_back(wp->id_to_token(id));
        EXPECT_EQ(got_tokens, tokens) << text;
        ++cases;
    }
    EXPECT_EQ(cases, 14);
}

}  // namespace
}  // namespace paperboy::embed
