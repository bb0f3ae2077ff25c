// ingest/harvest/curl_fetcher.h — the real HttpFetcher, over libcurl.
//
// Plain GETs with the limits a harvester wants: connect and total timeouts, at most a few
// redirects, gzip/deflate accepted and decoded, http and https only, and a cap on the body
// size so that a misbehaving server cannot fill memory. Only this file's .cpp includes curl.h.
// One CurlFetcher keeps one connection cache (keep-alive across a harvest); it is not
// thread-safe — use one per thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "ingest/harvest/http_fetcher.h"

namespace paperboy::ingest {

struct CurlOptions {
    std::chrono::seconds connect_timeout{10};
    std::chrono::seconds total_timeout{120};  // the whole transfer, body included
    long max_redirects = 5;
    size_t max_body_bytes = size_t{512} << 20;  // 512 MiB, decoded
};

class CurlFetcher : public HttpFetcher {
  public:
    explicit CurlFetcher(CurlOptions options = {});
    ~CurlFetcher() override;
    CurlFetcher(const CurlFetcher&) = delete;
    CurlFetcher& operator=(const CurlFetcher&) = delete;

    // See HttpFetcher::get(). A body over max_body_bytes is kIo naming the limit.
    Result<HttpResponse> get(const HttpRequest& request) override;

  private:
    struct Handle;
    CurlOptions options_;
    std::unique_ptr<Handle> handle_;
};

}  // namespace paperboy::ingest
