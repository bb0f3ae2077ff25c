// ingest/harvest/http_fetcher.h — the HTTP seam of harvesting.
//
// Harvesters talk to remote servers only through HttpFetcher, so that unit tests substitute a
// fake that answers from memory (fast, deterministic, no network) while the command line and
// integration tests use CurlFetcher (curl_fetcher.h). Also the small URL helpers harvesters
// need to build query strings.
// Depends on core/. A fetcher is used by one thread at a time unless its class says otherwise.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace paperboy::ingest {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string url;
    HttpHeaders headers;  // sent as given ("User-Agent", "Accept", ...)
};

struct HttpResponse {
    int status = 0;       // the final status after redirects, e.g. 200, 503
    HttpHeaders headers;  // of the final response, names as the server sent them
    std::string body;     // decoded (gzip and deflate undone)

    // The value of the first header named `name`, compared case-insensitively
    // ("retry-after" finds "Retry-After"); nullopt when absent.
    std::optional<std::string> header(std::string_view name) const;
};

class HttpFetcher {
  public:
    virtual ~HttpFetcher() = default;

    // Performs a GET. Any HTTP status, 4xx and 5xx included, is a successful Result: judging
    // statuses is the caller's business. Errors: kUnavailable when the server could not be
    // reached or the transfer broke off (DNS, refused, timeout, reset), with the transport's
    // message; kInvalidArgument for a URL that cannot be requested; kIo when the body exceeds
    // the fetcher's size limit.
    virtual Result<HttpResponse> get(const HttpRequest& request) = 0;
};

// The standard reason phrase of an HTTP status ("Service Unavailable" for 503); empty when
// the status is not a common one.
std::string_view http_reason_phrase(int status);

}  // namespace paperboy::ingest
