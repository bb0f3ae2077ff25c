// ingest/formats.h — the source formats Paperboy reads and their parsers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ingest/byte_source.h"
#include "ingest/record.h"

namespace paperboy::ingest {

enum class Format {
    kArxivJsonl,  // Kaggle arxiv-metadata-oai-snapshot.json (JSON lines)
    kArxivAtom,   // arXiv API (export.arxiv.org/api/query) Atom response
    kOaiPmh,      // OAI-PMH ListRecords/GetRecord in arXiv, arXivRaw or oai_dc
    kHfDaily,     // Hugging Face /api/daily_papers JSON array
    kBeir,        // BEIR corpus.jsonl (_id, title, text)
    kPapersPage,  // a Daily Papers page export: {"page": {...}, "papers": [...]} (the seed page)
};

// The stable names used on the command line: "arxiv-jsonl", "arxiv-atom", "oai-pmh",
// "hf-daily", "beir", "papers-page".
std::string_view format_name(Format format);
std::optional<Format> parse_format_name(std::string_view name);
std::vector<std::string_view> all_format_names();

// Detects the format from the first bytes of the (decompressed) content. kParse with a
// message that lists the known formats when nothing matches.
Result<Format> detect_format(std::string_view head);

// Parses `input` in `format`, streaming records into `sink`.
Status parse(Format format, ByteSource& input, RecordSink& sink);

// The parsers, one per format (see the Format comments). Each reads `input` to its end.
Status parse_arxiv_jsonl(ByteSource& input, RecordSink& sink);
Status parse_arxiv_atom(ByteSource& input, RecordSink& sink);
Status parse_oai_pmh(ByteSource& input, RecordSink& sink);
Status parse_hf_daily(ByteSource& input, RecordSink& sink);
Status parse_beir(ByteSource& input, RecordSink& sink);
Status parse_papers_page(ByteSource& input, RecordSink& sink);

}  // namespace paperboy::ingest
