// The query language parser: a hand-written, single-pass scanner. Every step either consumes
// input or stops, so parsing is linear in the (bounded) input; every vector it fills is bounded
// by the input size, kMaxTermClauses or kMaxClauses.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/timestamp.h"
#include "core/utf8.h"
#include "index/query.h"
#include "text/analyzer.h"

namespace paperboy::index {
namespace {

// A phrase longer than this is cut: a phrase over 16 words is a pasted sentence, and checking
// adjacency for it costs more than it adds.
constexpr size_t kMaxPhraseTerms = 16;
constexpr size_t kMaxPrefixBytes = 64;

bool is_space(char c) { return c == ' '; }

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = ascii_lower(c);
    return out;
}

bool ascii_iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

// The input the scanner sees: at most kMaxQueryBytes, valid UTF-8, and every control character
// (C0, DEL, C1) and every invalid byte turned into a space. Spaces rather than nothing, so that
// "foo\tbar" stays two words and a stray byte cannot glue two words into a third.
std::string sanitize(std::string_view text, bool& truncated) {
    if (text.size() > kMaxQueryBytes) {
        // The word the limit cuts through is part of the ignored rest ("graph" must not become
        // "grap"), unless the input is one long word. A cut UTF-8 sequence becomes a space below.
        const auto is_separator = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
        size_t cut = kMaxQueryBytes;
        if (!is_separator(text[cut])) {
            while (cut > 0 && !is_separator(text[cut - 1])) --cut;
            if (cut == 0) cut = kMaxQueryBytes;
        }
        text = text.substr(0, cut);
        truncated = true;
    }
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        const size_t n = utf8_sequence_length(text, i);
        if (n == 0 || c < 0x20 || c == 0x7F) {
            out += ' ';
            i += n == 0 ? 1 : n;
            continue;
        }
        if (n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
            out += ' ';  // U+0080..U+009F, the C1 controls
        } else {
            out.append(text, i, n);
        }
        i += n;
    }
    return out;
}

// A YYYY, YYYY-MM or YYYY-MM-DD value as the inclusive range of days it spans. Years outside
// 1000..9999 and impossible dates (2024-13-45, 2023-02-29) give false.
bool parse_date_range(std::string_view s, int32_t& first_day, int32_t& last_day) {
    auto digits = [&](size_t pos, size_t count, int& value) {
        if (pos + count > s.size()) return false;
        value = 0;
        for (size_t i = pos; i < pos + count; ++i) {
            if (s[i] < '0' || s[i] > '9') return false;
            value = value * 10 + (s[i] - '0');
        }
        return true;
    };
    int year = 0;
    int month = 0;
    int day = 0;
    if (!digits(0, 4, year) || year < 1000) return false;
    if (s.size() == 4) {
        first_day = static_cast<int32_t>(days_from_civil(year, 1, 1));
        last_day = static_cast<int32_t>(days_from_civil(year, 12, 31));
        return true;
    }
    if (s.size() < 7 || s[4] != '-' || !digits(5, 2, month) || month < 1 || month > 12) {
        return false;
    }
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    static constexpr int kMonthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const int month_days = kMonthDays[month - 1] + (month == 2 && leap ? 1 : 0);
    const auto m = static_cast<unsigned>(month);
    if (s.size() == 7) {
        first_day = static_cast<int32_t>(days_from_civil(year, m, 1));
        last_day =
            static_cast<int32_t>(days_from_civil(year, m, static_cast<unsigned>(month_days)));
        return true;
    }
    if (s.size() != 10 || s[7] != '-' || !digits(8, 2, day) || day < 1 || day > month_days) {
        return false;
    }
    first_day = last_day =
        static_cast<int32_t>(days_from_civil(year, m, static_cast<unsigned>(day)));
    return true;
}

enum class Prefix {
    kNone,
    kTitle,
    kAbstract,
    kAuthor,
    kCategory,
    kOrganization,
    kAfter,
    kBefore,
    kYear,
    kHas,
    kOn
};

