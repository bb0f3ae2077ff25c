#include "text/analyzer.h"

#include <libstemmer.h>
#include <utf8proc.h>

#include <array>
#include <cstdlib>
#include <cstring>

#include "core/utf8.h"
#include "text/stopwords.h"

// The tokenizer, rule by rule (tests/text/test_analyzer.cpp has a case for each):
//
//  1. Word characters are Unicode letters (L*) and numbers (N*). Combining marks (M*) and
//     default-ignorable characters (soft hyphen, zero-width joiners, word joiner, BOM) continue
//     the current word and are folded away. Everything else — punctuation, symbols, whitespace
//     (the zero-width space too), control characters, invalid UTF-8 bytes — separates words.
//  2. A token is a run of word characters in which single joiners may stand between two word
//     characters: '-' '_' '/' (and U+2010, U+2011, full-width '-' '/' '_') join compounds, '.'
//     joins compounds or decimals, '\'' and U+2019 are apostrophes. Anything else ends the
//     token, as does a joiner not followed by a word character ("e.g." -> "e", "g").
//  3. A token splits into parts at joiners and at letter/digit boundaries ("GPT-4", "GPT4",
//     "Llama2", "3D", "F1-score"); never at case changes ("LoRA" -> "lora", "GraphFormer" ->
//     "graphformer"). Exceptions that stay one part: an apostrophe is deleted ("don't" ->
//     "dont", "O'Neil" -> "oneil") and a trailing possessive "'s" is dropped ("model's" ->
//     "model"); a '.' between digits is kept ("1.5", "3.14", "GPT-3.5" -> "gpt", "3.5"), so a
//     decimal never collides with an integer ("1.5" vs "15").
//  4. A token of one part is one term. A token of several parts yields first the whole (the
//     parts concatenated: "gpt4", "knn", "stateoftheart"), then, when the token has several
//     joiner-separated segments, the whole of each segment that itself splits at a
//     letter/digit boundary ("f1" of "F1-score", so the query "F1 score" finds it), then the
//     parts; and where a segment ending in letters is followed by a number segment, the
//     pair ("llama2" of "Llama-2-7B", "gpt3.5" of "GPT-3.5-turbo"). Parts take consecutive
//     positions; a whole takes the position of its first part.
//     So "gpt4", "gpt-4", "GPT 4" as queries produce terms that a document's "GPT-4" contains,
//     and the phrase "gpt 4" matches the parts.
//  5. Normalisation: NFKC, case folding and accent stripping (utf8proc) for tokens with
//     non-ASCII bytes, a table for pure ASCII ones; characters that NFKC turns into non-word
//     characters ("½" -> "1⁄2") are dropped from the term.
//  6. Stopwords (text/stopwords.h) are dropped after folding and before stemming, parts and
//     single terms alike; their positions stay counted.
//  7. Terms of ASCII letters only are stemmed (Snowball English, Porter2), wholes included
//     ("BERT-Large" -> "bertlarg", "bert", "larg"); terms with digits or other scripts are not.
//  8. Terms longer than kMaxTermBytes after folding are dropped (a DNA string, a URL blob);
//     their position stays counted. A token's parts still index when only its whole is long.

