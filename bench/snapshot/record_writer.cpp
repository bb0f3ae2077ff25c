#include "snapshot/record_writer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <vector>

namespace paperboy::bench {
namespace {

// Assumed rates (not in the learned model): how often a paper links its code, puts a
// "Name: ..." prefix on its title, uses Title Case, lists affiliations, or is a large
// collaboration's paper.
constexpr double kCodeUrlRateComputing = 0.15;
constexpr double kCodeUrlRateOther = 0.03;
constexpr double kNamedTitleRate = 0.12;
constexpr double kTitleCaseRate = 0.35;
constexpr double kAffiliationRate = 0.02;
constexpr double kCollaborationRate = 0.001;
constexpr double kSameArchiveRate = 0.6;  // cross-lists that stay in the primary's archive
constexpr int kMaxAuthorsInTail = 20;
constexpr int kMaxCollaborationAuthors = 3000;
// Widths of the source's hard-wrapped lines.
constexpr int kAbstractWidth = 79;
constexpr int kFieldWidth = 72;
constexpr std::string_view kAbstractBreak = "\\n";
constexpr std::string_view kFieldBreak = "\\n  ";
constexpr std::string_view kPeriod = ".";
constexpr std::string_view kComma = ",";
constexpr std::string_view kNothing;

constexpr std::array kTitleSmallWords = {"a",   "an",  "and",  "as",   "at",   "by",
                                         "for", "in",  "of",   "on",   "or",   "the",
                                         "to",  "via", "with", "from", "into", "over"};
constexpr std::array kCodeSentences = {
    "Code is available at",
    "Our code is publicly available at",
    "The code and data are available at",
    "Code and models will be released at",
    "Project page:",
    "Source code:",
};
constexpr std::array kConferences = {"NeurIPS", "ICML",  "ICLR", "CVPR",   "ACL",  "EMNLP",
                                     "AAAI",    "IJCAI", "ECCV", "ICCV",   "KDD",  "SIGIR",
                                     "WWW",     "ICRA",  "IROS", "ICASSP", "STOC", "Interspeech"};
constexpr std::array kCollaborations = {
    "ATLAS",           "CMS",       "LHCb", "ALICE", "Belle II", "IceCube",
    "LIGO Scientific", "Fermi-LAT", "DES",  "KATRIN"};
constexpr std::array kInstitutions = {"MIT",
                                      "Stanford University",
                                      "University of Tokyo",
                                      "CERN",
                                      "ETH Zurich",
                                      "Tsinghua University",
                                      "Max Planck Institute for Physics",
                                      "INFN, Sezione di Roma",
                                      "Peking University",
                                      "University of Cambridge",
                                      "Caltech",
                                      "KAIST",
                                      "IIT Bombay",
                                      "Sorbonne Universit\u00e9"};
constexpr std::array kReportLabs = {"CERN-TH",   "SLAC-PUB",    "FERMILAB-PUB", "DESY",
                                    "KEK-TH",    "IPMU",        "MIT-CTP",      "LA-UR",
                                    "KCL-PH-TH", "IFT-UAM/CSIC"};
constexpr std::array kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

template <typename Array>
auto pick(const Array& array, Rng& rng) {
    return array[rng.below(static_cast<uint32_t>(array.size()))];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
    int year;
    unsigned month;
    unsigned day;
};

Civil civil_from_days(int64_t z) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<int>(static_cast<int64_t>(yoe) + era * 400 + (m <= 2)), m, d};
}

// "Mon, 2 Apr 2007 19:18:42 GMT", as the snapshot's versions[].created.
void append_rfc2822(std::string& out, int64_t seconds) {
    int64_t days = seconds / 86400;
    int64_t s = seconds % 86400;
    Civil c = civil_from_days(days);
    char buf[48];
    int n = std::snprintf(buf, sizeof buf, "%s, %u %s %d %02d:%02d:%02d GMT",
                          kWeekdays[static_cast<size_t>((days + 4) % 7)], c.day,
                          kMonths[c.month - 1], c.year, static_cast<int>(s / 3600),
                          static_cast<int>(s / 60 % 60), static_cast<int>(s % 60));
    out.append(buf, static_cast<size_t>(n));
}

std::string iso_date(int64_t seconds) {
    Civil c = civil_from_days(seconds / 86400);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.year, c.month, c.day);
    return buf;
}