Prefix prefix_named(std::string_view name) {
    struct Entry {
        std::string_view name;
        Prefix prefix;
    };
    static constexpr Entry kPrefixes[] = {
        {"title", Prefix::kTitle},   {"abstract", Prefix::kAbstract},
        {"author", Prefix::kAuthor}, {"authors", Prefix::kAuthor},
        {"cat", Prefix::kCategory},  {"org", Prefix::kOrganization},
        {"after", Prefix::kAfter},   {"before", Prefix::kBefore},
        {"year", Prefix::kYear},     {"has", Prefix::kHas},
        {"on", Prefix::kOn},
    };
    for (const Entry& e : kPrefixes) {
        if (ascii_iequals(name, e.name)) return e.prefix;
    }
    return Prefix::kNone;
}

class Parser {
  public:
    Parser(std::string_view text, const text::Analyzer& analyzer, Query& query)
        : text_(text), analyzer_(analyzer), query_(query) {}

    void run() {
        while (true) {
            while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
            if (pos_ >= text_.size()) break;
            parse_item();
        }
    }

  private:
    // One item: [-][prefix:](word | "phrase").
    void parse_item() {
        bool negated = false;
        if (text_[pos_] == '-' && pos_ + 1 < text_.size() && !is_space(text_[pos_ + 1])) {
            negated = true;
            ++pos_;
        }
        const Prefix prefix = scan_prefix();
        bool quoted = false;
        const std::string_view value = scan_value(quoted);
        switch (prefix) {
            case Prefix::kNone:
                add_text(value, quoted, negated, std::nullopt, analyzer_);
                break;
            case Prefix::kTitle:
                add_text(value, quoted, negated, Field::kTitle, analyzer_);
                break;
            case Prefix::kAbstract:
                add_text(value, quoted, negated, Field::kAbstract, analyzer_);
                break;
            case Prefix::kAuthor:
                // Author names go through the same analyzer as every field, in the index and
                // here, so that unfielded words match names too.
                add_text(value, quoted, negated, Field::kAuthors, analyzer_);
                break;
            default:
                // The filters have no negated form: "-cat:cs.CL" is dropped rather than
                // turned into its opposite.
                if (!negated) add_filter(prefix, value);
                break;
        }
    }

    // A known prefix ("title:") directly followed by a value is consumed and returned; anything
    // else ("foo:bar", "http://x", a prefix followed by a space) is left for the word scanner.
    // Only the first prefix counts: "title:title:x" is the word "title:x" in the title.
    Prefix scan_prefix() {
        constexpr size_t kLongestName = 8;  // "abstract"
        size_t end = pos_;
        while (end < text_.size() && end - pos_ <= kLongestName &&
               ((text_[end] >= 'a' && text_[end] <= 'z') ||
                (text_[end] >= 'A' && text_[end] <= 'Z'))) {
            ++end;
        }
        if (end == pos_ || end >= text_.size() || text_[end] != ':') return Prefix::kNone;
        const Prefix prefix = prefix_named(text_.substr(pos_, end - pos_));
        if (prefix == Prefix::kNone) return Prefix::kNone;
        if (end + 1 >= text_.size() || is_space(text_[end + 1])) {
            // "title: x" or a trailing "author:" (still being typed): the prefix names nothing.
            pos_ = end + 1;
            return Prefix::kNone;
        }
        pos_ = end + 1;
        return prefix;
    }

    // A quoted phrase (an unbalanced quote runs to the end) or a word up to the next space or
    // quote, so that foo"bar" is the word foo and then the phrase bar.
    std::string_view scan_value(bool& quoted) {
        quoted = pos_ < text_.size() && text_[pos_] == '"';
        if (quoted) {
            const size_t begin = pos_ + 1;
            size_t end = text_.find('"', begin);
            if (end == std::string_view::npos) end = text_.size();
            pos_ = std::min(end + 1, text_.size());
            return text_.substr(begin, end - begin);
        }
        const size_t begin = pos_;
        while (pos_ < text_.size() && !is_space(text_[pos_]) && text_[pos_] != '"') ++pos_;
        return text_.substr(begin, pos_ - begin);
    }

