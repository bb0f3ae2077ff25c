// ingest/xml_dc_subjects.h — arXiv categories from the subjects of arXiv's oai_dc records.
//
// arXiv's Dublin Core records name each category in words, "<group> - <category name>"
// ("Computer Science - Learning", "Physics - Optics") or just the archive's name for archives
// without subdivisions ("Quantum Physics"). Other subjects are MSC, ACM or PACS classes
// ("11N05 (Primary)", "H.5.2"), which are not arXiv categories. Pure function.
#pragma once

#include <optional>
#include <string_view>

namespace paperboy::ingest {

// The arXiv category code a subject names ("Mathematics - Number Theory" -> "math.NT"), or
// nullopt when the subject is not, word for word, the name arXiv uses (or used) for one of its
// categories. Aliases map to the canonical code ("Mathematics - Mathematical Physics" ->
// "math-ph", "Statistics - Statistics Theory" -> "math.ST").
std::optional<std::string_view> arxiv_category_from_dc_subject(std::string_view subject);

}  // namespace paperboy::ingest
