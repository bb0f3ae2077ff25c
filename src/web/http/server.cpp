// The server over Boost.Beast: one acceptor and one Session per connection, on one io_context
// run by Options::threads threads. A session lives on its own strand and goes round
//   read the head -> read the body -> call the handler -> write the response -> wait (idle)
// until one side closes; every network wait in that loop has a deadline (tcp_stream's
// expires_after), so a slow or silent client cannot keep a connection forever.
//
// The accept path (under Impl::mutex_) keeps a table of the connections and of the clients they
// come from, to ration connections per client and to find idle ones to close when a limit is
// reached. Whether a connection is idle is written by its session into its table entry (atomics),
// so that the accept path need not wait for each connection's strand.
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
#include <boost/asio/thread_pool.hpp>
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
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/client_address.h"
#include "web/http/framing.h"
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
// At Options::max_connections, idle connections are closed by batches of this fraction of it,
// so that the next few new clients find room without another search for idle ones.
constexpr size_t kReserveDivisor = 50;
// Refused connections are reported on stderr at most this often: a flood must not flood the log.
constexpr std::chrono::seconds kRefusalReportInterval{60};

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
          reserve_(std::max<size_t>(1, options_.max_connections / kReserveDivisor)),
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
    bool may_block(const Request& request) const {
        return blocking_ != nullptr && options_.may_block(request);
    }
    asio::thread_pool& blocking_pool() { return *blocking_; }
    void observe(const Request& request, const Response& response, std::chrono::nanoseconds elapsed,
                 size_t bytes_sent);
    void forget(uint64_t session_id);
    // The session was asked to close to make room but is busy with a request: it stays.
    void keep(uint64_t session_id);

    // A connection's entry in the session table.
    struct Slot {
        std::weak_ptr<Session> session;
        std::string client;  // client_group() of its peer
        // Written by the session, read by the accept path without its strand.
        std::atomic<bool> idle{true};    // waiting for a request, or lingering after a refusal
        std::atomic<bool> silent{true};  // nothing received yet
        bool evicting = false;           // asked to close to make room
    };

  private:
    // The connections from one client_group().
    struct Client {
        size_t open = 0;              // connections in the table, evicting ones included
        size_t evicting = 0;          // of them, asked to close to make room
        std::set<uint64_t> sessions;  // their ids, oldest first
    };
    static size_t live(const Client& client) { return client.open - client.evicting; }

    // All with mutex_ held.
    void accept();
    // Serves `socket` if there is room for it, else closes it. Sessions to start and sessions
    // asked to close to make room are added to the two lists.
    void admit(tcp::socket socket, std::vector<std::shared_ptr<Session>>& accepted,
               std::vector<std::shared_ptr<Session>>& evicted);
    // Whether a new connection from `client` may be served, after asking idle ones to close
    // to make room for it (added to `evicted`).
    bool make_room(const std::string& client, std::vector<std::shared_ptr<Session>>& evicted);
    // Asks up to `wanted` idle connections of `client` to close, silent ones first, then
    // oldest first; returns how many.
    size_t evict_idle(Client& client, size_t wanted,
                      std::vector<std::shared_ptr<Session>>& evicted);
    void note_refused(const std::string& client, bool over_client_limit);
    std::vector<std::shared_ptr<Session>> live_sessions();

    void on_accept(const beast::error_code& ec, tcp::socket socket);
    void close_all();

    const Options options_;
    const Handler handler_;
    const Observer observer_;
    // Idle connections closed at once at max_connections; also the most that may be waiting to
    // close (to make room) at a time, which bounds the table at max_connections + reserve_.
    const size_t reserve_;
    asio::io_context ioc_;
    uint16_t port_ = 0;
    std::atomic<bool> stopping_ = false;

    std::mutex mutex_;  // guards the acceptor, the timers and the tables below
    tcp::acceptor acceptor_;
    asio::steady_timer accept_retry_;
    asio::steady_timer grace_timer_;
    std::unordered_map<uint64_t, Slot> sessions_;  // nodes stay put: sessions keep a Slot&
    std::unordered_map<std::string, Client> clients_;
    size_t evicting_ = 0;  // slots with `evicting` set
    uint64_t next_session_id_ = 0;
    // Connections refused since the last report on stderr.
    size_t refused_over_client_limit_ = 0;
    size_t refused_full_ = 0;
    std::string last_refused_client_;
    std::optional<Clock::time_point> last_refusal_report_;

    std::mutex join_mutex_;  // serialises wait()
    std::vector<std::thread> threads_;
    // Runs the handlers of requests that may block (Options::may_block); null when there are none.
    std::unique_ptr<asio::thread_pool> blocking_;
};

