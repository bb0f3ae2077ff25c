#include "snapshot/text.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace paperboy::bench {
namespace {

constexpr double kTwoTo32 = 4294967296.0;
// Compounds are built from this many of the most frequent plain words.
constexpr size_t kCompoundPool = 8000;

constexpr std::array kSyllables = {
    "ka",  "lo",  "ther", "vex", "xy",  "qua", "mor", "phe", "tri", "zen", "dra", "li",
    "no",  "gra", "pho",  "ron", "sil", "cy",  "bi",  "ne",  "tor", "pla", "sma", "cor",
    "tex", "neu", "ro",   "fla", "gen", "mi",  "cro", "hy",  "dro", "lu",  "an",  "ex",
    "ot",  "ur",  "yl",   "sta", "ve",  "pi",  "del", "quo", "ra",  "tho", "zy",  "mes"};
constexpr std::array kWordEndings = {"ic",  "ase",   "ide", "ine", "ene", "on", "ity", "oid",
                                     "ium", "ation", "ism", "al",  "ous", "in", "ar",  ""};
constexpr std::array kModelStems = {"Former", "Net",   "GPT", "BERT", "Diff",   "Mamba", "LM",
                                    "Flow",   "Gen",   "Seg", "Mix",  "Agent",  "Bench", "VLA",
                                    "Fusion", "Coder", "Nav", "Mind", "Vision", "Graph"};
constexpr std::array kModelSuffixes = {"",    "",      "",     "-7B",  "-13B",      "-70B",
                                       "-XL", "2",     "3",    "-v2",  "++",        "-Lite",
                                       "-R1", "-8x7B", "-Pro", "-1.5", "-Instruct", "-0.5B"};
constexpr std::array kCompoundSuffixes = {"aware", "based", "free",  "guided", "driven",
                                          "level", "scale", "order", "like",   "invariant"};
constexpr std::array kElements = {"H",  "C",  "N",  "O",  "Fe", "Ge", "Te", "Li", "Mn", "Co", "Ni",
                                  "Cu", "Zn", "Ga", "As", "Se", "Bi", "Sr", "Ti", "Ba", "La", "Mo",
                                  "S",  "P",  "Si", "Al", "Cs", "Pb", "I",  "Br", "Cl", "Nb"};
constexpr std::array kGreek = {"alpha", "beta",  "gamma",  "delta", "epsilon", "lambda", "mu",
                               "nu",    "rho",   "sigma",  "tau",   "phi",     "psi",    "omega",
                               "Gamma", "Delta", "Lambda", "Sigma", "Phi",     "Omega"};

template <typename Array>
const char* pick(const Array& array, Rng& rng) {
    return array[rng.below(static_cast<uint32_t>(array.size()))];
}

void append_syllables(std::string& out, Rng& rng, int lo, int hi, bool capital) {
    size_t start = out.size();
    for (int i = rng.between(lo, hi); i > 0; --i) out += pick(kSyllables, rng);
    if (capital) out[start] = static_cast<char>(out[start] - 'a' + 'A');
}

void append_hex4(std::string& out, uint32_t unit) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(unit >> shift) & 0xf];
}

// Decodes one UTF-8 sequence at text[i]; advances i. Malformed input yields U+FFFD.
uint32_t decode_utf8(std::string_view text, size_t& i) {
    auto byte = static_cast<unsigned char>(text[i++]);
    int extra = byte >= 0xf0 ? 3 : byte >= 0xe0 ? 2 : byte >= 0xc0 ? 1 : -1;
    if (extra < 0) return 0xfffd;
    uint32_t cp = byte & (0x3f >> extra);
    for (int k = 0; k < extra; ++k) {
        if (i >= text.size() || (static_cast<unsigned char>(text[i]) & 0xc0) != 0x80) {
            return 0xfffd;
        }
        cp = (cp << 6) | (static_cast<unsigned char>(text[i++]) & 0x3f);
    }
    return cp > 0x10ffff ? 0xfffd : cp;
}

}  // namespace

AliasTable::AliasTable(const std::vector<double>& weights)
    : size_(weights.size()), threshold_(weights.size(), 0), alias_(weights.size(), 0) {
    double total = 0;
    for (double w : weights) total += w;
    std::vector<double> scaled(weights.size());
    std::vector<uint32_t> small;
    std::vector<uint32_t> large;
    for (uint32_t i = 0; i < weights.size(); ++i) {
        scaled[i] = weights[i] * static_cast<double>(weights.size()) / total;
        (scaled[i] < 1.0 ? small : large).push_back(i);
    }
    // Vose's method: pair each under-full column with an over-full one.
    while (!small.empty() && !large.empty()) {
        uint32_t s = small.back();
        small.pop_back();
        uint32_t l = large.back();
        threshold_[s] = static_cast<uint64_t>(scaled[s] * kTwoTo32);
        alias_[s] = l;
        scaled[l] -= 1.0 - scaled[s];
        if (scaled[l] < 1.0) {
            large.pop_back();
            small.push_back(l);
        }
    }
    for (uint32_t i : large) threshold_[i] = static_cast<uint64_t>(kTwoTo32);
    for (uint32_t i : small) threshold_[i] = static_cast<uint64_t>(kTwoTo32);  // rounding
}

int append_json_escaped(std::string& out, std::string_view text) {
    int length = 0;
    size_t i = 0;
    while (i < text.size()) {
        ++length;
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            ++i;
            if (c == '"' || c == '\\') {
                out += '\\';
                out += static_cast<char>(c);
            } else if (c == '\n') {
                out += "\\n";
            } else if (c == '\t') {
                out += "\\t";
            } else if (c < 0x20) {
                append_hex4(out, c);
            } else {
                out += static_cast<char>(c);
            }
            continue;
        }
        uint32_t cp = decode_utf8(text, i);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            append_hex4(out, 0xd800 + (cp >> 10));
            append_hex4(out, 0xdc00 + (cp & 0x3ff));
        } else {
            append_hex4(out, cp);
        }
    }
    return length;
}

