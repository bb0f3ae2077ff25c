// bench/snapshot/model.h — the learned text model that the snapshot generator samples from.
//
// Two files written by bench/learn_vocab.py: vocab.tsv.gz (word<TAB>count<TAB>title_count,
// most frequent first) and model.tsv (kind<TAB>value<TAB>weight: length histograms, field rates,
// names, categories, licenses). Depends on core/result.h and zlib. Plain values; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace paperboy::bench {

// Values with relative weights, e.g. abstract length 153 seen 41 times.
struct WeightedInts {
    std::vector<int> values;
    std::vector<double> weights;
};

struct WeightedStrings {
    std::vector<std::string> values;
    std::vector<double> weights;
};

// Real words with their corpus counts, and how many of those were in titles.
struct Vocab {
    WeightedStrings words;
    std::vector<double> title_weights;
};

struct Model {
    Vocab vocabulary;

    // Vocabulary growth measured on the real text: V = heaps_k * tokens^heaps_beta.
    double heaps_k = 0;
    double heaps_beta = 0;
    double tail_fraction = 0;  // share of tokens that are words seen once
    double comma_rate = 0;     // share of words followed by a comma

    double comments_rate = 0;  // share of records with the field non-null
    double journal_ref_rate = 0;
    double doi_rate = 0;
    double report_no_rate = 0;

    WeightedInts title_words;
    WeightedInts abstract_words;
    WeightedInts sentence_words;
    WeightedInts categories_per_paper;
    WeightedInts versions_per_paper;
    WeightedInts authors_per_paper;  // the last value stands for "this many or more"

    WeightedStrings categories;
    WeightedStrings licenses;  // "null" for a JSON null
    WeightedStrings surnames;  // UTF-8
    WeightedStrings given_names;
    WeightedStrings journals;
};

// Reads DIR/model.tsv and DIR/vocab.tsv.gz. Errors: kIo when a file cannot be read, kParse
// with "file:line: ..." when a line is malformed or a required entry is missing.
Result<Model> load_model(const std::string& dir);

}  // namespace paperboy::bench
