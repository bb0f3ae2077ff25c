#include "text/snippet.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <unordered_map>

#include "core/html.h"
#include "core/utf8.h"

namespace paperboy::text {
namespace {

// Only the start of a text is analysed: abstracts are a few KB, and a pathological 1 MB field
// must not cost a result page more than a fraction of a millisecond.
constexpr size_t kMaxAnalyzedBytes = 64 * 1024;
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026

struct Span {
    uint32_t begin;
    uint32_t end;
};

// A word of the text: the union of the overlapping token spans of one compound ("GPT-4" is one
// word, though it has three tokens). Windows start and end at words.
struct Word {
    uint32_t begin;
    uint32_t end;
    uint32_t first_token;
    uint32_t end_token;  // exclusive
};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// What a byte is to find_query_terms(): the tokenizer's kinds for ASCII, and which bytes
// separate chunks (ASCII whitespace).
constexpr uint8_t kSpace = 0;
constexpr uint8_t kPunctuation = 1;
constexpr uint8_t kLetter = 2;
constexpr uint8_t kDigit = 3;
constexpr uint8_t kNonAscii = 4;

constexpr std::array<uint8_t, 256> make_byte_kinds() {
    std::array<uint8_t, 256> kinds{};
    for (int c = 0; c < 256; ++c) {
        kinds[c] = c >= 0x80 ? kNonAscii : kPunctuation;
    }
    for (int c = 'a'; c <= 'z'; ++c) kinds[c] = kLetter;
    for (int c = 'A'; c <= 'Z'; ++c) kinds[c] = kLetter;
    for (int c = '0'; c <= '9'; ++c) kinds[c] = kDigit;
    for (char c : {' ', '\t', '\n', '\r', '\f', '\v'})
        kinds[static_cast<unsigned char>(c)] = kSpace;
    return kinds;
}
constexpr std::array<uint8_t, 256> kByteKinds = make_byte_kinds();

inline unsigned char byte_at(std::string_view s, size_t i) {
    return static_cast<unsigned char>(s[i]);
}

// Plain words longer than this go through the analyzer, which knows what to do with very long
// ones (it drops terms over 64 bytes).
constexpr size_t kMaxPlainWordBytes = 32;

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The largest cut <= limit that does not split a UTF-8 sequence. A cut never backs up more than
// three bytes: a longer run of continuation bytes is invalid anyway and gets replaced.
size_t utf8_floor(std::string_view s, size_t limit) {
    if (limit >= s.size()) return s.size();
    for (int k = 0; k < 3 && limit > 0 && is_continuation(s[limit]); ++k) --limit;
    return limit;
}

// Escapes source text for the snippet; invalid UTF-8 becomes U+FFFD so the page stays valid.
void append_source(std::string& out, std::string_view s) {
    if (is_valid_utf8(s)) {
        append_html_escaped(out, s);
        return;
    }
    std::string fixed(s);
    fix_utf8(fixed);
    append_html_escaped(out, fixed);
}

}  // namespace

bool may_stem_to(std::string_view word, std::string_view stem) {
    if (word.size() <= 2 || stem.size() < 2) return word == stem || stem.size() < 2;
    return word[0] == stem[0] && (word[1] == stem[1] || (word[1] == 'y' && stem[1] == 'i'));
}

std::vector<TermSpan> find_query_terms(const Analyzer& analyzer, std::string_view text,
                                       const std::vector<std::string>& query_terms) {
    std::unordered_map<std::string_view, int> term_ids;
    for (const std::string& term : query_terms) {
        term_ids.emplace(term, static_cast<int>(term_ids.size()));
    }
    const auto term_of = [&](std::string_view term) {
        const auto it = term_ids.find(term);
        return it == term_ids.end() ? -1 : it->second;
    };
    // Only words that can stem to a query term go through the stemmer; a word that does not
    // cannot be one either (a term may_stem_to() itself).
    const auto may_be_query_term = [&](std::string_view word) {
        for (const std::string& term : query_terms) {
            if (may_stem_to(word, term)) return true;
        }
        return false;
    };
    const std::function<bool(std::string_view)> stem_if = may_be_query_term;
    const bool remove_stopwords = analyzer.options().remove_stopwords;

    std::vector<TermSpan> spans;
    spans.reserve(text.size() / 6 + 8);  // about one token per 6-7 bytes of English
    // Consecutive chunks that need the analyzer are given to it together. Spaces separate
    // tokens, so a run of whole chunks analyses exactly as it does inside the text.
    constexpr size_t kNone = std::string_view::npos;
    size_t pending = kNone;
    std::vector<Token> tokens;
    const auto flush = [&](size_t end) {
        if (pending == kNone) return;
        tokens.clear();
        analyzer.analyze(text.substr(pending, end - pending), tokens, 0, stem_if);
        const auto offset = static_cast<uint32_t>(pending);
        for (const Token& t : tokens) {
            spans.push_back(
                TermSpan{t.begin + offset, t.end + offset, term_of(t.term), t.is_compound_whole});
        }
        pending = kNone;
    };

    const size_t n = text.size();
    const auto kind_at = [&](size_t at) { return at < n ? kByteKinds[byte_at(text, at)] : kSpace; };
    size_t i = 0;
    while (i < n) {
        while (i < n && kind_at(i) == kSpace) ++i;
        if (i == n) break;
        // A chunk between spaces is plain when it is ASCII with one run of letters or of
        // digits in it: then that run is its only token, and an unsplit one.
        const size_t chunk = i;
        while (kind_at(i) == kPunctuation) ++i;
        const size_t run_begin = i;
        const uint8_t run_kind = kind_at(i);
        if (run_kind == kLetter || run_kind == kDigit) {
            while (kind_at(i) == run_kind) ++i;
        }
        const size_t run_end = i;
        while (kind_at(i) == kPunctuation) ++i;
        if (kind_at(i) != kSpace || run_end - run_begin > kMaxPlainWordBytes) {
            while (kind_at(i) != kSpace) ++i;
            if (pending == kNone) pending = chunk;
            continue;
        }
        flush(chunk);
        if (run_begin == run_end) continue;  // punctuation only
        char folded[kMaxPlainWordBytes];
        const size_t length = run_end - run_begin;
        for (size_t k = 0; k < length; ++k) {
            const char c = text[run_begin + k];
            folded[k] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c;
        }
        const std::string_view word(folded, length);
        if (remove_stopwords && analyzer.is_stopword(word)) continue;
        const int term = may_be_query_term(word) ? term_of(analyzer.stem(word)) : -1;
        spans.push_back(TermSpan{static_cast<uint32_t>(run_begin), static_cast<uint32_t>(run_end),
                                 term, false});
    }
    flush(n);
    return spans;
}

std::string make_snippet(const Analyzer& analyzer, std::string_view text,
                         const std::vector<std::string>& query_terms,
                         const SnippetOptions& options) {
    if (text.empty()) return {};
    const size_t max_bytes = std::max<size_t>(options.max_bytes, 1);
    const std::string_view analyzed = text.substr(0, utf8_floor(text, kMaxAnalyzedBytes));
    const std::vector<TermSpan> tokens = find_query_terms(analyzer, analyzed, query_terms);
    size_t distinct_terms = 0;
    for (const TermSpan& token : tokens) {
        distinct_terms = std::max(distinct_terms, static_cast<size_t>(token.term + 1));
    }

    std::vector<Word> words;
    for (size_t t = 0; t < tokens.size(); ++t) {
        const TermSpan& token = tokens[t];
        if (words.empty() || token.begin >= words.back().end) {
            words.push_back(Word{token.begin, token.end, static_cast<uint32_t>(t),
                                 static_cast<uint32_t>(t + 1)});
        } else {
            words.back().end = std::max(words.back().end, token.end);
            words.back().end_token = static_cast<uint32_t>(t + 1);
        }
    }

    // The best window of whole words within max_bytes: most distinct query terms, then most
    // occurrences, then earliest. Two pointers over the words, counts per term.
    const size_t n_words = words.size();
    std::vector<int> counts(distinct_terms, 0);
    int distinct = 0;
    int occurrences = 0;
    auto update = [&](size_t w, int delta) {
        for (uint32_t t = words[w].first_token; t < words[w].end_token; ++t) {
            if (tokens[t].term < 0) continue;
            int& count = counts[static_cast<size_t>(tokens[t].term)];
            if (delta > 0 && count == 0) ++distinct;
            count += delta;
            if (delta < 0 && count == 0) --distinct;
            occurrences += delta;
        }
    };
    size_t best_begin = 0;
    size_t best_end = 0;  // exclusive; best_end == best_begin: no word fits
    int best_distinct = -1;
    int best_occurrences = -1;
    for (size_t i = 0, j = 0; i < n_words; ++i) {
        if (j < i) j = i;
        while (j < n_words && words[j].end - words[i].begin <= max_bytes) update(j++, +1);
        if (j > i) {
            if (distinct > best_distinct ||
                (distinct == best_distinct && occurrences > best_occurrences)) {
                best_distinct = distinct;
                best_occurrences = occurrences;
                best_begin = i;
                best_end = j;
            }
            update(i, -1);
        }
    }

    size_t begin = 0;
    size_t end = 0;
    bool cut_before = false;
    if (best_end > best_begin) {
        size_t first = best_begin;
        size_t last = best_end;
        if (best_distinct > 0) {
            // The earliest best window can have its matches at its very end; re-centre it so
            // the reader sees some context before the first match and more after.
            auto has_match = [&](size_t w) {
                for (uint32_t t = words[w].first_token; t < words[w].end_token; ++t) {
                    if (tokens[t].term >= 0) return true;
                }
                return false;
            };
            size_t first_match = best_begin;
            while (!has_match(first_match)) ++first_match;
            size_t last_match = best_end - 1;
            while (!has_match(last_match)) --last_match;
            const size_t span = words[last_match].end - words[first_match].begin;
            const size_t lead = (max_bytes - std::min(span, max_bytes)) / 4;
            first = best_begin;
            while (first < first_match && words[first_match].begin - words[first].begin > lead) {
                ++first;
            }
            last = first;
            while (last < n_words && words[last].end - words[first].begin <= max_bytes) ++last;
            // At the end of the text, fill the budget with words before the window instead.
            while (last == n_words && first > 0 &&
                   words[last - 1].end - words[first - 1].begin <= max_bytes) {
                --first;
            }
        }
        begin = words[first].begin;
        end = words[last - 1].end;
        // Keep what precedes the first word ("(", a quote) when the window opens the text.
        if (first == 0 && end <= max_bytes) begin = 0;
        cut_before = first > 0;
        // Keep the punctuation that closes the last word ("x>", "results."), up to the next
        // word or space, within the budget and at a UTF-8 boundary.
        const size_t limit =
            std::min<size_t>(last < n_words ? words[last].begin : text.size(), begin + max_bytes);
        size_t stop = end;
        while (stop < limit && !is_space(text[stop])) ++stop;
        end = utf8_floor(text, stop);
    } else {
        // No word fits (no words, or one longer than max_bytes): the raw start of the text (or
        // of its first match), cut at the last space, or else at a UTF-8 boundary.
        for (size_t t = 0; t < tokens.size(); ++t) {
            if (tokens[t].term >= 0) {
                begin = tokens[t].begin;
                break;
            }
        }
        cut_before = begin > 0;
        end = utf8_floor(text, begin + max_bytes);
        if (end < text.size()) {
            size_t space = end;
            while (space > begin && !is_space(text[space])) --space;
            if (space > begin) end = space;
        }
        if (end <= begin) end = std::min(text.size(), begin + max_bytes);
    }
    while (begin < end && is_space(text[begin])) ++begin;
    while (end > begin && is_space(text[end - 1])) --end;
    bool cut_after = false;
    for (size_t k = end; k < text.size() && !cut_after; ++k) cut_after = !is_space(text[k]);

    // Highlights: the spans of matching tokens inside the window. Spans of one word merge when
    // nothing unmatched lies between them ("GPT-4" for the query "gpt 4" is one mark; so is
    // "state-of-the-art" for "state of the art", whose stopwords have no tokens).
    std::vector<Span> marks;
    std::vector<uint32_t> mark_word;
    std::vector<uint32_t> unmatched_begins;  // sorted: tokens come in source order
    for (size_t w = 0; w < n_words; ++w) {
        if (words[w].end <= begin || words[w].begin >= end) continue;
        for (uint32_t t = words[w].first_token; t < words[w].end_token; ++t) {
            const TermSpan& token = tokens[t];
            if (token.begin < begin || token.end > end) continue;
            if (tokens[t].term >= 0) {
                marks.push_back(Span{token.begin, token.end});
                mark_word.push_back(static_cast<uint32_t>(w));
            } else if (!token.is_compound_whole) {
                unmatched_begins.push_back(token.begin);
            }
        }
    }
    std::vector<size_t> order(marks.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return marks[a].begin < marks[b].begin ||
               (marks[a].begin == marks[b].begin && marks[a].end > marks[b].end);
    });
    std::sort(unmatched_begins.begin(), unmatched_begins.end());
    std::vector<Span> merged;
    uint32_t merged_word = 0;
    for (size_t k : order) {
        const Span span = marks[k];
        if (!merged.empty()) {
            Span& last = merged.back();
            const bool joinable =
                span.begin <= last.end ||
                (mark_word[k] == merged_word &&
                 std::lower_bound(unmatched_begins.begin(), unmatched_begins.end(), last.end) ==
                     std::lower_bound(unmatched_begins.begin(), unmatched_begins.end(),
                                      span.begin));
            if (joinable) {
                last.end = std::max(last.end, span.end);
                continue;
            }
        }
        merged.push_back(span);
        merged_word = mark_word[k];
    }

    std::string out;
    out.reserve(end - begin + 64);
    if (cut_before) out += kEllipsis;
    size_t at = begin;
    for (const Span& span : merged) {
        append_source(out, text.substr(at, span.begin - at));
        out += options.open;
        append_source(out, text.substr(span.begin, span.end - span.begin));
        out += options.close;
        at = span.end;
    }
    append_source(out, text.substr(at, end - at));
    if (cut_after) out += kEllipsis;
    return out;
}

}  // namespace paperboy::text