namespace paperboy::text {
namespace {

constexpr size_t kMaxTermBytes = 64;
// Sources longer than this cannot fold to kMaxTermBytes (folding shrinks text by at most the
// marks and ignorables it strips), so they are dropped without being folded.
constexpr size_t kMaxSourceBytes = 4 * kMaxTermBytes;

constexpr utf8proc_option_t kFoldOptions =
    static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                   UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);

// What a character is to the tokenizer.
enum Kind : uint8_t {
    kSeparator,
    kLetter,
    kDigit,
    kContinue,    // combining mark or default-ignorable: continues the current part
    kHyphen,      // '-', '_', '/': compound joiner
    kDot,         // '.': compound joiner, or decimal point between digits
    kApostrophe,  // '\'', U+2019: deleted inside a word
};

// How a piece of a token attaches to the piece before it.
enum Link : uint8_t { kStart, kBoundary, kJoinHyphen, kJoinDot, kJoinApostrophe };

constexpr std::array<Kind, 128> make_ascii_kinds() {
    std::array<Kind, 128> kinds{};
    for (int c = 'a'; c <= 'z'; ++c) kinds[c] = kLetter;
    for (int c = 'A'; c <= 'Z'; ++c) kinds[c] = kLetter;
    for (int c = '0'; c <= '9'; ++c) kinds[c] = kDigit;
    kinds['-'] = kHyphen;
    kinds['_'] = kHyphen;
    kinds['/'] = kHyphen;
    kinds['.'] = kDot;
    kinds['\''] = kApostrophe;
    return kinds;
}
constexpr std::array<Kind, 128> kAsciiKinds = make_ascii_kinds();

struct CharInfo {
    Kind kind;
    uint8_t length;  // bytes
};

CharInfo classify_non_ascii(std::string_view s, size_t i) {
    const size_t n = utf8_sequence_length(s, i);
    if (n == 0) return {kSeparator, 1};  // invalid bytes separate words, one at a time
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    int32_t cp;
    if (n == 2) {
        cp = ((byte(0) & 0x1F) << 6) | (byte(1) & 0x3F);
    } else if (n == 3) {
        cp = ((byte(0) & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F);
    } else {
        cp = ((byte(0) & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) |
             (byte(3) & 0x3F);
    }
    const auto length = static_cast<uint8_t>(n);
    switch (cp) {
        case 0x2010:  // hyphen
        case 0x2011:  // non-breaking hyphen
        case 0xFF0D:  // full-width hyphen-minus
        case 0xFF0F:  // full-width solidus
        case 0xFF3F:  // full-width low line
            return {kHyphen, length};
        case 0xFF0E:  // full-width full stop
            return {kDot, length};
        case 0x2019:  // right single quotation mark, the typographic apostrophe
        case 0xFF07:  // full-width apostrophe
            return {kApostrophe, length};
        case 0x00AD:  // soft hyphen
        case 0x200C:  // zero-width non-joiner
        case 0x200D:  // zero-width joiner
        case 0x2060:  // word joiner
        case 0xFEFF:  // zero-width no-break space (BOM)
            return {kContinue, length};
        default:
            break;
    }
    switch (utf8proc_category(cp)) {
        case UTF8PROC_CATEGORY_LU:
        case UTF8PROC_CATEGORY_LL:
        case UTF8PROC_CATEGORY_LT:
        case UTF8PROC_CATEGORY_LM:
        case UTF8PROC_CATEGORY_LO:
            return {kLetter, length};
        case UTF8PROC_CATEGORY_ND:
        case UTF8PROC_CATEGORY_NL:
        case UTF8PROC_CATEGORY_NO:
            return {kDigit, length};
        case UTF8PROC_CATEGORY_MN:
        case UTF8PROC_CATEGORY_MC:
        case UTF8PROC_CATEGORY_ME:
            return {kContinue, length};
        default:
            return {kSeparator, length};
    }
}

inline CharInfo classify(std::string_view s, size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) return {kAsciiKinds[c], 1};
    return classify_non_ascii(s, i);
}

inline bool is_word(Kind k) { return k == kLetter || k == kDigit; }

inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c; }

bool is_ascii_alpha(std::string_view s) {
    for (char c : s) {
        if (c < 'a' || c > 'z') return false;
    }
    return !s.empty();
}

// NFKC + case fold + accent strip of valid UTF-8 `s`, appended to `out`. With `words_only`,
// characters that are not letters or numbers after normalisation are left out.
void fold_unicode(std::string_view s, bool words_only, std::string& out) {
    utf8proc_uint8_t* mapped = nullptr;
    const utf8proc_ssize_t n =
        utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                     static_cast<utf8proc_ssize_t>(s.size()), &mapped, kFoldOptions);
    if (n < 0) {  // cannot happen for valid input; keep the text rather than lose it
        out.append(s);
        return;
    }
    if (!words_only) {
        out.append(reinterpret_cast<const char*>(mapped), static_cast<size_t>(n));
    } else {
        for (utf8proc_ssize_t i = 0; i < n;) {
            utf8proc_int32_t cp;
            const utf8proc_ssize_t len = utf8proc_iterate(mapped + i, n - i, &cp);
            if (len <= 0) break;
            const utf8proc_category_t cat = utf8proc_category(cp);
            if ((cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
                (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO)) {
                out.append(reinterpret_cast<const char*>(mapped + i), static_cast<size_t>(len));
            }
            i += len;
        }
    }
    std::free(mapped);  // utf8proc allocates with malloc
}

// Snowball stemmers are not thread-safe, so each thread has its own, together with a cache:
// word frequencies are Zipfian, and a direct-mapped table of recent words answers most
// lookups without running the stemmer. A slot holds a short word as three zero-padded 64-bit
// keys and its stem inline, so a hit costs a multiply-shift hash, three compares and a copy,
// and the cache never allocates after construction.
class StemCache {
  public:
    StemCache() : stemmer_(sb_stemmer_new("english", "UTF_8")), slots_(kSlots) {}
    ~StemCache() { sb_stemmer_delete(stemmer_); }
    StemCache(const StemCache&) = delete;
    StemCache& operator=(const StemCache&) = delete;

