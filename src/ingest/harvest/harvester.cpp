#include "ingest/harvest/harvester.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "core/timestamp.h"
#include "core/url.h"
#include "ingest/byte_source.h"
#include "ingest/formats.h"

namespace paperboy::ingest {
namespace {

constexpr int kMaxApiPageSize = 2000;  // arXiv refuses larger max_results per call

// Collects one response's records, errors and envelope into a page.
class PageCollector : public RecordSink {
  public:
    explicit PageCollector(HarvestPage& page) : page_(page) {}
    void on_record(Record&& record) override { page_.records.push_back(std::move(record)); }
    void on_error(RecordError&& error) override { page_.errors.push_back(std::move(error)); }
    void on_feed_info(const FeedInfo& info) override { page_.feed = info; }

  private:
    HarvestPage& page_;
};

bool is_day(std::string_view text) {
    if (text.size() != 10) return false;
    auto normalized = normalize_date(text);
    return normalized && *normalized == text;
}

std::chrono::sys_days parse_day(std::string_view day) {
    int y = 0;
    unsigned m = 0, d = 0;
    std::from_chars(day.data(), day.data() + 4, y);
    std::from_chars(day.data() + 5, day.data() + 7, m);
    std::from_chars(day.data() + 8, day.data() + 10, d);
    return std::chrono::sys_days(std::chrono::year(y) / std::chrono::month(m) /
                                 std::chrono::day(d));
}

std::string format_day(std::chrono::sys_days day) {
    return format_instant(std::chrono::sys_seconds(day)).substr(0, 10);
}

std::string base_of(const HarvestRequest& request) {
    return request.base_url.empty() ? std::string(default_base_url(request.source))
                                    : request.base_url;
}

// Appends "name=value" to a URL's query, value URL-encoded.
void add_param(std::string& url, std::string_view name, std::string_view value) {
    url += url.find('?') == std::string::npos ? '?' : '&';
    url += name;
    url += '=';
    url += url_encode(value);
}

struct OaiError {
    std::string code;
    std::string text;
};

// OAI-PMH reports request errors inside a 200 response: <error code="noRecordsMatch">...</error>.
// The parsers deal in records, so the harvester looks for the element itself. XML text cannot
// hold a raw '<', so "<error" outside markup cannot occur.
std::optional<OaiError> find_oai_error(std::string_view body) {
    size_t pos = 0;
    while ((pos = body.find("<error", pos)) != std::string_view::npos) {
        size_t after = pos + 6;
        if (after < body.size() && (body[after] == ' ' || body[after] == '>' ||
                                    body[after] == '\t' || body[after] == '\n')) {
            break;
        }
        pos = after;
    }
    if (pos == std::string_view::npos) return std::nullopt;
    size_t tag_end = body.find('>', pos);
    if (tag_end == std::string_view::npos) return std::nullopt;
    std::string_view tag = body.substr(pos, tag_end - pos);
    OaiError error;
    size_t code_at = tag.find("code=");
    if (code_at != std::string_view::npos && code_at + 5 < tag.size()) {
        char quote = tag[code_at + 5];
        size_t close = tag.find(quote, code_at + 6);
        if (close != std::string_view::npos) {
            error.code = std::string(tag.substr(code_at + 6, close - code_at - 6));
        }
    }
    size_t text_end = body.find("</error>", tag_end);
    if (text_end != std::string_view::npos) {
        error.text = clean_display_text(body.substr(tag_end + 1, text_end - tag_end - 1));
    }
    return error;
}

class Harvest {
  public:
    Harvest(HttpFetcher& fetcher, Clock& clock, const HarvestRequest& request,
            PolitenessOptions politeness, const PageSink& sink, const HarvestProgressFn& progress)
        : clock_(clock),
          request_(request),
          base_(base_of(request)),
          service_(harvest_service_name(request.source)),
          polite_(fetcher, clock, with_service(std::move(politeness), request.source)),
          sink_(sink),
          progress_(progress) {
        polite_.set_retry_observer([this](const RetryNotice& notice) {
            if (!progress_) return;
            HarvestProgress p = snapshot(notice.url);
            auto seconds = std::chrono::duration_cast<std::chrono::seconds>(notice.wait).count();
            p.message = notice.reason + "; retrying in " + std::to_string(seconds) + " s" +
                        (notice.from_retry_after ? " (Retry-After)" : "");
            progress_(p);
        });
    }

