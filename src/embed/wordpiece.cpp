#include "embed/wordpiece.h"

#include <simdjson.h>
#include <utf8proc.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "embed/model_folder.h"

namespace paperboy::embed {

namespace {

// --- Character classes, as tokenizers' normalizers/bert.rs and pre_tokenizers/bert.rs ---

// Rust's char::is_whitespace (the White_Space property).
bool is_whitespace(char32_t c) {
    switch (c) {
        case 0x09:
        case 0x0A:
        case 0x0B:
        case 0x0C:
        case 0x0D:
        case 0x20:
        case 0x85:
        case 0xA0:
        case 0x1680:
        case 0x2028:
        case 0x2029:
        case 0x202F:
        case 0x205F:
        case 0x3000:
            return true;
        default:
            return c >= 0x2000 && c <= 0x200A;
    }
}

// tokenizers' is_control: unicode_categories' is_other() (Cc, Cf, Co; not Cn, not Cs), with
// tab, LF and CR counted as whitespace instead.
bool is_control(char32_t c) {
    if (c == '\t' || c == '\n' || c == '\r') return false;
    switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
        case UTF8PROC_CATEGORY_CC:
        case UTF8PROC_CATEGORY_CF:
        case UTF8PROC_CATEGORY_CO:
            return true;
        default:
            return false;
    }
}

bool is_chinese_char(char32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
           (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool is_ascii_punctuation(char32_t c) {
    return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
           (c >= 123 && c <= 126);
}

bool is_punctuation(char32_t c) {
    if (c < 0x80) return is_ascii_punctuation(c);
    switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
        case UTF8PROC_CATEGORY_PC:
        case UTF8PROC_CATEGORY_PD:
        case UTF8PROC_CATEGORY_PS:
        case UTF8PROC_CATEGORY_PE:
        case UTF8PROC_CATEGORY_PI:
        case UTF8PROC_CATEGORY_PF:
        case UTF8PROC_CATEGORY_PO:
            return true;
        default:
            return false;
    }
}

// Decodes one UTF-8 character at s[i]; an invalid sequence is one byte read as U+FFFD.
char32_t decode(std::string_view s, size_t& i) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t n =
        utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                         static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
    if (n <= 0) {
        ++i;
        return 0xFFFD;
    }
    i += static_cast<size_t>(n);
    return static_cast<char32_t>(cp);
}

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

// Appends normalized characters to scratch.normalized and cuts them into words as
// BertPreTokenizer does, in the same pass.
class Splitter {
  public:
    explicit Splitter(WordPieceScratch& s) : s_(s) {}

    void put(char32_t c) {
        if (is_whitespace(c)) {
            close();
            return;
        }
        if (is_punctuation(c)) {
            close();
            open();
            append_utf8(s_.normalized, c);
            chars_ = 1;
            close();
            return;
        }
        if (!in_word_) open();
        append_utf8(s_.normalized, c);
        ++chars_;
    }

    void close() {
        if (!in_word_) return;
        s_.words.emplace_back(begin_, static_cast<uint32_t>(s_.normalized.size()));
        s_.word_chars.push_back(chars_);
        in_word_ = false;
    }

  private:
    void open() {
        in_word_ = true;
        begin_ = static_cast<uint32_t>(s_.normalized.size());
        chars_ = 0;
    }

    WordPieceScratch& s_;
    bool in_word_ = false;
    uint32_t begin_ = 0;
    uint32_t chars_ = 0;
};

// Lowercases as Rust's char::to_lowercase: the simple mapping, except U+0130 whose full
// lowercase is two characters.
template <typename Put>
void put_lowercase(char32_t c, bool lowercase, Put&& put) {
    if (!lowercase) {
        put(c);
    } else if (c == 0x130) {
        put(U'i');
        put(char32_t{0x307});
    } else {
        put(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
    }
}

Error parse_error(std::string_view source, std::string_view what) {
    return Error(ErrorCode::kParse, std::string(source) + ": " + std::string(what));
}

Error unsupported(std::string_view source, std::string_view what) {
    return Error(ErrorCode::kInvalidArgument, std::string(source) + ": " + std::string(what));
}

}  // namespace

// --- TokenTable ---

namespace detail {

uint64_t TokenTable::hash(std::string_view key) {
    // Multiply-xorshift over 8-byte words; tokens are short, so this is a few multiplications.
    constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
    uint64_t h = key.size() * kMul;
    const char* p = key.data();
    size_t n = key.size();
    while (n >= 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        h = (h ^ w) * kMul;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        uint64_t w = 0;
        std::memcpy(&w, p, n);
        h = (h ^ w) * kMul;
    }
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    h ^= h >> 32;
    return h;
}

void TokenTable::grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    used_ = 0;
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
        if (s.data == nullptr) continue;
        size_t i = s.hash & mask;
        while (slots_[i].data != nullptr) i = (i + 1) & mask;
        slots_[i] = s;
        ++used_;
    }
}

