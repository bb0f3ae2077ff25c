// paperboy serve: the web app — pages, JSON API, feeds — over a database, with the search index
// following the database's change feed.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include "app/embedding_job.h"
#include "app/index_sync.h"
#include "app/subscriptions.h"
#include "cli/common.h"
#include "cli/console.h"
#include "cli/digest_scheduler.h"
#include "cli/mail_setup.h"
#include "cli/search_setup.h"
#include "embed/embedder.h"
#include "ingest/harvest/curl_fetcher.h"
#include "mail/smtp.h"
#include "web/access_log.h"
#include "web/http/listen_address.h"
#include "web/http/server.h"
#include "web/site.h"

namespace paperboy::cli {
namespace {

struct Options {
    std::string db;
    std::string index;
    std::string listen = "127.0.0.1:8080";
    unsigned threads = 0;
    // The HTTP server's connection limits, its defaults unless given.
    size_t max_connections = web::http::HttpServer::Options().max_connections;
    size_t max_connections_per_client = web::http::HttpServer::Options().max_connections_per_client;
    int64_t first_byte_timeout_ms = web::http::HttpServer::Options().first_byte_timeout.count();
    std::string site_name = "Daily Papers";
    std::string public_url;
    double gravity = 1.8;
    std::string access_log = "-";
    int sync_ms = 1000;
    double api_rate = 20;
    double api_burst = 40;
    int submit_max_age_days = 14;
    int submit_daily_limit = 10;
    std::string arxiv_api_url;
    bool no_fetch = false;
    bool trust_proxy = false;
    std::string allowed_hosts;
    double search_rate = 5;
    double search_burst = 20;
    std::string metrics_allow = "127.0.0.0/8,::1";
    std::string metrics_token;
    MailFlags mail;
    std::string digest_time = "07:00";
    std::string digest_weekly_day = "mon";
    bool digest_weekends = false;
    size_t digest_max_papers = 10;
    bool no_digests = false;
    int lease_ttl = 60;
    int db_pool = 8;
    std::string model;      // --model: the embedding model (else the database's)
    bool no_embed = false;  // --no-embed
};

// "Monday" for the log line.
std::string weekday_name(std::chrono::weekday day) {
    static constexpr const char* kNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                             "Thursday", "Friday", "Saturday"};
    return kNames[day.c_encoding()];
}

// Submissions fetch unknown papers from arXiv from any server thread; one CurlFetcher serves
// one thread at a time, so they take turns (a submission is rare, and arXiv asks for one
// request at a time anyway).
class SharedFetcher final : public ingest::HttpFetcher {
  public:
    Result<ingest::HttpResponse> get(const ingest::HttpRequest& request) override {
        std::lock_guard lock(mu_);
        return fetcher_.get(request);
    }