unsigned days_in_month(int year, unsigned month) {
    return static_cast<unsigned>(
        days_from_civil(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) -
        days_from_civil(year, month, 1));
}

void append_quoted(std::string& out, std::string_view utf8) {
    out += '"';
    append_json_escaped(out, utf8);
    out += '"';
}

std::string_view archive_of(std::string_view category) {
    return category.substr(0, category.find('.'));
}

// Page counts of papers: mostly 5-30, some long.
int page_count(Rng& rng) {
    return std::min(120, 4 + static_cast<int>(-12.0 * std::log(1.0 - rng.uniform())));
}

}  // namespace

RecordWriter::RecordWriter(const Model& model, uint64_t seed)
    : model_(model),
      rng_(seed),
      vocabulary_(model.vocabulary),
      rare_(model, vocabulary_, seed * 0x9e3779b97f4a7c15ULL + 1),
      names_(model, seed + 17),
      title_words_(model.title_words),
      abstract_words_(model.abstract_words),
      sentence_words_(model.sentence_words),
      categories_per_paper_(model.categories_per_paper),
      versions_per_paper_(model.versions_per_paper),
      authors_per_paper_(model.authors_per_paper),
      category_table_(model.categories.weights),
      licenses_(model.licenses),
      journals_(model.journals) {}

void RecordWriter::append_word(LineWrapper& line, std::string_view suffix, bool capitalize) {
    if (rng_.chance(model_.tail_fraction)) {
        scratch_.clear();
        int length = rare_.append(scratch_, rare_.draw(rng_));
        line.word(scratch_, length, suffix, capitalize);
    } else {
        uint32_t i = vocabulary_.sample(rng_);
        // Unigram draws repeat "of of" far more often than writers do; one redraw fixes most.
        if (i == previous_word_) i = vocabulary_.sample(rng_);
        previous_word_ = i;
        line.word(vocabulary_.escaped(i), vocabulary_.length(i), suffix, capitalize);
    }
}

void RecordWriter::append_title(std::string& out) {
    int words = title_words_.sample(rng_);
    stats_.title_words += words;
    out += '"';
    LineWrapper line(out, kFieldWidth, kFieldBreak, 2);
    if (words > 3 && rng_.chance(kNamedTitleRate)) {
        std::string name = rare_.model_name(rng_.next());
        line.word(name, static_cast<int>(name.size()), ":");
        --words;
    }
    bool title_case = rng_.chance(kTitleCaseRate);
    for (int i = 0; i < words; ++i) {
        if (rng_.chance(model_.tail_fraction)) {
            scratch_.clear();
            int length = rare_.append(scratch_, rare_.draw(rng_));
            line.word(scratch_, length, {}, i == 0 || title_case);
            continue;
        }
        auto is_small = [](std::string_view word) {
            return std::find(kTitleSmallWords.begin(), kTitleSmallWords.end(), word) !=
                   kTitleSmallWords.end();
        };
        uint32_t w = vocabulary_.sample_title_word(rng_);
        // Titles rarely end on "of" or "the".
        for (int redraw = 0; i + 1 == words && redraw < 4 && is_small(vocabulary_.escaped(w));
             ++redraw) {
            w = vocabulary_.sample_title_word(rng_);
        }
        std::string_view text = vocabulary_.escaped(w);
        bool small = is_small(text);
        line.word(text, vocabulary_.length(w), {}, i == 0 || (title_case && !small));
    }
    out += '"';
}

void RecordWriter::append_abstract(std::string& out, bool computing) {
    int words = abstract_words_.sample(rng_);
    stats_.abstract_words += words;
    out += "\"  ";
    LineWrapper line(out, kAbstractWidth, kAbstractBreak, 0, 2);
    while (words > 0) {
        int length = std::max(1, sentence_words_.sample(rng_));
        // Never leave a stub of a sentence behind.
        if (length > words || words - length < 4) length = words;
        for (int i = 0; i < length; ++i) {
            bool last = i + 1 == length;
            bool comma = !last && i > 1 && rng_.chance(model_.comma_rate);
            append_word(line, last ? kPeriod : comma ? kComma : kNothing, i == 0);
        }
        words -= length;
    }
    if (rng_.chance(computing ? kCodeUrlRateComputing : kCodeUrlRateOther)) {
        append_code_sentence(line);
        ++stats_.with_code_url;
    }
    out += "\\n\"";
}

