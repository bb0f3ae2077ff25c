// ingest/authors.h — author names as arXiv writes them.
//
// arXiv's author strings are free text with TeX accents and parenthesised affiliations:
//   "C. Bal\'azs, E. L. Berger (ANL), P. M. Nadolsky and C.-P. Yuan"
// These helpers turn them into ordered Author values. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/paper.h"

namespace paperboy::ingest {

// Replaces the TeX accent and symbol forms common in arXiv metadata (\'a, \"{o}, {\aa}, \ss,
// \c{c}, ~ as a space, braces around letters) with UTF-8. Unknown commands are left as they are.
std::string tex_to_unicode(std::string_view text);

// Splits an author list on commas, semicolons and " and " (outside parentheses), attaching a
// parenthesised group to the author(s) before it as affiliations ("A, B (MIT)" gives B the
// affiliation; "A (1), B (2) ((1) MIT, (2) CERN)" is handled as best it can be). Names are
// cleaned with tex_to_unicode and white space collapsed. Empty parts are dropped.
std::vector<Author> parse_author_list(std::string_view text);

// A name from its parts as arXiv's authors_parsed gives them: ["Balázs", "C.", ""] ->
// Author{name "C. Balázs", keyname "Balázs", forenames "C."}.
Author author_from_parts(std::string_view keyname, std::string_view forenames,
                         std::string_view suffix);

}  // namespace paperboy::ingest