    void add_text(std::string_view value, bool quoted, bool negated, std::optional<Field> field,
                  const text::Analyzer& analyzer) {
        if (value.empty()) return;
        if (!quoted && value.back() == '*') {
            add_prefix(value, negated, field, analyzer);
            return;
        }
        tokens_.clear();
        analyzer.analyze(value, tokens_);
        // A negated word is excluded as a phrase of its parts: "-gpt-4" must drop papers about
        // GPT-4, not every paper containing a "4".
        if (quoted || negated) {
            add_phrase(negated ? query_.must_not : query_.must, field);
            return;
        }
        for (const text::Token& token : tokens_) {
            if (token.term.empty()) continue;
            add_clause(query_.should, Clause{.kind = Clause::Kind::kTerm,
                                             .terms = {token.term},
                                             .positions = {0},
                                             .field = field});
            // The words for suggestions are the source text of the indexed parts, folded: the
            // same cut the index makes for its vocabulary, so "transformers," and "gpt-4" give
            // "transformers" and "gpt", "4". Author names are not vocabulary words, and
            // stopwords (no token) are never misspelt.
            if (field != Field::kAuthors && !token.is_compound_whole && token.begin < token.end &&
                token.end <= value.size()) {
                add_word(analyzer.fold(value.substr(token.begin, token.end - token.begin)));
            }
        }
    }

    // The analysed tokens_ as one phrase clause (one term: a term clause). The compound wholes
    // are skipped: they share the position of their first part, and the parts alone have the
    // consecutive positions a phrase match needs.
    void add_phrase(std::vector<Clause>& list, std::optional<Field> field) {
        Clause clause{.kind = Clause::Kind::kPhrase, .field = field};
        uint32_t first = 0;
        for (const text::Token& token : tokens_) {
            if (token.is_compound_whole || token.term.empty()) continue;
            // Positions must ascend for a phrase to mean anything; a token that does not
            // follow its predecessor (never produced by the Analyzer's contract) is skipped
            // rather than wrapped around to a huge relative position.
            if (!clause.terms.empty() && token.position <= first + clause.positions.back())
                continue;
            if (clause.terms.size() == kMaxPhraseTerms) {
                query_.truncated = true;
                break;
            }
            if (clause.terms.empty()) first = token.position;
            clause.terms.push_back(token.term);
            clause.positions.push_back(token.position - first);
        }
        if (clause.terms.empty()) return;
        if (clause.terms.size() == 1) {
            clause.kind = Clause::Kind::kTerm;
            clause.positions = {0};
        }
        add_clause(list, std::move(clause));
    }

    // "transfo*": the folded, unstemmed prefix, so that it matches the stems and compound wholes
    // of the index ("self-atten*" folds to "selfatten", the start of the whole "selfattention").
    // Fewer than two characters would match half the vocabulary and are ignored.
    void add_prefix(std::string_view value, bool negated, std::optional<Field> field,
                    const text::Analyzer& analyzer) {
        while (!value.empty() && value.back() == '*') value.remove_suffix(1);
        std::string prefix;
        for (char c : analyzer.fold(value)) {
            const auto u = static_cast<unsigned char>(c);
            if (u >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) prefix += c;
        }
        size_t characters = 0;
        for (char c : prefix) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        // Index terms are at most 64 bytes (the Analyzer drops longer ones): a longer prefix
        // could match nothing.
        if (characters < 2 || prefix.size() > kMaxPrefixBytes) return;
        add_clause(
            negated ? query_.must_not : query_.should,
            Clause{.kind = Clause::Kind::kPrefix, .terms = {std::move(prefix)}, .field = field});
    }

