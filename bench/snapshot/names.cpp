#include "snapshot/names.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
#include <utility>

namespace paperboy::bench {
namespace {

// Share of authors drawn from the real surnames; the rest come from the synthetic pool.
constexpr double kRealSurnameShare = 0.35;
// Synthetic surnames are ranked 1..kSurnameSpace and drawn with P(rank) ~ 1/rank.
constexpr double kSurnameSpace = 400000;
constexpr double kAccentedShare = 0.06;

// The most frequent surnames on arXiv today; the 2007 sample has few of them.
constexpr std::array kCommonSurnames = {
    "Wang", "Li",  "Zhang", "Liu",  "Chen",  "Yang",  "Huang",  "Zhao",   "Wu",    "Zhou",
    "Xu",   "Sun", "Ma",    "Zhu",  "Hu",    "Guo",   "He",     "Lin",    "Gao",   "Luo",
    "Kim",  "Lee", "Park",  "Choi", "Singh", "Kumar", "Tanaka", "Nguyen", "Smith", "Müller"};
constexpr std::array kSurnameSyllables = {
    "ka", "lo", "ber", "ma",  "ri",  "to",  "van", "de", "sa", "mi", "no", "ha", "ta", "ko",  "ran",
    "vi", "el", "or",  "sel", "bar", "dal", "gu",  "pe", "zo", "ni", "li", "ra", "fe", "hol", "ku"};
constexpr std::array kSurnameEndings = {"ov",  "enko", "son", "ez",  "ini",  "mann", "sky",  "ata",
                                        "ian", "berg", "ski", "ou",  "escu", "idis", "aki",  "er",
                                        "",    "",     "a",   "ing", "ner",  "ovic", "elli", "et"};
constexpr std::array kAccented = {std::pair{'a', "á"}, std::pair{'e', "é"}, std::pair{'o', "ö"},
                                  std::pair{'u', "ü"}, std::pair{'i', "í"}, std::pair{'n', "ñ"},
                                  std::pair{'c', "ç"}, std::pair{'s', "š"}};
constexpr std::array kTexAccents = {
    std::pair{"á", "\\'a"},   std::pair{"é", "\\'e"},   std::pair{"í", "\\'i"},
    std::pair{"ó", "\\'o"},   std::pair{"ú", "\\'u"},   std::pair{"à", "\\`a"},
    std::pair{"è", "\\`e"},   std::pair{"ä", "\\\"a"},  std::pair{"ö", "\\\"o"},
    std::pair{"ü", "\\\"u"},  std::pair{"ñ", "\\~n"},   std::pair{"ç", "\\c{c}"},
    std::pair{"š", "\\v{s}"}, std::pair{"č", "\\v{c}"}, std::pair{"ć", "\\'c"},
    std::pair{"ø", "\\o"},    std::pair{"É", "\\'E"},   std::pair{"Ö", "\\\"O"},
    std::pair{"Ü", "\\\"U"},  std::pair{"Š", "\\v{S}"}};
constexpr std::array kSuffixes = {"Jr", "II", "III"};

template <typename Array>
auto pick(const Array& array, Rng& rng) {
    return array[rng.below(static_cast<uint32_t>(array.size()))];
}

char random_capital(Rng& rng) {
    // Initials as they occur: fewer Q, X, Z than A, J, M, S.
    static constexpr std::string_view kLetters = "AAABCCDDEFGHHJJJKKLLMMMNOPRRSSSTTVWXYZ";
    return kLetters[rng.below(static_cast<uint32_t>(kLetters.size()))];
}

}  // namespace

NameSampler::NameSampler(const Model& model, uint64_t seed)
    : surnames_(model.surnames), given_(model.given_names), seed_(seed) {}

std::string NameSampler::synthetic_surname(uint32_t rank) const {
    if (rank <= kCommonSurnames.size()) return kCommonSurnames[rank - 1];
    uint64_t state = seed_ ^ (0x2545f4914f6cdd1dULL * rank);
    Rng rng(splitmix64(state));
    std::string name;
    for (int i = rng.between(1, 3); i > 0; --i) name += pick(kSurnameSyllables, rng);
    name += pick(kSurnameEndings, rng);
    if (rng.chance(kAccentedShare)) {
        // Accent the first letter that has an accented form (never the capital).
        for (size_t i = 1; i < name.size(); ++i) {
            auto match = std::find_if(kAccented.begin(), kAccented.end(),
                                      [&](const auto& p) { return p.first == name[i]; });
            if (match != kAccented.end()) {
                name.replace(i, 1, match->second);
                break;
            }
        }
    }
    name[0] = static_cast<char>(name[0] - 'a' + 'A');
    return name;
}

Author NameSampler::author(Rng& rng) const {
    Author a;
    if (rng.chance(kRealSurnameShare)) {
        a.last = surnames_.sample(rng);
    } else {
        auto rank = static_cast<uint32_t>(std::exp(rng.uniform() * std::log(kSurnameSpace)));
        a.last = synthetic_surname(rank == 0 ? 1 : rank);
    }
    uint32_t style = rng.below(100);
    if (style < 40) {
        a.first = {random_capital(rng), '.'};
    } else if (style < 50) {
        a.first = {random_capital(rng), '.', ' ', random_capital(rng), '.'};
    } else if (style < 55) {
        a.first = {random_capital(rng), '.', '-', random_capital(rng), '.'};
    } else {
        a.first = given_.sample(rng);
        if (rng.chance(0.2)) a.first += {' ', random_capital(rng), '.'};
    }
    if (rng.chance(0.005)) a.suffix = pick(kSuffixes, rng);
    return a;
}

std::string NameSampler::handle(Rng& rng) const {
    std::string h;
    for (int i = rng.between(2, 3); i > 0; --i) h += pick(kSurnameSyllables, rng);
    if (rng.chance(0.4)) h += std::to_string(rng.between(1, 99));
    return h;
}

void append_tex_accents(std::string& out, std::string_view utf8) {
    for (size_t i = 0; i < utf8.size();) {
        if (static_cast<unsigned char>(utf8[i]) >= 0x80) {
            std::string_view rest = utf8.substr(i);
            auto match = std::find_if(kTexAccents.begin(), kTexAccents.end(),
                                      [&](const auto& p) { return rest.starts_with(p.first); });
            if (match != kTexAccents.end()) {
                out += match->second;
                i += std::string_view(match->first).size();
                continue;
            }
        }
        out += utf8[i++];
    }
}

}  // namespace paperboy::bench
