#include "ingest/harvest/curl_fetcher.h"

#include <curl/curl.h>

#include <mutex>
#include <string>

namespace paperboy::ingest {
namespace {

// curl_global_init is not thread-safe and must run before any other curl call; call_once
// makes the first CurlFetcher do it wherever it is constructed.
void init_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
    HttpResponse response;
    size_t max_body_bytes = 0;
    bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    size_t n = size * count;
    if (transfer->response.body.size() + n > transfer->max_body_bytes) {
        transfer->too_large = true;
        return 0;  // makes curl abort with CURLE_WRITE_ERROR
    }
    transfer->response.body.append(data, n);
    return n;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    size_t n = size * count;
    std::string_view line(data, n);
    // Each response of a redirect chain starts with a status line; keep only the last
    // response's headers.
    if (line.starts_with("HTTP/")) {
        transfer->response.headers.clear();
        return n;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    transfer->response.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                            std::string(trim(line.substr(colon + 1))));
    return n;
}

std::string size_text(size_t bytes) {
    if (bytes % (size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
    return std::to_string(bytes) + " bytes";
}

}  // namespace

struct CurlFetcher::Handle {
    CURL* curl = nullptr;
    ~Handle() {
        if (curl != nullptr) curl_easy_cleanup(curl);
    }
};

CurlFetcher::CurlFetcher(CurlOptions options)
    : options_(options), handle_(std::make_unique<Handle>()) {
    init_curl_once();
}

CurlFetcher::~CurlFetcher() = default;

Result<HttpResponse> CurlFetcher::get(const HttpRequest& request) {
    if (handle_->curl == nullptr) {
        handle_->curl = curl_easy_init();
        if (handle_->curl == nullptr) {
            return Error(ErrorCode::kInternal, "curl_easy_init failed");
        }
    } else {
        // Resets the options but keeps the connection cache, so consecutive requests to the
        // same server reuse one connection.
        curl_easy_reset(handle_->curl);
    }
    CURL* curl = handle_->curl;

    Transfer transfer;
    transfer.max_body_bytes = options_.max_body_bytes;
    char error_buffer[CURL_ERROR_SIZE] = {0};

    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) {
        std::string line = name + ": " + value;
        curl_slist* grown = curl_slist_append(headers, line.c_str());
        if (grown == nullptr) {
            curl_slist_free_all(headers);
            return Error(ErrorCode::kInternal, "curl_slist_append failed");
        }
        headers = grown;
    }

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count() * 1000));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(options_.total_timeout.count() * 1000));
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, options_.max_redirects);
    // Neither a URL nor a redirect may lead to file://, ftp:// or the like.
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    // "" offers every encoding this libcurl can decode (gzip, deflate, ...).
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(options_.max_body_bytes));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);

    CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);

    if (transfer.too_large || code == CURLE_FILESIZE_EXCEEDED) {
        return Error(ErrorCode::kIo, "GET " + request.url + ": response body exceeds the " +
                                         size_text(options_.max_body_bytes) + " limit");
    }
    if (code != CURLE_OK) {
        std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
        ErrorCode error_code = ErrorCode::kUnavailable;
        if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL) {
            error_code = ErrorCode::kInvalidArgument;
        }
        return Error(error_code, "GET " + request.url + ": " + detail);
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    transfer.response.status = static_cast<int>(status);
    return std::move(transfer.response);
}

}  // namespace paperboy::ingest