    // Replaces `out` with the stem of `word` (no NUL bytes).
    void stem(std::string_view word, std::string& out) {
        if (word.empty() || word.size() > kMaxCached) {
            run_stemmer(word, out);
            return;
        }
        uint64_t key[3] = {0, 0, 0};
        std::memcpy(key, word.data(), word.size());
        const uint64_t h = (key[0] * 0x9E3779B97F4A7C15ull) ^ (key[1] * 0xC2B2AE3D27D4EB4Full) ^
                           (key[2] * 0x165667B19E3779F9ull);
        Slot& slot = slots_[h >> (64 - kSlotBits)];
        if (slot.key[0] == key[0] && slot.key[1] == key[1] && slot.key[2] == key[2]) {
            out.assign(slot.stem, slot.stem_length);
            return;
        }
        run_stemmer(word, out);
        if (out.size() <= kMaxCached) {
            std::memcpy(slot.key, key, sizeof key);
            slot.stem_length = static_cast<uint8_t>(out.size());
            std::memcpy(slot.stem, out.data(), out.size());
        }
    }

  private:
    static constexpr int kSlotBits = 16;
    static constexpr size_t kSlots = size_t{1} << kSlotBits;
    static constexpr size_t kMaxCached = 23;  // bytes of a word or stem held in a slot

    struct Slot {
        uint64_t key[3] = {0, 0, 0};  // all zero: empty (the empty word is never cached)
        char stem[kMaxCached];
        uint8_t stem_length = 0;
    };

    void run_stemmer(std::string_view word, std::string& out) {
        const sb_symbol* s =
            stemmer_ == nullptr
                ? nullptr
                : sb_stemmer_stem(stemmer_, reinterpret_cast<const sb_symbol*>(word.data()),
                                  static_cast<int>(word.size()));
        if (s == nullptr) {  // out of memory in the stemmer: the unstemmed word is still a term
            out.assign(word);
            return;
        }
        out.assign(reinterpret_cast<const char*>(s),
                   static_cast<size_t>(sb_stemmer_length(stemmer_)));
    }