  private:
    std::mutex mu_;
    ingest::CurlFetcher fetcher_{[] {
        ingest::CurlOptions options;
        options.total_timeout = std::chrono::seconds(20);
        options.max_body_bytes = size_t{4} << 20;
        return options;
    }()};
};

// A server holds a descriptor per connection: the default soft limit (often 1,024) would cap it
// at about that many clients, so it is raised to the hard limit.
void raise_open_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

// New papers embedded in the background (docs/embeddings.md): with --model's model (registered,
// and made the database's when it has none) or the database's. Null, after one line on stderr,
// when there is no model or it cannot be opened: serving goes on with lexical search only.
struct BackgroundEmbedding {
    std::shared_ptr<embed::Embedder> embedder;  // shared with search, which embeds queries
    std::unique_ptr<app::EmbeddingJob> job;
    std::unique_ptr<app::EmbeddingFollower> follower;
};
std::unique_ptr<BackgroundEmbedding> start_embedding(store::Store& store, const Options& opts) {
    if (opts.no_embed) return nullptr;
    auto warn = [](const std::string& what) {
        std::fprintf(stderr, "paperboy: warning: no background embedding: %s\n", what.c_str());
        return nullptr;
    };
    std::string spec = opts.model;
    auto current = store.default_model();
    if (!current.ok()) return warn(current.error().message());
    if (spec.empty()) {
        if (!*current) return nullptr;  // no model: nothing to embed with, nothing to say
        spec = (*current)->spec;
    }
    auto out = std::make_unique<BackgroundEmbedding>();
    auto embedder = embed::open_embedder(spec);
    if (!embedder.ok()) {
        return warn("opening the model " + spec + ": " + embedder.error().message());
    }
    out->embedder = std::shared_ptr<embed::Embedder>(std::move(embedder).value());
    const embed::ModelInfo& info = out->embedder->info();
    auto model = store.register_model(info.identity, spec, info.dimensions);
    if (!model.ok()) return warn(model.error().message());
    if (!*current) {
        Status s = store.set_default_model(model->id);
        if (!s.ok()) return warn(s.error().message());
    }
    out->job = std::make_unique<app::EmbeddingJob>(store, *out->embedder, *model);
    app::EmbeddingFollowerOptions follower_options;
    follower_options.lease_ttl = std::chrono::seconds(opts.lease_ttl);
    out->follower =
        std::make_unique<app::EmbeddingFollower>(store, store, *out->job, follower_options);
    std::fprintf(stderr, "paperboy: embedding new papers with %s (one server embeds at a time)\n",
                 model->identity.c_str());
    return out;
}

int run_serve(const Options& opts) {
    raise_open_file_limit();
    auto address = web::http::parse_listen_address(opts.listen);
    if (!address.ok()) return fail(address.error());
    if (!opts.public_url.empty()) {
        if (Status checked = check_public_url(opts.public_url); !checked.ok()) {
            return fail(checked.error());
        }
    }
    auto allowed_hosts = web::parse_allowed_hosts(opts.allowed_hosts);
    if (!allowed_hosts.ok()) return fail(allowed_hosts.error().with_context("--allowed-hosts"));
    auto metrics_allow = web::AddressList::parse(opts.metrics_allow);
    if (!metrics_allow.ok()) return fail(metrics_allow.error().with_context("--metrics-allow"));
    // Mail: on when a relay is configured; without one, subscribing and account mail answer
    // 503 and no digests are scheduled.
    ScheduleConfig schedule;
    const auto time_of_day = parse_time_of_day(opts.digest_time);
    if (!time_of_day) {
        return fail(Error(
            ErrorCode::kInvalidArgument,
            "--digest-time: expected HH:MM (UTC, 00:00-23:59), got \"" + opts.digest_time + "\""));
    }
    schedule.time_of_day = *time_of_day;
    const auto weekly_day = parse_weekday(opts.digest_weekly_day);
    if (!weekly_day) {
        return fail(Error(ErrorCode::kInvalidArgument,
                          "--digest-weekly-day: expected mon, tue, ..., sun, got \"" +
                              opts.digest_weekly_day + "\""));
    }
    schedule.weekly_day = *weekly_day;
    std::unique_ptr<app::Mailer> mailer;
    if (!opts.mail.smtp_url.empty()) {
        Status checked = check_mail_flags(opts.mail);
        if (checked.ok()) checked = check_public_url(opts.public_url);
        if (!checked.ok()) return fail(checked.error());
        // Mail sent while a visitor waits for the page (confirmations, account mail) gets one
        // quick retry; the digest scheduler keeps the configured patience.
        MailFlags interactive = opts.mail;
        interactive.smtp_attempts = std::min(interactive.smtp_attempts, 2);
        interactive.retry_delay_ms = std::min(interactive.retry_delay_ms, 500);
        interactive.smtp_timeout_s = std::min(interactive.smtp_timeout_s, 20);
        mailer = make_mailer(interactive);
    }
    const app::MailIdentity identity = mail_identity(opts.mail, opts.public_url, opts.site_name);

    auto store = open_db(opts.db, /*must_exist=*/false, opts.db_pool);
    if (!store.ok()) return fail(store.error());
    // The embedding model first: it registers the model, so that search follows its vectors
    // from the start even on a database that has none yet.
    std::unique_ptr<BackgroundEmbedding> embedding = start_embedding(**store, opts);
    auto service = open_search(**store, opts.db, opts.index, opts.model,
                               embedding ? embedding->embedder : nullptr);
    if (!service.ok()) return fail(service.error());
    app::IndexSync sync(**service, std::chrono::milliseconds(opts.sync_ms));

    web::SiteOptions site_options;
    site_options.site_name = opts.site_name;
    site_options.public_url = opts.public_url;
    site_options.trending.gravity = opts.gravity;
    site_options.api_rate = opts.api_rate;
    site_options.api_burst = opts.api_burst;
    site_options.allowed_hosts = *allowed_hosts;
    site_options.search_rate = opts.search_rate;
    site_options.search_burst = opts.search_burst;
    site_options.metrics_allow = *metrics_allow;
    site_options.metrics_token = opts.metrics_token;
    site_options.trust_proxy = opts.trust_proxy;
    site_options.submit_max_age_days = opts.submit_max_age_days;
    site_options.submit_daily_limit = opts.submit_daily_limit;
    site_options.arxiv_api_url = opts.arxiv_api_url;
    SharedFetcher fetcher;
    if (!opts.no_fetch) site_options.arxiv_fetcher = &fetcher;
    site_options.mailer = mailer.get();
    site_options.background_mail = true;
    site_options.mail = identity;
    site_options.digest_schedule.time_of_day = schedule.time_of_day;
    site_options.digest_schedule.weekly_day = schedule.weekly_day;
    site_options.digest_schedule.weekends = opts.digest_weekends;
    web::Site site(app::Instance(**store), **service, site_options);
    app::SearchService& search = **service;
    const app::Library library(**store);
    site.metrics().add_gauge("paperboy_papers_indexed", "Papers in the search index.", [&search] {
        return static_cast<double>(search.index().stats().documents);
    });
    site.metrics().add_gauge(
        "paperboy_index_memory_bytes",
        "Memory of the lexical index (postings, dictionaries, per-paper data).",
        [&search] { return static_cast<double>(search.index().stats().memory_bytes); });
    site.metrics().add_gauge("paperboy_vectors_indexed", "Papers in the vector index.", [&search] {
        return search.vectors() ? static_cast<double>(search.vectors()->size()) : 0.0;
    });
    site.metrics().add_gauge(
        "paperboy_vector_index_memory_bytes",
        "Memory of the vector index (HNSW graph, vectors, id maps); divide by "
        "paperboy_vectors_indexed for the bytes per paper.",
        [&search] {
            return search.vectors() ? static_cast<double>(search.vectors()->memory_bytes()) : 0.0;
        });
    site.metrics().add_gauge(
        "paperboy_change_feed_lag", "Store changes not yet applied to the search index.",
        [&search, &library] {
            auto stats = library.stats();
            return stats.ok() ? static_cast<double>(stats->last_sequence - search.last_sequence())
                              : -1.0;
        });

    std::FILE* log_file = nullptr;
    if (opts.access_log == "-") {
        log_file = stderr;
    } else if (opts.access_log != "off") {
        log_file = std::fopen(opts.access_log.c_str(), "a");
        if (log_file == nullptr) {
            return fail(Error(ErrorCode::kIo, "cannot open access log " + opts.access_log));
        }
    }
    std::unique_ptr<web::AccessLog> access_log;
    if (log_file != nullptr) access_log = std::make_unique<web::AccessLog>(log_file);

    web::http::HttpServer::Options server_options;
    server_options.host = address->first;
    server_options.port = address->second;
    server_options.max_connections = opts.max_connections;
    server_options.max_connections_per_client = opts.max_connections_per_client;
    server_options.first_byte_timeout = std::chrono::milliseconds(opts.first_byte_timeout_ms);
    // Requests that wait for password hashing (log-ins, sign-ups, resets) are handled on
    // threads of their own: as many as may wait for the pool at once, and one more that turns
    // the rest away with a 503 at once. A flood of log-ins never takes the threads that serve
    // everything else, and those stay one per core.
    server_options.threads =
        opts.threads > 0 ? opts.threads : std::max(1U, std::thread::hardware_concurrency());
    server_options.blocking_threads =
        app::auth::resolved(site_options.password_hashing).max_pending;
    server_options.may_block = [](const web::http::Request& r) {
        return web::Site::waits_for_password_hashing(r);
    };
    server_options.refusal = [&site](int status, std::string_view reason,
                                     const web::http::Request& partial) {
        return site.refusal(status, reason, partial);
    };
    auto server = web::http::HttpServer::start(
        server_options,
        [&site, trust = opts.trust_proxy](const web::http::Request& r) {
            if (!trust) return site.handle(r);
            // Rate limits and log-in throttling key on the client, not on the proxy.
            web::http::Request forwarded = r;
            forwarded.remote_address = web::http::forwarded_client(r);
            return site.handle(forwarded);
        },
        [&site, &access_log](const web::http::Request& request, const web::http::Response& response,
                             std::chrono::nanoseconds elapsed, size_t bytes) {
            // Requests refused before the site saw them have no route.
            site.metrics().observe_request(response.route.empty() ? "unrouted" : response.route,
                                           response.status,
                                           std::chrono::duration<double>(elapsed).count());
            if (access_log) access_log->write(request, response, elapsed, bytes);
        });
    if (!server.ok()) return fail(server.error());

    const std::string host =
        address->first.find(':') != std::string::npos ? "[" + address->first + "]" : address->first;
    // Feed links without --public-url or --allowed-hosts: the address the server listens on.
    site.set_listen_url("http://" + host + ":" + std::to_string((*server)->port()));
    if (opts.public_url.empty() && allowed_hosts->empty() &&
        (address->first == "0.0.0.0" || address->first == "::")) {
        std::fprintf(stderr,
                     "paperboy: listening on every interface without --public-url or "
                     "--allowed-hosts: feed links name http://%s:%u/, which readers elsewhere "
                     "cannot reach\n",
                     host.c_str(), static_cast<unsigned>((*server)->port()));
    }
    std::fprintf(stderr,
                 "paperboy: serving %s papers at http://%s:%u/ (index %s in %.1f s); "
                 "Ctrl-C to stop\n",
                 with_thousands(static_cast<int64_t>(search.index().stats().documents)).c_str(),
                 host.c_str(), static_cast<unsigned>((*server)->port()),
                 search.open_report().from_snapshot ? "loaded" : "built",
                 search.open_report().seconds);
    if (const app::VectorSearch* vectors = search.vectors()) {
        const size_t n = vectors->size();
        std::fprintf(
            stderr,
            "paperboy: search by meaning with %s: %s papers' vectors, %.1f MB (%s bytes "
            "per paper)\n",
            vectors->model().identity.c_str(), with_thousands(static_cast<int64_t>(n)).c_str(),
            static_cast<double>(vectors->memory_bytes()) / 1e6,
            n == 0 ? "-"
                   : with_thousands(static_cast<int64_t>(vectors->memory_bytes() / n)).c_str());
    }
    // Digests run on a thread of their own, with their own connection to the relay.
    app::SubscriptionsOptions subscriptions_options;
    subscriptions_options.identity = identity;
    app::Subscriptions subscriptions(**store, nullptr, subscriptions_options);
    std::unique_ptr<DigestScheduler> scheduler;
    if (!mailer) {
        std::fprintf(stderr,
                     "paperboy: mail is off (no --smtp-url): subscriptions and account mail "
                     "answer 503, no digests are sent\n");
    } else {
        std::string digests = "no digests (--no-digests)";
        if (!opts.no_digests) {
            DigestScheduler::Options scheduler_options;
            scheduler_options.schedule = schedule;
            scheduler_options.digest.max_papers = opts.digest_max_papers;
            scheduler_options.digest.weekends = opts.digest_weekends;
            scheduler_options.digest.trending = site_options.trending;
            scheduler_options.lease_ttl = std::chrono::seconds(opts.lease_ttl);
            const MailFlags mail_flags = opts.mail;
            scheduler = std::make_unique<DigestScheduler>(
                **store, &search, subscriptions,
                [mail_flags](std::function<void(std::chrono::milliseconds)> sleep) {
                    return make_mailer(mail_flags, std::move(sleep));
                },
                std::move(scheduler_options));
            digests = "digests at " + opts.digest_time + " UTC (weekly on " +
                      weekday_name(schedule.weekly_day) + "s" +
                      (opts.digest_weekends ? ", daily ones for weekends too" : "") + ")";
        }
        std::fprintf(stderr, "paperboy: mail through %s from %s; %s\n",
                     mail::redact_smtp_url(opts.mail.smtp_url).c_str(),
                     identity.from.address.c_str(), digests.c_str());
    }
    std::fflush(stderr);
    if (scheduler) scheduler->start();
    std::fflush(stderr);
    const int status = web::http::run_until_signal(**server);
    if (embedding) embedding->follower->stop();
    if (scheduler) scheduler->stop();
    sync.stop();  // saves the index snapshot
    if (log_file != nullptr && log_file != stderr) std::fclose(log_file);
    std::fprintf(stderr, "paperboy: stopped\n");
    return status;
}

}  // namespace

