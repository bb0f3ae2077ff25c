#include "store/postgres/listener.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace paperboy::store::postgres {
namespace {

constexpr std::chrono::milliseconds kMinBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{2000};

}  // namespace

ChangeListener::ChangeListener(ConnectSettings settings, std::string name)
    : settings_(std::move(settings)), name_(std::move(name)) {
    if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) wake_[0] = wake_[1] = -1;
    thread_ = std::thread([this] { run(); });
}

ChangeListener::~ChangeListener() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    changed_.notify_all();
    if (wake_[1] >= 0) (void)!write(wake_[1], "x", 1);
    thread_.join();
    for (int fd : wake_) {
        if (fd >= 0) close(fd);
    }
}

ChangeListener::State ChangeListener::state() {
    std::lock_guard lock(mu_);
    return state_;
}

ChangeListener::State ChangeListener::wait(uint64_t seen,
                                           std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mu_);
    changed_.wait_until(lock, until, [&] { return state_.generation != seen || stop_; });
    return state_;
}

void ChangeListener::bump(bool listening, int64_t top) {
    {
        std::lock_guard lock(mu_);
        ++state_.generation;
        state_.listening = listening;
        state_.top = std::max(state_.top, top);
    }
    changed_.notify_all();
}

void ChangeListener::run() {
    std::chrono::milliseconds backoff{0};
    for (;;) {
        {
            std::unique_lock lock(mu_);
            if (stop_) return;
            // Between attempts; the destructor's notify ends the wait at once.
            if (backoff.count() > 0) {
                changed_.wait_for(lock, backoff, [&] { return stop_; });
                if (stop_) return;
            }
        }
        auto conn = Connection::open(settings_, name_);
        if (!conn.ok() || !(*conn)->run(Query::kListen).ok()) {
            backoff = std::clamp(backoff * 2, kMinBackoff, kMaxBackoff);
            continue;
        }
        backoff = std::chrono::milliseconds(0);
        bump(true, 0);  // listening now; anything sent before was missed
        listen_on(**conn);
        bump(false, 0);
        backoff = kMinBackoff;
    }
}

void ChangeListener::listen_on(Connection& conn) {
    PGconn* pg = conn.raw();
    for (;;) {
        {
            std::lock_guard lock(mu_);
            if (stop_) return;
        }
        pollfd fds[2] = {{PQsocket(pg), POLLIN, 0}, {wake_[0], POLLIN, 0}};
        // The timeout only bounds how long a stop request can go unnoticed without the pipe.
        const int ready = poll(fds, wake_[0] >= 0 ? 2 : 1, 1000);
        if (ready < 0) continue;  // EINTR
        if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP)) == 0) continue;
        if (PQconsumeInput(pg) == 0 || PQstatus(pg) != CONNECTION_OK) return;
        int64_t top = 0;
        bool notified = false;
        while (PGnotify* n = PQnotifies(pg)) {
            int64_t value = 0;
            const char* payload = n->extra != nullptr ? n->extra : "";
            std::from_chars(payload, payload + std::strlen(payload), value);
            top = std::max(top, value);
            notified = true;
            PQfreemem(n);
        }
        if (notified) bump(true, top);
    }
}

}  // namespace paperboy::store::postgres
