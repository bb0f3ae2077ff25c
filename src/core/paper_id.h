// core/paper_id.h — paper identifiers.
//
// A PaperId is the base identifier of a paper, without version: a new-style arXiv id
// ("2401.12345", "0704.0001"), an old-style one ("hep-th/9901001"; a subject class such as
// "math.GT/0309136" is accepted and dropped, as arXiv does), or a local id ("local:<slug>") for
// papers that have no arXiv id. The version of a paper is kept apart (ParsedPaperId::version).
// Pure value types; no dependencies beyond the standard library.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "core/result.h"

namespace paperboy {

class PaperId {
  public:
    enum class Kind { kArxivNew, kArxivOld, kLocal };

    // Parses any accepted form and drops the version; see parse_paper_id().
    static Result<PaperId> parse(std::string_view text);

    // A local id "local:<name>". `name` must be 1..128 characters of [A-Za-z0-9._-].
    static Result<PaperId> local(std::string_view name);

    // A stable local id derived from a title: "local:" + lower-case ASCII slug, at most 80
    // characters ("Attention Is All You Need" -> "local:attention-is-all-you-need").
    static PaperId local_from_title(std::string_view title);

    Kind kind() const { return kind_; }
    bool is_arxiv() const { return kind_ != Kind::kLocal; }

    // The canonical text: "2401.12345", "hep-th/9901001", "local:foo".
    const std::string& str() const { return text_; }

    // arXiv links ("https://arxiv.org/abs/<id>", ".../pdf/<id>"); empty for local ids.
    std::string abs_url() const;
    std::string pdf_url() const;

    friend bool operator==(const PaperId&, const PaperId&) = default;
    friend auto operator<=>(const PaperId& a, const PaperId& b) { return a.text_ <=> b.text_; }

  private:
    PaperId(Kind kind, std::string text) : kind_(kind), text_(std::move(text)) {}
    friend Result<struct ParsedPaperId> parse_paper_id(std::string_view text);

    Kind kind_;
    std::string text_;
};

struct ParsedPaperId {
    PaperId id;
    int version = 0;  // 0 when the text named no version
};

// Accepts, case-insensitively where arXiv does and with surrounding white space:
//   2401.12345  2401.12345v2  arXiv:2401.12345  hep-th/9901001v3  math.GT/0309136
//   https://arxiv.org/abs/2401.12345v2  http://arxiv.org/pdf/2401.12345.pdf
//   export.arxiv.org/abs/...  https://huggingface.co/papers/2401.12345  oai:arXiv.org:0704.0001
//   local:some-slug
// Returns kInvalidArgument, naming the offending text, for anything else.
Result<ParsedPaperId> parse_paper_id(std::string_view text);

}  // namespace paperboy
