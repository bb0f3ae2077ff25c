// The server over Boost.Beast: one acceptor and one Session per connection, on one io_context
// run by Options::threads threads. A session lives on its own strand and goes round
//   read the head -> read the body -> call the handler -> write the response -> wait (idle)
// until one side closes; every network wait in that loop has a deadline (tcp_stream's
// expires_after), so a slow or silent client cannot keep a connection forever.
#include "web/http/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <climits>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "web/http/gzip.h"
#include "web/http/response_head.h"

namespace paperboy::web::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// How much a connection reads at once while it waits for its next request or drains.
constexpr size_t kReadChunk = 4096;
// After refusing a request the client may still be sending it (a body over the limit). Closing a
// socket with unread data makes the kernel reset the connection, which can destroy the refusal
// before the client reads it; so the server half-closes and drains for a while first.
constexpr std::chrono::seconds kLingerTime{2};
// A failed accept (typically EMFILE: out of descriptors) is retried after a pause; retrying at
// once would spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// Connections taken from the backlog at once, after the one an accept completed with.
constexpr size_t kAcceptBatch = 256;

// A parse error of the request itself, as opposed to the peer leaving in the middle of one.
bool is_malformed(const beast::error_code& ec) {
    static const beast::error_code kParseError = bhttp::error::bad_method;
    return ec.category() == kParseError.category() && ec != bhttp::error::end_of_stream &&
           ec != bhttp::error::partial_message;
}

void log_error(const Request& request, std::string_view what) {
    std::fprintf(stderr, "paperboy: %s %s: %.*s\n", request.method.c_str(), request.target.c_str(),
                 static_cast<int>(what.size()), what.data());
}

}  // namespace

class HttpServer::Impl {
  public:
    class Session;

    Impl(Options options, Handler handler, Observer observer)
        : options_(std::move(options)),
          handler_(std::move(handler)),
          observer_(std::move(observer)),
          acceptor_(ioc_),
          accept_retry_(ioc_),
          grace_timer_(ioc_) {}

    Status listen();
    void run();
    void stop();
    void wait();
    uint16_t port() const { return port_; }

    // For sessions.
    const Options& options() const { return options_; }
    bool stopping() const { return stopping_; }
    Response handle(const Request& request);
    void observe(const Request& request, const Response& response, std::chrono::nanoseconds elapsed,
                 size_t bytes_sent);
    void forget(uint64_t session_id);

  private:
    void accept();  // with mutex_ held
    void on_accept(const beast::error_code& ec, tcp::socket socket);
    void close_all();
    std::vector<std::shared_ptr<Session>> live_sessions();  // with mutex_ held

    const Options options_;
    const Handler handler_;
    const Observer observer_;
    asio::io_context ioc_;
    uint16_t port_ = 0;
    std::atomic<bool> stopping_ = false;

    std::mutex mutex_;  // guards the acceptor, the timers and the session table
    tcp::acceptor acceptor_;
    asio::steady_timer accept_retry_;
    asio::steady_timer grace_timer_;
    std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions_;
    uint64_t next_session_id_ = 0;

    std::mutex join_mutex_;  // serialises wait()
    std::vector<std::thread> threads_;
};

class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
  public:
    Session(Impl& server, tcp::socket socket, uint64_t id)
        : server_(server), stream_(std::move(socket)), id_(id) {
        beast::error_code ec;
        remote_address_ = stream_.socket().remote_endpoint(ec).address().to_string();
        stream_.socket().set_option(tcp::no_delay(true), ec);
    }
    ~Session() { server_.forget(id_); }

    void start() {
        asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_head(); });
    }
    // The server is stopping: close the connection unless it is in the middle of a request.
    void on_server_stop() {
        asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close_if_idle(); });
    }
    void close_now() {
        asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
    }

  private:
    enum class Phase { kIdle, kReadingHead, kBusy, kLingering, kClosed };

    void await_request();
    void read_head();
    void on_head(const beast::error_code& ec);
    void send_continue();
    void read_body();
    void on_read_error(const beast::error_code& ec);
    void dispatch();
    void refuse(int status, std::string_view message);
    void respond(Response response, bool keep_alive);
    void on_written(const beast::error_code& ec, size_t bytes_sent);
    void linger();
    void drain();
    void close_if_idle();
    void close();

    Impl& server_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    const uint64_t id_;
    std::string remote_address_;
    Phase phase_ = Phase::kReadingHead;

    // The exchange in progress.
    Request request_;
    Response response_;
    std::string response_head_;
    int version_ = 11;
    bool is_head_ = false;
    bool keep_alive_ = false;
    bool refused_ = false;  // the server answered without reading the whole request
    Clock::time_point started_;
};