class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
  public:
    Session(Impl& server, tcp::socket socket, uint64_t id, Slot& slot, std::string remote_address)
        : server_(server),
          stream_(std::move(socket)),
          id_(id),
          slot_(slot),
          remote_address_(std::move(remote_address)) {
        beast::error_code ec;
        stream_.socket().set_option(tcp::no_delay(true), ec);
    }
    ~Session() { server_.forget(id_); }

    void start() {
        asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
            // Asked to close to make room before it began.
            if (self->phase_ == Phase::kClosed) return;
            self->await_request(self->server_.options().first_byte_timeout);
        });
    }
    // The server is stopping: close the connection unless it is in the middle of a request.
    void on_server_stop() {
        asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close_if_idle(); });
    }
    void close_now() {
        asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
    }
    // Room is needed for a new connection: close this one unless a request has begun meanwhile.
    void evict() {
        asio::post(stream_.get_executor(), [self = shared_from_this()] {
            if (self->phase_ == Phase::kIdle || self->phase_ == Phase::kLingering) {
                self->close();
            } else if (self->phase_ != Phase::kClosed) {
                self->server_.keep(self->id_);
            }
        });
    }

  private:
    enum class Phase { kIdle, kReadingHead, kBusy, kLingering, kClosed };

    void set_phase(Phase phase);
    std::string_view buffered() const;
    void await_request(std::chrono::milliseconds timeout);
    void read_head();
    void parse_head();
    void on_head(const beast::error_code& ec);
    void send_continue();
    void read_body();
    void on_read_error(const beast::error_code& ec);
    void dispatch();
    // The handler's response, on the session's strand: sent.
    void answer(Response response);
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
    FoldScanner folds_;  // over the head being read
    const uint64_t id_;
    Slot& slot_;
    const std::string remote_address_;
    Phase phase_ = Phase::kIdle;

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

void HttpServer::Impl::Session::set_phase(Phase phase) {
    phase_ = phase;
    slot_.idle.store(phase == Phase::kIdle || phase == Phase::kLingering,
                     std::memory_order_relaxed);
}

std::string_view HttpServer::Impl::Session::buffered() const {
    const auto data = buffer_.data();
    return {static_cast<const char*>(data.data()), data.size()};
}

// Waits for the first byte of a request: the connection's first (within first_byte_timeout) or
// the next on a kept-alive one (within idle_timeout).
void HttpServer::Impl::Session::await_request(std::chrono::milliseconds timeout) {
    if (server_.stopping()) return close();
    if (buffer_.size() > 0) return read_head();  // the client sent its next request already
    set_phase(Phase::kIdle);
    stream_.expires_after(timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                                if (ec) return self->close();
                                self->slot_.silent.store(false, std::memory_order_relaxed);
                                self->buffer_.commit(n);
                                self->read_head();
                            });
}

void HttpServer::Impl::Session::read_head() {
    const Options& options = server_.options();
    set_phase(Phase::kReadingHead);
    parser_.emplace();
    parser_->header_limit(
        static_cast<uint32_t>(std::min<size_t>(options.max_header_bytes, UINT_MAX)));
    parser_->body_limit(options.max_body_bytes);
    folds_ = FoldScanner();
    folds_.feed(buffered());
    stream_.expires_after(options.header_timeout);
    parse_head();
}

// The head is fed to the parser here rather than by async_read_header so that its raw bytes
// pass the FoldScanner first: the parser unfolds folded lines without a trace.
void HttpServer::Impl::Session::parse_head() {
    beast::error_code ec = bhttp::error::need_more;
    if (buffer_.size() > 0) buffer_.consume(parser_->put(buffer_.data(), ec));
    if (ec != bhttp::error::need_more || folds_.folded()) return on_head(ec);
    stream_.async_read_some(buffer_.prepare(kReadChunk), [self = shared_from_this()](
                                                             beast::error_code read_ec, size_t n) {
        // The peer left or was too slow, or the server is stopping.
        if (read_ec) return self->close();
        self->buffer_.commit(n);
        self->folds_.feed(self->buffered().substr(self->buffer_.size() - n));
        self->parse_head();
    });
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
    if (folds_.folded()) return refuse(400, "Bad Request: obsolete line folding");
    if (ec) return on_read_error(ec);

    if (request_.target.size() > server_.options().max_target_bytes) {
        return refuse(414, "URI Too Long");
    }
    if (const auto defect = check_request_head(version_, request_.headers)) {
        return refuse(defect->status, defect->reason);
    }
    if (!decode_target(request_)) return refuse(400, "Bad Request: malformed request target");
    set_phase(Phase::kBusy);
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
    if (!server_.may_block(request_)) return answer(server_.handle(request_));
    // On the blocking pool: the session has no operation pending meanwhile (it is busy, so it
    // is not evicted), and the work guard keeps the io threads running until the answer is
    // back on the session's strand.
    set_phase(Phase::kBusy);
    asio::post(server_.blocking_pool(), [self = shared_from_this(),
                                         work = asio::make_work_guard(stream_.get_executor())] {
        Response response = self->server_.handle(self->request_);
        asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
            self->answer(std::move(response));
        });
    });
}

