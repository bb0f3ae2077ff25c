// bench/snapshot/names.h — synthetic author names for the snapshot generator.
//
// Surnames come from the real records (weighted by how often they occur) and, for the other
// share, from a large synthetic pool drawn Zipf-like, so that a million papers have hundreds of
// thousands of distinct authors; a few carry accents, which the "authors" field writes in TeX
// ("Bal\'azs") and "authors_parsed" in Unicode, as the Kaggle snapshot does. Depends on
// snapshot/text.h. Immutable after construction; draws take the caller's Rng.
#pragma once

#include <string>

#include "snapshot/model.h"
#include "snapshot/rng.h"
#include "snapshot/text.h"

namespace paperboy::bench {

struct Author {
    std::string last;         // UTF-8
    std::string first;        // "Ana", "J.", "Tracy L.", "C.-P."
    std::string suffix;       // "", "Jr", "II"
    std::string affiliation;  // usually empty
};

class NameSampler {
  public:
    NameSampler(const Model& model, uint64_t seed);

    Author author(Rng& rng) const;
    // A full first name, as submitters give theirs.
    const std::string& given_name(Rng& rng) const { return given_.sample(rng); }
    // A made-up handle for URLs: "kaloneu", "vexra42".
    std::string handle(Rng& rng) const;

  private:
    std::string synthetic_surname(uint32_t rank) const;

    StringSampler surnames_;
    StringSampler given_;
    uint64_t seed_;
};

// Appends `utf8` with the accented letters that arXiv authors type in TeX written as TeX
// ("á" -> "\'a"); other characters are copied as they are.
void append_tex_accents(std::string& out, std::string_view utf8);

}  // namespace paperboy::bench