void TokenTable::insert_or_assign(std::string_view key, int32_t id) {
    if ((used_ + 1) * 2 > slots_.size()) grow();
    const uint64_t h = hash(key);
    const size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    while (slots_[i].data != nullptr) {
        Slot& s = slots_[i];
        if (s.hash == h && std::string_view(s.data, s.size) == key) {
            s.id = id;
            return;
        }
        i = (i + 1) & mask;
    }
    slots_[i] = Slot{key.data(), static_cast<uint32_t>(key.size()), id, h};
    ++used_;
    max_key_bytes_ = std::max(max_key_bytes_, key.size());
}

int32_t TokenTable::find(std::string_view key) const {
    if (slots_.empty() || key.size() > max_key_bytes_) return -1;
    const uint64_t h = hash(key);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const Slot& s = slots_[i];
        if (s.data == nullptr) return -1;
        if (s.hash == h && s.size == key.size() &&
            std::memcmp(s.data, key.data(), key.size()) == 0) {
            return s.id;
        }
    }
}

}  // namespace detail

WordPiece::WordPiece(WordPiece&&) noexcept = default;
WordPiece& WordPiece::operator=(WordPiece&&) noexcept = default;
WordPiece::~WordPiece() = default;

// --- Loading ---

Status WordPiece::finish(std::string_view source) {
    const std::string& prefix = config_.continuing_subword_prefix;
    for (size_t id = 0; id < tokens_.size(); ++id) {
        const std::string_view token = tokens_[id];
        if (token.empty()) continue;
        start_.insert_or_assign(token, static_cast<int32_t>(id));
        if (!prefix.empty() && token.size() > prefix.size() && token.starts_with(prefix)) {
            continuation_.insert_or_assign(token.substr(prefix.size()), static_cast<int32_t>(id));
        }
    }
    unk_id_ = start_.find(config_.unk_token);
    if (unk_id_ < 0) {
        return unsupported(
            source, "the unknown token \"" + config_.unk_token + "\" is not in the vocabulary");
    }
    // Longest first, so that the earliest match at a position is also the longest.
    std::stable_sort(added_.begin(), added_.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    return Status::ok_status();
}

Result<WordPiece> WordPiece::from_tokenizer_json(std::string_view json, std::string_view source) {
    if (json.size() > kMaxFileBytes) return parse_error(source, "larger than 64 MB");
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    const simdjson::padded_string padded(json);
    if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS) {
        return parse_error(source, std::string("not JSON: ") + simdjson::error_message(err));
    }
    WordPiece wp;
    WordPieceConfig& config = wp.config_;

    // model
    simdjson::dom::object model;
    if (root["model"].get_object().get(model) != simdjson::SUCCESS) {
        return parse_error(source, "no \"model\" object");
    }
    std::string_view type;
    if (model["type"].get_string().get(type) != simdjson::SUCCESS || type != "WordPiece") {
        return unsupported(source, "model.type is \"" + std::string(type) +
                                       "\", only WordPiece tokenizers are supported");
    }
    std::string_view sv;
    if (model["unk_token"].get_string().get(sv) == simdjson::SUCCESS) config.unk_token = sv;
    if (model["continuing_subword_prefix"].get_string().get(sv) == simdjson::SUCCESS) {
        config.continuing_subword_prefix = sv;
    }
    uint64_t max_chars = 0;
    if (model["max_input_chars_per_word"].get_uint64().get(max_chars) == simdjson::SUCCESS) {
        config.max_input_chars_per_word = static_cast<size_t>(max_chars);
    }
    simdjson::dom::object vocab;
    if (model["vocab"].get_object().get(vocab) != simdjson::SUCCESS) {
        return parse_error(source, "model.vocab is not an object");
    }
    for (auto [key, value] : vocab) {
        int64_t id = -1;
        if (value.get_int64().get(id) != simdjson::SUCCESS || id < 0 ||
            id >= static_cast<int64_t>(kMaxVocab)) {
            return parse_error(source, "model.vocab[\"" + std::string(key) +
                                           "\"] is not an id in 0.." + std::to_string(kMaxVocab));
        }
        if (static_cast<size_t>(id) >= wp.tokens_.size()) {
            wp.tokens_.resize(static_cast<size_t>(id) + 1);
        }
        wp.tokens_[static_cast<size_t>(id)] = key;
    }

    // normalizer: BertNormalizer or none
    simdjson::dom::element normalizer;
    if (root["normalizer"].get(normalizer) != simdjson::SUCCESS || normalizer.is_null()) {
        config.clean_text = config.handle_chinese_chars = false;
        config.strip_accents = config.lowercase = false;
    } else {
        if (normalizer["type"].get_string().get(type) != simdjson::SUCCESS ||
            type != "BertNormalizer") {
            return unsupported(source, "normalizer \"" + std::string(type) +
                                           "\" is not supported (only BertNormalizer)");
        }
        bool b = false;
        if (normalizer["clean_text"].get_bool().get(b) == simdjson::SUCCESS) config.clean_text = b;
        if (normalizer["handle_chinese_chars"].get_bool().get(b) == simdjson::SUCCESS) {
            config.handle_chinese_chars = b;
        }
        if (normalizer["lowercase"].get_bool().get(b) == simdjson::SUCCESS) config.lowercase = b;
        if (normalizer["strip_accents"].get_bool().get(b) == simdjson::SUCCESS) {
            config.strip_accents = b;
        } else {
            config.strip_accents = config.lowercase;  // null: follows lowercase
        }
    }

    // pre_tokenizer: BertPreTokenizer
    simdjson::dom::element pre;
    if (root["pre_tokenizer"].get(pre) != simdjson::SUCCESS || pre.is_null() ||
        pre["type"].get_string().get(type) != simdjson::SUCCESS || type != "BertPreTokenizer") {
        return unsupported(source, "pre_tokenizer is not BertPreTokenizer");
    }

    // added tokens matched in the raw text
    simdjson::dom::array added;
    if (root["added_tokens"].get_array().get(added) == simdjson::SUCCESS) {
        for (simdjson::dom::element token : added) {
            std::string_view content;
            int64_t id = -1;
            bool normalized = true;
            if (token["content"].get_string().get(content) != simdjson::SUCCESS ||
                token["id"].get_int64().get(id) != simdjson::SUCCESS || id < 0 ||
                id >= static_cast<int64_t>(kMaxVocab) || content.empty()) {
                return parse_error(source, "an added_tokens entry without content or id");
            }
            if (token["normalized"].get_bool().get(normalized) != simdjson::SUCCESS)
                normalized = true;
            if (!normalized) wp.added_.emplace_back(std::string(content), static_cast<int32_t>(id));
        }
    }

    // post_processor: TemplateProcessing's "single" template, or BertProcessing
    simdjson::dom::element post;
    if (root["post_processor"].get(post) == simdjson::SUCCESS && !post.is_null()) {
        if (post["type"].get_string().get(type) != simdjson::SUCCESS) type = "";
        if (type == "TemplateProcessing") {
            simdjson::dom::array single;
            if (post["single"].get_array().get(single) != simdjson::SUCCESS) {
                return parse_error(source, "post_processor.single is not an array");
            }
            bool seen_sequence = false;
            for (simdjson::dom::element piece : single) {
                if (piece["Sequence"].error() == simdjson::SUCCESS) {
                    seen_sequence = true;
                    continue;
                }
                std::string_view name;
                if (piece["SpecialToken"]["id"].get_string().get(name) != simdjson::SUCCESS) {
                    return parse_error(source, "post_processor.single has an unknown piece");
                }
                simdjson::dom::array ids;
                if (post["special_tokens"][name]["ids"].get_array().get(ids) != simdjson::SUCCESS) {
                    return parse_error(source, "post_processor.special_tokens has no \"" +
                                                   std::string(name) + "\"");
                }
                for (simdjson::dom::element e : ids) {
                    int64_t id = -1;
                    if (e.get_int64().get(id) != simdjson::SUCCESS || id < 0 ||
                        id >= static_cast<int64_t>(kMaxVocab)) {
                        return parse_error(source, "post_processor: a bad special token id");
                    }
                    (seen_sequence ? wp.suffix_ids_ : wp.prefix_ids_)
                        .push_back(static_cast<int32_t>(id));
                }
            }
        } else if (type == "BertProcessing") {
            for (const char* key : {"cls", "sep"}) {
                int64_t id = -1;
                if (post[key].at(1).get_int64().get(id) != simdjson::SUCCESS || id < 0 ||
                    id >= static_cast<int64_t>(kMaxVocab)) {
                    return parse_error(source, std::string("post_processor.") + key + " is bad");
                }
                (key[0] == 'c' ? wp.prefix_ids_ : wp.suffix_ids_)
                    .push_back(static_cast<int32_t>(id));
            }
        } else {
            return unsupported(source,
                               "post_processor \"" + std::string(type) + "\" is not supported");
        }
    }

    PAPERBOY_RETURN_IF_ERROR(wp.finish(source));
    return wp;
}

