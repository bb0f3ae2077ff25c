// bench/snapshot/text.h — building blocks for synthetic text: a discrete sampler, JSON string
// escaping in the Kaggle snapshot's style, arXiv-style line wrapping, the learned vocabulary
// and the long tail of made-up rare terms.
//
// Depends on snapshot/model.h and snapshot/rng.h. Not thread-safe (RareTerms keeps state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "snapshot/model.h"
#include "snapshot/rng.h"

namespace paperboy::bench {

// Walker's alias method: O(1) draws from a fixed discrete distribution. Precondition: at least
// one weight, all non-negative, not all zero.
class AliasTable {
  public:
    explicit AliasTable(const std::vector<double>& weights);

    uint32_t sample(Rng& rng) const {
        uint64_t r = rng.next();
        auto i = static_cast<uint32_t>(((r >> 32) * size_) >> 32);
        return (r & 0xffffffffULL) < threshold_[i] ? i : alias_[i];
    }

  private:
    uint64_t size_;
    std::vector<uint64_t> threshold_;  // chance of keeping i, scaled to 2^32
    std::vector<uint32_t> alias_;
};

// Draws values of a histogram (WeightedInts) in proportion to their weights.
class IntSampler {
  public:
    explicit IntSampler(const WeightedInts& histogram)
        : values_(histogram.values), table_(histogram.weights) {}
    int sample(Rng& rng) const { return values_[table_.sample(rng)]; }

  private:
    std::vector<int> values_;
    AliasTable table_;
};

class StringSampler {
  public:
    explicit StringSampler(const WeightedStrings& table)
        : values_(table.values), table_(table.weights) {}
    const std::string& sample(Rng& rng) const { return values_[table_.sample(rng)]; }

  private:
    std::vector<std::string> values_;
    AliasTable table_;
};

// Appends UTF-8 `text` as the inside of a JSON string, as Python's json.dumps writes the
// snapshot: '"', '\' and control characters escaped, everything beyond ASCII as \uXXXX
// (surrogate pairs above U+FFFF; malformed bytes as U+FFFD). Returns the number of characters
// (code points), which is the width the text takes on a line.
int append_json_escaped(std::string& out, std::string_view text);

// Appends words separated by single spaces and breaks lines like arXiv metadata: a line never
// grows past `width` characters unless one word alone is longer. A break is written as
// `line_break` (already JSON-escaped: "\\n" for abstracts, "\\n  " for titles and authors)
// and leaves the next line at column `indent`.
class LineWrapper {
  public:
    LineWrapper(std::string& out, int width, std::string_view line_break, int indent,
                int column = 0)
        : out_(out), width_(width), line_break_(line_break), indent_(indent), column_(column) {}

    // Appends an escaped word `length` characters wide, followed by `suffix` (plain ASCII
    // punctuation such as "," or "."). With `capitalize`, an initial a-z is upper-cased.
    void word(std::string_view escaped, int length, std::string_view suffix = {},
              bool capitalize = false);

  private:
    std::string& out_;
    int width_;
    std::string_view line_break_;
    int indent_;
    int column_;
    bool first_ = true;
};

// The learned words, stored escaped once so that drawing a word is a table lookup.
class Vocabulary {
  public:
    explicit Vocabulary(const Vocab& vocab);

    // A word drawn by its frequency in all text, or by its frequency in titles.
    uint32_t sample(Rng& rng) const { return table_.sample(rng); }
    uint32_t sample_title_word(Rng& rng) const { return title_table_.sample(rng); }
    size_t size() const { return lengths_.size(); }
    std::string_view escaped(uint32_t i) const {
        return std::string_view(arena_).substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
    }
    int length(uint32_t i) const { return lengths_[i]; }
    // Ranks of frequent all-lowercase ASCII words, for made-up compounds like "graph-aware".
    const std::vector<uint32_t>& plain_words() const { return plain_words_; }

  private:
    std::string arena_;
    std::vector<uint32_t> offsets_;
    std::vector<uint16_t> lengths_;
    std::vector<uint32_t> plain_words_;
    AliasTable table_;
    AliasTable title_table_;
};

// The long tail: made-up terms (model names like "Xylo-7B", compounds like "kernel-guided",
// chemical formulas, gene symbols, TeX symbols, pseudo-words) so that, as in real corpora,
// new terms keep appearing as the snapshot grows. Term ids come from a Pitman-Yor-like
// process: draw n is a new term with chance (theta + d V) / (theta + n), where V terms exist,
// else a repeat of an earlier draw (rich get richer). V then grows as n^d; d is the Heaps
// exponent fitted on the real text and theta is set so that V tracks the fitted K * T^beta,
// T counting all tokens when a share `tail_fraction` of them are drawn here.
class RareTerms {
  public:
    RareTerms(const Model& model, const Vocabulary& vocabulary, uint64_t seed);

    uint32_t draw(Rng& rng);
    // Appends term `id` (a pure function of id and seed) escaped; returns its length.
    int append(std::string& out, uint32_t id) const;
    // A made-up model or tool name ("GraphFormer3", "Qorvex-13B"), a pure function of `key`.
    std::string model_name(uint64_t key) const;
    uint32_t distinct() const { return distinct_; }

  private:
    std::string term(uint32_t id) const;

    const Vocabulary& vocabulary_;
    uint64_t seed_;
    double discount_;
    double concentration_;
    uint32_t distinct_ = 0;
    std::vector<uint32_t> draws_;
};

}  // namespace paperboy::bench