// --- Session ---------------------------------------------------------------------------------

void HttpServer::Impl::Session::await_request() {
    if (server_.stopping()) return close();
    if (buffer_.size() > 0) return read_head();  // the client sent its next request already
    phase_ = Phase::kIdle;
    stream_.expires_after(server_.options().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                                if (ec) return self->close();
                                self->buffer_.commit(n);
                                self->read_head();
                            });
}

void HttpServer::Impl::Session::read_head() {
    const Options& options = server_.options();
    phase_ = Phase::kReadingHead;
    parser_.emplace();
    parser_->header_limit(
        static_cast<uint32_t>(std::min<size_t>(options.max_header_bytes, UINT_MAX)));
    parser_->body_limit(options.max_body_bytes);
    stream_.expires_after(options.header_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_head(ec); });
}

void HttpServer::Impl::Session::on_head(const beast::error_code& ec) {
    started_ = Clock::now();
    // Whatever the parser got, even of a request it then refused, goes to the observer.
    const auto& head = parser_->get();
    request_ = Request{};
    request_.remote_address = remote_address_;
    request_.method = head.method_string();
    request_.target = head.target();
    for (const auto& field : head)
        request_.headers.emplace_back(field.name_string(), field.value());
    version_ = head.version() == 10 ? 10 : 11;
    is_head_ = head.method() == bhttp::verb::head;
    refused_ = false;
    if (ec) return on_read_error(ec);

    if (request_.target.size() > server_.options().max_target_bytes) {
        return refuse(414, "URI Too Long");
    }
    if (!decode_target(request_)) return refuse(400, "Bad Request: malformed request target");
    phase_ = Phase::kBusy;
    if (parser_->is_done()) return dispatch();
    if (version_ == 11 && equals_ignore_case(head[bhttp::field::expect], "100-continue")) {
        return send_continue();
    }
    read_body();
}

void HttpServer::Impl::Session::send_continue() {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(server_.options().write_timeout);
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                          if (ec) return self->close();
                          self->read_body();
                      });
}

void HttpServer::Impl::Session::read_body() {
    stream_.expires_after(server_.options().body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                          if (ec) return self->on_read_error(ec);
                          self->request_.body = std::move(self->parser_->get().body());
                          self->dispatch();
                      });
}

void HttpServer::Impl::Session::on_read_error(const beast::error_code& ec) {
    if (ec == bhttp::error::header_limit) {
        // An unfinished request line (no target parsed) overflowed the limit on its own.
        bool target_too_long =
            request_.target.empty() || request_.target.size() > server_.options().max_target_bytes;
        return target_too_long ? refuse(414, "URI Too Long")
                               : refuse(431, "Request Header Fields Too Large");
    }
    if (ec == bhttp::error::body_limit) return refuse(413, "Payload Too Large");
    if (is_malformed(ec)) return refuse(400, "Bad Request");
    close();  // the peer left or was too slow, or the server is stopping
}

void HttpServer::Impl::Session::dispatch() {
    // HEAD is answered by the GET handler; respond() leaves the body out.
    if (is_head_) request_.method = "GET";
    Response response = server_.handle(request_);
    if (is_head_) request_.method = "HEAD";
    negotiate_gzip(request_, response);
    respond(std::move(response), parser_->get().keep_alive());
}

void HttpServer::Impl::Session::refuse(int status, std::string_view message) {
    refused_ = true;
    const auto& shape = server_.options().refusal;
    Response response;
    try {
        response = shape ? shape(status, message, request_)
                         : Response::text(status, std::string(message) + "\n");
    } catch (const std::exception&) {
        response = Response::text(status, std::string(message) + "\n");
    }
    response.status = status;
    respond(std::move(response), /*keep_alive=*/false);
}