Result<WordPiece> WordPiece::from_vocab_txt(std::string_view vocab, const WordPieceConfig& config,
                                            std::string_view source) {
    if (vocab.size() > kMaxFileBytes) return parse_error(source, "larger than 64 MB");
    WordPiece wp;
    wp.config_ = config;
    size_t pos = 0;
    while (pos < vocab.size()) {
        size_t end = vocab.find('\n', pos);
        if (end == std::string_view::npos) end = vocab.size();
        std::string_view line = vocab.substr(pos, end - pos);
        // The library trims trailing whitespace of each line.
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        if (wp.tokens_.size() >= kMaxVocab) return parse_error(source, "too many lines");
        wp.tokens_.emplace_back(line);
        pos = end + 1;
    }
    for (const std::string* special : {&config.unk_token, &config.cls_token, &config.sep_token}) {
        for (size_t id = 0; id < wp.tokens_.size(); ++id) {
            if (wp.tokens_[id] == *special) {
                wp.added_.emplace_back(*special, static_cast<int32_t>(id));
                break;
            }
        }
    }
    for (const std::string_view t : {std::string_view("[PAD]"), std::string_view("[MASK]")}) {
        for (size_t id = 0; id < wp.tokens_.size(); ++id) {
            if (wp.tokens_[id] == t) {
                wp.added_.emplace_back(std::string(t), static_cast<int32_t>(id));
                break;
            }
        }
    }
    for (const auto& [token, id] : wp.added_) {
        if (token == config.cls_token) wp.prefix_ids_ = {id};
        if (token == config.sep_token) wp.suffix_ids_ = {id};
    }
    PAPERBOY_RETURN_IF_ERROR(wp.finish(source));
    return wp;
}

