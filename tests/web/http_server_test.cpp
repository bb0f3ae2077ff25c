#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/gunzip.h"
#include "support/http_client.h"
#include "web/http/server.h"

namespace paperboy::web::http {
namespace {

using namespace std::chrono_literals;
using paperboy::testing::gunzip;
using paperboy::testing::HttpReply;
using paperboy::testing::RawHttpClient;

// Answers with what the server decoded: "METHOD path", then one "key=value" line per query
// parameter and the body, if any.
Response echo(const Request& request) {
    if (request.path == "/missing") return Response::text(404, "no such page\n");
    if (request.path == "/throw") throw std::runtime_error("secret detail");
    std::string body = request.method + " " + request.path + "\n";
    for (const auto& [key, value] : request.query) body += key + "=" + value + "\n";
    if (!request.body.empty()) body += "body=" + request.body + "\n";
    return Response::text(200, body);
}

// A server on a free loopback port; throws (failing the test) when it cannot start.
std::unique_ptr<HttpServer> start_server(HttpServer::Options options = {},
                                         HttpServer::Handler handler = echo,
                                         HttpServer::Observer observer = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    if (options.threads == 0) options.threads = 2;
    auto server = HttpServer::start(std::move(options), std::move(handler), std::move(observer));
    if (!server.ok()) throw std::runtime_error(server.error().message());
    return std::move(server).value();
}

std::string get(std::string_view target, std::string_view extra_headers = "") {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" +
           std::string(extra_headers) + "\r\n";
}

TEST(HttpServer, DecodesPathAndQueryAndAddsServerHeaders) {
    auto server = start_server();
    RawHttpClient client(server->port());
    auto reply = client.request(get("/a%20b/c?q=large+language%20models&empty=&flag&bad=%zz"));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->version, "HTTP/1.1");
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, "GET /a b/c\nq=large language models\nempty=\nflag=\nbad=%zz\n");
    EXPECT_EQ(reply->header("Content-Length"), std::to_string(reply->body.size()));
    EXPECT_EQ(reply->header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(reply->header("Server"), "paperboy");
    EXPECT_TRUE(reply->header("Date").ends_with(" GMT")) << reply->header("Date");
    EXPECT_FALSE(reply->has_header("Connection"));
}

TEST(HttpServer, ServesSeveralRequestsOnOneConnection) {
    std::mutex mutex;
    std::vector<std::string> observed;
    auto server = start_server({}, echo,
                               [&](const Request& request, const Response& response,
                                   std::chrono::nanoseconds, size_t bytes_sent) {
                                   std::lock_guard lock(mutex);
                                   observed.push_back(request.method + " " + request.path + " " +
                                                      std::to_string(response.status) + " " +
                                                      (bytes_sent > 0 ? "sent" : "nothing"));
                               });
    RawHttpClient client(server->port());
    for (std::string path : {"/one", "/two", "/three"}) {
        auto reply = client.request(get(path));
        ASSERT_TRUE(reply) << path;
        EXPECT_EQ(reply->body, "GET " + path + "\n");
    }
    server->stop();
    server->wait();
    EXPECT_EQ(observed, (std::vector<std::string>{"GET /one 200 sent", "GET /two 200 sent",
                                                  "GET /three 200 sent"}));
}

TEST(HttpServer, ClosesWhenTheClientAsksTo) {
    auto server = start_server();
    RawHttpClient client(server->port());
    auto reply = client.request(get("/", "Connection: close\r\n"));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->header("Connection"), "close");
    EXPECT_TRUE(client.wait_closed(10s));
}

TEST(HttpServer, SpeaksHttp10WithItsDefaults) {
    auto server = start_server();
    RawHttpClient once(server->port());
    auto reply = once.request("GET /old HTTP/1.0\r\n\r\n");
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->version, "HTTP/1.0");
    EXPECT_EQ(reply->body, "GET /old\n");
    EXPECT_TRUE(once.wait_closed(10s));

    RawHttpClient kept(server->port());
    for (int i = 0; i < 2; ++i) {
        reply = kept.request("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        ASSERT_TRUE(reply) << i;
        EXPECT_EQ(reply->header("Connection"), "keep-alive");
    }
}