    sb_stemmer* stemmer_;
    std::vector<Slot> slots_;
};

StemCache& thread_stem_cache() {
    thread_local StemCache cache;
    return cache;
}

// A piece of a token: a run of letters or of digits, and how it attaches to the previous one.
struct Piece {
    uint32_t begin;
    uint32_t end;
    Kind kind;
    Link link;
    bool ascii;
};

// A part of a token after joining apostrophes and decimals: its folded text lives in a shared
// buffer at [text_begin, text_end).
struct Part {
    uint32_t text_begin;
    uint32_t text_end;
    uint32_t begin;  // source bytes
    uint32_t end;
    Kind kind;         // of its first piece: kLetter or kDigit
    bool new_segment;  // starts after a joiner (not at a letter/digit boundary)
    bool too_long;
};

// The per-call state of analyze(): scratch buffers reused across the tokens of one text.
class Tokenizer {
  public:
    Tokenizer(const AnalyzerOptions& options, std::string_view text, std::vector<Token>& out,
              uint32_t position, const std::function<bool(std::string_view)>* stem_if = nullptr)
        : options_(options),
          text_(text),
          out_(out),
          position_(position),
          stem_cache_(options.stem ? &thread_stem_cache() : nullptr),
          stem_if_(stem_if) {}

    void run() {
        const size_t n = text_.size();
        size_t i = 0;
        while (i < n) {
            const CharInfo c = classify(text_, i);
            if (!is_word(c.kind)) {
                i += c.length;
                continue;
            }
            i = scan_token(i, c);
            if (pieces_.size() == 1 && pieces_[0].ascii) {
                emit_simple(pieces_[0]);
            } else {
                emit_token();
            }
        }
    }

  private:
    // Collects the pieces of the token whose first character (`first`) is at `start`;
    // returns the offset after the token.
    size_t scan_token(size_t start, CharInfo first) {
        const size_t n = text_.size();
        pieces_.clear();
        Piece cur{static_cast<uint32_t>(start), 0, first.kind, kStart, first.length == 1};
        size_t i = start + first.length;
        while (i < n) {
            // The common case: more ASCII characters of the same kind.
            const auto b = static_cast<unsigned char>(text_[i]);
            if (b < 0x80 && kAsciiKinds[b] == cur.kind) {
                ++i;
                continue;
            }
            const CharInfo d = classify(text_, i);
            if (d.kind == cur.kind || d.kind == kContinue) {
                cur.ascii = cur.ascii && d.length == 1;
                i += d.length;
                continue;
            }
            Link link;
            size_t next = i;
            CharInfo e = d;
            if (is_word(d.kind)) {
                link = kBoundary;
            } else if ((d.kind == kHyphen || d.kind == kDot || d.kind == kApostrophe) &&
                       i + d.length < n) {
                next = i + d.length;
                e = classify(text_, next);
                if (!is_word(e.kind)) break;
                link = d.kind == kHyphen ? kJoinHyphen
                       : d.kind == kDot  ? kJoinDot
                                         : kJoinApostrophe;
            } else {
                break;
            }
            cur.end = static_cast<uint32_t>(i);
            pieces_.push_back(cur);
            cur = Piece{static_cast<uint32_t>(next), 0, e.kind, link, e.length == 1};
            i = next + e.length;
        }
        cur.end = static_cast<uint32_t>(i);
        pieces_.push_back(cur);
        return i;
    }

    // The common case, a plain ASCII word: no parts, no normalisation beyond lower case.
    void emit_simple(const Piece& p) {
        const size_t length = p.end - p.begin;
        if (length <= kMaxTermBytes) {
            char folded[kMaxTermBytes];
            for (size_t k = 0; k < length; ++k) folded[k] = ascii_lower(text_[p.begin + k]);
            emit(std::string_view(folded, length), position_, p.begin, p.end, false);
        }
        ++position_;
    }

    void fold_piece(const Piece& p) {
        const std::string_view source = text_.substr(p.begin, p.end - p.begin);
        if (p.ascii) {
            const size_t at = folded_.size();
            folded_.resize(at + source.size());
            for (size_t k = 0; k < source.size(); ++k) folded_[at + k] = ascii_lower(source[k]);
        } else {
            fold_unicode(source, /*words_only=*/true, folded_);
        }
    }