Result<WordPiece> WordPiece::from_folder(const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const std::string json_path = (fs::path(dir) / "tokenizer.json").string();
    if (fs::exists(json_path, ec)) {
        Result<std::string> text = read_model_file(json_path, kMaxFileBytes);
        if (!text.ok()) return text.error();
        return from_tokenizer_json(*text, json_path);
    }
    const std::string vocab_path = (fs::path(dir) / "vocab.txt").string();
    if (!fs::exists(vocab_path, ec)) {
        return Error(ErrorCode::kNotFound, dir + ": neither tokenizer.json nor vocab.txt");
    }
    WordPieceConfig config;
    const std::string config_path = (fs::path(dir) / "tokenizer_config.json").string();
    if (fs::exists(config_path, ec)) {
        Result<std::string> text = read_model_file(config_path, 1u << 20);
        if (!text.ok()) return text.error();
        simdjson::dom::parser parser;
        simdjson::dom::element root;
        const simdjson::padded_string padded(*text);
        if (parser.parse(padded).get(root) != simdjson::SUCCESS || !root.is_object()) {
            return parse_error(config_path, "not a JSON object");
        }
        bool b = false;
        if (root["do_lower_case"].get_bool().get(b) == simdjson::SUCCESS) config.lowercase = b;
        if (root["tokenize_chinese_chars"].get_bool().get(b) == simdjson::SUCCESS) {
            config.handle_chinese_chars = b;
        }
        if (root["strip_accents"].get_bool().get(b) == simdjson::SUCCESS) {
            config.strip_accents = b;
        } else {
            config.strip_accents = config.lowercase;
        }
        std::string_view sv;
        if (root["unk_token"].get_string().get(sv) == simdjson::SUCCESS) config.unk_token = sv;
        if (root["cls_token"].get_string().get(sv) == simdjson::SUCCESS) config.cls_token = sv;
        if (root["sep_token"].get_string().get(sv) == simdjson::SUCCESS) config.sep_token = sv;
    }
    Result<std::string> vocab = read_model_file(vocab_path, kMaxFileBytes);
    if (!vocab.ok()) return vocab.error();
    return from_vocab_txt(*vocab, config, vocab_path);
}

