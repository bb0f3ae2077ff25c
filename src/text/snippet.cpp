#include "text/snippet.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <unordered_map>

#include "core/html.h"
#include "core/utf8.h"
#include "text/chunk_scan.h"

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

// A chunk of the text: a run of bytes between ASCII spaces, and the tokens found in it (only
// the chunks that may hold a query term are analysed). Windows start and end at chunks.
struct Chunk {
    uint32_t begin;
    uint32_t end;
    uint32_t first_token;
    uint32_t end_token;  // exclusive
};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// The pairs that a query term can begin with, as the chunk scan looks for them: a token's term
// begins where a part of a token does, with that letter or digit and the next one of its chunk
// (whatever stands between them: "e.g." -> "eg", "O'Neil" -> "on"), and a stem keeps its word's
// first two letters (may_stem_to()). False when some term has no such pair (one letter, or a
// punctuation mark or a non-ASCII character among its first two): then every chunk may hold it.
bool term_pairs(const std::vector<std::string>& terms, std::vector<detail::TermPair>& pairs) {
    const auto alnum = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    };
    const auto lower = [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
    };
    for (const std::string& term : terms) {
        if (term.size() < 2 || !alnum(term[0]) || !alnum(term[1])) return false;
        const detail::TermPair pair{lower(term[0]), lower(term[1]), lower(term[1]) == 'i'};
        const bool seen = std::any_of(pairs.begin(), pairs.end(), [&](const detail::TermPair& p) {
            return p.first == pair.first && p.second == pair.second;
        });
        if (!seen) pairs.push_back(pair);
    }
    return true;
}

// Calls visit(begin, end, candidate) for each chunk of the n scanned bytes in order: a run of
// bytes between spaces, and whether it has a candidate byte.
template <typename Visit>
void for_each_chunk(const detail::ChunkMasks& masks, size_t n, Visit visit) {
    constexpr size_t kNone = SIZE_MAX;
    size_t begin = kNone;
    bool candidate = false;
    unsigned from = 0;              // where the open chunk's unread candidate bits start
    uint64_t space_before_top = 1;  // the text begins after a space, as it were
    // The bits [lo, to) of a word, to <= 64.
    const auto bits = [](uint64_t word, unsigned lo, unsigned to) {
        return (to == 64 ? word : word & ((uint64_t{1} << to) - 1)) >> lo;
    };
    for (size_t w = 0; w < masks.space.size(); ++w) {
        uint64_t space = masks.space[w];
        if ((w + 1) * 64 > n) space |= ~uint64_t{0} << (n % 64);  // the end reads as a space
        const uint64_t space_before = space << 1 | space_before_top;
        space_before_top = space >> 63;
        const uint64_t starts = ~space & space_before;
        for (uint64_t bounds = starts | (space & ~space_before); bounds != 0;
             bounds &= bounds - 1) {
            const auto bit = static_cast<unsigned>(__builtin_ctzll(bounds));
            if ((starts >> bit & 1U) != 0) {
                begin = w * 64 + bit;
                candidate = false;
                from = bit;
            } else {
                candidate = candidate || bits(masks.candidate[w], from, bit) != 0;
                visit(begin, w * 64 + bit, candidate);
                begin = kNone;
            }
        }
        if (begin != kNone) {
            candidate = candidate || bits(masks.candidate[w], from, 64) != 0;
            from = 0;
        }
    }
    if (begin != kNone) visit(begin, n, candidate);  // a chunk that ends the text at a word end
}

