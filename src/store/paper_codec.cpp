#include "store/paper_codec.h"

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "core/hash.h"
#include "core/json_writer.h"
#include "core/utf8.h"

namespace paperboy::store {
namespace {

// Builds the canonical serialisation: each string as a 4-byte length then its bytes, each
// number as 8 bytes, each list as its count then its items. Length prefixes make it
// unambiguous ("ab","c" differs from "a","bc").
class Canonical {
  public:
    void add(uint64_t n) {
        for (int i = 0; i < 8; ++i) buf_ += static_cast<char>((n >> (8 * i)) & 0xff);
    }
    void add(std::string_view s) {
        const auto n = static_cast<uint32_t>(s.size());
        for (int i = 0; i < 4; ++i) buf_ += static_cast<char>((n >> (8 * i)) & 0xff);
        buf_.append(s);
    }
    const std::string& bytes() const { return buf_; }
    void reserve(size_t n) { buf_.reserve(n); }

  private:
    std::string buf_;
};

bool is_category_token(std::string_view c) {
    return !c.empty() && c.find_first_of(" \t\n\r\f\v") == std::string_view::npos;
}

}  // namespace

bool is_storage_canonical(const Paper& paper) {
    for (const std::string& c : paper.categories) {
        if (!is_category_token(c)) return false;
    }
    for (const Author& a : paper.authors) {
        if (!is_valid_utf8(a.name) || !is_valid_utf8(a.keyname) || !is_valid_utf8(a.forenames) ||
            !is_valid_utf8(a.suffix)) {
            return false;
        }
        for (const std::string& aff : a.affiliations) {
            if (!is_valid_utf8(aff)) return false;
        }
    }
    return true;
}

void make_storage_canonical(Paper& paper) {
    std::vector<std::string> categories;
    for (const std::string& c : paper.categories) {
        size_t i = 0;
        while (i < c.size()) {
            const size_t j = std::min(c.find_first_of(" \t\n\r\f\v", i), c.size());
            if (j > i) categories.push_back(c.substr(i, j - i));
            i = j + 1;
        }
    }
    paper.categories = std::move(categories);
    for (Author& a : paper.authors) {
        fix_utf8(a.name);
        fix_utf8(a.keyname);
        fix_utf8(a.forenames);
        fix_utf8(a.suffix);
        for (std::string& aff : a.affiliations) fix_utf8(aff);
    }
}

std::string authors_to_json(const std::vector<Author>& authors) {
    JsonWriter w;
    w.begin_array();
    for (const Author& a : authors) {
        w.begin_object();
        w.field("name", a.name);
        w.field("keyname", a.keyname);
        w.field("forenames", a.forenames);
        w.field("suffix", a.suffix);
        w.key("affiliations").begin_array();
        for (const std::string& aff : a.affiliations) w.value(aff);
        w.end_array();
        w.end_object();
    }
    w.end_array();
    return w.take();
}

struct AuthorsJsonReader::Impl {
    simdjson::dom::parser parser;
};

AuthorsJsonReader::AuthorsJsonReader() : impl_(std::make_unique<Impl>()) {}
AuthorsJsonReader::~AuthorsJsonReader() = default;

Result<std::vector<Author>> AuthorsJsonReader::read(std::string_view json) {
    auto corrupt = [](std::string_view what) {
        return Error(ErrorCode::kCorruption, "stored authors JSON: " + std::string(what));
    };
    std::vector<Author> authors;
    if (json.empty() || json == "[]") return authors;  // the common cases, without a parse

    simdjson::dom::element root;
    if (auto err = impl_->parser.parse(json.data(), json.size()).get(root); err) {
        return corrupt(simdjson::error_message(err));
    }
    simdjson::dom::array list;
    if (root.get_array().get(list)) return corrupt("not an array");
    authors.reserve(list.size());
    for (simdjson::dom::element item : list) {
        simdjson::dom::object obj;
        if (item.get_object().get(obj)) return corrupt("an author is not an object");
        Author& a = authors.emplace_back();
        for (auto field : obj) {
            if (field.key == "affiliations") {
                simdjson::dom::array affs;
                if (field.value.get_array().get(affs)) return corrupt("affiliations not an array");
                for (simdjson::dom::element aff : affs) {
                    std::string_view s;
                    if (aff.get_string().get(s)) return corrupt("affiliation not a string");
                    a.affiliations.emplace_back(s);
                }
                continue;
            }
            std::string_view s;
            if (field.value.get_string().get(s)) return corrupt("author field not a string");
            if (field.key == "name") {
                a.name = s;
            } else if (field.key == "keyname") {
                a.keyname = s;
            } else if (field.key == "forenames") {
                a.forenames = s;
            } else if (field.key == "suffix") {
                a.suffix = s;
            }
            // Unknown keys are ignored so that a newer writer can add one.
        }
    }
    return authors;
}

std::string join_categories(const std::vector<std::string>& categories) {
    std::string out;
    for (const std::string& c : categories) {
        if (c.empty()) continue;
        if (!out.empty()) out += ' ';
        out += c;
    }
    return out;
}

std::vector<std::string> split_categories(std::string_view text) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < text.size()) {
        size_t j = text.find(' ', i);
        if (j == std::string_view::npos) j = text.size();
        if (j > i) out.emplace_back(text.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

uint64_t content_hash(const Paper& p) {
    Canonical c;
    c.reserve(256 + p.title.size() + p.abstract_raw.size() + p.abstract.size() + p.comments.size());
    c.add(static_cast<uint64_t>(p.version));
    c.add(p.title);
    c.add(p.abstract_raw);
    c.add(p.abstract);
    c.add(static_cast<uint64_t>(p.authors.size()));
    for (const Author& a : p.authors) {
        c.add(a.name);
        c.add(a.keyname);
        c.add(a.forenames);
        c.add(a.suffix);
        c.add(static_cast<uint64_t>(a.affiliations.size()));
        for (const std::string& aff : a.affiliations) c.add(aff);
    }
    c.add(static_cast<uint64_t>(p.author_count));
    c.add(static_cast<uint64_t>(p.categories.size()));
    for (const std::string& cat : p.categories) c.add(cat);
    for (const std::string* s :
         {&p.published, &p.updated, &p.submitter, &p.comments, &p.journal_ref, &p.doi, &p.report_no,
          &p.license, &p.github_url, &p.project_url, &p.organization}) {
        c.add(*s);
    }
    uint64_t h = stable_hash64(c.bytes().data(), c.bytes().size(), 0x7061706572626f79ULL);
    return h == 0 ? 1 : h;
}

std::string join_paper_ids(const std::vector<PaperId>& papers) {
    std::string out;
    for (const PaperId& paper : papers) {
        if (!out.empty()) out += ' ';
        out += paper.str();
    }
    return out;
}

Result<std::vector<PaperId>> split_paper_ids(std::string_view text) {
    std::vector<PaperId> out;
    while (!text.empty()) {
        const size_t space = text.find(' ');
        const std::string_view token = text.substr(0, space);
        text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
        if (token.empty()) continue;
        auto id = PaperId::parse(token);
        if (!id.ok()) return id.error();
        out.push_back(std::move(id).value());
    }
    return out;
}

std::string_view mail_token_purpose_name(MailTokenPurpose purpose) {
    switch (purpose) {
        case MailTokenPurpose::kResetPassword:
            return "reset_password";
        case MailTokenPurpose::kVerifyEmail:
            break;
    }
    return "verify_email";
}

std::optional<SendState> parse_send_state(std::string_view name) {
    for (SendState state : {SendState::kClaimed, SendState::kSent, SendState::kFailed}) {
        if (send_state_name(state) == name) return state;
    }
    return std::nullopt;
}

}  // namespace paperboy::store
