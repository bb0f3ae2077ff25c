#include "snapshot/model.h"

#include <zlib.h>

#include <charconv>
#include <map>
#include <string_view>
#include <utility>

namespace paperboy::bench {
namespace {

Result<std::string> read_gzip_file(const std::string& path) {
    // gzopen reads plain files too, so either form of the model works.
    gzFile file = gzopen(path.c_str(), "rb");
    if (file == nullptr) return Error(ErrorCode::kIo, path + ": cannot open");
    std::string data;
    char buf[1 << 16];
    int n = 0;
    while ((n = gzread(file, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
    bool failed = n < 0;
    gzclose(file);
    if (failed) return Error(ErrorCode::kIo, path + ": read error (damaged gzip stream?)");
    return data;
}

// Splits "a<TAB>b<TAB>c" into at most `max` fields.
std::vector<std::string_view> split_tabs(std::string_view line, size_t max) {
    std::vector<std::string_view> fields;
    while (fields.size() + 1 < max) {
        size_t tab = line.find('\t');
        if (tab == std::string_view::npos) break;
        fields.push_back(line.substr(0, tab));
        line.remove_prefix(tab + 1);
    }
    fields.push_back(line);
    return fields;
}

template <typename Number>
bool parse_number(std::string_view text, Number& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

// Calls fn(line_number, line) for each non-empty line that is not a comment.
template <typename Fn>
Status for_each_line(const std::string& path, const std::string& data, Fn&& fn) {
    size_t pos = 0;
    int line_no = 0;
    while (pos < data.size()) {
        size_t end = data.find('\n', pos);
        if (end == std::string::npos) end = data.size();
        std::string_view line(data.data() + pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (line.empty() || line[0] == '#') continue;
        Status status = fn(line_no, line);
        if (!status.ok()) return status.error().with_context(path + ":" + std::to_string(line_no));
    }
    return Status::ok_status();
}

Status read_vocabulary(const std::string& path, Vocab& out) {
    auto data = read_gzip_file(path);
    if (!data.ok()) return data.error();
    return for_each_line(path, *data, [&](int, std::string_view line) -> Status {
        auto fields = split_tabs(line, 3);
        uint64_t count = 0;
        uint64_t in_titles = 0;
        if (fields.size() != 3 || fields[0].empty() || !parse_number(fields[1], count) ||
            !parse_number(fields[2], in_titles)) {
            return Error(ErrorCode::kParse, "expected word<TAB>count<TAB>title_count");
        }
        out.words.values.emplace_back(fields[0]);
        out.words.weights.push_back(static_cast<double>(count));
        out.title_weights.push_back(static_cast<double>(in_titles));
        return Status::ok_status();
    });
}

}  // namespace

Result<Model> load_model(const std::string& dir) {
    Model model;
    const std::string vocab_path = dir + "/vocab.tsv.gz";
    PAPERBOY_RETURN_IF_ERROR(read_vocabulary(vocab_path, model.vocabulary));
    if (model.vocabulary.words.values.empty()) {
        return Error(ErrorCode::kParse, vocab_path + ": no words");
    }

    const std::string path = dir + "/model.tsv";
    auto data = read_gzip_file(path);
    if (!data.ok()) return data.error();

    std::map<std::string_view, double*> params = {
        {"heaps_k", &model.heaps_k},
        {"heaps_beta", &model.heaps_beta},
        {"tail_fraction", &model.tail_fraction},
        {"comma_rate", &model.comma_rate},
        {"present:comments", &model.comments_rate},
        {"present:journal-ref", &model.journal_ref_rate},
        {"present:doi", &model.doi_rate},
        {"present:report-no", &model.report_no_rate},
    };
    std::map<std::string_view, WeightedInts*> histograms = {
        {"title_words", &model.title_words},
        {"abstract_words", &model.abstract_words},
        {"sentence_words", &model.sentence_words},
        {"categories_per_paper", &model.categories_per_paper},
        {"versions_per_paper", &model.versions_per_paper},
        {"authors_per_paper", &model.authors_per_paper},
    };
    std::map<std::string_view, WeightedStrings*> tables = {
        {"category", &model.categories}, {"license", &model.licenses}, {"surname", &model.surnames},
        {"given", &model.given_names},   {"journal", &model.journals},
    };
    std::map<std::string_view, bool> seen_params;
    Status status = for_each_line(path, *data, [&](int, std::string_view line) -> Status {
        auto fields = split_tabs(line, 3);
        double weight = 0;
        if (fields.size() != 3 || !parse_number(fields[2], weight) || weight < 0) {
            return Error(ErrorCode::kParse, "expected kind<TAB>value<TAB>weight");
        }
        std::string_view kind = fields[0];
        if (kind == "param") {
            auto it = params.find(fields[1]);
            if (it == params.end()) return Error(ErrorCode::kParse, "unknown parameter");
            *it->second = weight;
            seen_params[it->first] = true;
        } else if (auto h = histograms.find(kind); h != histograms.end()) {
            int value = 0;
            if (!parse_number(fields[1], value)) {
                return Error(ErrorCode::kParse, "expected an integer value");
            }
            h->second->values.push_back(value);
            h->second->weights.push_back(weight);
        } else if (auto t = tables.find(kind); t != tables.end()) {
            t->second->values.emplace_back(fields[1]);
            t->second->weights.push_back(weight);
        } else {
            return Error(ErrorCode::kParse, "unknown kind \"" + std::string(kind) + "\"");
        }
        return Status::ok_status();
    });
    if (!status.ok()) return status.error();

    for (const auto& [name, _] : params) {
        if (!seen_params.contains(name)) {
            return Error(ErrorCode::kParse, path + ": parameter " + std::string(name) + " missing");
        }
    }
    for (const auto& [name, h] : histograms) {
        if (h->values.empty()) {
            return Error(ErrorCode::kParse, path + ": no " + std::string(name) + " entries");
        }
    }
    for (const auto& [name, t] : tables) {
        if (t->values.empty()) {
            return Error(ErrorCode::kParse, path + ": no " + std::string(name) + " entries");
        }
    }
    return model;
}

}  // namespace paperboy::bench