TEST(HttpServer, AnswersHeadWithTheGetHeadersAndNoBody) {
    auto server = start_server();
    RawHttpClient client(server->port());
    auto got = client.request(get("/page"));
    ASSERT_TRUE(got);
    auto head = client.request("HEAD /page HTTP/1.1\r\nHost: test\r\n\r\n", /*head_only=*/true);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->header("Content-Length"), std::to_string(got->body.size()));
    // Had a body been sent, it would now be read in place of the next response.
    auto after = client.request(get("/after"));
    ASSERT_TRUE(after);
    EXPECT_EQ(after->body, "GET /after\n");
}

TEST(HttpServer, PassesTheHandlersStatusThrough) {
    auto server = start_server();
    RawHttpClient client(server->port());
    auto reply = client.request(get("/missing"));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 404);
    EXPECT_EQ(reply->body, "no such page\n");
}

TEST(HttpServer, TurnsAHandlerExceptionInto500AndKeepsServing) {
    auto server = start_server();
    RawHttpClient client(server->port());
    auto reply = client.request(get("/throw"));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 500);
    EXPECT_EQ(reply->body, "Internal Server Error\n");
    auto next = client.request(get("/fine"));
    ASSERT_TRUE(next);
    EXPECT_EQ(next->status, 200);
}

TEST(HttpServer, ReadsBodiesWithContentLengthOrChunked) {
    auto server = start_server();
    RawHttpClient client(server->port());
    auto reply =
        client.request("POST /form HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello");
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->body, "POST /form\nbody=hello\n");
    reply = client.request(
        "POST /form HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->body, "POST /form\nbody=abcde\n");
}