std::string RecordWriter::code_url() {
    std::string repo = rare_.model_name(rng_.next());
    if (rng_.chance(0.5)) {
        std::transform(repo.begin(), repo.end(), repo.begin(),
                       [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
    }
    std::string user = names_.handle(rng_);
    if (rng_.chance(0.2)) return "https://" + user + ".github.io/" + repo;
    return "https://github.com/" + user + "/" + repo;
}

void RecordWriter::append_code_sentence(LineWrapper& line) {
    std::string_view lead = pick(kCodeSentences, rng_);
    size_t pos = 0;
    bool first = true;
    while (pos < lead.size()) {
        size_t space = lead.find(' ', pos);
        if (space == std::string_view::npos) space = lead.size();
        std::string_view w = lead.substr(pos, space - pos);
        line.word(w, static_cast<int>(w.size()), {}, first);
        first = false;
        pos = space + 1;
    }
    std::string url = code_url();
    // A sentence's period right after the URL, as authors write it.
    line.word(url, static_cast<int>(url.size()), ".");
}

void RecordWriter::append_authors(std::string& out, std::string& parsed, std::string& submitter) {
    int count = authors_per_paper_.sample(rng_);
    if (count >= model_.authors_per_paper.values.back()) {
        // Heavy tail: P(n >= k) = (k0 / k)^2.5 above the histogram's last value.
        double k = count / std::pow(1.0 - rng_.uniform(), 1.0 / 2.5);
        count = std::min(kMaxAuthorsInTail, static_cast<int>(k));
    }
    std::string collaboration;
    if (rng_.chance(kCollaborationRate)) {
        collaboration = std::string(pick(kCollaborations, rng_)) + " Collaboration";
        double k = 30 / std::pow(1.0 - rng_.uniform(), 1.0 / 1.1);
        count = static_cast<int>(std::min<double>(kMaxCollaborationAuthors, k));
    }
    bool affiliations = rng_.chance(kAffiliationRate);
    std::vector<Author> authors;
    authors.reserve(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
        authors.push_back(names_.author(rng_));
        if (affiliations) authors.back().affiliation = pick(kInstitutions, rng_);
    }
    stats_.authors += count;

    out += '"';
    LineWrapper line(out, kFieldWidth, kFieldBreak, 2);
    std::string tex;
    std::string escaped;
    auto add_words = [&](std::string_view text, std::string_view suffix) {
        size_t pos = 0;
        while (pos < text.size()) {
            size_t space = text.find(' ', pos);
            if (space == std::string_view::npos) space = text.size();
            bool last = space == text.size();
            escaped.clear();
            int length = append_json_escaped(escaped, text.substr(pos, space - pos));
            line.word(escaped, length, last ? suffix : std::string_view());
            pos = space + 1;
        }
    };
    parsed += '[';
    if (!collaboration.empty()) {
        add_words(collaboration + ":", "");
        parsed += '[';
        append_quoted(parsed, collaboration);
        parsed += ",\"\",\"\"]";
    }
    bool use_and = rng_.chance(0.6);
    for (size_t i = 0; i < authors.size(); ++i) {
        const Author& a = authors[i];
        bool last = i + 1 == authors.size();
        if (last && use_and && i > 0) add_words("and", "");
        tex.clear();
        tex += a.first;
        tex += ' ';
        append_tex_accents(tex, a.last);
        if (!a.suffix.empty()) tex += " " + a.suffix;
        if (!a.affiliation.empty()) tex += " (" + a.affiliation + ")";
        bool comma = !last && !(use_and && i + 2 == authors.size());
        add_words(tex, comma ? "," : "");

        if (parsed.size() > 1) parsed += ',';
        parsed += '[';
        append_quoted(parsed, a.last);
        parsed += ',';
        append_quoted(parsed, a.first);
        parsed += ',';
        append_quoted(parsed, a.suffix);
        if (!a.affiliation.empty()) {
            parsed += ',';
            append_quoted(parsed, a.affiliation);
        }
        parsed += ']';
    }
    parsed += ']';
    out += '"';

    // The submitter is usually the first author, giving a full first name.
    const Author& who = authors[rng_.chance(0.6) ? 0 : rng_.below(static_cast<uint32_t>(count))];
    submitter.clear();
    if (who.first.size() > 2 && who.first[1] != '.') {
        submitter = who.first.substr(0, who.first.find(' '));
    } else {
        submitter = names_.given_name(rng_);
    }
    submitter += ' ';
    submitter += who.last;
}

RecordWriter::Categories RecordWriter::categories() {
    const auto& names = model_.categories.values;
    int count = categories_per_paper_.sample(rng_);
    std::vector<uint32_t> chosen = {category_table_.sample(rng_)};
    std::string_view archive = archive_of(names[chosen[0]]);
    // Cross-lists mostly stay in the primary's archive (cs.LG with cs.AI); try a few draws
    // for the wanted kind, then take any category not chosen yet.
    for (int extra = 1; extra < count; ++extra) {
        bool want_same = rng_.chance(kSameArchiveRate);
        for (int attempt = 0; attempt < 30; ++attempt) {
            uint32_t c = category_table_.sample(rng_);
            bool fits = attempt >= 20 || (archive_of(names[c]) == archive) == want_same;
            if (fits && std::find(chosen.begin(), chosen.end(), c) == chosen.end()) {
                chosen.push_back(c);
                break;
            }
        }
    }
    Categories result;
    for (uint32_t c : chosen) {
        if (!result.text.empty()) result.text += ' ';
        result.text += names[c];
    }
    result.computing = archive == "cs" || archive == "eess" || archive == "stat";
    return result;
}

void RecordWriter::append_comments(std::string& out, int year, bool computing) {
    if (!rng_.chance(model_.comments_rate)) {
        out += "null";
        return;
    }
    char buf[160];
    int pages = page_count(rng_);
    int figures = rng_.between(0, std::min(25, pages));
    std::string text;
    uint32_t kind = rng_.below(100);
    if (kind < 10) {
        std::snprintf(buf, sizeof buf, "%d pages", pages);
    } else if (kind < 25) {
        std::snprintf(buf, sizeof buf, "%d pages, %d figures, %d tables", pages, figures,
                      rng_.between(1, 8));
    } else if (kind < 85) {
        std::snprintf(buf, sizeof buf, "%d pages, %d figure%s", pages, figures,
                      figures == 1 ? "" : "s");
    } else if (kind < 93) {
        std::snprintf(buf, sizeof buf, "Accepted at %s %d", pick(kConferences, rng_),
                      year + rng_.between(0, 1));
    } else {
        std::snprintf(buf, sizeof buf, "Published in %s", journals_.sample(rng_).c_str());
    }
    text = buf;
    uint32_t extra = rng_.below(100);
    if (extra < 15) {
        std::snprintf(buf, sizeof buf, "; accepted at %s %d", pick(kConferences, rng_),
                      year + rng_.between(0, 1));
        text += buf;
    } else if (extra < 25) {
        text += "; to appear in " + journals_.sample(rng_);
    } else if (extra < 30) {
        text += ", v2: typos corrected and references added";
    } else if (extra < (computing ? 36 : 31)) {
        text += ". Code: " + code_url();
    }
    out += '"';
    LineWrapper line(out, kFieldWidth, kFieldBreak, 2);
    std::string escaped;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t space = text.find(' ', pos);
        if (space == std::string::npos) space = text.size();
        escaped.clear();
        int length = append_json_escaped(escaped, std::string_view(text).substr(pos, space - pos));
        line.word(escaped, length);
        pos = space + 1;
    }
    out += '"';
}

void RecordWriter::append_journal_ref(std::string& out, int year) {
    if (!rng_.chance(model_.journal_ref_rate)) {
        out += "null";
        return;
    }
    char buf[160];
    const std::string& journal = journals_.sample(rng_);
    int volume = rng_.between(1, 999);
    int page = rng_.between(1, 99999);
    int published = year + rng_.between(0, 2);
    if (rng_.chance(0.5)) {
        std::snprintf(buf, sizeof buf, "%s %d (%d) %d", journal.c_str(), volume, published, page);
    } else {
        std::snprintf(buf, sizeof buf, "%s%d:%d-%d,%d", journal.c_str(), volume, page,
                      page + rng_.between(3, 40), published);
    }
    append_quoted(out, buf);
}

void RecordWriter::append_doi(std::string& out, int year) {
    if (!rng_.chance(model_.doi_rate)) {
        out += "null";
        return;
    }
    char buf[96];
    int published = year + rng_.between(0, 2);
    switch (rng_.below(6)) {
        case 0:
            std::snprintf(buf, sizeof buf, "10.1103/PhysRev%s.%d.%06d",
                          pick(std::array{"B", "D", "Lett", "A", "E"}, rng_), rng_.between(90, 112),
                          rng_.between(1, 999999));
            break;
        case 1:
            std::snprintf(buf, sizeof buf, "10.1016/j.%s.%d.%06d",
                          pick(std::array{"physletb", "jcp", "neucom", "patcog", "aim"}, rng_),
                          published, rng_.between(1, 999999));
            break;
        case 2:
            std::snprintf(buf, sizeof buf, "10.1109/%s.%d.%07d",
                          pick(std::array{"TPAMI", "TIT", "TSP", "ACCESS", "CVPR"}, rng_),
                          published, rng_.between(1000000, 9999999));
            break;
        case 3:
            std::snprintf(buf, sizeof buf, "10.1038/s41586-0%02d-%05d-%d", published % 100,
                          rng_.between(1, 99999), rng_.between(0, 9));
            break;
        case 4:
            std::snprintf(buf, sizeof buf, "10.1088/1742-6596/%d/1/%06d", rng_.between(1000, 2999),
                          rng_.between(1, 999999));
            break;
        default:
            std::snprintf(buf, sizeof buf, "10.1145/%07d.%07d", rng_.between(3000000, 3999999),
                          rng_.between(3000000, 3999999));
            break;
    }
    append_quoted(out, buf);
}

void RecordWriter::append_report_no(std::string& out, int year) {
    if (!rng_.chance(model_.report_no_rate)) {
        out += "null";
        return;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s-%d-%03d", pick(kReportLabs, rng_), year,
                  rng_.between(1, 400));
    append_quoted(out, buf);
}

void RecordWriter::append_versions(std::string& out, int64_t first_created,
                                   std::string& update_date) {
    int count = versions_per_paper_.sample(rng_);
    int64_t created = first_created;
    out += '[';
    for (int v = 1; v <= count; ++v) {
        if (v > 1) {
            out += ',';
            // Revisions: exponential gaps of about 45 days, at least an hour.
            created += 3600 + static_cast<int64_t>(-45.0 * 86400 * std::log(1.0 - rng_.uniform()));
        }
        out += "{\"version\":\"v";
        out += std::to_string(v);
        out += "\",\"created\":\"";
        append_rfc2822(out, created);
        out += "\"}";
    }
    out += ']';
    int64_t updated = created;
    if (rng_.chance(0.3)) updated += static_cast<int64_t>(rng_.below(400)) * 86400;
    update_date = iso_date(updated);
}

void RecordWriter::append(std::string& out, int year, int month, int number) {
    char id[16];
    std::snprintf(id, sizeof id, "%02d%02d.%05d", year % 100, month, number);
    auto m = static_cast<unsigned>(month);
    int64_t month_start = days_from_civil(year, m, 1) * 86400;
    int64_t first_created =
        month_start + static_cast<int64_t>(rng_.below(days_in_month(year, m) * 86400U));

    std::string authors;
    std::string parsed;
    std::string submitter;
    append_authors(authors, parsed, submitter);
    Categories cats = categories();

    out += "{\"id\":\"";
    out += id;
    out += "\",\"submitter\":";
    append_quoted(out, submitter);
    out += ",\"authors\":";
    out += authors;
    out += ",\"title\":";
    append_title(out);
    out += ",\"comments\":";
    append_comments(out, year, cats.computing);
    out += ",\"journal-ref\":";
    append_journal_ref(out, year);
    out += ",\"doi\":";
    append_doi(out, year);
    out += ",\"report-no\":";
    append_report_no(out, year);
    out += ",\"categories\":";
    append_quoted(out, cats.text);
    out += ",\"license\":";
    const std::string& license = licenses_.sample(rng_);
    if (license == "null") {
        out += "null";
    } else {
        append_quoted(out, license);
    }
    out += ",\"abstract\":";
    append_abstract(out, cats.computing);
    out += ",\"versions\":";
    std::string update_date;
    append_versions(out, first_created, update_date);
    out += ",\"update_date\":\"";
    out += update_date;
    out += "\",\"authors_parsed\":";
    out += parsed;
    out += "}\n";
}

}  // namespace paperboy::bench