void HttpServer::Impl::Session::answer(Response response) {
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
    set_phase(Phase::kBusy);
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
    if (keep_alive_) return await_request(server_.options().idle_timeout);
    if (refused_) return linger();
    close();
}

void HttpServer::Impl::Session::linger() {
    set_phase(Phase::kLingering);
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
    // A connection waiting for a request has nothing to finish. One whose request has begun to
    // arrive is answered, with "Connection: close" since the server is stopping.
    if (phase_ == Phase::kIdle || phase_ == Phase::kLingering) close();
}

void HttpServer::Impl::Session::close() {
    if (phase_ == Phase::kClosed) return;
    set_phase(Phase::kClosed);
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
    if (options_.may_block && options_.blocking_threads > 0) {
        blocking_ = std::make_unique<asio::thread_pool>(options_.blocking_threads);
    }
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
}

void HttpServer::Impl::accept() {
    acceptor_.async_accept(
        asio::make_strand(ioc_),
        [this](beast::error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
}

void HttpServer::Impl::on_accept(const beast::error_code& ec, tcp::socket socket) {
    std::vector<std::shared_ptr<Session>> accepted;
    std::vector<std::shared_ptr<Session>> evicted;
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
        admit(std::move(socket), accepted, evicted);
        // The rest of the backlog is taken now (what nginx calls multi_accept): one connection
        // per round of the io queue would leave the last of a burst of new clients waiting
        // behind many rounds of the others' requests (hundreds of ms at 64 busy connections).
        // Connections there is no room for are taken too, to be closed at once rather than
        // left to wait in the backlog in front of others.
        for (size_t n = 0; n < kAcceptBatch; ++n) {
            tcp::socket next(asio::make_strand(ioc_));
            beast::error_code accept_ec;
            acceptor_.accept(next, accept_ec);
            // would_block: the backlog is empty. Other errors: the async_accept below meets
            // them again and reports them.
            if (accept_ec) break;
            admit(std::move(next), accepted, evicted);
        }
        accept();
    }
    // Outside the lock: dropping the last reference to a session runs its destructor, which
    // takes the lock.
    for (const auto& session : evicted) session->evict();
    for (const auto& session : accepted) session->start();
}

void HttpServer::Impl::admit(tcp::socket socket, std::vector<std::shared_ptr<Session>>& accepted,
                             std::vector<std::shared_ptr<Session>>& evicted) {
    beast::error_code ec;
    const tcp::endpoint peer = socket.remote_endpoint(ec);
    if (ec) return;  // the peer has left already
    std::string client = client_group(peer.address().to_string());
    // Refused, the socket is closed as it goes out of scope.
    if (!make_room(client, evicted)) return;
    const uint64_t id = next_session_id_++;
    Slot& slot = sessions_[id];
    slot.client = client;
    auto session =
        std::make_shared<Session>(*this, std::move(socket), id, slot, peer.address().to_string());
    slot.session = session;
    Client& owner = clients_[client];
    ++owner.open;
    owner.sessions.insert(id);
    accepted.push_back(std::move(session));
}

bool HttpServer::Impl::make_room(const std::string& client,
                                 std::vector<std::shared_ptr<Session>>& evicted) {
    const auto found = clients_.find(client);
    Client* const own = found == clients_.end() ? nullptr : &found->second;
    const size_t limit = options_.max_connections_per_client;
    if (own != nullptr && limit > 0 && live(*own) >= limit) {
        // Its newest connection is likelier in use than its oldest idle one (a browser behind
        // a shared address, a proxy): take the idle one's place, not the newcomer's.
        if (evicting_ >= reserve_ || evict_idle(*own, 1, evicted) == 0) {
            note_refused(client, /*over_client_limit=*/true);
            return false;
        }
    }
    if (sessions_.size() - evicting_ < options_.max_connections) return true;

    // Full. Idle connections are taken from the clients holding more than the newcomer's, or
    // from its own, the biggest holders first: a client that opens connections to hold them
    // pushes out its own, not other clients'.
    const size_t own_live = own == nullptr ? 0 : live(*own);
    std::vector<Client*> holders;
    for (auto& [key, holder] : clients_) {
        if (&holder == own || live(holder) > own_live) holders.push_back(&holder);
    }
    std::sort(holders.begin(), holders.end(), [own](const Client* a, const Client* b) {
        if (live(*a) != live(*b)) return live(*a) > live(*b);
        return a == own && b != own;
    });
    size_t evicted_now = 0;
    for (Client* holder : holders) {
        if (evicting_ >= reserve_) break;
        evicted_now += evict_idle(*holder, reserve_ - evicting_, evicted);
    }
    if (evicted_now == 0) {
        note_refused(client, /*over_client_limit=*/false);
        return false;
    }
    return true;
}

size_t HttpServer::Impl::evict_idle(Client& client, size_t wanted,
                                    std::vector<std::shared_ptr<Session>>& evicted) {
    size_t taken = 0;
    // Silent connections first: a connection that has sent nothing yet is likelier held open
    // on purpose than one between keep-alive requests.
    for (const bool silent_only : {true, false}) {
        for (const uint64_t id : client.sessions) {
            if (taken == wanted) return taken;
            const auto it = sessions_.find(id);
            if (it == sessions_.end()) continue;
            Slot& slot = it->second;
            if (slot.evicting || !slot.idle.load(std::memory_order_relaxed)) continue;
            if (silent_only && !slot.silent.load(std::memory_order_relaxed)) continue;
            auto session = slot.session.lock();
            if (!session) continue;  // its destructor is waiting for the lock
            slot.evicting = true;
            ++client.evicting;
            ++evicting_;
            ++taken;
            evicted.push_back(std::move(session));
        }
    }
    return taken;
}

void HttpServer::Impl::note_refused(const std::string& client, bool over_client_limit) {
    ++(over_client_limit ? refused_over_client_limit_ : refused_full_);
    last_refused_client_ = client;
    const Clock::time_point now = Clock::now();
    if (last_refusal_report_ && now - *last_refusal_report_ < kRefusalReportInterval) return;
    std::string counts;
    if (refused_over_client_limit_ > 0) {
        counts = std::to_string(refused_over_client_limit_) + " over the limit of " +
                 std::to_string(options_.max_connections_per_client) + " per client";
    }
    if (refused_full_ > 0) {
        counts += (counts.empty() ? "" : ", ") + std::to_string(refused_full_) + " with all " +
                  std::to_string(options_.max_connections) + " connections in use";
    }
    std::fprintf(stderr,
                 "paperboy: connections refused (reported at most once a minute): %s; the last "
                 "from %s\n",
                 counts.c_str(), last_refused_client_.c_str());
    refused_over_client_limit_ = 0;
    refused_full_ = 0;
    last_refusal_report_ = now;
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
    std::vector<std::shared_ptr<Session>> sessions;
    for (const auto& [id, slot] : sessions_) {
        if (auto session = slot.session.lock()) sessions.push_back(std::move(session));
    }
    return sessions;
}

void HttpServer::Impl::forget(uint64_t session_id) {
    std::lock_guard lock(mutex_);
    const auto it = sessions_.find(session_id);
    if (it == sessions_.end()) return;
    const Slot& slot = it->second;
    if (const auto owner = clients_.find(slot.client); owner != clients_.end()) {
        --owner->second.open;
        if (slot.evicting) --owner->second.evicting;
        owner->second.sessions.erase(session_id);
        if (owner->second.open == 0) clients_.erase(owner);
    }
    if (slot.evicting) --evicting_;
    sessions_.erase(it);
    // The grace timer is the last thing keeping the io threads running.
    if (stopping_ && sessions_.empty()) grace_timer_.cancel();
}

void HttpServer::Impl::keep(uint64_t session_id) {
    std::lock_guard lock(mutex_);
    const auto it = sessions_.find(session_id);
    if (it == sessions_.end() || !it->second.evicting) return;
    it->second.evicting = false;
    --evicting_;
    if (const auto owner = clients_.find(it->second.client); owner != clients_.end()) {
        --owner->second.evicting;
    }
}

void HttpServer::Impl::wait() {
    std::lock_guard lock(join_mutex_);
    for (auto& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
    // Its jobs held the io threads running until their answers were back: none is left.
    if (blocking_) blocking_->join();
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