    // Turns pieces into parts: apostrophes and decimal points join, possessives drop.
    void build_parts() {
        parts_.clear();
        folded_.clear();
        for (size_t k = 0; k < pieces_.size(); ++k) {
            const Piece& p = pieces_[k];
            const bool join_apostrophe = p.link == kJoinApostrophe;
            const bool join_decimal =
                p.link == kJoinDot && p.kind == kDigit && pieces_[k - 1].kind == kDigit;
            if ((join_apostrophe || join_decimal) && !parts_.empty()) {
                Part& part = parts_.back();
                part.end = p.end;
                if (part.too_long) continue;
                if (join_apostrophe && is_possessive(k)) continue;
                if (join_decimal) folded_.push_back('.');
                if (p.end - part.begin > kMaxSourceBytes) {
                    part.too_long = true;
                    continue;
                }
                fold_piece(p);
                part.text_end = static_cast<uint32_t>(folded_.size());
                continue;
            }
            const auto at = static_cast<uint32_t>(folded_.size());
            Part part{at, at, p.begin, p.end, p.kind, p.link != kBoundary, false};
            if (p.end - p.begin > kMaxSourceBytes) {
                part.too_long = true;
            } else {
                fold_piece(p);
                part.text_end = static_cast<uint32_t>(folded_.size());
            }
            parts_.push_back(part);
        }
        // Parts that folded to nothing (an isolated mark-only letter) vanish without a position;
        // parts that are too long keep theirs.
        size_t kept = 0;
        for (Part& part : parts_) {
            if (part.text_end - part.text_begin > kMaxTermBytes) part.too_long = true;
            if (!part.too_long && part.text_end == part.text_begin) continue;
            parts_[kept++] = part;
        }
        parts_.resize(kept);
    }

    // Whether the apostrophe piece `k` is a possessive "'s" ending its token or segment.
    bool is_possessive(size_t k) const {
        const Piece& p = pieces_[k];
        if (p.end - p.begin != 1 || (text_[p.begin] != 's' && text_[p.begin] != 'S')) return false;
        return k + 1 == pieces_.size() || pieces_[k + 1].link == kJoinHyphen ||
               pieces_[k + 1].link == kJoinDot;
    }

    std::string_view part_text(const Part& part) const {
        return std::string_view(folded_).substr(part.text_begin, part.text_end - part.text_begin);
    }

    void emit_token() {
        build_parts();
        if (parts_.empty()) return;
        if (parts_.size() == 1) {
            const Part& part = parts_[0];
            if (!part.too_long) emit(part_text(part), position_, part.begin, part.end, false);
            ++position_;
            return;
        }
        // The whole.
        whole_.clear();
        bool whole_ok = true;
        size_t segments = 0;
        for (const Part& part : parts_) {
            segments += part.new_segment ? 1 : 0;
            if (part.too_long ||
                whole_.size() + (part.text_end - part.text_begin) > kMaxTermBytes) {
                whole_ok = false;
            } else if (whole_ok) {
                whole_.append(part_text(part));
            }
        }
        if (whole_ok) emit(whole_, position_, parts_.front().begin, parts_.back().end, true);
        // Segment wholes, then parts.
        for (size_t k = 0; k < parts_.size();) {
            size_t e = k + 1;
            while (e < parts_.size() && !parts_[e].new_segment) ++e;
            // A name followed by its version across a joiner ("llama2" of "Llama-2-7B",
            // "gpt3.5" of "GPT-3.5-turbo"), so that the glued spelling finds longer compounds.
            if (k > 0 && e == k + 1 && parts_.size() > 2 && parts_[k].kind == kDigit &&
                parts_[k - 1].kind == kLetter && !parts_[k - 1].too_long && !parts_[k].too_long) {
                whole_.assign(part_text(parts_[k - 1]));
                whole_.append(part_text(parts_[k]));
                if (whole_.size() <= kMaxTermBytes) {
                    emit(whole_, position_ + static_cast<uint32_t>(k - 1), parts_[k - 1].begin,
                         parts_[k].end, true);
                }
            }
            if (segments > 1 && e - k > 1) {
                whole_.clear();
                bool ok = true;
                for (size_t j = k; j < e && ok; ++j) {
                    ok = !parts_[j].too_long &&
                         whole_.size() + (parts_[j].text_end - parts_[j].text_begin) <=
                             kMaxTermBytes;
                    if (ok) whole_.append(part_text(parts_[j]));
                }
                if (ok) {
                    emit(whole_, position_ + static_cast<uint32_t>(k), parts_[k].begin,
                         parts_[e - 1].end, true);
                }
            }
            for (size_t j = k; j < e; ++j) {
                if (!parts_[j].too_long) {
                    emit(part_text(parts_[j]), position_ + static_cast<uint32_t>(j),
                         parts_[j].begin, parts_[j].end, false);
                }
            }
            k = e;
        }
        position_ += static_cast<uint32_t>(parts_.size());
    }

