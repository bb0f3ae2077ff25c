// paperboy harvest: papers from arXiv (OAI-PMH or the search API) or Hugging Face's daily
// papers, straight into the store, politely and incrementally.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "app/harvest_job.h"
#include "cli/common.h"
#include "cli/console.h"
#include "ingest/harvest/curl_fetcher.h"

namespace paperboy::cli {
namespace {

constexpr std::string_view kProduct = "Paperboy/0.1.0";
constexpr std::string_view kProjectUrl = "https://github.com/paperboy/paperboy";
constexpr double kArxivMinInterval = 3.0;  // seconds; arXiv's published limit
constexpr double kHfMinInterval = 1.0;

struct Options {
    std::string db;
    std::string source;
    std::string base_url;
    std::string from;
    std::string until;
    std::string set;
    std::string metadata_prefix = "arXiv";
    std::string query;
    std::string id_list;
    int64_t max_results = 0;
    int page_size = 100;
    std::string contact;
    double min_interval = -1;  // negative: the source's default
    int max_retries = 5;
    int timeout = 120;  // seconds per request
    bool full = false;
    bool quiet = false;
};

// Contacts go inside the User-Agent's comment; characters that would end or split it are out.
bool is_plausible_contact(const std::string& contact) {
    if (contact.find('@') == std::string::npos) return false;
    for (char c : contact) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7E || c == '(' || c == ')' || c == ';' || c == '\\') return false;
    }
    return true;
}

std::string user_agent(const std::string& contact) {
    std::string ua = std::string(kProduct) + " (+" + std::string(kProjectUrl);
    if (!contact.empty()) ua += "; mailto:" + contact;
    return ua + ")";
}

bool is_arxiv(ingest::HarvestSource source) { return source != ingest::HarvestSource::kHfDaily; }

std::string clock_time(ingest::Clock::TimePoint t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm local{};
    localtime_r(&tt, &local);
    char buf[16];
    std::strftime(buf, sizeof buf, "%H:%M:%S", &local);
    return buf;
}

int run_harvest(const Options& opts) {
    auto source = ingest::parse_harvest_source(opts.source);
    if (!source) {
        return fail(Error(ErrorCode::kInvalidArgument,
                          "unknown source \"" + opts.source +
                              "\"; known sources: arxiv-oai, arxiv-api, hf-daily"));
    }
    std::string contact = opts.contact;
    if (contact.empty()) {
        const char* env = std::getenv("PAPERBOY_CONTACT");
        if (env != nullptr) contact = env;
    }
    if (!contact.empty() && !is_plausible_contact(contact)) {
        return fail(Error(ErrorCode::kInvalidArgument,
                          "--contact must be an e-mail address, not \"" + contact + "\""));
    }
    if (contact.empty() && is_arxiv(*source)) {
        return fail(Error(ErrorCode::kInvalidArgument,
                          "arXiv asks harvesters to name a contact: pass --contact EMAIL or set "
                          "PAPERBOY_CONTACT"));
    }

    app::HarvestOptions options;
    ingest::HarvestRequest& request = options.request;
    request.source = *source;
    request.base_url = opts.base_url;
    request.from = opts.from;
    request.until = opts.until;
    request.set = opts.set;
    request.metadata_prefix = opts.metadata_prefix;
    request.search_query = opts.query;
    request.id_list = opts.id_list;
    request.max_results = opts.max_results;
    request.page_size = opts.page_size;
    options.full = opts.full;

    double interval = opts.min_interval;
    if (interval < 0) interval = is_arxiv(*source) ? kArxivMinInterval : kHfMinInterval;
    if (is_arxiv(*source) && opts.base_url.empty() && interval < kArxivMinInterval) {
        return fail(Error(ErrorCode::kInvalidArgument,
                          "--min-interval below 3 s is refused for export.arxiv.org: arXiv asks "
                          "for at least 3 s between requests"));
    }
    options.politeness.user_agent = user_agent(contact);
    options.politeness.min_interval =
        std::chrono::milliseconds(static_cast<int64_t>(std::llround(interval * 1000)));
    options.politeness.max_retries = opts.max_retries;

    Console console(stderr_is_terminal() && !opts.quiet);
    options.on_error = [&](const ingest::RecordError& error) { console.skipped(error); };
    if (console.draws_progress()) {
        options.on_progress = [&](const ingest::HarvestProgress& p) {
            if (!p.message.empty()) console.note(p.message);
            std::string line = plural(p.pages, "page") + ", " + plural(p.records, "record");
            if (p.failed > 0) line += ", " + with_thousands(p.failed) + " failed";
            if (!p.url.empty()) {
                line += "; next request at " + clock_time(p.next_request) + ": " + p.url;
            }
            console.progress(line);
        };
    }

    auto store = open_db(opts.db, /*must_exist=*/false);
    if (!store.ok()) return fail(store.error());
    ingest::CurlOptions curl;
    curl.total_timeout = std::chrono::seconds(opts.timeout);
    curl.connect_timeout = std::min(curl.connect_timeout, curl.total_timeout);
    ingest::CurlFetcher fetcher(curl);
    ingest::RealClock clock;
    auto report = app::run_harvest(**store, fetcher, clock, options);
    console.finish();
    if (!report.ok()) return fail(report.error());

    const app::HarvestReport& r = *report;
    if (r.restarted) {
        console.note("the saved resumption token had expired; started over");
    }
    std::fprintf(stderr, "harvested %s in %s: %s new, %s updated, %s failed",
                 plural(r.records, "record").c_str(), plural(r.pages, "page").c_str(),
                 with_thousands(r.counts.papers_inserted).c_str(),
                 with_thousands(r.counts.papers_updated).c_str(), with_thousands(r.failed).c_str());
    if (r.counts.papers_deleted > 0) {
        std::fprintf(stderr, ", %s deleted", with_thousands(r.counts.papers_deleted).c_str());
    }
    if (r.counts.entries_inserted + r.counts.entries_updated > 0) {
        std::fprintf(stderr, "; daily entries: %s new, %s updated",
                     with_thousands(r.counts.entries_inserted).c_str(),
                     with_thousands(r.counts.entries_updated).c_str());
    }
    if (r.resumed) std::fprintf(stderr, " (resumed an interrupted run)");
    std::fprintf(stderr, "\n");
    return r.failed > 0 ? kExitFailure : kExitOk;
}

}  // namespace

