// embed/wordpiece.h — the BERT WordPiece tokenizer, as Hugging Face `tokenizers` runs it.
//
// Four steps, each the library's own (tokenizers 0.x: normalizers/bert.rs,
// pre_tokenizers/bert.rs, models/wordpiece, processors/template.rs):
//   1. Added tokens: literal occurrences of the special tokens of tokenizer.json's
//      "added_tokens" that are not normalized ("[CLS]", "[SEP]", "[UNK]", ...) are cut out of the
//      raw text first and give their own id; the text between them goes through 2-3.
//   2. BertNormalizer: clean_text drops U+0000, U+FFFD and control characters (Cc, Cf, Co but
//      tab, CR and LF) and turns every whitespace character into a space; handle_chinese_chars
//      puts spaces around CJK ideographs; strip_accents (when null it follows lowercase) is NFD
//      and then the nonspacing marks (Mn) dropped; lowercase is Unicode lowercase, per character.
//   3. BertPreTokenizer: split on whitespace (dropped), and every punctuation character
//      (Unicode P* and ASCII 33-47, 58-64, 91-96, 123-126) is a word of its own.
//   4. WordPiece per word: greedy longest match from the left, later pieces looked up with the
//      "##" prefix; a word longer than max_input_chars_per_word characters, or one in which
//      some position matches nothing, is one [UNK].
// Then, when asked, the post-processor's template ([CLS] A [SEP]) adds special tokens, and the
// content is truncated so that the whole fits max_length.
//
// Known departures from the library, all on text no paper has: Unicode tables are utf8proc's
// (Unicode 15) where tokenizers has its crates' own versions; invalid UTF-8 bytes (which a Rust
// &str cannot hold) are read as U+FFFD, hence dropped by clean_text; added tokens with
// "normalized": true are not matched (BERT tokenizers have none).
//
// A WordPiece is immutable once loaded: share one between any number of threads. encode_into()
// with a caller-owned WordPieceScratch does not allocate in the steady state.
// Depends on core/, utf8proc and simdjson.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace paperboy::embed {

struct WordPieceConfig {
    // BertNormalizer
    bool clean_text = true;
    bool handle_chinese_chars = true;
    bool strip_accents = true;  // already resolved: tokenizer.json's null means `lowercase`
    bool lowercase = true;
    // WordPiece model
    std::string unk_token = "[UNK]";
    std::string continuing_subword_prefix = "##";
    size_t max_input_chars_per_word = 100;
    // Special tokens for the vocab.txt path (tokenizer.json names them in its post_processor).
    std::string cls_token = "[CLS]";
    std::string sep_token = "[SEP]";
};

// Buffers reused across calls of WordPiece::encode_into (one per thread).
struct WordPieceScratch {
    std::string normalized;
    std::vector<std::pair<uint32_t, uint32_t>> words;  // [begin, end) byte ranges of normalized
    std::vector<uint32_t> word_chars;                  // characters in each word
    std::vector<char32_t> marks;                       // pending combining marks (NFD ordering)
};

namespace detail {

// An open-addressing map from string_view to id, for the tokenizer's inner loop: one probe of a
// flat array per lookup in the common case, no allocation. Keys view memory the owner keeps.
class TokenTable {
  public:
    void insert_or_assign(std::string_view key, int32_t id);  // before the first find()
    int32_t find(std::string_view key) const;                 // -1 when absent
    size_t max_key_bytes() const { return max_key_bytes_; }

  private:
    struct Slot {
        const char* data = nullptr;
        uint32_t size = 0;
        int32_t id = -1;
        uint64_t hash = 0;
    };
    static uint64_t hash(std::string_view key);
    void grow();

    std::vector<Slot> slots_;  // a power of two, at most half full
    size_t used_ = 0;
    size_t max_key_bytes_ = 0;
};

}  // namespace detail

class WordPiece {
  public:
    // The largest tokenizer.json or vocab.txt read, and the most vocabulary entries accepted.
    static constexpr size_t kMaxFileBytes = 64u << 20;
    static constexpr size_t kMaxVocab = 2'000'000;

    // Loads the tokenizer of a model folder: tokenizer.json when present, else vocab.txt with
    // tokenizer_config.json (do_lower_case, strip_accents, tokenize_chinese_chars, unk_token,
    // cls_token, sep_token; all optional). Errors: kNotFound (neither file), kIo, kParse and
    // kInvalidArgument (a tokenizer that is not BERT WordPiece), each naming the file.
    static Result<WordPiece> from_folder(const std::string& dir);

    // Parses tokenizer.json text; `source` names it in errors.
    static Result<WordPiece> from_tokenizer_json(std::string_view json, std::string_view source);

    // Builds from vocab.txt text (one token a line, the line number is the id).
    static Result<WordPiece> from_vocab_txt(std::string_view vocab, const WordPieceConfig& config,
                                            std::string_view source);

    // Token ids of `text`. With add_special_tokens the post-processor's template is applied
    // ([CLS] ... [SEP] for BERT). max_length > 0 truncates the content so that the result,
    // special tokens included, has at most max_length ids (as the library's "longest_first"
    // truncation does for one sequence); 0 means no limit.
    std::vector<int32_t> encode(std::string_view text, bool add_special_tokens,
                                size_t max_length = 0) const;

    // The fast path: appends to `out` at most `max_ids` content ids of `text` (no special
    // tokens; unknown words give unk_id()), stopping work once that many are produced.
    void encode_into(std::string_view text, size_t max_ids, std::vector<int32_t>& out,
                     WordPieceScratch& scratch) const;

    // The steps one by one, for tests and tools.
    std::vector<std::string> pre_tokenize(std::string_view text) const;  // normalized words
    std::vector<std::string> tokenize(std::string_view text) const;      // pieces, no specials

    size_t vocab_size() const { return tokens_.size(); }  // the largest id + 1
    std::optional<int32_t> token_to_id(std::string_view token) const;
    std::string_view id_to_token(int32_t id) const;  // "" for an id not in the vocabulary
    int32_t unk_id() const { return unk_id_; }
    const WordPieceConfig& config() const { return config_; }
    // The ids the post-processor puts before and after the content (BERT: [CLS] and [SEP]).
    const std::vector<int32_t>& prefix_ids() const { return prefix_ids_; }
    const std::vector<int32_t>& suffix_ids() const { return suffix_ids_; }

    WordPiece(WordPiece&&) noexcept;
    WordPiece& operator=(WordPiece&&) noexcept;
    WordPiece(const WordPiece&) = delete;
    WordPiece& operator=(const WordPiece&) = delete;
    ~WordPiece();

  private:
    WordPiece() = default;
    Status finish(std::string_view source);  // builds the lookup tables once tokens_ is filled
    void normalize_and_split(std::string_view text, WordPieceScratch& scratch) const;
    void encode_segment(std::string_view text, size_t max_ids, std::vector<int32_t>& out,
                        WordPieceScratch& scratch) const;
    // Appends the pieces of one pre-token (`chars` characters long), or [UNK].
    void encode_word(std::string_view word, size_t chars, std::vector<int32_t>& out) const;

    WordPieceConfig config_;
    std::vector<std::string> tokens_;  // id -> token ("" for holes in the id space)
    // Keys view into tokens_: whole tokens, and continuation tokens without their prefix.
    detail::TokenTable start_;
    detail::TokenTable continuation_;
    int32_t unk_id_ = -1;
    std::vector<std::pair<std::string, int32_t>> added_;  // matched in raw text, longest first
    std::vector<int32_t> prefix_ids_;
    std::vector<int32_t> suffix_ids_;
};

}  // namespace paperboy::embed
