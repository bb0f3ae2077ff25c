#include "ingest/xml_record_splitter.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace paperboy::ingest {
namespace {

// The envelope's element stack only serves to know a record's parent; a hostile document
// nested deeper than this is still scanned, without names for the deep levels.
constexpr size_t kMaxTrackedDepth = 256;
// Names longer than this are not record names; the rest of a longer name is not kept.
constexpr size_t kMaxNameLength = 256;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

uint64_t count_newlines(const char* begin, const char* end) {
    return static_cast<uint64_t>(std::count(begin, end, '\n'));
}

// An untrusted element name fit for a message.
std::string printable_name(std::string_view name) {
    std::string out;
    for (char c : name.substr(0, 40)) {
        auto u = static_cast<unsigned char>(c);
        out.push_back(u >= 0x20 && u < 0x7F ? c : '?');
    }
    return out;
}

std::string size_text(size_t bytes) {
    if (bytes % (size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
    return std::to_string(bytes) + " bytes";
}

}  // namespace

XmlRecordSplitter::XmlRecordSplitter(ByteSource& input, XmlRecordSpec spec,
                                     XmlSplitterLimits limits)
    : input_(input),
      spec_(std::move(spec)),
      limits_(limits),
      chunk_(std::make_unique<char[]>(std::max<size_t>(limits.chunk_size, 1))) {}

std::string XmlRecordSplitter::where(uint64_t line) const {
    return input_.name() + " line " + std::to_string(line);
}

Result<bool> XmlRecordSplitter::next(XmlRecordText& out) {
    while (!done_) {
        if (pos_ == chunk_len_) {
            if (eof_) {
                done_ = true;
                if (in_record_) {
                    // The record's bytes are useless without their end; the envelope around
                    // it is unclosed too, but one error for the truncation is enough.
                    std::string qname = "<" + spec_.name + ">";
                    finish_record("element " + qname +
                                  " is not closed before the end of the input " + "(line " +
                                  std::to_string(line_) + "; truncated file?)");
                    out = std::move(ready_record_);
                    ready_ = false;
                    return true;
                }
                ended_inside_element_ = open_depth_ > 0 || state_ != State::kText;
                return false;
            }
            Result<size_t> n = input_.read(chunk_.get(), std::max<size_t>(limits_.chunk_size, 1));
            if (!n.ok()) return n.error();
            chunk_len_ = *n;
            pos_ = 0;
            mark_ = 0;
            if (chunk_len_ == 0) {
                eof_ = true;
                continue;
            }
            if (first_chunk_) {
                first_chunk_ = false;
                // A UTF-8 byte order mark is not text before the root element.
                if (chunk_len_ >= 3 && std::memcmp(chunk_.get(), "\xEF\xBB\xBF", 3) == 0) {
                    pos_ = mark_ = 3;
                }
            }
        }
        PAPERBOY_RETURN_IF_ERROR(scan_chunk());
        if (wrong_root_) {
            done_ = true;
            return Error(ErrorCode::kParse, where(root_line_) + ": the document element is <" +
                                                printable_name(root_name_) + ">, not <" +
                                                spec_.root + ">");
        }
        if (ready_) {
            out = std::move(ready_record_);
            ready_record_ = XmlRecordText{};
            ready_ = false;
            return true;
        }
    }
    return false;
}

void XmlRecordSplitter::append_envelope(std::string_view text) {
    size_t room = limits_.max_envelope_size - std::min(envelope_.size(), limits_.max_envelope_size);
    if (text.size() > room) {
        envelope_overflowed_ = true;
        text = text.substr(0, room);
    }
    envelope_.append(text);
}

// Moves the scanned bytes [mark_, end) of the chunk to where the current state says they
// belong: the record being cut out, the pending markup outside records, or the envelope.
void XmlRecordSplitter::copy_span(size_t end) {
    if (end <= mark_) return;
    std::string_view span(chunk_.get() + mark_, end - mark_);
    mark_ = end;
    if (in_record_) {
        if (skipping_) return;
        if (record_.size() + span.size() > limits_.max_record_size) {
            skipping_ = true;
            std::string().swap(record_);
            return;
        }
        record_.append(span);
    } else if (state_ != State::kText) {
        pending_.append(span);
    } else {
        append_envelope(span);
    }
}

bool XmlRecordSplitter::is_record_start(std::string_view local) const {
    if (local != spec_.name) return false;
    if (spec_.parents.empty()) return true;
    if (open_depth_ == 0 || open_.size() != open_depth_) return false;
    return std::find(spec_.parents.begin(), spec_.parents.end(), open_.back()) !=
           spec_.parents.end();
}

void XmlRecordSplitter::finish_record(std::string error) {
    if (error.empty() && skipping_) {
        error =
            "record larger than the limit of " + size_text(limits_.max_record_size) + "; skipped";
    }
    ready_record_.line = record_line_;
    ready_record_.ordinal = ordinal_;
    if (error.empty()) {
        ready_record_.text = std::move(record_);
    } else {
        ready_record_.text.clear();
        ready_record_.error = std::move(error);
    }
    record_ = std::string();
    in_record_ = false;
    skipping_ = false;
    record_depth_ = 0;
    ready_ = true;
}

// Called with the index of the '>' that closes the current piece of markup.
void XmlRecordSplitter::end_markup(size_t gt_index) {
    copy_span(gt_index + 1);
    pos_ = gt_index + 1;
    bool was_tag = state_ == State::kTagBody;
    state_ = State::kText;
    if (was_tag) {
        on_tag();
    } else if (!in_record_) {
        append_envelope(pending_);
        pending_.clear();
    }
}

void XmlRecordSplitter::on_tag() {
    std::string_view local = xml_local_name(name_);
    if (is_end_tag_) {
        if (in_record_) {
            if (--record_depth_ == 0) finish_record("");
            return;
        }
        append_envelope(pending_);
        pending_.clear();
        if (open_depth_ > 0) {
            if (open_.size() == open_depth_) open_.pop_back();
            --open_depth_;
        }
        return;
    }
    bool self_closing = last_in_tag_ == '/';
    if (in_record_) {
        if (!self_closing) ++record_depth_;
        return;
    }
    if (root_name_.empty()) {
        root_name_ = std::string(local);
        root_line_ = markup_line_;
        wrong_root_ = !spec_.root.empty() && root_name_ != spec_.root;
    }
    if (is_record_start(local)) {
        ++ordinal_;
        record_ = std::move(pending_);
        pending_.clear();
        record_line_ = markup_line_;
        skipping_ = false;
        in_record_ = true;
        record_depth_ = 1;
        if (self_closing) finish_record("");
        return;
    }
    append_envelope(pending_);
    pending_.clear();
    if (!self_closing) {
        if (open_.size() < kMaxTrackedDepth) open_.emplace_back(local);
        ++open_depth_;
    }
}

Status XmlRecordSplitter::scan_chunk() {
    const char* data = chunk_.get();
    const size_t size = chunk_len_;
    while (pos_ < size && !ready_) {
        char c = data[pos_];
        switch (state_) {
            case State::kText: {
                const void* lt = std::memchr(data + pos_, '<', size - pos_);
                size_t end =
                    lt != nullptr ? static_cast<size_t>(static_cast<const char*>(lt) - data) : size;
                if (root_name_.empty() && !in_record_) {
                    // Only white space may come before the first element (after the XML
                    // declaration and comments); anything else means this is not XML.
                    for (size_t i = pos_; i < end; ++i) {
                        if (!is_space(data[i])) {
                            return Error(ErrorCode::kParse,
                                         where(line_ + count_newlines(data + pos_, data + i)) +
                                             ": not XML (text before the first element)");
                        }
                    }
                }
                line_ += count_newlines(data + pos_, data + end);
                if (lt == nullptr) {
                    pos_ = size;
                    break;
                }
                copy_span(end);
                pos_ = end + 1;
                markup_line_ = line_;
                state_ = State::kLt;
                break;
            }
            case State::kLt:
                if (c == '/') {
                    is_end_tag_ = true;
                    name_.clear();
                    state_ = State::kEndName;
                    ++pos_;
                } else if (c == '!') {
                    bang_.clear();
                    state_ = State::kBang;
                    ++pos_;
                } else if (c == '?') {
                    run_ = 0;
                    state_ = State::kPi;
                    ++pos_;
                } else {
                    is_end_tag_ = false;
                    name_.clear();
                    last_in_tag_ = 0;
                    state_ = State::kStartName;
                }
                break;
            case State::kBang: {
                static constexpr std::string_view kCdataOpen = "[CDATA[";
                static constexpr std::string_view kCommentOpen = "--";
                bang_.push_back(c);
                std::string_view seen = bang_;
                if (seen == kCommentOpen) {
                    run_ = 0;
                    state_ = State::kComment;
                    ++pos_;
                } else if (seen == kCdataOpen) {
                    run_ = 0;
                    state_ = State::kCdata;
                    ++pos_;
                } else if (kCommentOpen.starts_with(seen) || kCdataOpen.starts_with(seen)) {
                    ++pos_;
                } else {
                    // A declaration (<!DOCTYPE ...>); the byte that decided it is scanned
                    // again in the new state.
                    decl_depth_ = static_cast<int>(std::count(bang_.begin(), bang_.end() - 1, '['));
                    state_ = State::kDecl;
                }
                break;
            }
            case State::kComment:
            case State::kCdata: {
                // Comments and CDATA sections may hold '<' and whole tags; only their
                // terminator ("-->", "]]>") ends them.
                const char dash = state_ == State::kComment ? '-' : ']';
                if (run_ == 0) {
                    const void* p = std::memchr(data + pos_, dash, size - pos_);
                    size_t end = p != nullptr
                                     ? static_cast<size_t>(static_cast<const char*>(p) - data)
                                     : size;
                    line_ += count_newlines(data + pos_, data + end);
                    pos_ = end;
                    if (p == nullptr) break;
                    run_ = 1;
                    ++pos_;
                    break;
                }
                if (c == dash) {
                    ++run_;
                    ++pos_;
                } else if (c == '>' && run_ >= 2) {
                    end_markup(pos_);
                } else {
                    run_ = 0;
                }
                break;
            }
            case State::kPi:
                if (c == '>' && run_ > 0) {
                    end_markup(pos_);
                    break;
                }
                run_ = c == '?' ? 1 : 0;
                if (c == '\n') ++line_;
                ++pos_;
                break;
            case State::kDecl:
                if (c == '[') {
                    ++decl_depth_;
                } else if (c == ']') {
                    --decl_depth_;
                } else if (c == '>' && decl_depth_ <= 0) {
                    end_markup(pos_);
                    break;
                } else if (c == '\n') {
                    ++line_;
                }
                ++pos_;
                break;
            case State::kStartName:
            case State::kEndName:
                if (is_space(c) || c == '>' || c == '/') {
                    state_ = State::kTagBody;
                    break;
                }
                if (name_.size() < kMaxNameLength) name_.push_back(c);
                ++pos_;
                break;
            case State::kTagBody:
                if (c == '>') {
                    end_markup(pos_);
                    break;
                }
                if (c == '"' || c == '\'') {
                    quote_ = c;
                    state_ = State::kQuoted;
                }
                if (c == '\n') ++line_;
                if (!is_space(c)) last_in_tag_ = c;
                ++pos_;
                break;
            case State::kQuoted: {
                // Attribute values may hold '>' and '/'.
                const void* q = std::memchr(data + pos_, quote_, size - pos_);
                size_t end =
                    q != nullptr ? static_cast<size_t>(static_cast<const char*>(q) - data) : size;
                line_ += count_newlines(data + pos_, data + end);
                pos_ = end;
                if (q != nullptr) {
                    state_ = State::kTagBody;
                    ++pos_;
                }
                break;
            }
        }
    }
    if (ready_) return Status::ok_status();
    copy_span(size);
    if (!in_record_ && state_ != State::kText && pending_.size() > limits_.max_record_size) {
        return Error(ErrorCode::kParse, where(markup_line_) + ": markup larger than the limit of " +
                                            size_text(limits_.max_record_size));
    }
    return Status::ok_status();
}

}  // namespace paperboy::ingest