TEST(HttpServer, SendsContinueBeforeReadingAnExpectedBody) {
    HttpServer::Options options;
    options.max_body_bytes = 1000;
    auto server = start_server(options);
    RawHttpClient client(server->port());
    auto interim = client.request(
        "POST /up HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    ASSERT_TRUE(interim);
    EXPECT_EQ(interim->status, 100);
    auto reply = client.request("hello");
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->body, "POST /up\nbody=hello\n");

    // A body over the limit is refused before the client sends it.
    RawHttpClient big(server->port());
    reply = big.request(
        "POST /up HTTP/1.1\r\nHost: test\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 413);
}

// Each refusal is a short plain-text answer and the end of the connection.
void expect_refused(const std::optional<HttpReply>& reply, int status, RawHttpClient& client) {
    ASSERT_TRUE(reply) << "no response, expected " << status;
    EXPECT_EQ(reply->status, status);
    // HTTP/1.0 closes unless told otherwise.
    EXPECT_EQ(reply->header("Connection"), reply->version == "HTTP/1.0" ? "" : "close");
    EXPECT_EQ(reply->header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_FALSE(reply->body.empty());
    EXPECT_TRUE(client.wait_closed(10s));
}

TEST(HttpServer, RefusesOversizedHeadersWith431) {
    auto server = start_server();
    RawHttpClient client(server->port());
    auto reply = client.request(get("/", "X-Big: " + std::string(20000, 'a') + "\r\n"));
    expect_refused(reply, 431, client);
}

TEST(HttpServer, RefusesOversizedBodiesWith413) {
    HttpServer::Options options;
    options.max_body_bytes = 1000;
    auto server = start_server(options);

    RawHttpClient declared(server->port());
    auto reply = declared.request(
        "POST /up HTTP/1.1\r\nHost: test\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x'));
    expect_refused(reply, 413, declared);

    RawHttpClient chunked(server->port());
    std::string body;
    for (int i = 0; i < 3; ++i) body += "200\r\n" + std::string(0x200, 'x') + "\r\n";
    reply =
        chunked.request("POST /up HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" +
                        body + "0\r\n\r\n");
    expect_refused(reply, 413, chunked);
}

TEST(HttpServer, RefusesLongTargetsWith414) {
    auto server = start_server();
    RawHttpClient client(server->port());
    auto reply = client.request(get("/" + std::string(9000, 'a')));
    expect_refused(reply, 414, client);

    // Longer than the whole header limit: the request line alone overflows it.
    RawHttpClient longer(server->port());
    reply = longer.request(get("/" + std::string(20000, 'a')));
    expect_refused(reply, 414, longer);
}

TEST(HttpServer, LetsTheApplicationShapeItsRefusals) {
    HttpServer::Options options;
    options.max_body_bytes = 1000;
    options.refusal = [](int status, std::string_view reason, const Request& partial) {
        Response r = Response::json(
            200, "{\"status\":" + std::to_string(status) + ",\"reason\":\"" + std::string(reason) +
                     "\",\"target\":\"" + partial.target.substr(0, 8) + "\"}");
        return r;
    };
    auto server = start_server(options);
    RawHttpClient client(server->port());
    auto reply =
        client.request("POST /api/up HTTP/1.1\r\nHost: test\r\nContent-Length: 5000\r\n\r\n" +
                       std::string(5000, 'x'));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 413) << "the status is the server's, whatever the hook says";
    EXPECT_EQ(reply->header("Content-Type"), "application/json");
    EXPECT_EQ(reply->body, R"({"status":413,"reason":"Payload Too Large","target":"/api/up"})");
    EXPECT_TRUE(client.wait_closed(5s));
}

TEST(HttpServer, RefusesMalformedRequestsWith400) {
    auto server = start_server();
    for (std::string raw : {std::string("GARBAGE\r\n\r\n"), get("/a%00b"), get("/search?q=%00"),
                            get("no-slash"), std::string("GET / HTTP/9.9\r\n\r\n")}) {
        RawHttpClient client(server->port());
        auto reply = client.request(raw);
        SCOPED_TRACE(raw);
        expect_refused(reply, 400, client);
    }
}

TEST(HttpServer, CutsOffAClientTricklingItsHeaders) {
    HttpServer::Options options;
    options.threads = 1;
    options.header_timeout = 300ms;
    auto server = start_server(options);

    RawHttpClient slow(server->port());
    ASSERT_TRUE(slow.send("GET / HTTP/1.1\r\nX-Slow: "));
    bool closed = false;
    auto deadline = std::chrono::steady_clock::now() + 20s;
    for (int i = 0; !closed && std::chrono::steady_clock::now() < deadline; ++i) {
        if (i == 2) {  // meanwhile, another client is served
            RawHttpClient other(server->port());
            auto reply = other.request(get("/other"));
            ASSERT_TRUE(reply);
            EXPECT_EQ(reply->status, 200);
        }
        closed = !slow.send("a") || slow.wait_closed(50ms);
    }
    EXPECT_TRUE(closed);
}

TEST(HttpServer, ServesANewClientWhileManyConnectionsSitIdle) {
    HttpServer::Options options;
    options.threads = 1;
    options.max_connections_per_client = 0;  // all from 127.0.0.1
    auto server = start_server(options);
    std::vector<std::unique_ptr<RawHttpClient>> idle;
    for (int i = 0; i < 200; ++i) {
        idle.push_back(std::make_unique<RawHttpClient>(server->port()));
        ASSERT_TRUE(idle.back()->request(get("/idle"))) << i;
    }
    RawHttpClient fresh(server->port());
    auto reply = fresh.request(get("/fresh"));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->body, "GET /fresh\n");
}

// A burst of new clients while the server is busy with others: the whole backlog is accepted
// at once, so the newcomers are not let in one per round of the busy clients' requests (which
// made the last of 64 new connections wait 100-400 ms under load).
TEST(HttpServer, AcceptsABurstOfNewClientsAtOnce) {
    std::mutex mu;
    std::vector<std::string> handled;  // paths, in the order the one io thread handled them
    HttpServer::Options options;
    options.threads = 1;
    auto server = start_server(options, [&](const Request& request) {
        if (request.path == "/busy") std::this_thread::sleep_for(5ms);  // holds the io thread
        std::lock_guard lock(mu);
        handled.push_back(request.path);
        return Response::text(200, "ok\n");
    });
    constexpr int kBusy = 8;
    std::atomic<bool> stop{false};
    std::atomic<int> busy_done{0};
    std::vector<std::thread> busy;
    for (int i = 0; i < kBusy; ++i) {
        busy.emplace_back([&] {
            RawHttpClient client(server->port());
            while (!stop && client.request(get("/busy"))) ++busy_done;
        });
    }
    const auto join_busy = [&] {
        stop = true;
        for (std::thread& t : busy) t.join();
        busy.clear();
    };
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (busy_done < 4 * kBusy && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    if (busy_done < 4 * kBusy) {
        join_busy();
        FAIL() << "the busy clients were not answered";
    }

    constexpr int kNew = 8;
    std::vector<std::unique_ptr<RawHttpClient>> fresh;
    for (int i = 0; i < kNew; ++i) fresh.push_back(std::make_unique<RawHttpClient>(server->port()));
    int answered = 0;
    for (int i = 0; i < kNew; ++i) fresh[i]->send(get("/new"));
    for (int i = 0; i < kNew; ++i) answered += fresh[i]->read_response() ? 1 : 0;
    join_busy();
    ASSERT_EQ(answered, kNew);

    std::lock_guard lock(mu);
    const auto first = std::find(handled.begin(), handled.end(), "/new");
    const auto last = std::find(handled.rbegin(), handled.rend(), "/new").base();
    ASSERT_NE(first, handled.end());
    EXPECT_EQ(std::count(first, last, "/new"), kNew);
    // Taken in at once, the newcomers are answered one after another (measured: no busy request
    // between them); taken one per round of the io queue, 14 busy requests came between them.
    EXPECT_LE(std::count(first, last, "/busy"), kBusy / 2)
        << "the newcomers were let in one round at a time";
}

TEST(HttpServer, ClosesKeepAliveConnectionsAfterTheIdleTimeout) {
    HttpServer::Options options;
    options.idle_timeout = 200ms;
    auto server = start_server(options);
    RawHttpClient client(server->port());
    ASSERT_TRUE(client.request(get("/")));
    EXPECT_TRUE(client.wait_closed(10s));
}

// Holds requests for /hold in the handler until opened; counts those waiting.
class Gate {
  public:
    Response handle(const Request& request) {
        if (request.path == "/hold") {
            std::unique_lock lock(mutex_);
            ++waiting_;
            changed_.notify_all();
            changed_.wait(lock, [this] { return open_; });
        }
        return echo(request);
    }
    bool wait_for_waiting(int n) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, 20s, [&] { return waiting_ >= n; });
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int waiting_ = 0;
    bool open_ = false;
};

TEST(HttpServer, ClosesConnectionsBeyondTheLimitWhenNoneIsIdle) {
    Gate gate;
    HttpServer::Options options;
    options.threads = 3;
    options.max_connections = 2;
    auto server = start_server(options, [&](const Request& r) { return gate.handle(r); });
    RawHttpClient first(server->port());
    RawHttpClient second(server->port());
    ASSERT_TRUE(first.send(get("/hold")));
    ASSERT_TRUE(second.send(get("/hold")));
    ASSERT_TRUE(gate.wait_for_waiting(2));
    RawHttpClient third(server->port());
    third.send(get("/"));
    EXPECT_FALSE(third.read_response());
    EXPECT_TRUE(third.wait_closed(10s));
    gate.open();
    auto reply = first.read_response();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
    EXPECT_TRUE(second.read_response());
}

// Opens `n` connections from 127.0.0.1 that send nothing.
std::vector<std::unique_ptr<RawHttpClient>> open_silent(uint16_t port, int n) {
    std::vector<std::unique_ptr<RawHttpClient>> clients;
    for (int i = 0; i < n; ++i) clients.push_back(std::make_unique<RawHttpClient>(port));
    return clients;
}

// How many of `clients` the server closes, waiting (up to 20 s) until it has closed `expected`
// of them, so that a server closing too few fails the test instead of hanging it.
int count_closed(std::vector<std::unique_ptr<RawHttpClient>>& clients, int expected) {
    std::vector<bool> closed(clients.size(), false);
    int count = 0;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    do {
        for (size_t i = 0; i < clients.size(); ++i) {
            if (!closed[i] && clients[i]->wait_closed(10ms)) {
                closed[i] = true;
                ++count;
            }
        }
    } while (count < expected && std::chrono::steady_clock::now() < deadline);
    return count;
}

// One host opening connections and sending nothing (10,100 of them took every connection of
// the server for 10 s): beyond its limit each new one takes the place of one of its own, so
// the server keeps room for everyone else.
TEST(HttpServer, LimitsTheConnectionsOfOneClient) {
    HttpServer::Options options;
    options.max_connections = 64;
    options.max_connections_per_client = 16;
    options.first_byte_timeout = 60s;  // only the limit closes connections here
    auto server = start_server(options);
    auto flood = open_silent(server->port(), 300);

    RawHttpClient other(server->port(), "127.0.0.2", 5s);
    ASSERT_TRUE(other.connected());
    auto reply = other.request(get("/healthz"));
    ASSERT_TRUE(reply) << "another client was not answered";
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, "GET /healthz\n");

    EXPECT_EQ(count_closed(flood, 300 - 16), 300 - 16);
    RawHttpClient later(server->port(), "127.0.0.3", 5s);
    reply = later.request(get("/"));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
}

