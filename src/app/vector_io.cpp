#include "app/vector_io.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <vector>

#include "app/embedding_job.h"
#include "core/json_writer.h"
#include "ingest/line_reader.h"

namespace paperboy::app {
namespace {

constexpr int64_t kFormatVersion = 1;
constexpr int64_t kProgressEvery = 4096;

std::string hex16(uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

std::optional<uint64_t> parse_hex16(std::string_view s) {
    if (s.size() != 16) return std::nullopt;
    uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

// One vector line, as read.
struct Line {
    PaperId id = PaperId::local_from_title("");
    uint64_t text_hash = 0;
    std::vector<float> vector;
};

Error line_error(const ingest::LineReader& reader, uint64_t line, const std::string& what) {
    return Error(ErrorCode::kParse,
                 reader.source_name() + " line " + std::to_string(line) + ": " + what);
}

}  // namespace

Result<int64_t> export_vectors(store::Vectors& vectors, const store::EmbeddingModel& model,
                               std::FILE* out, const std::function<void(int64_t)>& progress) {
    JsonWriter header;
    header.begin_object()
        .field("paperboy_vectors", kFormatVersion)
        .field("identity", model.identity)
        .field("dimensions", static_cast<int64_t>(model.dimensions))
        .field("spec", model.spec)
        .end_object();
    std::string line = header.str() + "\n";
    if (std::fwrite(line.data(), 1, line.size(), out) != line.size()) {
        return Error(ErrorCode::kIo, "writing the vectors' header failed");
    }
    int64_t written = 0;
    bool write_failed = false;
    Status scanned = vectors.for_each_vector(model.id, [&](const store::VectorRow& row) {
        JsonWriter id;
        id.value(row.id.str());
        line.clear();
        line += "{\"id\":";
        line += id.str();
        line += ",\"text_hash\":\"";
        line += hex16(row.text_hash);
        line += "\",\"vector\":[";
        char buf[32];
        for (size_t i = 0; i < row.vector.size(); ++i) {
            if (i > 0) line += ',';
            // The shortest text that reads back to the same float.
            const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, row.vector[i]);
            line.append(buf, ec == std::errc() ? end : buf);
        }
        line += "]}\n";
        if (std::fwrite(line.data(), 1, line.size(), out) != line.size()) {
            write_failed = true;
            return false;
        }
        ++written;
        if (progress && written % kProgressEvery == 0) progress(written);
        return true;
    });
    if (!scanned.ok()) return scanned.error();
    if (write_failed || std::fflush(out) != 0) {
        return Error(ErrorCode::kIo,
                     "writing the vectors failed after " + std::to_string(written) + " of them");
    }
    if (progress) progress(written);
    return written;
}

Result<VectorImport> import_vectors(store::Vectors& vectors, ingest::ByteSource& input,
                                    const VectorImportOptions& options) {
    ingest::LineReader reader(input, kMaxVectorLine);
    simdjson::dom::parser parser;
    VectorImport report;
    bool have_header = false;
    std::vector<Line> pending;
    const size_t batch_size = std::max<size_t>(options.batch_size, 1);

    // Stores the pending lines whose paper exists with the text that was embedded.
    auto flush = [&]() -> Status {
        if (pending.empty()) return Status::ok_status();
        std::vector<PaperId> ids;
        ids.reserve(pending.size());
        for (const Line& l : pending) ids.push_back(l.id);
        auto state = vectors.embed_state(report.model.id, ids);
        if (!state.ok()) return state.error();
        std::vector<store::PaperVector> batch;
        for (size_t i = 0; i < pending.size(); ++i) {
            const auto& paper = (*state)[i];
            if (!paper) {
                ++report.unknown;
                continue;
            }
            if (embedding_text_hash(paper->title, paper->abstract) != pending[i].text_hash) {
                ++report.stale;
                continue;
            }
            batch.push_back(store::PaperVector{pending[i].id, pending[i].text_hash,
                                               paper->paper_hash, std::move(pending[i].vector)});
        }
        PAPERBOY_RETURN_IF_ERROR(vectors.put_vectors(report.model.id, batch));
        report.stored += static_cast<int64_t>(batch.size());
        pending.clear();
        if (options.progress) options.progress(report);
        return Status::ok_status();
    };

    for (;;) {
        auto next = reader.next();
        if (!next.ok()) return next.error();
        if (!*next) break;
        const ingest::LineReader::Line& l = **next;
        if (l.too_long) {
            return line_error(reader, l.number,
                              "longer than " + std::to_string(kMaxVectorLine) + " bytes");
        }
        if (l.text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        simdjson::padded_string padded(l.text);
        simdjson::dom::element doc;
        if (auto err = parser.parse(padded).get(doc); err) {
            return line_error(reader, l.number,
                              std::string("not valid JSON: ") + simdjson::error_message(err));
        }
        if (!doc.is_object()) return line_error(reader, l.number, "not a JSON object");
        if (!have_header) {
            int64_t version = 0;
            std::string_view identity;
            int64_t dims = 0;
            std::string_view spec;
            if (doc["paperboy_vectors"].get(version) || version != kFormatVersion) {
                return line_error(reader, l.number,
                                  "not a paperboy vectors header (expected "
                                  "{\"paperboy_vectors\":1,\"identity\":...,\"dimensions\":N})");
            }
            if (doc["identity"].get(identity) || identity.empty()) {
                return line_error(reader, l.number, "the header has no \"identity\"");
            }
            if (doc["dimensions"].get(dims) || dims < 1 || dims > store::kMaxDimensions) {
                return line_error(reader, l.number,
                                  "the header's \"dimensions\" is missing or out of range");
            }
            if (doc["spec"].get(spec)) spec = {};  // optional
            auto model = vectors.register_model(
                identity, options.spec.empty() ? spec : std::string_view(options.spec),
                static_cast<int>(dims));
            if (!model.ok()) return model.error();
            report.model = std::move(model).value();
            have_header = true;
            continue;
        }
        Line parsed;
        std::string_view id_text;
        std::string_view hash_text;
        simdjson::dom::array values;
        if (doc["id"].get(id_text)) return line_error(reader, l.number, "no \"id\"");
        auto id = PaperId::parse(id_text);
        if (!id.ok()) return line_error(reader, l.number, id.error().message());
        parsed.id = std::move(id).value();
        if (doc["text_hash"].get(hash_text)) {
            return line_error(reader, l.number, "no \"text_hash\"");
        }
        auto hash = parse_hex16(hash_text);
        if (!hash) return line_error(reader, l.number, "\"text_hash\" is not 16 hex digits");
        parsed.text_hash = *hash;
        if (doc["vector"].get(values)) return line_error(reader, l.number, "no \"vector\" array");
        parsed.vector.reserve(static_cast<size_t>(report.model.dimensions));
        for (simdjson::dom::element v : values) {
            double x = 0;
            if (v.get(x) || !std::isfinite(x) || std::fabs(x) > 3.4e38) {
                return line_error(reader, l.number, "the vector holds a value that is not a float");
            }
            parsed.vector.push_back(static_cast<float>(x));
        }
        if (parsed.vector.size() != static_cast<size_t>(report.model.dimensions)) {
            return line_error(reader, l.number,
                              "the vector has " + std::to_string(parsed.vector.size()) +
                                  " values; the model has " +
                                  std::to_string(report.model.dimensions));
        }
        ++report.lines;
        // A paper twice in one batch: the later line wins.
        for (Line& p : pending) {
            if (p.id == parsed.id) {
                p = std::move(parsed);
                parsed.vector.clear();
                break;
            }
        }
        if (!parsed.vector.empty()) pending.push_back(std::move(parsed));
        if (pending.size() >= batch_size) PAPERBOY_RETURN_IF_ERROR(flush());
    }
    if (!have_header) {
        return Error(ErrorCode::kNotFound, input.name() + " holds no vectors header");
    }
    PAPERBOY_RETURN_IF_ERROR(flush());
    return report;
}

}  // namespace paperboy::app
