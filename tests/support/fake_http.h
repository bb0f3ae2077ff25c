// tests/support/fake_http.h — an HttpFetcher that answers from a function, for unit tests of
// harvesting. It records every request with the virtual time it was made at.
#pragma once

#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/harvest/http_fetcher.h"
#include "ingest/harvest/politeness.h"

namespace paperboy::testing {

class FakeFetcher : public ingest::HttpFetcher {
  public:
    using Handler = std::function<Result<ingest::HttpResponse>(const ingest::HttpRequest&)>;

    struct Call {
        std::string url;
        std::string user_agent;
        ingest::Clock::TimePoint at;
    };

    FakeFetcher(ingest::Clock& clock, Handler handler)
        : clock_(clock), handler_(std::move(handler)) {}

    Result<ingest::HttpResponse> get(const ingest::HttpRequest& request) override {
        std::string user_agent;
        for (const auto& [name, value] : request.headers) {
            if (name == "User-Agent") user_agent = value;
        }
        calls.push_back({request.url, user_agent, clock_.now()});
        return handler_(request);
    }

    void set_handler(Handler handler) { handler_ = std::move(handler); }

    std::vector<Call> calls;

  private:
    ingest::Clock& clock_;
    Handler handler_;
};

inline ingest::HttpResponse http_response(int status, std::string body = "",
                                          ingest::HttpHeaders headers = {}) {
    ingest::HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    return response;
}

inline std::string read_testdata(const std::string& relative) {
    std::ifstream in(std::string(PAPERBOY_TESTDATA_DIR) + "/" + relative, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Serves the canned two-page OAI-PMH chain of tests/testdata/harvest: page 1 for a
// ListRecords request, page 2 for its resumption token, badResumptionToken for any other token.
inline ingest::HttpResponse recorded_oai_server(const ingest::HttpRequest& request) {
    if (request.url.find("resumptionToken=6960524%7C1001") != std::string::npos) {
        return http_response(200, read_testdata("harvest/oai_list_records_page2.xml"));
    }
    if (request.url.find("resumptionToken=") != std::string::npos) {
        return http_response(
            200,
            "<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">"
            "<error code=\"badResumptionToken\">expired</error></OAI-PMH>");
    }
    return http_response(200, read_testdata("harvest/oai_list_records_page1.xml"));
}

}  // namespace paperboy::testing