// The chunks of `text` and the tokens of those that may hold a query term (with the query term
// each token is, or -1), in text order.
void scan_chunks(const Analyzer& analyzer, std::string_view text,
                 const std::vector<std::string>& query_terms, std::vector<Chunk>& chunks,
                 std::vector<TermSpan>& tokens) {
    std::unordered_map<std::string_view, int> term_ids;
    for (const std::string& term : query_terms) {
        term_ids.emplace(term, static_cast<int>(term_ids.size()));
    }
    // Only words that can stem to a query term go through the stemmer; a word that does not
    // cannot be one either (a term may_stem_to() itself).
    const std::function<bool(std::string_view)> stem_if = [&](std::string_view word) {
        for (const std::string& term : query_terms) {
            if (may_stem_to(word, term)) return true;
        }
        return false;
    };
    std::vector<detail::TermPair> pairs;
    const bool every_chunk = !term_pairs(query_terms, pairs);
    if (every_chunk) pairs.clear();  // the scan is then only for the spaces
    detail::ChunkMasks masks;
    detail::scan_chunk_masks(text, pairs, masks);

    // Consecutive chunks that need the analyzer go to it together. Spaces separate tokens, so a
    // run of whole chunks analyses exactly as it does inside the text.
    constexpr size_t kNone = SIZE_MAX;
    size_t pending = kNone;  // the first chunk waiting for the analyzer
    std::vector<Token> analysed;
    const auto flush = [&] {
        if (pending == kNone) return;
        const uint32_t from = chunks[pending].begin;
        analysed.clear();
        analyzer.analyze(text.substr(from, chunks.back().end - from), analysed, 0, stem_if);
        // Each chunk's tokens: a chunk starts its range when it is reached (so one without
        // tokens gets an empty range) and every token of it extends the range.
        size_t c = pending;
        const auto reach = [&](size_t chunk) {
            chunks[chunk].first_token = chunks[chunk].end_token =
                static_cast<uint32_t>(tokens.size());
        };
        reach(c);
        for (const Token& t : analysed) {
            while (chunks[c].end <= from + t.begin) reach(++c);
            const auto id = term_ids.find(t.term);
            tokens.push_back(TermSpan{from + t.begin, from + t.end,
                                      id == term_ids.end() ? -1 : id->second, t.is_compound_whole});
            chunks[c].end_token = static_cast<uint32_t>(tokens.size());
        }
        while (++c < chunks.size()) reach(c);
        pending = kNone;
    };

    for_each_chunk(masks, text.size(), [&](size_t begin, size_t end, bool candidate) {
        candidate = candidate || every_chunk;
        if (!candidate) {
            flush();
            const auto count = static_cast<uint32_t>(tokens.size());
            chunks.push_back(
                Chunk{static_cast<uint32_t>(begin), static_cast<uint32_t>(end), count, count});
            return;
        }
        if (pending == kNone) pending = chunks.size();
        chunks.push_back(Chunk{static_cast<uint32_t>(begin), static_cast<uint32_t>(end), 0, 0});
    });
    flush();
}

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
    std::vector<Chunk> chunks;
    std::vector<TermSpan> tokens;
    scan_chunks(analyzer, text, query_terms, chunks, tokens);
    return tokens;
}

std::string make_snippet(const Analyzer& analyzer, std::string_view text,
                         const std::vector<std::string>& query_terms,
                         const SnippetOptions& options) {
    if (text.empty()) return {};
    const size_t max_bytes = std::max<size_t>(options.max_bytes, 1);
    const std::string_view analyzed = text.substr(0, utf8_floor(text, kMaxAnalyzedBytes));
    std::vector<Chunk> words;
    std::vector<TermSpan> tokens;
    words.reserve(analyzed.size() / 6 + 8);  // about one word per 6-7 bytes of English
    scan_chunks(analyzer, analyzed, query_terms, words, tokens);
    size_t distinct_terms = 0;
    for (const TermSpan& token : tokens) {
        distinct_terms = std::max(distinct_terms, static_cast<size_t>(token.term + 1));
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
    // A word is the union of the overlapping token spans of one compound ("GPT-4" is one word
    // of three tokens; "x,y" is a chunk of two words).
    uint32_t word = 0;
    uint32_t word_end = 0;
    for (size_t w = 0; w < n_words; ++w) {
        if (words[w].end <= begin || words[w].begin >= end) continue;
        for (uint32_t t = words[w].first_token; t < words[w].end_token; ++t) {
            const TermSpan& token = tokens[t];
            if (token.begin >= word_end) ++word;
            word_end = std::max(word_end, token.end);
            if (token.begin < begin || token.end > end) continue;
            if (tokens[t].term >= 0) {
                marks.push_back(Span{token.begin, token.end});
                mark_word.push_back(word);
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
