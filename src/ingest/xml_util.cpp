#include "ingest/xml_util.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace paperboy::ingest::xml {
namespace {

// pugixml's defaults (entities, CDATA, end-of-line normalisation) without white-space
// trimming: the abstract's raw form is kept as the source had it.
constexpr unsigned kParseOptions = pugi::parse_default;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

uint64_t line_at(std::string_view text, size_t offset, uint64_t first_line) {
    offset = std::min(offset, text.size());
    return first_line +
           static_cast<uint64_t>(std::count(text.begin(), text.begin() + offset, '\n'));
}

}  // namespace

pugi::xml_node child(pugi::xml_node parent, std::string_view local) {
    for (pugi::xml_node n = parent.first_child(); n; n = n.next_sibling()) {
        if (n.type() == pugi::node_element && xml_local_name(n.name()) == local) return n;
    }
    return {};
}

std::string_view attribute(pugi::xml_node node, std::string_view local) {
    for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
        if (xml_local_name(a.name()) == local) return a.value();
    }
    return {};
}

std::string text(pugi::xml_node node) {
    std::string out;
    for (pugi::xml_node n = node.first_child(); n; n = n.next_sibling()) {
        if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) out += n.value();
    }
    return out;
}

std::string child_text(pugi::xml_node parent, std::string_view local) {
    return text(child(parent, local));
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::optional<int64_t> parse_int(std::string_view s) {
    s = trim(s);
    int64_t value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return value;
}

size_t find_invalid_char(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    while (i < n) {
        // Fast path: eight bytes of printable ASCII at a time (no byte >= 0x80 or < 0x20).
        if (i + 8 <= n) {
            uint64_t w;
            std::memcpy(&w, p + i, 8);
            constexpr uint64_t kHigh = 0x8080808080808080ULL;
            constexpr uint64_t kBelow20 = 0x2020202020202020ULL;
            if (((w | (w - kBelow20)) & kHigh) == 0) {
                i += 8;
                continue;
            }
        }
        unsigned char c = p[i];
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return i;
            ++i;
            continue;
        }
        size_t len = 0;
        uint32_t cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (i + len > n) return i;
        for (size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            return i;
        }
        i += len;
    }
    return std::string_view::npos;
}

std::string printable(std::string_view s, size_t max) {
    std::string out;
    for (char c : s.substr(0, max)) {
        auto u = static_cast<unsigned char>(c);
        out.push_back(u >= 0x20 && u < 0x7F ? c : '?');
    }
    if (s.size() > max) out += "...";
    return out;
}

Result<pugi::xml_node> parse_record(pugi::xml_document& doc, const XmlRecordText& record) {
    std::string_view text = record.text;
    size_t bad = find_invalid_char(text);
    if (bad != std::string_view::npos) {
        return Error(ErrorCode::kParse, "invalid UTF-8 or control character at line " +
                                            std::to_string(line_at(text, bad, record.line)));
    }
    pugi::xml_parse_result result =
        doc.load_buffer(text.data(), text.size(), kParseOptions, pugi::encoding_utf8);
    if (!result) {
        return Error(
            ErrorCode::kParse,
            "malformed XML at line " +
                std::to_string(line_at(text, static_cast<size_t>(result.offset), record.line)) +
                ": " + result.description());
    }
    pugi::xml_node root = doc.document_element();
    if (!root) return Error(ErrorCode::kParse, "empty record");
    return root;
}

pugi::xml_node parse_envelope(pugi::xml_document& doc, const XmlRecordSplitter& splitter) {
    const std::string& text = splitter.envelope();
    // A failed parse still leaves the tree built before the error, which is what a truncated
    // feed's header needs.
    (void)doc.load_buffer(text.data(), text.size(), kParseOptions, pugi::encoding_utf8);
    return doc.document_element();
}

RecordError record_error(const ByteSource& input, const XmlRecordText& record, std::string reason) {
    RecordError error;
    error.source = input.name();
    error.line = record.line;
    error.record = record.ordinal;
    error.reason = std::move(reason);
    return error;
}

Status for_each_record(XmlRecordSplitter& splitter, ByteSource& input, RecordSink& sink,
                       std::string_view container, const ReadRecord& read) {
    XmlRecordText text;
    for (;;) {
        Result<bool> more = splitter.next(text);
        if (!more.ok()) return more.error();
        if (!*more) break;
        if (!text.error.empty()) {
            sink.on_error(record_error(input, text, std::move(text.error)));
            continue;
        }
        pugi::xml_document doc;
        Result<pugi::xml_node> node = parse_record(doc, text);
        if (!node.ok()) {
            sink.on_error(record_error(input, text, node.error().message()));
            continue;
        }
        Status status = read(*node, text);
        if (!status.ok()) sink.on_error(record_error(input, text, status.error().message()));
    }
    if (splitter.root_name().empty()) {
        return Error(ErrorCode::kParse, input.name() + ": not XML (no element found)");
    }
    if (splitter.ended_inside_element()) {
        sink.on_error(RecordError{
            input.name(), splitter.end_line(), 0,
            "the input ends inside the " + std::string(container) + " (truncated file?)"});
    }
    if (splitter.envelope_overflowed()) {
        sink.on_error(RecordError{input.name(), 0, 0,
                                  "text outside the records passes 1 MiB; the rest was ignored"});
    }
    return Status::ok_status();
}

}  // namespace paperboy::ingest::xml