// --- Encoding ---

void WordPiece::normalize_and_split(std::string_view text, WordPieceScratch& s) const {
    s.normalized.clear();
    s.words.clear();
    s.word_chars.clear();
    s.marks.clear();
    Splitter split(s);
    const WordPieceConfig& c = config_;

    // After NFD, a run of combining marks is in canonical order (stable by combining class).
    // Nonspacing marks are dropped when stripping accents, so only the others are held here.
    auto flush_marks = [&] {
        if (s.marks.empty()) return;
        std::stable_sort(s.marks.begin(), s.marks.end(), [](char32_t a, char32_t b) {
            return utf8proc_get_property(static_cast<utf8proc_int32_t>(a))->combining_class <
                   utf8proc_get_property(static_cast<utf8proc_int32_t>(b))->combining_class;
        });
        for (char32_t m : s.marks) put_lowercase(m, c.lowercase, [&](char32_t x) { split.put(x); });
        s.marks.clear();
    };
    auto put_decomposed = [&](char32_t d) {
        const utf8proc_property_t* p = utf8proc_get_property(static_cast<utf8proc_int32_t>(d));
        if (p->category == UTF8PROC_CATEGORY_MN) return;  // an accent: dropped
        if (p->combining_class != 0) {
            s.marks.push_back(d);
            return;
        }
        flush_marks();
        put_lowercase(d, c.lowercase, [&](char32_t x) { split.put(x); });
    };
    auto put_char = [&](char32_t ch) {
        if (!c.strip_accents || ch < 0xC0) {  // nothing below U+00C0 decomposes
            flush_marks();
            put_lowercase(ch, c.lowercase, [&](char32_t x) { split.put(x); });
            return;
        }
        utf8proc_int32_t buf[8];
        int last_boundclass = 0;
        const utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(ch), buf,
                                                           8, UTF8PROC_DECOMPOSE, &last_boundclass);
        if (n <= 0 || n > 8) {
            put_decomposed(ch);
            return;
        }
        for (utf8proc_ssize_t k = 0; k < n; ++k) put_decomposed(static_cast<char32_t>(buf[k]));
    };

    size_t i = 0;
    while (i < text.size()) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x80) {  // ASCII: the common case, without table lookups
            ++i;
            char32_t ch = byte;
            if (c.clean_text) {
                if (ch == '\t' || ch == '\n' || ch == '\r') {
                    ch = ' ';
                } else if (ch < 0x20 || ch == 0x7F) {
                    continue;
                }
            }
            flush_marks();
            if (c.lowercase && ch >= 'A' && ch <= 'Z') ch += 'a' - 'A';
            split.put(ch);
            continue;
        }
        char32_t ch = decode(text, i);
        if (c.clean_text) {
            if (ch == 0xFFFD || is_control(ch)) continue;
            if (is_whitespace(ch)) ch = ' ';
        }
        if (c.handle_chinese_chars && is_chinese_char(ch)) {
            flush_marks();
            split.put(' ');
            put_char(ch);
            flush_marks();
            split.put(' ');
            continue;
        }
        put_char(ch);
    }
    flush_marks();
    split.close();
}

