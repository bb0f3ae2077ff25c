// store/paper_codec.h — how a Paper's composite fields are stored as column values.
//
// Shared by the backends so that every database holds the same text: authors as a JSON array
// of objects, categories as one space-separated string, and a 64-bit content hash that lets a
// write recognise an unchanged paper without decoding the stored row. Not part of the public
// store interface. AuthorsJsonReader is not thread-safe; the free functions are.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/paper.h"
#include "core/result.h"
#include "core/subscription.h"
#include "core/user.h"

namespace paperboy::store {

// Authors as compact JSON: [{"name":..,"keyname":..,"forenames":..,"suffix":..,
// "affiliations":[..]}], every key always present. "[]" when there are none.
std::string authors_to_json(const std::vector<Author>& authors);

// Decodes authors_to_json() output. Missing keys read as empty; anything that is not an array
// of objects with string members is kCorruption.
class AuthorsJsonReader {
  public:
    AuthorsJsonReader();
    ~AuthorsJsonReader();
    AuthorsJsonReader(const AuthorsJsonReader&) = delete;
    AuthorsJsonReader& operator=(const AuthorsJsonReader&) = delete;

    Result<std::vector<Author>> read(std::string_view json);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;  // owns the simdjson parser, reused across calls
};

// Categories as "cs.CL cs.AI" (arXiv's own form). Categories are tokens without white space;
// split_categories() drops empty tokens.
std::string join_categories(const std::vector<std::string>& categories);
std::vector<std::string> split_categories(std::string_view text);

// Whether `paper` survives a trip through the columns unchanged: its categories have no white
// space or empty items and its authors' strings are valid UTF-8 (the JSON writer replaces
// invalid bytes with U+FFFD). Backends store canonical papers only, so that a re-put of the
// same record always compares equal to what was stored.
bool is_storage_canonical(const Paper& paper);

// Rewrites `paper` into that form: categories re-split on spaces, invalid UTF-8 in author
// strings replaced by U+FFFD.
void make_storage_canonical(Paper& paper);

// A 64-bit hash of every field of `paper` except its id, over an unambiguous (length-prefixed)
// serialisation: equal papers hash equal, and distinct papers collide with probability ~2^-64.
// Stable across builds and platforms, as it is stored. Never 0 (0 marks "not computed").
uint64_t content_hash(const Paper& paper);

// --- Mail columns ---

// digest_sends.papers: the digest's canonical paper ids separated by single spaces (ids hold
// no white space), in order; "" for none.
std::string join_paper_ids(const std::vector<PaperId>& papers);
// The ids of join_paper_ids() text; an id that does not parse is its error.
Result<std::vector<PaperId>> split_paper_ids(std::string_view text);

// mail_tokens.purpose: "verify_email", "reset_password".
std::string_view mail_token_purpose_name(MailTokenPurpose purpose);

// digest_sends.state as send_state_name() spells it, or nullopt.
std::optional<SendState> parse_send_state(std::string_view name);

}  // namespace paperboy::store
