// tests/support/http_client.h — a small blocking HTTP/1.x client over a raw socket, for tests
// of the HTTP server.
//
// It sends exactly the bytes a test gives it (so malformed and partial requests are possible)
// and reads responses framed by Content-Length (or by the end of the connection). Every wait has
// a deadline, so a test against a misbehaving server fails instead of hanging.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paperboy::testing {

struct HttpReply {
    std::string version;  // "HTTP/1.1"
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    // The value of the first header called `name` (ASCII case-insensitive), or "".
    std::string header(std::string_view name) const {
        for (const auto& [key, value] : headers) {
            if (key.size() == name.size() &&
                std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
                    return std::tolower(static_cast<unsigned char>(a)) ==
                           std::tolower(static_cast<unsigned char>(b));
                })) {
                return value;
            }
        }
        return "";
    }
    bool has_header(std::string_view name) const { return !header(name).empty(); }
};

class RawHttpClient {
  public:
    // Connects to 127.0.0.1:port; connected() says whether that worked.
    explicit RawHttpClient(uint16_t port,
                           std::chrono::milliseconds timeout = std::chrono::seconds(10))
        : RawHttpClient(port, nullptr, timeout) {}
    // Connects to 127.0.0.1:port from `source`, another IPv4 loopback address such as
    // "127.0.0.2" (on Linux all of 127/8 is loopback): a second client, as the server sees it.
    RawHttpClient(uint16_t port, const char* source,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10))
        : timeout_(timeout) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (source != nullptr) {
            sockaddr_in from{};
            from.sin_family = AF_INET;
            if (::inet_pton(AF_INET, source, &from.sin_addr) != 1 ||
                ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
                close();
                return;
            }
        }
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) close();
    }
    ~RawHttpClient() { close(); }
    RawHttpClient(const RawHttpClient&) = delete;
    RawHttpClient& operator=(const RawHttpClient&) = delete;

    bool connected() const { return fd_ >= 0; }

    // Sends all of `bytes`; false when the connection is gone.
    bool send(std::string_view bytes) {
        while (!bytes.empty() && fd_ >= 0) {
            ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<size_t>(n));
        }
        return bytes.empty();
    }

    // Reads one response (a 1xx interim response counts as one). `head_only`: the response to a
    // HEAD, whose Content-Length describes a body that is not sent. nullopt when the connection
    // ended or the deadline passed before a whole response arrived.
    std::optional<HttpReply> read_response(bool head_only = false) {
        auto deadline = Clock::now() + timeout_;
        size_t end_of_head;
        while ((end_of_head = buffer_.find("\r\n\r\n")) == std::string::npos) {
            if (!receive(deadline)) return std::nullopt;
        }
        HttpReply reply;
        if (!parse_head(std::string_view(buffer_).substr(0, end_of_head), reply)) {
            return std::nullopt;
        }
        buffer_.erase(0, end_of_head + 4);
        std::string length = reply.header("Content-Length");
        bool bodiless =
            head_only || reply.status < 200 || reply.status == 204 || reply.status == 304;
        if (bodiless) return reply;
        if (length.empty()) {  // the body runs to the end of the connection
            while (receive(deadline)) {
            }
            if (!closed_) return std::nullopt;
            reply.body = std::move(buffer_);
            buffer_.clear();
            return reply;
        }
        size_t size = std::stoul(length);
        while (buffer_.size() < size) {
            if (!receive(deadline)) return std::nullopt;
        }
        reply.body = buffer_.substr(0, size);
        buffer_.erase(0, size);
        return reply;
    }

    // Sends `raw` and reads the response.
    std::optional<HttpReply> request(std::string_view raw, bool head_only = false) {
        if (!send(raw)) return std::nullopt;
        return read_response(head_only);
    }

    // Whether the server closes the connection (end of stream or reset) within `timeout`,
    // discarding whatever arrives meanwhile.
    bool wait_closed(std::chrono::milliseconds timeout) {
        auto deadline = Clock::now() + timeout;
        while (receive(deadline)) buffer_.clear();
        return closed_;
    }

    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

  private:
    using Clock = std::chrono::steady_clock;

    // Appends what arrives before `deadline` to buffer_. False at the deadline or when the
    // connection has ended (closed_ then says so).
    bool receive(Clock::time_point deadline) {
        if (fd_ < 0 || closed_) return false;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        pollfd pfd{fd_, POLLIN, 0};
        int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) return true;
        if (ready <= 0) return false;
        char chunk[16384];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) return true;
        if (n <= 0) {
            closed_ = true;
            return false;
        }
        buffer_.append(chunk, static_cast<size_t>(n));
        return true;
    }

    static bool parse_head(std::string_view head, HttpReply& reply) {
        size_t line_end = head.find("\r\n");
        std::string_view status_line = head.substr(0, line_end);
        if (status_line.size() < 12) return false;
        reply.version = std::string(status_line.substr(0, 8));
        reply.status = std::stoi(std::string(status_line.substr(9, 3)));
        while (line_end != std::string_view::npos) {
            head.remove_prefix(line_end + 2);
            line_end = head.find("\r\n");
            std::string_view line = head.substr(0, line_end);
            size_t colon = line.find(':');
            if (colon == std::string_view::npos) return false;
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            reply.headers.emplace_back(line.substr(0, colon), value);
        }
        return true;
    }

    int fd_ = -1;
    std::chrono::milliseconds timeout_;
    std::string buffer_;
    bool closed_ = false;
};

}  // namespace paperboy::testing