void add_harvest_command(CLI::App& app, Action& action) {
    auto opts = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand(
        "harvest", "Fetch papers from arXiv or Hugging Face into the database, incrementally");
    add_db_option(cmd, opts->db, "created when missing");
    cmd->add_option("--source", opts->source,
                    "arxiv-oai (OAI-PMH, for bulk and daily updates), arxiv-api (search API), "
                    "or hf-daily (Hugging Face daily papers)")
        ->required()
        ->check(CLI::IsMember({"arxiv-oai", "arxiv-api", "hf-daily"}));
    cmd->add_option("--base-url", opts->base_url,
                    "Endpoint to use instead of the public one (a mirror, a test server)");
    cmd->add_option("--from", opts->from,
                    "First day, YYYY-MM-DD (arxiv-oai: datestamp; hf-daily: list day). Default: "
                    "where the last complete harvest stopped");
    cmd->add_option("--until", opts->until, "Last day, YYYY-MM-DD (default: no limit / today)");
    cmd->add_option("--set", opts->set, "arxiv-oai: OAI set, e.g. cs or physics:hep-th");
    cmd->add_option("--metadata-prefix", opts->metadata_prefix, "arxiv-oai: metadata format")
        ->check(CLI::IsMember({"arXiv", "arXivRaw", "oai_dc"}))
        ->capture_default_str();
    cmd->add_option("--query", opts->query, "arxiv-api: search_query, e.g. \"cat:cs.CL\"");
    cmd->add_option("--id-list", opts->id_list, "arxiv-api: comma-separated arXiv ids");
    cmd->add_option("--max-results", opts->max_results,
                    "arxiv-api: stop after this many results (0: no cap)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--page-size", opts->page_size, "arxiv-api: results per request")
        ->check(CLI::Range(1, 2000))
        ->capture_default_str();
    cmd->add_option("--contact", opts->contact,
                    "E-mail put in the User-Agent so the server's operators can reach you "
                    "(default: $PAPERBOY_CONTACT; required for arXiv)");
    cmd->add_option("--min-interval", opts->min_interval,
                    "Seconds between requests (default 3 for arXiv, 1 for hf-daily; below 3 is "
                    "refused for export.arxiv.org)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--max-retries", opts->max_retries,
                    "Retries of a failed request (network error, 5xx, 429) before giving up")
        ->check(CLI::Range(0, 100))
        ->capture_default_str();
    cmd->add_option("--timeout", opts->timeout,
                    "Seconds one request may take, body included, before it counts as failed "
                    "(connecting: at most 10 s)")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    cmd->add_flag("--full", opts->full,
                  "Ignore what earlier harvests remembered: no resume, no incremental start");
    cmd->add_flag("-q,--quiet", opts->quiet, "No progress line");
    cmd->footer(
        "Harvesting follows arXiv's etiquette: a User-Agent naming Paperboy and your contact, at\n"
        "least 3 s between requests, Retry-After honoured on 503 and 429, exponential backoff\n"
        "(5 s, 10 s, 20 s, ...) on network errors and 5xx. Each page is stored in one\n"
        "transaction together with where to continue, so an interrupted harvest (Ctrl-C, a\n"
        "crash, a network failure) resumes after the last stored page when run again with the\n"
        "same flags. A completed arxiv-oai harvest remembers the latest datestamp it saw, and the\n"
        "next run without --from asks only for records from that day on; hf-daily continues\n"
        "from the last day fetched; arxiv-api stops at the newest paper it had already seen.\n\n"
        "Exit status: 0 on success, 1 when the server could not be reached or records were\n"
        "malformed, 2 for bad flags or a request the server refused as malformed.\n\n"
        "Examples:\n"
        "  export PAPERBOY_CONTACT=you@example.org\n"
        "  paperboy harvest --db papers.db --source arxiv-oai --set cs --from 2024-10-01\n"
        "  paperboy harvest --db papers.db --source arxiv-oai --set cs     # later: only what's "
        "new\n"
        "  paperboy harvest --db papers.db --source arxiv-api --query 'cat:cs.CL' --max-results "
        "500\n"
        "  paperboy harvest --db papers.db --source hf-daily --from 2024-10-21 --until 2024-10-25");
    cmd->callback([opts, &action] { action = [opts] { return run_harvest(*opts); }; });
}

}  // namespace paperboy::cli