void WordPiece::encode_word(std::string_view word, size_t chars, std::vector<int32_t>& out) const {
    if (chars > config_.max_input_chars_per_word) {
        out.push_back(unk_id_);
        return;
    }
    const size_t first = out.size();
    size_t start = 0;
    while (start < word.size()) {
        const detail::TokenTable& table = start == 0 ? start_ : continuation_;
        const size_t limit = table.max_key_bytes();
        size_t end = std::min(word.size(), start + limit);
        // Never cut inside a UTF-8 sequence.
        while (end > start && end < word.size() &&
               (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) {
            --end;
        }
        int32_t found = -1;
        while (end > start) {
            found = table.find(word.substr(start, end - start));
            if (found >= 0) break;
            --end;
            while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) --end;
        }
        if (found < 0) {  // some position matches nothing: the whole word is unknown
            out.resize(first);
            out.push_back(unk_id_);
            return;
        }
        out.push_back(found);
        start = end;
    }
}

void WordPiece::encode_segment(std::string_view text, size_t max_ids, std::vector<int32_t>& out,
                               WordPieceScratch& scratch) const {
    normalize_and_split(text, scratch);
    for (size_t w = 0; w < scratch.words.size() && out.size() < max_ids; ++w) {
        const auto [begin, end] = scratch.words[w];
        encode_word(std::string_view(scratch.normalized).substr(begin, end - begin),
                    scratch.word_chars[w], out);
    }
    if (out.size() > max_ids) out.resize(max_ids);
}

void WordPiece::encode_into(std::string_view text, size_t max_ids, std::vector<int32_t>& out,
                            WordPieceScratch& scratch) const {
    max_ids = out.size() + std::min(max_ids, SIZE_MAX - out.size());
    // Cut out the added tokens: the earliest occurrence first, the longest at one position.
    while (!text.empty() && out.size() < max_ids) {
        size_t best = std::string_view::npos;
        const std::pair<std::string, int32_t>* match = nullptr;
        for (const auto& added : added_) {
            const size_t at = text.find(added.first);
            if (at < best) {
                best = at;
                match = &added;
            }
        }
        if (match == nullptr) {
            encode_segment(text, max_ids, out, scratch);
            return;
        }
        if (best > 0) encode_segment(text.substr(0, best), max_ids, out, scratch);
        if (out.size() < max_ids) out.push_back(match->second);
        text.remove_prefix(best + match->first.size());
    }
}

std::vector<int32_t> WordPiece::encode(std::string_view text, bool add_special_tokens,
                                       size_t max_length) const {
    std::vector<int32_t> ids;
    WordPieceScratch scratch;
    size_t content = SIZE_MAX;
    const size_t specials = add_special_tokens ? prefix_ids_.size() + suffix_ids_.size() : 0;
    if (max_length > 0) content = max_length > specials ? max_length - specials : 0;
    if (add_special_tokens) ids = prefix_ids_;
    encode_into(text, content, ids, scratch);
    if (add_special_tokens) ids.insert(ids.end(), suffix_ids_.begin(), suffix_ids_.end());
    return ids;
}

std::vector<std::string> WordPiece::pre_tokenize(std::string_view text) const {
    std::vector<std::string> words;
    WordPieceScratch scratch;
    while (!text.empty()) {
        size_t best = std::string_view::npos;
        const std::pair<std::string, int32_t>* match = nullptr;
        for (const auto& added : added_) {
            const size_t at = text.find(added.first);
            if (at < best) {
                best = at;
                match = &added;
            }
        }
        const std::string_view segment = match == nullptr ? text : text.substr(0, best);
        normalize_and_split(segment, scratch);
        for (const auto& [begin, end] : scratch.words) {
            words.emplace_back(scratch.normalized, begin, end - begin);
        }
        if (match == nullptr) break;
        words.push_back(match->first);
        text.remove_prefix(best + match->first.size());
    }
    return words;
}

std::vector<std::string> WordPiece::tokenize(std::string_view text) const {
    std::vector<std::string> pieces;
    for (const int32_t id : encode(text, false)) pieces.emplace_back(id_to_token(id));
    return pieces;
}

std::optional<int32_t> WordPiece::token_to_id(std::string_view token) const {
    const int32_t id = start_.find(token);
    if (id < 0) return std::nullopt;
    return id;
}

std::string_view WordPiece::id_to_token(int32_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= tokens_.size()) return {};
    return tokens_[static_cast<size_t>(id)];
}

}  // namespace paperboy::embed