void LineWrapper::word(std::string_view escaped, int length, std::string_view suffix,
                       bool capitalize) {
    int width = length + static_cast<int>(suffix.size());
    if (first_) {
        first_ = false;
    } else if (column_ + 1 + width > width_) {
        out_ += line_break_;
        column_ = indent_;
    } else {
        out_ += ' ';
        ++column_;
    }
    size_t start = out_.size();
    out_ += escaped;
    if (capitalize && out_[start] >= 'a' && out_[start] <= 'z') {
        out_[start] = static_cast<char>(out_[start] - 'a' + 'A');
    }
    out_ += suffix;
    column_ += width;
}

Vocabulary::Vocabulary(const Vocab& vocab)
    : table_(vocab.words.weights), title_table_(vocab.title_weights) {
    const WeightedStrings& words = vocab.words;
    offsets_.reserve(words.values.size() + 1);
    lengths_.reserve(words.values.size());
    for (uint32_t i = 0; i < words.values.size(); ++i) {
        const std::string& w = words.values[i];
        offsets_.push_back(static_cast<uint32_t>(arena_.size()));
        int length = append_json_escaped(arena_, w);
        lengths_.push_back(static_cast<uint16_t>(std::min(length, 0xffff)));
        bool plain = w.size() >= 4 &&
                     std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
        if (plain && plain_words_.size() < kCompoundPool) plain_words_.push_back(i);
    }
    offsets_.push_back(static_cast<uint32_t>(arena_.size()));
}

RareTerms::RareTerms(const Model& model, const Vocabulary& vocabulary, uint64_t seed)
    : vocabulary_(vocabulary), seed_(seed), discount_(model.heaps_beta) {
    // For n >> theta a Pitman-Yor process has about theta^(1-d) / d * n^d distinct terms. With
    // n = tail_fraction * T this equals K * T^beta when
    // theta = (K d / tail_fraction^d)^(1 / (1 - d)).
    double d = discount_;
    concentration_ =
        std::pow(model.heaps_k * d / std::pow(model.tail_fraction, d), 1.0 / (1.0 - d));
}

uint32_t RareTerms::draw(Rng& rng) {
    auto n = static_cast<double>(draws_.size());
    double p_new = (concentration_ + discount_ * distinct_) / (concentration_ + n);
    uint32_t id = rng.chance(p_new) || draws_.empty()
                      ? distinct_++
                      : draws_[rng.below(static_cast<uint32_t>(draws_.size()))];
    draws_.push_back(id);
    return id;
}

int RareTerms::append(std::string& out, uint32_t id) const {
    return append_json_escaped(out, term(id));
}

std::string RareTerms::model_name(uint64_t key) const {
    uint64_t state = seed_ ^ (key * 0xd1b54a32d192ed03ULL);
    Rng rng(splitmix64(state));
    std::string name;
    if (rng.chance(0.5)) {
        append_syllables(name, rng, 1, 2, /*capital=*/true);
        name += pick(kModelStems, rng);
    } else {
        append_syllables(name, rng, 2, 3, /*capital=*/true);
    }
    name += pick(kModelSuffixes, rng);
    return name;
}

std::string RareTerms::term(uint32_t id) const {
    uint64_t state = seed_ + 0x5851f42d4c957f2dULL * (static_cast<uint64_t>(id) + 1);
    Rng rng(splitmix64(state));
    std::string t;
    uint32_t kind = rng.below(100);
    if (kind < 33) {  // pseudo-word: "quoranthic"
        append_syllables(t, rng, 2, 4, /*capital=*/false);
        t += pick(kWordEndings, rng);
    } else if (kind < 53) {  // compound of real words: "kernel-guided", "spectral-aware"
        const auto& plain = vocabulary_.plain_words();
        if (plain.empty()) return "xyloid";
        t += vocabulary_.escaped(plain[rng.below(static_cast<uint32_t>(plain.size()))]);
        t += '-';
        if (rng.chance(0.3)) {
            t += pick(kCompoundSuffixes, rng);
        } else {
            t += vocabulary_.escaped(plain[rng.below(static_cast<uint32_t>(plain.size()))]);
        }
    } else if (kind < 73) {  // model or tool name: "GraphFormer3", "Qorvex-13B"
        t = model_name(rng.next());
    } else if (kind < 83) {  // chemical formula: "Fe3GeTe2"
        for (int i = rng.between(2, 4); i > 0; --i) {
            t += pick(kElements, rng);
            if (rng.chance(0.6)) t += std::to_string(rng.between(2, 12));
        }
    } else if (kind < 95) {  // gene or protein symbol: "KDM5C", "miR-4521"
        if (rng.chance(0.2)) {
            t = "miR-" + std::to_string(rng.between(100, 9999));
        } else {
            for (int i = rng.between(2, 4); i > 0; --i) t += static_cast<char>('A' + rng.below(26));
            t += std::to_string(rng.between(1, 30));
            if (rng.chance(0.3)) t += static_cast<char>('A' + rng.below(26));
        }
    } else {  // TeX symbol: "$\gamma_{12}$"
        t = "$\\";
        t += pick(kGreek, rng);
        t += "_{";
        t += rng.chance(0.5) ? std::to_string(rng.between(0, 99))
                             : std::string(1, static_cast<char>('a' + rng.below(26)));
        t += "}$";
    }
    return t;
}

}  // namespace paperboy::bench