void HttpServer::Impl::Session::respond(Response response, bool keep_alive) {
    phase_ = Phase::kBusy;
    keep_alive_ = keep_alive && !server_.stopping();
    response_ = std::move(response);
    response_head_ = response_head(
        response_, bhttp::obsolete_reason(static_cast<bhttp::status>(response_.status)), version_,
        keep_alive_, http_date(std::chrono::system_clock::now()));
    bool send_body = !is_head_ && status_has_body(response_.status);
    std::array<asio::const_buffer, 2> buffers = {
        asio::buffer(response_head_),
        send_body ? asio::buffer(response_.body) : asio::const_buffer()};
    stream_.expires_after(server_.options().write_timeout);
    asio::async_write(stream_, buffers,
                      [self = shared_from_this()](beast::error_code ec, size_t bytes_sent) {
                          self->on_written(ec, bytes_sent);
                      });
}

void HttpServer::Impl::Session::on_written(const beast::error_code& ec, size_t bytes_sent) {
    server_.observe(request_, response_, Clock::now() - started_, bytes_sent);
    if (ec) return close();
    if (keep_alive_) return await_request();
    if (refused_) return linger();
    close();
}

void HttpServer::Impl::Session::linger() {
    phase_ = Phase::kLingering;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTime);
    buffer_.clear();
    drain();
}

void HttpServer::Impl::Session::drain() {
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                                if (ec) return self->close();  // the client closed, or time is up
                                self->drain();
                            });
}

void HttpServer::Impl::Session::close_if_idle() {
    // A connection between requests has nothing to finish. One whose request has begun to arrive
    // is answered, with "Connection: close" since the server is stopping.
    bool nothing_received =
        phase_ == Phase::kReadingHead && buffer_.size() == 0 && !(parser_ && parser_->got_some());
    if (phase_ == Phase::kIdle || phase_ == Phase::kLingering || nothing_received) close();
}

void HttpServer::Impl::Session::close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    // Cancels whatever is pending; its completion handler sees an error and ends the session.
    stream_.close();
}

// --- Impl ------------------------------------------------------------------------------------

Status HttpServer::Impl::listen() {
    const std::string& host = options_.host;
    std::string where = (host.find(':') == std::string::npos ? host : "[" + host + "]") + ":" +
                        std::to_string(options_.port);
    auto fail = [&](const beast::error_code& ec) {
        return Error(ErrorCode::kIo, "cannot listen on " + where + ": " + ec.message());
    };
    beast::error_code ec;
    tcp::resolver resolver(ioc_);
    auto endpoints = resolver.resolve(host, std::to_string(options_.port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec) return fail(ec);
    tcp::endpoint endpoint = endpoints.begin()->endpoint();
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) return fail(ec);
    // A restarted server can bind at once instead of waiting out the old connections' TIME_WAIT.
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) return fail(ec);
    acceptor_.bind(endpoint, ec);
    if (ec) return fail(ec);
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail(ec);
    // on_accept() drains the backlog with accepts that must not wait.
    acceptor_.non_blocking(true, ec);
    if (ec) return fail(ec);
    port_ = acceptor_.local_endpoint(ec).port();
    if (ec) return fail(ec);
    return Status();
}