void add_serve_command(CLI::App& app, Action& action) {
    auto opts = std::make_shared<Options>();
    CLI::App* cmd =
        app.add_subcommand("serve", "Serve the web app: daily lists, search, API, feeds");
    add_db_option(cmd, opts->db);
    add_index_option(cmd, opts->index);
    cmd->add_option("--listen", opts->listen, "Address to listen on, HOST:PORT")
        ->envname("PAPERBOY_LISTEN")
        ->capture_default_str();
    cmd->add_option("--threads", opts->threads,
                    "Server threads (default: one per core), besides those that may wait for "
                    "password hashing")
        ->envname("PAPERBOY_THREADS")
        ->check(CLI::Range(0, 256));
    cmd->add_option("--max-connections", opts->max_connections,
                    "Connections open at once; at the limit a new one takes the place of idle "
                    "ones of the clients holding the most, or is closed")
        ->envname("PAPERBOY_MAX_CONNECTIONS")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    cmd->add_option("--max-connections-per-client", opts->max_connections_per_client,
                    "Connections open at once from one IPv4 address or IPv6 /64; beyond it a "
                    "new one takes the place of the client's oldest idle one, or is closed (0: "
                    "no limit; behind a reverse proxy this limits the proxy)")
        ->envname("PAPERBOY_MAX_CONNECTIONS_PER_CLIENT")
        ->check(CLI::Range(0, 1000000))
        ->capture_default_str();
    cmd->add_option("--first-byte-timeout-ms", opts->first_byte_timeout_ms,
                    "A new connection that sends nothing for this long is closed")
        ->envname("PAPERBOY_FIRST_BYTE_TIMEOUT_MS")
        ->check(CLI::Range(100, 600000))
        ->capture_default_str();
    cmd->add_option("--site-name", opts->site_name, "The site's name in pages and feeds")
        ->envname("PAPERBOY_SITE_NAME")
        ->capture_default_str();
    cmd->add_option("--public-url", opts->public_url,
                    "The site's public base URL, for links in feeds and mail (e.g. "
                    "https://papers.example.org)")
        ->envname("PAPERBOY_PUBLIC_URL");
    cmd->add_option("--trending-gravity", opts->gravity,
                    "How fast trending forgets: votes / (age in hours + 2)^gravity")
        ->envname("PAPERBOY_TRENDING_GRAVITY")
        ->check(CLI::Range(0.0, 10.0))
        ->capture_default_str();
    cmd->add_option("--access-log", opts->access_log,
                    "Where to write the JSON access log: a file, - for stderr, or off")
        ->envname("PAPERBOY_ACCESS_LOG")
        ->capture_default_str();
    cmd->add_option("--sync-interval-ms", opts->sync_ms,
                    "How often the search index catches up with the database")
        ->envname("PAPERBOY_SYNC_INTERVAL_MS")
        ->check(CLI::Range(10, 600000))
        ->capture_default_str();
    cmd->add_option("--api-rate", opts->api_rate,
                    "JSON API requests per second per client address (0: no limit)")
        ->envname("PAPERBOY_API_RATE")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--api-burst", opts->api_burst, "JSON API burst allowance per client address")
        ->envname("PAPERBOY_API_BURST")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--search-rate", opts->search_rate,
                    "Searches (/search and the search feeds) per second per client address (0: "
                    "no limit)")
        ->envname("PAPERBOY_SEARCH_RATE")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--search-burst", opts->search_burst,
                    "Search burst allowance per client address")
        ->envname("PAPERBOY_SEARCH_BURST")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--allowed-hosts", opts->allowed_hosts,
                    "Other host names the site is reached by, comma-separated (a request naming "
                    "one gets feed links to it; any other Host gets those of --public-url, else "
                    "the first of these, else the listen address): papers.example.net, "
                    "papers.example.net:8443, https://papers.example.net")
        ->envname("PAPERBOY_ALLOWED_HOSTS");
    cmd->add_option("--metrics-allow", opts->metrics_allow,
                    "Who may read /metrics: IP addresses and CIDR ranges, comma-separated, or "
                    "none (0.0.0.0/0,::/0: anyone)")
        ->envname("PAPERBOY_METRICS_ALLOW")
        ->capture_default_str();
    cmd->add_option("--metrics-token", opts->metrics_token,
                    "A secret that also opens /metrics, from any address, sent as "
                    "Authorization: Bearer TOKEN (prefer the environment variable)")
        ->envname("PAPERBOY_METRICS_TOKEN");
    cmd->add_option("--submit-max-age-days", opts->submit_max_age_days,
                    "Only papers first published at most this many days ago may be submitted")
        ->envname("PAPERBOY_SUBMIT_MAX_AGE_DAYS")
        ->check(CLI::Range(0, 100000))
        ->capture_default_str();
    cmd->add_option("--submit-daily-limit", opts->submit_daily_limit,
                    "Submissions per member per day")
        ->envname("PAPERBOY_SUBMIT_DAILY_LIMIT")
        ->check(CLI::Range(0, 100000))
        ->capture_default_str();
    cmd->add_option("--arxiv-api-url", opts->arxiv_api_url,
                    "Where submitted papers the database lacks are fetched from (default: "
                    "the public arXiv API)")
        ->envname("PAPERBOY_ARXIV_API_URL");
    cmd->add_flag("--trust-proxy", opts->trust_proxy,
                  "Behind a reverse proxy: take the client's address from the last "
                  "X-Forwarded-For entry (for rate limits, log-in throttling and "
                  "--metrics-allow)")
        ->envname("PAPERBOY_TRUST_PROXY");
    cmd->add_flag("--no-fetch", opts->no_fetch,
                  "Never fetch submitted papers: only papers already in the database may be "
                  "submitted (an offline instance)")
        ->envname("PAPERBOY_NO_FETCH");
    add_mail_options(cmd, opts->mail);
    cmd->add_option("--digest-time", opts->digest_time,
                    "When the digests go out each day, HH:MM in UTC: the daily digest of "
                    "yesterday, and on the weekly day the weekly digest of last week")
        ->envname("PAPERBOY_DIGEST_TIME")
        ->capture_default_str();
    cmd->add_option("--digest-weekly-day", opts->digest_weekly_day,
                    "The day weekly digests go out: mon, tue, ..., sun")
        ->envname("PAPERBOY_DIGEST_WEEKLY_DAY")
        ->capture_default_str();
    cmd->add_flag("--digest-weekends", opts->digest_weekends,
                  "Daily digests for Saturday's and Sunday's lists too (skipped by default)")
        ->envname("PAPERBOY_DIGEST_WEEKENDS");
    cmd->add_option("--digest-max-papers", opts->digest_max_papers, "Papers per digest at most")
        ->envname("PAPERBOY_DIGEST_MAX_PAPERS")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    cmd->add_flag("--no-digests", opts->no_digests,
                  "Send no digests from this server (mail for subscribing and accounts still "
                  "goes out): digests sent by `paperboy digest send` instead. Several servers "
                  "on one database may all schedule digests: one sends (it holds the store's "
                  "digest lease), the others stand by")
        ->envname("PAPERBOY_NO_DIGESTS");
    cmd->add_option("--lease-ttl", opts->lease_ttl,
                    "Seconds a job's lease (the digests) outlives this server if it dies "
                    "mid-run: then another server finishes the job")
        ->envname("PAPERBOY_LEASE_TTL")
        ->check(CLI::Range(2, 3600))
        ->capture_default_str();
    cmd->add_option("--model", opts->model,
                    "Embedding model (a folder or an OpenAI-compatible URL) for new papers' "
                    "vectors; default: the database's model (paperboy embed --model sets it)")
        ->envname("PAPERBOY_MODEL");
    cmd->add_flag("--no-embed", opts->no_embed,
                  "Do not embed new papers from this server (`paperboy embed` does it instead)")
        ->envname("PAPERBOY_NO_EMBED");
    cmd->add_option("--db-pool", opts->db_pool,
                    "PostgreSQL: connections this server keeps open to the database")
        ->envname("PAPERBOY_DB_POOL")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    cmd->footer(
        "Every option can also come from the environment variable shown with it.\n"
        "Mail (subscriptions, digests, account mail) is on when --smtp-url is given; it needs\n"
        "--mail-from and --public-url too (docs/mail.md).\n"
        "SIGTERM or Ctrl-C stops gracefully: requests in flight finish, the index snapshot is "
        "saved.\n\n"
        "Examples:\n"
        "  paperboy serve --db papers.db\n"
        "  PAPERBOY_LISTEN=0.0.0.0:80 PAPERBOY_PUBLIC_URL=https://papers.example.org paperboy "
        "serve --db papers.db\n"
        "  PAPERBOY_SMTP_URL=smtp://127.0.0.1:25 PAPERBOY_MAIL_FROM=papers@example.org \\\n"
        "    PAPERBOY_PUBLIC_URL=https://papers.example.org paperboy serve --db papers.db");
    cmd->callback([opts, &action] { action = [opts] { return run_serve(*opts); }; });
}

}  // namespace paperboy::cli
