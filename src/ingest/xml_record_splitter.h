// ingest/xml_record_splitter.h — cuts a streamed XML feed into one string per record.
//
// pugixml builds whole-document trees, and an OAI-PMH harvest can be gigabytes, so the XML
// parsers do not hand the whole input to pugixml. XmlRecordSplitter reads a ByteSource in
// chunks and recognises just enough XML (tags, quoted attribute values, comments, CDATA
// sections, processing instructions, DOCTYPE) to find where each record element (`<record>`
// of OAI-PMH, `<entry>` of Atom) begins and ends. Each record is handed out as a standalone XML
// string for pugixml, with the line it starts on; the text outside records (the envelope:
// feed header, resumption token, OAI-PMH errors) is kept apart, bounded in size, to be parsed
// once the input is exhausted. Memory stays bounded by one record plus one chunk.
//
// Elements are matched by local name ("oai:record" matches "record"): pugixml does not resolve
// namespaces, and the prefixes used by real feeds vary. The splitter does not check that the
// XML is well-formed; pugixml does that for each record and for the envelope.
// Depends on ingest/byte_source.h and core/. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ingest/byte_source.h"

namespace paperboy::ingest {

// One record element cut out of the input. When `error` is non-empty the record could not be
// cut out (larger than the limit, or not closed before the end of the input) and `text` is
// empty; the caller reports it and goes on.
struct XmlRecordText {
    std::string text;      // from the '<' of the start tag to the '>' of the end tag
    uint64_t line = 0;     // 1-based line of the start tag's '<'
    uint64_t ordinal = 0;  // 1-based count of record elements seen so far, bad ones included
    std::string error;     // why the record was skipped; empty for a good record
};

// Which elements are records: a local name and the local names its parent may have.
struct XmlRecordSpec {
    std::string name;                  // "record", "entry"
    std::vector<std::string> parents;  // {"ListRecords", "GetRecord"}; empty: any parent
    std::string root;                  // the document element's local name; empty: any
};

struct XmlSplitterLimits {
    size_t chunk_size = size_t{1} << 20;         // bytes read from the source at a time
    size_t max_record_size = size_t{16} << 20;   // a larger record is reported and skipped
    size_t max_envelope_size = size_t{1} << 20;  // envelope text past this is dropped
};

class XmlRecordSplitter {
  public:
    // `input` must outlive the splitter.
    XmlRecordSplitter(ByteSource& input, XmlRecordSpec spec, XmlSplitterLimits limits = {});

    // Fills `out` with the next record and returns true, or returns false at the end of the
    // input. Returns an error (and should not be called again) when the source cannot be read
    // (the source's error), when there is text other than white space before the first
    // element (kParse: the input is not XML), or when a piece of markup outside the records is
    // larger than max_record_size (kParse), or when the document element is not `spec.root`
    // (kParse, as soon as it is seen).
    Result<bool> next(XmlRecordText& out);

    // The local name of the document's first element ("feed", "OAI-PMH"); empty until one has
    // been seen.
    const std::string& root_name() const { return root_name_; }

    // The input with every record element cut out: a small XML document (when the input was
    // well-formed) holding the feed's header and trailer. Complete once next() returned false.
    const std::string& envelope() const { return envelope_; }

    // True when envelope text was dropped because it passed max_envelope_size.
    bool envelope_overflowed() const { return envelope_overflowed_; }

    // After the end: true when the input ended inside an element outside the records (a
    // truncated feed whose records were all complete), with the line it ended on.
    bool ended_inside_element() const { return ended_inside_element_; }
    uint64_t end_line() const { return line_; }

  private:
    enum class State {
        kText,       // character data
        kLt,         // just after '<'
        kBang,       // after "<!", deciding between comment, CDATA and declaration
        kComment,    // inside "<!-- ... -->"
        kCdata,      // inside "<![CDATA[ ... ]]>"
        kDecl,       // inside "<!DOCTYPE ...>" or another declaration
        kPi,         // inside "<? ... ?>"
        kStartName,  // reading a start tag's name
        kEndName,    // reading an end tag's name
        kTagBody,    // inside a tag after its name
        kQuoted,     // inside an attribute value
    };

    // Runs the state machine over the current chunk until a record is complete or the chunk is
    // used up. Returns true when `ready_` holds a record.
    Status scan_chunk();
    void end_markup(size_t gt_index);
    void on_tag();
    void copy_span(size_t end);
    void append_envelope(std::string_view text);
    bool is_record_start(std::string_view local) const;
    void finish_record(std::string error);
    std::string where(uint64_t line) const;

    ByteSource& input_;
    XmlRecordSpec spec_;
    XmlSplitterLimits limits_;

    std::unique_ptr<char[]> chunk_;
    size_t chunk_len_ = 0;
    size_t pos_ = 0;   // next byte of chunk_ to scan
    size_t mark_ = 0;  // first byte of chunk_ not yet copied to its destination
    bool eof_ = false;
    bool first_chunk_ = true;

    State state_ = State::kText;
    uint64_t line_ = 1;
    std::string bang_;      // characters after "<!" while deciding what follows
    int run_ = 0;           // consecutive '-' (comment), ']' (CDATA) or '?' (PI) seen
    int decl_depth_ = 0;    // '[' nesting inside a declaration
    char quote_ = 0;        // the quote that closes the current attribute value
    char last_in_tag_ = 0;  // last non-space byte of the current tag, to spot "/>"
    bool is_end_tag_ = false;
    std::string name_;          // the current tag's name (qualified)
    uint64_t markup_line_ = 1;  // line of the current markup's '<'

    // Outside records, the bytes of the current piece of markup collect in pending_ until it is
    // known whether it starts a record; everything else goes to envelope_.
    std::string pending_;
    std::string envelope_;
    bool envelope_overflowed_ = false;
    std::vector<std::string> open_;  // local names of the open envelope elements (bounded)
    size_t open_depth_ = 0;          // true depth; open_ stops growing at kMaxTrackedDepth
    std::string root_name_;
    bool wrong_root_ = false;
    uint64_t root_line_ = 0;

    // The record being cut out.
    bool in_record_ = false;
    bool skipping_ = false;  // the record passed max_record_size: its bytes are dropped
    size_t record_depth_ = 0;
    std::string record_;
    uint64_t record_line_ = 0;
    uint64_t ordinal_ = 0;

    bool ready_ = false;
    XmlRecordText ready_record_;
    bool done_ = false;
    bool ended_inside_element_ = false;
};

// The local part of a qualified XML name: "oai:record" -> "record".
inline std::string_view xml_local_name(std::string_view qname) {
    size_t colon = qname.rfind(':');
    return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

}  // namespace paperboy::ingest
