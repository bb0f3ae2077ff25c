#include "ingest/beir_queries.h"

#include <simdjson.h>

#include <charconv>
#include <fstream>

namespace paperboy::ingest {
namespace {

// A test collection's files are small; a line longer than this is not one of them.
constexpr size_t kMaxLine = 1 << 20;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
}

Error bad_line(const std::string& path, size_t line, const std::string& why) {
    return Error(ErrorCode::kParse, path + " line " + std::to_string(line) + ": " + why);
}

std::vector<std::string_view> split_ws(std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

}  // namespace

Result<std::vector<TestQuery>> read_queries(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Error(ErrorCode::kNotFound, "cannot open queries file " + path);
    std::vector<TestQuery> out;
    simdjson::dom::parser parser;
    std::string line;
    size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        std::string_view text = trim(line);
        if (text.empty()) continue;
        if (text.size() > kMaxLine) return bad_line(path, number, "line too long");
        TestQuery q;
        if (text.front() == '{') {
            simdjson::dom::element doc;
            if (parser.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS) {
                return bad_line(path, number, "invalid JSON");
            }
            std::string_view id, query;
            if (doc["_id"].get(id) != simdjson::SUCCESS) {
                return bad_line(path, number, "field \"_id\" missing or not a string");
            }
            if (doc["text"].get(query) != simdjson::SUCCESS) {
                return bad_line(path, number, "field \"text\" missing or not a string");
            }
            q.id = std::string(id);
            q.text = std::string(query);
        } else {
            size_t tab = text.find('\t');
            if (tab == std::string_view::npos) {
                return bad_line(path, number, "expected a JSON object or \"qid<TAB>text\"");
            }
            q.id = std::string(trim(text.substr(0, tab)));
            q.text = std::string(trim(text.substr(tab + 1)));
        }
        if (q.id.empty()) return bad_line(path, number, "empty query id");
        out.push_back(std::move(q));
    }
    return out;
}

Result<Qrels> read_qrels(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Error(ErrorCode::kNotFound, "cannot open qrels file " + path);
    Qrels qrels;
    std::string line;
    size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        std::string_view text = trim(line);
        if (text.empty()) continue;
        if (number == 1 && text.rfind("query-id", 0) == 0) continue;  // the BEIR header
        std::vector<std::string_view> parts = split_ws(text);
        // BEIR: qid docid score; TREC: qid iteration docid rel.
        if (parts.size() != 3 && parts.size() != 4) {
            return bad_line(path, number, "expected \"qid docid score\" or \"qid 0 docid rel\"");
        }
        std::string_view doc = parts.size() == 3 ? parts[1] : parts[2];
        std::string_view score_text = parts.back();
        int score = 0;
        auto [ptr, ec] =
            std::from_chars(score_text.data(), score_text.data() + score_text.size(), score);
        if (ec != std::errc() || ptr != score_text.data() + score_text.size()) {
            return bad_line(path, number,
                            "relevance \"" + std::string(score_text) + "\" is not an integer");
        }
        qrels[std::string(parts[0])][std::string(doc)] = score;
    }
    return qrels;
}

}  // namespace paperboy::ingest