// Silent connections fill the server (in the field from many addresses, each under its limit;
// here from one, with no limit): a new client still gets in, in the place of an idle connection
// of the client holding the most.
TEST(HttpServer, MakesRoomForANewClientWhenFullOfIdleConnections) {
    HttpServer::Options options;
    options.max_connections = 8;
    options.max_connections_per_client = 0;
    options.first_byte_timeout = 60s;
    auto server = start_server(options);
    auto idle = open_silent(server->port(), 8);

    RawHttpClient fresh(server->port(), "127.0.0.2", 5s);
    auto reply = fresh.request(get("/healthz"));
    ASSERT_TRUE(reply) << "the new client was not answered";
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(count_closed(idle, 1), 1);
}

// A client holding the most connections cannot push out those of a client holding fewer,
// even idle ones: at the limit its new connections take the place of its own.
TEST(HttpServer, MakesRoomFromTheBiggestHolderOnly) {
    HttpServer::Options options;
    options.max_connections = 8;
    options.max_connections_per_client = 0;
    options.first_byte_timeout = 60s;
    auto server = start_server(options);
    RawHttpClient kept_a(server->port(), "127.0.0.2");
    RawHttpClient kept_b(server->port(), "127.0.0.2");
    ASSERT_TRUE(kept_a.request(get("/a")));
    ASSERT_TRUE(kept_b.request(get("/b")));

    auto flood = open_silent(server->port(), 6 + 20);
    EXPECT_EQ(count_closed(flood, 20), 20);
    for (RawHttpClient* kept : {&kept_a, &kept_b}) {
        auto reply = kept->request(get("/again"));
        ASSERT_TRUE(reply) << "an idle connection of the smaller client was closed";
        EXPECT_EQ(reply->status, 200);
    }
}