    Result<HarvestStats> run() {
        Status status;
        switch (request_.source) {
            case HarvestSource::kArxivOai:
                status = run_oai();
                break;
            case HarvestSource::kArxivApi:
                status = run_api();
                break;
            case HarvestSource::kHfDaily:
                status = run_hf();
                break;
        }
        if (!status.ok()) return status.error();
        return stats_;
    }

  private:
    static PolitenessOptions with_service(PolitenessOptions options, HarvestSource source) {
        options.service = std::string(harvest_service_name(source));
        return options;
    }

    HarvestProgress snapshot(const std::string& url) {
        HarvestProgress p;
        p.pages = stats_.pages;
        p.records = stats_.records;
        p.failed = stats_.failed;
        p.url = url;
        p.next_request = std::max(polite_.next_request_time(), clock_.now());
        return p;
    }

    Result<std::string> fetch(const std::string& url) {
        if (progress_) progress_(snapshot(url));
        auto response = polite_.get(url);
        if (!response.ok()) return response.error();
        return std::move(response->body);
    }

    // Parses `body` into `page` with `parser`; the page's errors name the URL.
    Status parse_into(HarvestPage& page, std::string body,
                      Status (*parser)(ByteSource&, RecordSink&)) {
        auto source = memory_source(std::move(body), page.url);
        PageCollector collector(page);
        Status parsed = parser(*source, collector);
        if (!parsed.ok()) return parsed.error().with_context(service_ + " at " + page.url);
        return Status();
    }

    Status deliver(HarvestPage& page) {
        page.number = ++page_number_;
        ++stats_.pages;
        stats_.records += static_cast<int64_t>(page.records.size());
        stats_.failed += static_cast<int64_t>(page.errors.size());
        Status accepted = sink_(page);
        if (progress_) progress_(snapshot(""));
        return accepted;
    }

    Status run_oai() {
        std::string url = request_.resume_cursor.empty()
                              ? oai_list_records_url(request_)
                              : oai_resumption_url(base_, request_.resume_cursor);
        bool resumed = !request_.resume_cursor.empty();
        std::string previous_token = request_.resume_cursor;
        while (true) {
            auto body = fetch(url);
            if (!body.ok()) return body.error();
            HarvestPage page;
            page.url = url;
            if (auto error = find_oai_error(*body)) {
                if (error->code == "noRecordsMatch") {
                    // An incremental harvest with nothing new: a complete, empty list.
                    page.last = true;
                    return deliver(page);
                }
                if (error->code == "badResumptionToken" && resumed) {
                    // arXiv forgets tokens after a while; the saved token of an interrupted run
                    // may be stale. Starting over is safe: writes are idempotent merges.
                    resumed = false;
                    stats_.restarted = true;
                    url = oai_list_records_url(request_);
                    continue;
                }
                return Error(ErrorCode::kInvalidArgument,
                             service_ + " at " + url + ": OAI-PMH error " +
                                 (error->code.empty() ? "(no code)" : error->code) +
                                 (error->text.empty() ? "" : ": " + error->text));
            }
            PAPERBOY_RETURN_IF_ERROR(parse_into(page, std::move(*body), parse_oai_pmh));
            resumed = false;
            const std::string token = page.feed.resumption_token;
            if (!token.empty() && token == previous_token) {
                return Error(ErrorCode::kParse, service_ + " at " + url +
                                                    ": the server repeated resumption token \"" +
                                                    token + "\"");
            }
            page.next_cursor = token;
            page.last = token.empty();
            PAPERBOY_RETURN_IF_ERROR(deliver(page));
            if (token.empty()) return Status();
            previous_token = token;
            url = oai_resumption_url(base_, token);
        }
    }