void HttpServer::Impl::run() {
    {
        std::lock_guard lock(mutex_);
        accept();
    }
    unsigned threads =
        options_.threads > 0 ? options_.threads : std::max(1U, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
}

void HttpServer::Impl::accept() {
    acceptor_.async_accept(
        asio::make_strand(ioc_),
        [this](beast::error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
}

void HttpServer::Impl::on_accept(const beast::error_code& ec, tcp::socket socket) {
    std::vector<std::shared_ptr<Session>> accepted;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        if (ec) {
            std::fprintf(stderr, "paperboy: accept failed: %s\n", ec.message().c_str());
            accept_retry_.expires_after(kAcceptRetryDelay);
            accept_retry_.async_wait([this](beast::error_code retry_ec) {
                std::lock_guard relock(mutex_);
                if (!retry_ec && !stopping_) accept();
            });
            return;
        }
        const auto add = [&](tcp::socket connection) {
            auto session =
                std::make_shared<Session>(*this, std::move(connection), next_session_id_);
            sessions_.emplace(next_session_id_++, session);
            accepted.push_back(std::move(session));
        };
        // Over the limit, the socket is closed as it goes out of scope.
        if (sessions_.size() < options_.max_connections) add(std::move(socket));
        // The rest of the backlog is taken now (what nginx calls multi_accept): one connection
        // per round of the io queue would leave the last of a burst of new clients waiting
        // behind many rounds of the others' requests (hundreds of ms at 64 busy connections).
        for (size_t n = 0; n < kAcceptBatch && sessions_.size() < options_.max_connections; ++n) {
            tcp::socket next(asio::make_strand(ioc_));
            beast::error_code accept_ec;
            acceptor_.accept(next, accept_ec);
            // would_block: the backlog is empty. Other errors: the async_accept below meets
            // them again and reports them.
            if (accept_ec) break;
            add(std::move(next));
        }
        accept();
    }
    for (const auto& session : accepted) session->start();
}

void HttpServer::Impl::stop() {
    std::vector<std::shared_ptr<Session>> sessions;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
        // Closed here rather than on an io thread, so that connections are refused from the
        // moment stop() returns even when every io thread is busy in a handler.
        beast::error_code ignored;
        acceptor_.close(ignored);
        accept_retry_.cancel();
        grace_timer_.expires_after(options_.shutdown_grace);
        grace_timer_.async_wait([this](beast::error_code ec) {
            if (!ec) close_all();
        });
        if (sessions_.empty()) grace_timer_.cancel();
        sessions = live_sessions();
    }
    // Outside the lock: dropping the last reference to a session runs its destructor, which
    // takes the lock.
    for (const auto& session : sessions) session->on_server_stop();
}

void HttpServer::Impl::close_all() {
    std::vector<std::shared_ptr<Session>> sessions;
    {
        std::lock_guard lock(mutex_);
        sessions = live_sessions();
    }
    for (const auto& session : sessions) session->close_now();
}

std::vector<std::shared_ptr<HttpServer::Impl::Session>> HttpServer::Impl::live_sessions() {
    std::vector<std::shared_ptr<Session>> live;
    for (const auto& [id, weak] : sessions_) {
        if (auto session = weak.lock()) live.push_back(std::move(session));
    }
    return live;
}

void HttpServer::Impl::forget(uint64_t session_id) {
    std::lock_guard lock(mutex_);
    sessions_.erase(session_id);
    // The grace timer is the last thing keeping the io threads running.
    if (stopping_ && sessions_.empty()) grace_timer_.cancel();
}

void HttpServer::Impl::wait() {
    std::lock_guard lock(join_mutex_);
    for (auto& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
}

Response HttpServer::Impl::handle(const Request& request) {
    try {
        Response response = handler_(request);
        std::string_view defect = response_defect(response);
        if (defect.empty()) return response;
        log_error(request, "handler returned an invalid response: " + std::string(defect));
    } catch (const std::exception& e) {
        log_error(request, e.what());
    } catch (...) {
        log_error(request, "unknown exception");
    }
    return Response::text(500, "Internal Server Error\n");
}

void HttpServer::Impl::observe(const Request& request, const Response& response,
                               std::chrono::nanoseconds elapsed, size_t bytes_sent) {
    if (!observer_) return;
    // An exception escaping to the io_context would end the process.
    try {
        observer_(request, response, elapsed, bytes_sent);
    } catch (const std::exception& e) {
        log_error(request, std::string("observer failed: ") + e.what());
    }
}

// --- HttpServer ------------------------------------------------------------------------------

Result<std::unique_ptr<HttpServer>> HttpServer::start(Options options, Handler handler,
                                                      Observer observer) {
    auto impl = std::make_unique<Impl>(std::move(options), std::move(handler), std::move(observer));
    Status listening = impl->listen();
    if (!listening.ok()) return listening.error();
    impl->run();
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
    impl_->stop();
    impl_->wait();
}

uint16_t HttpServer::port() const { return impl_->port(); }

void HttpServer::stop() { impl_->stop(); }

void HttpServer::wait() { impl_->wait(); }

int run_until_signal(HttpServer& server) {
    asio::io_context ioc;
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&server](const beast::error_code& ec, int) {
        if (!ec) server.stop();
    });
    ioc.run();
    server.wait();
    return 0;
}

}  // namespace paperboy::web::http