TEST(HttpServer, ClosesAConnectionThatSendsNothing) {
    HttpServer::Options options;
    options.first_byte_timeout = 200ms;
    options.header_timeout = 60s;
    options.idle_timeout = 60s;
    auto server = start_server(options);
    RawHttpClient silent(server->port());
    EXPECT_TRUE(silent.wait_closed(10s));

    // A client that has begun its request has the header timeout to finish it.
    RawHttpClient talking(server->port());
    ASSERT_TRUE(talking.send("GET /slow HTTP/1.1\r\n"));
    EXPECT_FALSE(talking.wait_closed(1s));
    auto reply = talking.request("Host: test\r\n\r\n");
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->body, "GET /slow\n");
}

// Heads whose body a proxy in front could frame differently from this server (request
// smuggling), or that carry a header twice that must be there once. Each is refused, the
// connection is closed, and what follows the head (here a whole second request) is never read
// as a request.
TEST(HttpServer, RefusesAmbiguousFramingAndReadsNothingAfter) {
    std::mutex mutex;
    std::vector<std::string> handled;
    auto server = start_server({}, [&](const Request& request) {
        std::lock_guard lock(mutex);
        handled.push_back(request.path);
        return echo(request);
    });
    const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: test\r\n\r\n";
    const std::string length = std::to_string(smuggled.size());
    struct Case {
        std::string head;
        int status;
    } cases[] = {
        {"POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: identity\r\nContent-Length: " +
             length + "\r\n\r\n",
         400},
        {"POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: xchunked\r\nContent-Length: " +
             length + "\r\n\r\n",
         400},
        {"POST /a HTTP/1.1\r\nHost: test\r\nContent-Length: " + length +
             "\r\nTransfer-Encoding: chunked\r\n\r\n",
         400},
        {"POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: identity\r\n\r\n", 400},
        {"POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400},
        {"POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400},
        {"POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
        {"POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n"
         "Transfer-Encoding: chunked\r\n\r\n",
         501},
        {"POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        {"POST /a HTTP/1.1\r\nHost: test\r\nContent-Length: " + length +
             "\r\nContent-Length: 0\r\n\r\n",
         400},
        {"POST /a HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n", 400},
        {"POST /a HTTP/1.1\r\nHost: test\r\nContent-Length: 0, 0\r\n\r\n", 400},
        // Obsolete line folding, which the parser would join into the line above.
        {"POST /a HTTP/1.1\r\nHost: test\r\nX-Note: a\r\n Content-Length: " + length + "\r\n\r\n",
         400},
        {"GET /a HTTP/1.1\r\nHost: test\r\nX-Note: a\r\n\tb\r\n\r\n", 400},
        {"GET /a HTTP/1.1\r\n Host: test\r\n\r\n", 400},
        {"GET /a HTTP/1.1\r\nX-Note: a\r\n\r\n", 400},
        {"GET /a HTTP/1.1\r\nHost: test\r\nHost: other\r\n\r\n", 400},
        {"GET /a HTTP/1.1\r\nHost: test/evil\r\n\r\n", 400},
        {"GET /a HTTP/1.1\r\nHost: test\r\nOrigin: https://test\r\n"
         "Origin: https://evil.example\r\n\r\n",
         400},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.head);
        RawHttpClient client(server->port());
        auto reply = client.request(c.head + smuggled);
        expect_refused(reply, c.status, client);
        EXPECT_FALSE(client.read_response()) << "a second response";
    }
    std::lock_guard lock(mutex);
    EXPECT_EQ(handled, std::vector<std::string>{}) << "a refused request reached the handler";
}

TEST(HttpServer, AcceptsWellFramedRequestsNearTheRefusedOnes) {
    auto server = start_server();
    RawHttpClient client(server->port());
    for (std::string head : {
             std::string("GET /a HTTP/1.1\r\nHost:\r\n\r\n"),
             std::string("GET /a HTTP/1.1\r\nHost: [::1]:8080\r\nOrigin: https://t.example\r\n"
                         "X-Note: a b\t c\r\n\r\n"),
             std::string("GET /a HTTP/1.1\r\nHOST: test\r\n\r\n"),
             std::string("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
         }) {
        SCOPED_TRACE(head);
        auto reply = client.request(head);
        ASSERT_TRUE(reply);
        EXPECT_EQ(reply->status, 200);
    }
    auto reply = client.request(
        "POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: Chunked\r\n\r\n"
        "2\r\nhi\r\n0\r\n\r\n");
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->body, "POST /a\nbody=hi\n");
}

Response sized(const Request& request) {
    std::string text;
    for (int i = 0; text.size() < 2000; ++i) text += "line " + std::to_string(i) + "\n";
    if (request.path == "/small") return Response::text(200, "short");
    if (request.path == "/png") return Response{200, {{"Content-Type", "image/png"}}, text};
    return Response::text(200, text);
}

TEST(HttpServer, GzipsWhenTheClientAcceptsIt) {
    auto server = start_server({}, sized);
    std::string original = sized(Request{}).body;
    RawHttpClient client(server->port());

    auto reply = client.request(get("/big", "Accept-Encoding: deflate, gzip\r\n"));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->header("Content-Encoding"), "gzip");
    EXPECT_EQ(reply->header("Vary"), "Accept-Encoding");
    EXPECT_LT(reply->body.size(), original.size());
    EXPECT_EQ(gunzip(reply->body), original);

    auto head =
        client.request("HEAD /big HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\n\r\n", true);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->header("Content-Length"), std::to_string(reply->body.size()));
}