    void add_filter(Prefix prefix, std::string_view value) {
        Filters& filters = query_.filters;
        int32_t first = 0;
        int32_t last = 0;
        switch (prefix) {
            case Prefix::kCategory:
                if (!value.empty()) add_unique(filters.categories, ascii_lower(value));
                break;
            case Prefix::kOrganization: {
                std::string org = analyzer_.fold(value);
                if (!org.empty()) add_unique(filters.organizations, std::move(org));
                break;
            }
            // Both bounds are inclusive and a month or a year stands for all of its days:
            // after:2024-03 starts on 2024-03-01, before:2024 ends on 2024-12-31. Date filters
            // combine with AND (the range narrows); an invalid date is dropped, not searched for.
            case Prefix::kAfter:
                if (parse_date_range(value, first, last)) narrow(first, std::nullopt);
                break;
            case Prefix::kBefore:
                if (parse_date_range(value, first, last)) narrow(std::nullopt, last);
                break;
            case Prefix::kYear:
                if (value.size() == 4 && parse_date_range(value, first, last)) narrow(first, last);
                break;
            case Prefix::kHas:
                if (ascii_iequals(value, "code")) filters.has_code = true;
                break;
            case Prefix::kOn:
                if (ascii_iequals(value, "daily")) filters.on_daily_list = true;
                break;
            default:
                break;
        }
    }

    void narrow(std::optional<int32_t> from, std::optional<int32_t> to) {
        Filters& filters = query_.filters;
        if (from) filters.from_day = filters.from_day ? std::max(*filters.from_day, *from) : *from;
        if (to) filters.to_day = filters.to_day ? std::min(*filters.to_day, *to) : *to;
    }

    // A repeated clause is merged into the first one, whose count it raises (for a scored term,
    // its query term frequency). Plain words in the ranked OR are looked up in a hash map (a
    // pasted paragraph has hundreds) and capped at kMaxTermClauses distinct terms; the other
    // clauses are few, found by a linear search over at most kMaxClauses entries, and capped
    // at kMaxClauses together.
    void add_clause(std::vector<Clause>& list, Clause clause) {
        if (&list == &query_.should && clause.kind == Clause::Kind::kTerm) {
            std::string key(1, clause.field ? static_cast<char>(*clause.field) : '*');
            key += clause.terms[0];
            auto [it, added] = term_clauses_.try_emplace(std::move(key), list.size());
            if (!added) {
                ++list[it->second].count;
            } else if (term_clause_count_ >= kMaxTermClauses) {
                term_clauses_.erase(it);
                query_.truncated = true;
            } else {
                ++term_clause_count_;
                list.push_back(std::move(clause));
            }
            return;
        }
        for (Clause& c : list) {
            if (c.kind == clause.kind && c.field == clause.field && c.terms == clause.terms &&
                c.positions == clause.positions) {
                ++c.count;
                return;
            }
        }
        if (other_clause_count_ >= kMaxClauses) {
            query_.truncated = true;
            return;
        }
        ++other_clause_count_;
        list.push_back(std::move(clause));
    }

    void add_word(std::string word) {
        if (word.empty() || query_.words.size() >= kMaxClauses) return;
        if (std::find(query_.words.begin(), query_.words.end(), word) == query_.words.end()) {
            query_.words.push_back(std::move(word));
        }
    }

    // The filter lists are capped like the clauses, which also keeps the duplicate check small.
    void add_unique(std::vector<std::string>& list, std::string value) {
        if (std::find(list.begin(), list.end(), value) != list.end()) return;
        if (list.size() >= kMaxClauses) {
            query_.truncated = true;
            return;
        }
        list.push_back(std::move(value));
    }

    std::string_view text_;
    size_t pos_ = 0;
    const text::Analyzer& analyzer_;
    Query& query_;
    std::vector<text::Token> tokens_;  // reused across words
    // The plain-word clauses of query_.should by field and term: their index in the list.
    std::unordered_map<std::string, size_t> term_clauses_;
    size_t term_clause_count_ = 0;
    size_t other_clause_count_ = 0;  // every other clause, in any list
};

}  // namespace

Query parse_query(std::string_view text, const text::Analyzer& analyzer) {
    Query query;
    const std::string clean = sanitize(text, query.truncated);
    Parser(clean, analyzer, query).run();
    return query;
}

}  // namespace paperboy::index