    std::string api_url(int64_t start, int64_t count) const {
        std::string url = base_;
        if (!request_.search_query.empty()) add_param(url, "search_query", request_.search_query);
        if (!request_.id_list.empty()) add_param(url, "id_list", request_.id_list);
        add_param(url, "sortBy", "submittedDate");
        add_param(url, "sortOrder", "descending");
        add_param(url, "start", std::to_string(start));
        add_param(url, "max_results", std::to_string(count));
        return url;
    }

    Status run_api() {
        int64_t start = 0;
        if (!request_.resume_cursor.empty()) {
            auto [end, ec] = std::from_chars(
                request_.resume_cursor.data(),
                request_.resume_cursor.data() + request_.resume_cursor.size(), start);
            if (ec != std::errc() || start < 0) {
                return Error(
                    ErrorCode::kInvalidArgument,
                    "arxiv-api resume cursor is not an offset: \"" + request_.resume_cursor + "\"");
            }
        }
        while (true) {
            int64_t count = request_.page_size;
            if (request_.max_results > 0) count = std::min(count, request_.max_results - start);
            HarvestPage page;
            if (count <= 0) {
                // A resumed harvest whose cap was reached: nothing left to ask for.
                page.last = true;
                return deliver(page);
            }
            page.url = api_url(start, count);
            auto body = fetch(page.url);
            if (!body.ok()) return body.error();
            PAPERBOY_RETURN_IF_ERROR(parse_into(page, std::move(*body), parse_arxiv_atom));

            const auto entries = static_cast<int64_t>(page.records.size() + page.errors.size());
            const int64_t next = start + entries;
            bool reached_known = false;
            if (!request_.stop_at_published.empty()) {
                for (const Record& record : page.records) {
                    const std::string& published = record.paper.published;
                    if (!published.empty() && published <= request_.stop_at_published) {
                        reached_known = true;
                    }
                }
            }
            page.last = entries == 0 || reached_known ||
                        (page.feed.total_results >= 0 && next >= page.feed.total_results) ||
                        (request_.max_results > 0 && next >= request_.max_results);
            page.next_cursor = page.last ? "" : std::to_string(next);
            PAPERBOY_RETURN_IF_ERROR(deliver(page));
            if (page.last) return Status();
            start = next;
        }
    }

    Status run_hf() {
        const std::string today =
            format_instant(std::chrono::floor<std::chrono::seconds>(clock_.now())).substr(0, 10);
        std::string from = request_.from;
        std::string until = request_.until;
        if (from.empty()) from = until.empty() ? today : until;
        if (until.empty()) until = std::max(today, from);
        auto day = parse_day(from);
        const auto last_day = parse_day(until);
        if (!request_.resume_cursor.empty()) {
            if (!is_day(request_.resume_cursor)) {
                return Error(
                    ErrorCode::kInvalidArgument,
                    "hf-daily resume cursor is not a day: \"" + request_.resume_cursor + "\"");
            }
            day = std::max(day, parse_day(request_.resume_cursor) + std::chrono::days(1));
        }
        if (day > last_day) {
            HarvestPage page;
            page.last = true;
            return deliver(page);
        }
        for (; day <= last_day; day += std::chrono::days(1)) {
            const std::string date = format_day(day);
            HarvestPage page;
            page.date = date;
            page.url = base_;
            add_param(page.url, "date", date);
            auto body = fetch(page.url);
            if (!body.ok()) return body.error();
            PAPERBOY_RETURN_IF_ERROR(parse_into(page, std::move(*body), parse_hf_daily));
            // The response does not say which day's list it is; the request does.
            for (Record& record : page.records) {
                if (record.daily) record.daily->date = date;
            }
            page.last = day == last_day;
            page.next_cursor = page.last ? "" : date;
            PAPERBOY_RETURN_IF_ERROR(deliver(page));
        }
        return Status();
    }

