// web/http/server.h — the HTTP/1.1 server the web app sits on.
//
// Owns the sockets: it accepts connections, reads requests within the configured limits and
// deadlines, calls one Handler per request and writes its Response (gzip-compressed when the
// client allows it), with keep-alive, HEAD and "Expect: 100-continue". Requests it refuses itself
// get a short plain-text answer and the connection is closed: 400 (malformed, a version other
// than 1.0/1.1, a target not in origin form or decoding to NUL, a head whose framing a proxy
// could read differently: see framing.h), 413 (body too large), 414 (target too long), 431
// (header too large), 501 (a transfer coding other than chunked).
//
// Connections are rationed so that one client, or a crowd of silent ones, cannot take them all
// (Options::max_connections_per_client, first_byte_timeout, max_connections): a connection that
// would go over a limit first pushes out an idle one (waiting for its first request or between
// keep-alive requests), of its own client or of the clients holding the most; failing that it is
// closed at once. Refused connections are reported on stderr, at most once a minute.
// A handler that throws yields a 500; the details go to stderr, never to the client.
//
// Boost.Beast and Asio stay inside server.cpp. Threads: Options::threads threads run one
// io_context; each connection is served by one of them at a time, so the Handler and the
// Observer are called concurrently for different connections and must be thread-safe. Handlers
// run on those threads: they must be quick (in-memory work), as a slow one holds a thread.
// Depends on core/.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "web/http/message.h"

namespace paperboy::web::http {

class HttpServer {
  public:
    struct Options {
        std::string host = "127.0.0.1";       // an IP address or a name to resolve
        uint16_t port = 8080;                 // 0 = a free port chosen by the system; see port()
        unsigned threads = 0;                 // 0 = std::thread::hardware_concurrency()
        size_t max_header_bytes = 16 * 1024;  // request line and headers together
        size_t max_body_bytes = 1 << 20;
        size_t max_target_bytes = 8 * 1024;
        // Time for a new connection to send its first byte: connections opened and left silent
        // (to hold them, or a browser's unused preconnection) are closed after it.
        std::chrono::milliseconds first_byte_timeout{5000};
        // Time to receive a whole request head, from its first byte: a client trickling bytes
        // cannot hold a connection longer.
        std::chrono::milliseconds header_timeout{10000};
        std::chrono::milliseconds body_timeout{30000};    // time to receive a whole body
        std::chrono::milliseconds idle_timeout{30000};    // keep-alive wait for the next request
        std::chrono::milliseconds write_timeout{30000};   // time to send a whole response
        std::chrono::milliseconds shutdown_grace{10000};  // stop(): then close what is left
        // Connections open at once. At the limit a new connection takes the place of idle ones,
        // a batch of max_connections / 50 (at least 1) at a time so that a few new clients find
        // room, taken from the clients holding the most connections (those with more than the
        // newcomer's, or the newcomer's own); with no idle one to close it is closed at once.
        size_t max_connections = 10000;
        // Connections open at once from one client: an IPv4 address, or an IPv6 /64 (one host
        // or site has a whole /64 to draw from); see client_group() in core/client_address.h.
        // Beyond it a new connection takes the place of its client's oldest idle one, or is closed
        // at once. 0: no limit. Behind a reverse proxy every connection is the proxy's, so this
        // limits the proxy: raise it, or set 0 and limit clients at the proxy.
        size_t max_connections_per_client = 64;
        // Shapes the server's own refusals (400, 413, 414, 431, 501: the request never reaches the
        // handler) from the status, a short reason and what could be read of the request (its
        // target may be empty or partial). Unset: a plain-text reason. The server still closes
        // the connection after a refusal.
        std::function<Response(int status, std::string_view reason, const Request& partial)>
            refusal;
        // Requests for which `may_block` is true (handlers that may wait, such as log-ins waiting
        // for password hashing) are handled on `blocking_threads` threads of their own, so that
        // they never hold the threads that serve everything else, and those stay as many as
        // the cores (more would only make requests preempt each other). Unset or 0 threads:
        // every request is handled on the io threads.
        std::function<bool(const Request&)> may_block;
        unsigned blocking_threads = 0;
    };

    // Called for every request the server accepts, on an io thread.
    using Handler = std::function<Response(const Request&)>;
    // Called after each response has been written (or the write failed), for access logs and
    // metrics: the request (for one the server refused itself, only what could be read of it),
    // the response as sent (body gzip-compressed if it was; present even for HEAD), the time
    // from the end of the request head to the end of the write, and the bytes written.
    using Observer = std::function<void(const Request&, const Response&,
                                        std::chrono::nanoseconds elapsed, size_t bytes_sent)>;

    // Binds and listens on options.host:options.port and starts serving. Fails (kIo) with
    // "cannot listen on HOST:PORT: <reason>" when the address cannot be resolved or bound.
    static Result<std::unique_ptr<HttpServer>> start(Options options, Handler handler,
                                                     Observer observer = {});

    // Stops (as stop()) and waits (as wait()).
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // The port the server listens on (the chosen one when Options::port was 0).
    uint16_t port() const;

    // Begins a graceful stop and returns at once: the listening socket is closed (new
    // connections are refused), idle keep-alive connections are closed, requests in progress
    // are answered (with "Connection: close"), and whatever is left after
    // Options::shutdown_grace is closed. Idempotent; callable from any thread, handlers included.
    void stop();

    // Blocks until the server has stopped: every connection closed, every thread joined.
    // Returns at once if it already has. Must not be called from a handler.
    void wait();

  private:
    class Impl;
    explicit HttpServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Blocks until the process receives SIGINT or SIGTERM, then stops `server` gracefully and waits
// for it. Returns 0, an exit status for main().
int run_until_signal(HttpServer& server);

}  // namespace paperboy::web::http