    void emit(std::string_view folded, uint32_t position, uint32_t begin, uint32_t end,
              bool whole) {
        if (options_.remove_stopwords && is_english_stopword(folded)) return;
        Token& token = out_.emplace_back();
        token.position = position;
        token.begin = begin;
        token.end = end;
        token.is_compound_whole = whole;
        if (options_.stem && is_ascii_alpha(folded) &&
            (stem_if_ == nullptr || (*stem_if_)(folded))) {
            stem_cache_->stem(folded, token.term);
        } else {
            token.term.assign(folded);
        }
    }

    const AnalyzerOptions& options_;
    std::string_view text_;
    std::vector<Token>& out_;
    uint32_t position_;
    std::vector<Piece> pieces_;
    std::vector<Part> parts_;
    std::string folded_;
    std::string whole_;
    StemCache* stem_cache_;  // this thread's; looked up once per text, not per token
    const std::function<bool(std::string_view)>* stem_if_;  // null: stem every word
};

}  // namespace

struct Analyzer::Impl {
    AnalyzerOptions options;
};

Analyzer::Analyzer(AnalyzerOptions options) : impl_(std::make_unique<Impl>(Impl{options})) {}

Analyzer::~Analyzer() = default;

void Analyzer::analyze(std::string_view text, std::vector<Token>& out,
                       uint32_t first_position) const {
    Tokenizer(impl_->options, text, out, first_position).run();
}

void Analyzer::analyze(std::string_view text, std::vector<Token>& out, uint32_t first_position,
                       const std::function<bool(std::string_view)>& stem_if) const {
    Tokenizer(impl_->options, text, out, first_position, &stem_if).run();
}

std::vector<std::string> Analyzer::terms(std::string_view text) const {
    std::vector<Token> tokens;
    analyze(text, tokens);
    std::vector<std::string> result;
    result.reserve(tokens.size());
    for (Token& token : tokens) result.push_back(std::move(token.term));
    return result;
}

std::string Analyzer::fold(std::string_view text) const {
    std::string out;
    bool ascii = true;
    for (char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (ascii) {
        out.resize(text.size());
        for (size_t k = 0; k < text.size(); ++k) out[k] = ascii_lower(text[k]);
        return out;
    }
    std::string valid(text);
    fix_utf8(valid);
    fold_unicode(valid, /*words_only=*/false, out);
    return out;
}

std::string Analyzer::stem(std::string_view folded_word) const {
    std::string out;
    if (impl_->options.stem && is_ascii_alpha(folded_word)) {
        thread_stem_cache().stem(folded_word, out);
    } else {
        out.assign(folded_word);
    }
    return out;
}

bool Analyzer::is_stopword(std::string_view folded_word) const {
    return is_english_stopword(folded_word);
}

}  // namespace paperboy::text
