#include "ingest/authors.h"

#include <array>
#include <cstdint>
#include <map>
#include <optional>

namespace paperboy::ingest {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The characters tex_to_unicode acts on; everything else is copied as it is. A table, since
// the test runs once per character of every title and abstract.
constexpr std::array<bool, 256> kTexSpecial = [] {
    std::array<bool, 256> table{};
    for (unsigned char c : {'\\', '{', '}', '~', '$'}) table[c] = true;
    return table;
}();
bool is_tex_special(char c) { return kTexSpecial[static_cast<unsigned char>(c)]; }

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// An accent command, the precomposed letters it makes (each base letter followed by its UTF-8
// form; generated from Unicode NFC), and the combining mark used for any other base letter.
struct Accent {
    char command;
    std::string_view composed;
    uint32_t combining;
};

constexpr Accent kAccents[] = {
    {'\'', "aácćeégǵiíkḱlĺmḿnńoópṕrŕsśuúwẃyýzźAÁCĆEÉGǴIÍKḰLĹMḾNŃOÓPṔRŔSŚUÚWẂYÝZŹ", 0x301},
    {'`', "aàeèiìnǹoòuùwẁyỳAÀEÈIÌNǸOÒUÙWẀYỲ", 0x300},
    {'^', "aâcĉeêgĝhĥiîjĵoôsŝuûwŵyŷzẑAÂCĈEÊGĜHĤIÎJĴOÔSŜUÛWŴYŶZẐ", 0x302},
    {'"', "aäeëhḧiïoötẗuüwẅxẍyÿAÄEËHḦIÏOÖUÜWẄXẌYŸ", 0x308},
    {'~', "aãeẽiĩnñoõuũvṽyỹAÃEẼIĨNÑOÕUŨVṼYỸ", 0x303},
    {'=', "aāeēgḡiīoōuūyȳAĀEĒGḠIĪOŌUŪYȲ", 0x304},
    {'.', "aȧbḃcċdḋeėfḟgġhḣmṁnṅoȯpṗrṙsṡtṫwẇxẋyẏzżAȦBḂCĊDḊEĖFḞGĠHḢIİMṀNṄOȮPṖRṘSṠTṪWẆXẊYẎZŻ", 0x307},
    {'u', "aăeĕgğiĭoŏuŭAĂEĔGĞIĬOŎUŬ", 0x306},
    {'v', "aǎcčdďeěgǧhȟiǐjǰkǩlľnňoǒrřsštťuǔzžAǍCČDĎEĚGǦHȞIǏKǨLĽNŇOǑRŘSŠTŤUǓZŽ", 0x30C},
    {'H', "oőuűOŐUŰ", 0x30B},
    {'c', "cçdḑeȩgģhḩkķlļnņrŗsştţCÇDḐEȨGĢHḨKĶLĻNŅRŖSŞTŢ", 0x327},
    {'k', "aąeęiįoǫuųAĄEĘIĮOǪUŲ", 0x328},
    {'r', "aåuůwẘyẙAÅUŮ", 0x30A},
    {'d', "aạbḅdḍeẹhḥiịkḳlḷmṃnṇoọrṛsṣtṭuụvṿwẉyỵzẓAẠBḄDḌEẸHḤIỊKḲLḶMṂNṆOỌRṚSṢTṬUỤVṾWẈYỴZẒ", 0x323},
    {'b', "bḇdḏhẖkḵlḻnṉrṟtṯzẕBḆDḎKḴLḺNṈRṞTṮZẔ", 0x331},
};

const Accent* find_accent(char command) {
    for (const Accent& a : kAccents) {
        if (a.command == command) return &a;
    }
    return nullptr;
}

// Appends `base` carrying `accent`: the precomposed letter when Unicode has one, else the
// base followed by the combining mark (still correct text, just not NFC).
void append_accented(std::string& out, const Accent& accent, char base) {
    std::string_view table = accent.composed;
    size_t i = 0;
    while (i < table.size()) {
        char letter = table[i++];
        size_t len = 1;
        auto lead = static_cast<unsigned char>(table[i]);
        if (lead >= 0xF0) {
            len = 4;
        } else if (lead >= 0xE0) {
            len = 3;
        } else if (lead >= 0xC0) {
            len = 2;
        }
        if (letter == base) {
            out.append(table.substr(i, len));
            return;
        }
        i += len;
    }
    out += base;
    append_utf8(out, accent.combining);
}

// Control words that stand for a letter or symbol.
struct Symbol {
    std::string_view command;
    std::string_view text;
};

constexpr Symbol kSymbols[] = {
    {"aa", "å"}, {"AA", "Å"}, {"ae", "æ"}, {"AE", "Æ"}, {"o", "ø"},  {"O", "Ø"},  {"oe", "œ"},
    {"OE", "Œ"}, {"ss", "ß"}, {"l", "ł"},  {"L", "Ł"},  {"i", "ı"},  {"j", "ȷ"},  {"dh", "ð"},
    {"DH", "Ð"}, {"th", "þ"}, {"TH", "Þ"}, {"ng", "ŋ"}, {"NG", "Ŋ"}, {"dj", "đ"}, {"DJ", "Đ"},
};

std::optional<std::string_view> find_symbol(std::string_view command) {
    for (const Symbol& s : kSymbols) {
        if (s.command == command) return s.text;
    }
    return std::nullopt;
}

// Reads an accent's argument at text[pos]: "a", "{a}", "{\i}", "\i", "{}" is not one. On
// success returns the base letter and advances `pos` past the argument.
std::optional<char> read_accent_argument(std::string_view text, size_t& pos) {
    size_t p = pos;
    bool braced = p < text.size() && text[p] == '{';
    if (braced) ++p;
    char base = 0;
    if (p < text.size() && is_ascii_letter(text[p])) {
        base = text[p++];
    } else if (p + 1 < text.size() && text[p] == '\\' &&
               (text[p + 1] == 'i' || text[p + 1] == 'j') &&
               (p + 2 >= text.size() || !is_ascii_letter(text[p + 2]))) {
        // \'\i: the accent goes on a dotless i, which is a plain i once accented.
        base = text[p + 1];
        p += 2;
        if (!braced) {
            while (p < text.size() && is_space(text[p])) ++p;
        }
    } else {
        return std::nullopt;
    }
    if (braced) {
        if (p >= text.size() || text[p] != '}') return std::nullopt;
        ++p;
    }
    pos = p;
    return base;
}

std::string collapse_space(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool pending = false;
    for (char c : s) {
        if (is_space(c)) {
            pending = !out.empty();
        } else {
            if (pending) out += ' ';
            pending = false;
            out += c;
        }
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// tex_to_unicode, white space collapsed, and stray separators at the ends dropped.
std::string clean_part(std::string_view raw) {
    std::string s = collapse_space(tex_to_unicode(raw));
    std::string_view v = s;
    while (!v.empty() && (v.back() == ',' || v.back() == ';' || is_space(v.back()))) {
        v.remove_suffix(1);
    }
    while (!v.empty() && (v.front() == ',' || v.front() == ';' || is_space(v.front()))) {
        v.remove_prefix(1);
    }
    return std::string(v);
}

// ---- author lists ----

// One author as read from the list, before affiliations are resolved.
struct RawAuthor {
    std::string name;
    std::vector<std::string> groups;  // parenthesised groups after the name, raw
    bool joined_by_and = false;       // "and" (not a comma) separates it from the one before
};

bool is_suffix_word(std::string_view s) {
    for (std::string_view w : {"Jr", "Jr.", "Sr", "Sr.", "II", "III", "IV", "jr", "jr."}) {
        if (s == w) return true;
    }
    return false;
}

bool is_et_al(std::string_view s) { return s == "et al" || s == "et al." || s == "et. al."; }

// "1", "1,2", "1 and 3", "2, 4, 5": a group that only refers to numbered affiliations.
bool is_reference_list(std::string_view g) {
    bool digit = false;
    for (size_t i = 0; i < g.size(); ++i) {
        char c = g[i];
        if (is_digit(c)) {
            digit = true;
        } else if (c == ',' || c == ';' || is_space(c)) {
            continue;
        } else if (g.substr(i, 3) == "and") {
            i += 2;
        } else {
            return false;
        }
    }
    return digit;
}

std::vector<int> reference_numbers(std::string_view g) {
    std::vector<int> out;
    int n = -1;
    for (char c : g) {
        if (is_digit(c)) {
            n = (n < 0 ? 0 : n * 10) + (c - '0');
            if (n > 1000000) n = 1000000;
        } else if (n >= 0) {
            out.push_back(n);
            n = -1;
        }
    }
    if (n >= 0) out.push_back(n);
    return out;
}

// Parses a legend of numbered affiliations, "(1) MIT, (2) CERN" or "1 MIT; 2 CERN". Returns
// an empty map when `g` is not one.
std::map<int, std::string> parse_legend(std::string_view g) {
    std::map<int, std::string> legend;
    g = trim(g);
    if (g.empty()) return legend;
    bool parens = g.front() == '(';
    if (!parens && !is_digit(g.front())) return legend;

    // Finds each marker: "(N)" anywhere, or "N " at the start or after ',' / ';'.
    struct Marker {
        size_t begin, end;
        int number;
    };
    std::vector<Marker> markers;
    for (size_t i = 0; i < g.size(); ++i) {
        if (parens) {
            if (g[i] != '(') continue;
            size_t j = i + 1;
            while (j < g.size() && is_digit(g[j])) ++j;
            if (j == i + 1 || j >= g.size() || g[j] != ')' || j - i > 7) continue;
            markers.push_back({i, j + 1, std::stoi(std::string(g.substr(i + 1, j - i - 1)))});
        } else {
            if (!is_digit(g[i])) continue;
            size_t k = i;
            while (k > 0 && is_space(g[k - 1])) --k;
            if (k != 0 && g[k - 1] != ',' && g[k - 1] != ';') continue;
            size_t j = i;
            while (j < g.size() && is_digit(g[j])) ++j;
            if (j - i > 6 || j >= g.size() || !is_space(g[j])) continue;
            markers.push_back({i, j, std::stoi(std::string(g.substr(i, j - i)))});
            i = j;
        }
    }
    if (markers.empty() || markers.front().begin != 0) return {};
    for (size_t m = 0; m < markers.size(); ++m) {
        size_t end = m + 1 < markers.size() ? markers[m + 1].begin : g.size();
        std::string text = clean_part(g.substr(markers[m].end, end - markers[m].end));
        if (!text.empty()) legend[markers[m].number] = std::move(text);
    }
    return legend;
}

// Splits the list at top level into authors and their parenthesised groups.
std::vector<RawAuthor> split_authors(std::string_view text) {
    std::vector<RawAuthor> authors;
    std::string current;
    bool next_joined_by_and = false;

    auto finish = [&](bool by_and) {
        std::string_view name = trim(current);
        if (name.empty()) {
            // ", and": the comma already ended the run.
            next_joined_by_and = next_joined_by_and && by_and;
            current.clear();
            return;
        }
        RawAuthor a;
        a.name = std::string(name);
        a.joined_by_and = next_joined_by_and;
        authors.push_back(std::move(a));
        current.clear();
        next_joined_by_and = by_and;
    };

    int braces = 0;
    size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (c == '{') ++braces;
        if (c == '}' && braces > 0) --braces;
        if (braces > 0) {
            current += c;
            ++i;
            continue;
        }
        if (c == '(') {
            // A balanced group (unbalanced: to the end of the text).
            int depth = 0;
            size_t j = i;
            for (; j < text.size(); ++j) {
                if (text[j] == '(') ++depth;
                if (text[j] == ')' && --depth == 0) break;
            }
            std::string_view group =
                text.substr(i + 1, (j < text.size() ? j : text.size()) - i - 1);
            if (!trim(current).empty()) finish(false);
            if (!authors.empty()) authors.back().groups.emplace_back(group);
            // What separates the next author is still to come ("A (X) and B").
            next_joined_by_and = true;
            i = j < text.size() ? j + 1 : text.size();
            continue;
        }
        if (c == ',' || c == ';') {
            finish(false);
            ++i;
            continue;
        }
        if (c == ':' && current.find("ollaboration") != std::string::npos) {
            // "The BABAR Collaboration: B. Aubert, ..." names the collaboration first.
            finish(false);
            ++i;
            continue;
        }
        if (is_space(c) && text.substr(i + 1, 3) == "and" &&
            (i + 4 >= text.size() || is_space(text[i + 4]))) {
            finish(true);
            i += 4;
            continue;
        }
        current += c;
        ++i;
    }
    finish(false);
    return authors;
}

}  // namespace

std::string tex_to_unicode(std::string_view text) {
    // Most names and titles carry no TeX at all; they are returned unchanged at memcpy speed.
    // (A plain loop: string_view::find_first_of calls memchr once per character.)
    size_t first = 0;
    while (first < text.size() && !is_tex_special(text[first])) ++first;
    if (first == text.size()) return std::string(text);

    std::string out;
    out.reserve(text.size());
    // Whether each open brace is kept: braces that group an unknown command's argument stay,
    // braces that only protect letters ("{B}ethe", "{\aa}") go.
    std::vector<bool> kept_braces;
    bool in_math = false;
    bool after_unknown_command = false;

    out.append(text.substr(0, first));
    size_t i = first;
    while (i < text.size()) {
        char c = text[i];
        if (!is_tex_special(c)) {
            // Copy the run of ordinary characters up to the next one that needs a look.
            size_t run = i + 1;
            while (run < text.size() && !is_tex_special(text[run])) ++run;
            out.append(text.substr(i, run - i));
            after_unknown_command = false;
            i = run;
            continue;
        }
        if (in_math) {
            // Math is kept verbatim: "$\alpha$" must stay TeX for the renderer.
            if (c == '$') in_math = false;
            if (c == '\\' && i + 1 < text.size()) {
                out.append(text.substr(i, 2));
                i += 2;
                continue;
            }
            out += c;
            ++i;
            continue;
        }
        bool was_after_unknown = after_unknown_command;
        after_unknown_command = false;
        if (c == '$') {
            in_math = true;
            out += c;
            ++i;
            continue;
        }
        if (c == '~') {
            out += ' ';
            ++i;
            continue;
        }
        if (c == '{') {
            kept_braces.push_back(was_after_unknown);
            if (was_after_unknown) out += c;
            ++i;
            continue;
        }
        if (c == '}') {
            if (!kept_braces.empty()) {
                if (kept_braces.back()) out += c;
                kept_braces.pop_back();
                // "\emph{a}{b}": a second argument group is kept too.
                after_unknown_command =
                    i + 1 < text.size() && text[i + 1] == '{' && out.back() == '}';
            }
            ++i;
            continue;
        }
        if (c != '\\' || i + 1 >= text.size()) {
            out += c;
            ++i;
            continue;
        }

        char next = text[i + 1];
        if (!is_ascii_letter(next)) {
            // Control symbols: accents and escaped characters.
            if (const Accent* accent = find_accent(next)) {
                size_t pos = i + 2;
                if (auto base = read_accent_argument(text, pos)) {
                    append_accented(out, *accent, *base);
                    i = pos;
                    continue;
                }
            }
            if (next == '&' || next == '%' || next == '$' || next == '_' || next == '#' ||
                next == '{' || next == '}') {
                out += next;
                i += 2;
                continue;
            }
            if (next == ' ' || next == ',') {
                out += ' ';
                i += 2;
                continue;
            }
            out.append(text.substr(i, 2));
            i += 2;
            continue;
        }

        // A control word: letters after the backslash.
        size_t end = i + 1;
        while (end < text.size() && is_ascii_letter(text[end])) ++end;
        std::string_view word = text.substr(i + 1, end - i - 1);
        if (word.size() == 1) {
            if (const Accent* accent = find_accent(word[0]); accent && is_ascii_letter(word[0])) {
                // Letter accents take an argument: "\c{c}", "\v S", "\u{a}".
                size_t pos = end;
                if (pos < text.size() && text[pos] == ' ') {
                    while (pos < text.size() && text[pos] == ' ') ++pos;
                    if (pos < text.size() && text[pos] == '{') pos = end;  // "\c {c}": odd
                }
                if (auto base = read_accent_argument(text, pos)) {
                    append_accented(out, *accent, *base);
                    i = pos;
                    continue;
                }
            }
        }
        if (auto symbol = find_symbol(word)) {
            out.append(*symbol);
            i = end;
            // TeX swallows the space after a control word ("\AA ngstr\"om").
            while (i < text.size() && text[i] == ' ') ++i;
            continue;
        }
        out.append(text.substr(i, end - i));
        i = end;
        after_unknown_command = i < text.size() && text[i] == '{';
    }
    return out;
}

std::vector<Author> parse_author_list(std::string_view text) {
    std::vector<RawAuthor> raw = split_authors(text);

    // "Smith, Jr." splits into "Smith" and "Jr."; the suffix belongs to the name before it.
    // "et al" is not an author.
    std::vector<RawAuthor> merged;
    for (RawAuthor& a : raw) {
        a.name = clean_part(a.name);
        if (a.name.empty() || is_et_al(a.name)) continue;
        if (is_suffix_word(a.name) && !merged.empty()) {
            merged.back().name += " " + a.name;
            for (std::string& g : a.groups) merged.back().groups.push_back(std::move(g));
            continue;
        }
        merged.push_back(std::move(a));
    }

    // A group that is a numbered legend ("(1) MIT, (2) CERN") resolves the others' references.
    std::map<int, std::string> legend;
    for (RawAuthor& a : merged) {
        for (auto it = a.groups.begin(); it != a.groups.end();) {
            auto entries = parse_legend(*it);
            if (!entries.empty() && !is_reference_list(*it)) {
                legend.merge(entries);
                it = a.groups.erase(it);
            } else {
                ++it;
            }
        }
    }

    std::vector<Author> authors;
    authors.reserve(merged.size());
    for (size_t i = 0; i < merged.size(); ++i) {
        Author author;
        author.name = std::move(merged[i].name);
        if (size_t sp = author.name.rfind(' '); sp != std::string::npos) {
            std::string_view last = std::string_view(author.name).substr(sp + 1);
            if (is_suffix_word(last)) author.suffix = std::string(last);
        }
        for (const std::string& g : merged[i].groups) {
            if (is_reference_list(g)) {
                for (int n : reference_numbers(g)) {
                    if (auto it = legend.find(n); it != legend.end()) {
                        author.affiliations.push_back(it->second);
                    }
                }
            } else if (std::string aff = clean_part(g); !aff.empty()) {
                author.affiliations.push_back(std::move(aff));
            }
        }
        authors.push_back(std::move(author));
    }

    // "A and B (MIT)": the group closes a run of authors joined by "and", so it belongs to all
    // of them that have none of their own; a comma ends the run ("A, B (MIT)" is B's only).
    for (size_t i = authors.size(); i-- > 0;) {
        if (authors[i].affiliations.empty()) continue;
        size_t j = i;
        while (j > 0 && merged[j].joined_by_and && authors[j - 1].affiliations.empty() &&
               merged[j - 1].groups.empty()) {
            authors[j - 1].affiliations = authors[i].affiliations;
            --j;
        }
    }
    return authors;
}

Author author_from_parts(std::string_view keyname, std::string_view forenames,
                         std::string_view suffix) {
    Author author;
    author.keyname = collapse_space(tex_to_unicode(keyname));
    author.forenames = collapse_space(tex_to_unicode(forenames));
    author.suffix = collapse_space(tex_to_unicode(suffix));
    // arXiv's parser writes hyphenated initials "C.-P." as "C. -P."; put them back together.
    for (size_t p; (p = author.forenames.find(". -")) != std::string::npos;) {
        author.forenames.erase(p + 1, 1);
    }
    for (const std::string* part : {&author.forenames, &author.keyname, &author.suffix}) {
        if (part->empty()) continue;
        if (!author.name.empty()) author.name += ' ';
        author.name += *part;
    }
    return author;
}

}  // namespace paperboy::ingest
