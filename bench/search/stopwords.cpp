// The Snowball English stopword list (snowballstem.org/algorithms/english/stop.txt), without
// its contractions, for the Xapian peer's stopper.
#include <string>
#include <vector>

#include "search/engine.h"

namespace paperboy::bench {

const std::vector<std::string>& english_stopwords() {
    static const std::vector<std::string> kWords = {
        "i",       "me",      "my",    "myself",   "we",         "our",   "ours",    "ourselves",
        "you",     "your",    "yours", "yourself", "yourselves", "he",    "him",     "his",
        "himself", "she",     "her",   "hers",     "herself",    "it",    "its",     "itself",
        "they",    "them",    "their", "theirs",   "themselves", "what",  "which",   "who",
        "whom",    "this",    "that",  "these",    "those",      "am",    "is",      "are",
        "was",     "were",    "be",    "been",     "being",      "have",  "has",     "had",
        "having",  "do",      "does",  "did",      "doing",      "would", "should",  "could",
        "ought",   "cannot",  "a",     "an",       "the",        "and",   "but",     "if",
        "or",      "because", "as",    "until",    "while",      "of",    "at",      "by",
        "for",     "with",    "about", "against",  "between",    "into",  "through", "during",
        "before",  "after",   "above", "below",    "to",         "from",  "up",      "down",
        "in",      "out",     "on",    "off",      "over",       "under", "again",   "further",
        "then",    "once",    "here",  "there",    "when",       "where", "why",     "how",
        "all",     "any",     "both",  "each",     "few",        "more",  "most",    "other",
        "some",    "such",    "no",    "nor",      "not",        "only",  "own",     "same",
        "so",      "than",    "too",   "very"};
    return kWords;
}

}  // namespace paperboy::bench