    Clock& clock_;
    const HarvestRequest& request_;
    const std::string base_;
    const std::string service_;
    PoliteFetcher polite_;
    const PageSink& sink_;
    const HarvestProgressFn& progress_;
    HarvestStats stats_;
    int64_t page_number_ = 0;
};

}  // namespace

std::string_view harvest_source_name(HarvestSource source) {
    switch (source) {
        case HarvestSource::kArxivOai:
            return "arxiv-oai";
        case HarvestSource::kArxivApi:
            return "arxiv-api";
        case HarvestSource::kHfDaily:
            return "hf-daily";
    }
    return "arxiv-oai";
}

std::optional<HarvestSource> parse_harvest_source(std::string_view name) {
    for (auto source :
         {HarvestSource::kArxivOai, HarvestSource::kArxivApi, HarvestSource::kHfDaily}) {
        if (harvest_source_name(source) == name) return source;
    }
    return std::nullopt;
}

std::string_view harvest_service_name(HarvestSource source) {
    switch (source) {
        case HarvestSource::kArxivOai:
            return "arXiv OAI-PMH";
        case HarvestSource::kArxivApi:
            return "arXiv API";
        case HarvestSource::kHfDaily:
            return "Hugging Face daily papers";
    }
    return "server";
}

std::string_view default_base_url(HarvestSource source) {
    switch (source) {
        case HarvestSource::kArxivOai:
            return "https://export.arxiv.org/oai2";
        case HarvestSource::kArxivApi:
            return "https://export.arxiv.org/api/query";
        case HarvestSource::kHfDaily:
            return "https://huggingface.co/api/daily_papers";
    }
    return "";
}

Status validate_harvest_request(const HarvestRequest& request) {
    auto bad = [](std::string message) { return Error(ErrorCode::kInvalidArgument, message); };
    if (!request.from.empty() && !is_day(request.from)) {
        return bad("--from must be a day YYYY-MM-DD, not \"" + request.from + "\"");
    }
    if (!request.until.empty() && !is_day(request.until)) {
        return bad("--until must be a day YYYY-MM-DD, not \"" + request.until + "\"");
    }
    if (!request.from.empty() && !request.until.empty() && request.from > request.until) {
        return bad("--from " + request.from + " is after --until " + request.until);
    }
    const std::string base = base_of(request);
    if (!base.starts_with("http://") && !base.starts_with("https://")) {
        return bad("base URL must start with http:// or https://, not \"" + base + "\"");
    }
    switch (request.source) {
        case HarvestSource::kArxivOai: {
            const auto& prefix = request.metadata_prefix;
            if (prefix != "arXiv" && prefix != "arXivRaw" && prefix != "oai_dc") {
                return bad("metadata prefix must be arXiv, arXivRaw or oai_dc, not \"" + prefix +
                           "\"");
            }
            break;
        }
        case HarvestSource::kArxivApi:
            if (request.search_query.empty() && request.id_list.empty()) {
                return bad("arxiv-api needs a search query (--query) or an id list (--id-list)");
            }
            if (request.page_size < 1 || request.page_size > kMaxApiPageSize) {
                return bad("page size must be 1.." + std::to_string(kMaxApiPageSize) + ", not " +
                           std::to_string(request.page_size));
            }
            if (request.max_results < 0) return bad("--max-results must not be negative");
            break;
        case HarvestSource::kHfDaily:
            break;
    }
    return Status();
}

std::string oai_list_records_url(const HarvestRequest& request) {
    std::string url = base_of(request);
    add_param(url, "verb", "ListRecords");
    add_param(url, "metadataPrefix", request.metadata_prefix);
    if (!request.from.empty()) add_param(url, "from", request.from);
    if (!request.until.empty()) add_param(url, "until", request.until);
    if (!request.set.empty()) add_param(url, "set", request.set);
    return url;
}

std::string oai_resumption_url(std::string_view base_url, std::string_view token) {
    std::string url(base_url);
    add_param(url, "verb", "ListRecords");
    add_param(url, "resumptionToken", token);
    return url;
}

Result<HarvestStats> harvest(HttpFetcher& fetcher, Clock& clock, const HarvestRequest& request,
                             const PolitenessOptions& politeness, const PageSink& sink,
                             const HarvestProgressFn& on_progress) {
    PAPERBOY_RETURN_IF_ERROR(validate_harvest_request(request));
    Harvest run(fetcher, clock, request, politeness, sink, on_progress);
    return run.run();
}

}  // namespace paperboy::ingest