TEST(HttpServer, SendsIdentityWhenGzipIsRefusedOrNotWorthIt) {
    auto server = start_server({}, sized);
    std::string original = sized(Request{}).body;
    RawHttpClient client(server->port());
    struct Case {
        std::string target;
        std::string accept;
        std::string vary;
    };
    for (const Case& c :
         {Case{"/big", "gzip;q=0, deflate", "Accept-Encoding"}, Case{"/big", "", "Accept-Encoding"},
          Case{"/png", "gzip", ""}, Case{"/small", "gzip", "Accept-Encoding"}}) {
        SCOPED_TRACE(c.target + " " + c.accept);
        std::string headers = c.accept.empty() ? "" : "Accept-Encoding: " + c.accept + "\r\n";
        auto reply = client.request(get(c.target, headers));
        ASSERT_TRUE(reply);
        EXPECT_FALSE(reply->has_header("Content-Encoding"));
        EXPECT_EQ(reply->header("Vary"), c.vary);
        EXPECT_EQ(reply->body, c.target == "/small" ? "short" : original);
    }
}

TEST(HttpServer, StopsGracefully) {
    std::promise<void> entered;
    auto handler = [&](const Request& request) {
        if (request.path == "/slow") {
            entered.set_value();
            std::this_thread::sleep_for(300ms);
            return Response::text(200, "done");
        }
        return echo(request);
    };
    HttpServer::Options options;
    options.threads = 1;
    auto server = start_server(options, handler);

    RawHttpClient idle(server->port());
    ASSERT_TRUE(idle.request(get("/")));
    RawHttpClient busy(server->port());
    ASSERT_TRUE(busy.send(get("/slow")));
    ASSERT_EQ(entered.get_future().wait_for(10s), std::future_status::ready);

    server->stop();
    EXPECT_FALSE(RawHttpClient(server->port()).connected());
    auto reply = busy.read_response();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, "done");
    EXPECT_EQ(reply->header("Connection"), "close");
    EXPECT_TRUE(idle.wait_closed(10s));

    auto waited = std::async(std::launch::async, [&] { server->wait(); });
    EXPECT_EQ(waited.wait_for(20s), std::future_status::ready);
}

TEST(HttpServer, ReportsAnAddressInUse) {
    auto first = start_server();
    HttpServer::Options options;
    options.port = first->port();
    auto second = HttpServer::start(options, echo);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code(), ErrorCode::kIo);
    EXPECT_EQ(
        second.error().message(),
        "cannot listen on 127.0.0.1:" + std::to_string(first->port()) + ": Address already in use");
}

}  // namespace
}  // namespace paperboy::web::http
