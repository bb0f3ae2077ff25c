// A flood of log-ins while other visitors use the site: passwords are checked on a pool of a few
// threads that admits a bounded number of requests (app/auth/password_pool.h); the rest are
// refused at once with 503 and Retry-After, and requests that need no password are answered all
// along — through Site::handle() from many threads, and through a real HTTP server on loopback
// with the thread count `paperboy serve` gives it.
//
// The pool's one worker is held at a gate until the test opens it, so "during the flood" is a
// state the test sets up, not a moment it hopes to hit; waits have generous guards against a
// hang and assert nothing about time.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/search_service.h"
#include "store/store.h"
#include "support/gate.h"
#include "support/http_client.h"
#include "support/temp_dir.h"
#include "web/http/server.h"
#include "web/site.h"
#include "web/site_browser.h"

namespace paperboy::web {
namespace {

using namespace std::chrono_literals;
using site_browser::Browser;
using site_browser::csrf_field;
using site_browser::form_body;

constexpr unsigned kMaxPending = 2;
constexpr int kFlood = 8;

using paperboy::testing::Gate;

// Counts answers, and waits for a number of them.
class Answers {
  public:
    void add() {
        std::lock_guard lock(mu_);
        ++count_;
        cv_.notify_all();
    }
    // Whether `n` answers came; waits at most a minute (a guard against a hang).
    bool reached(int n) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, 60s, [&] { return count_ >= n; });
    }

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    int count_ = 0;
};

class LoginFloodTest : public site_browser::SiteBrowsing {
  protected:
    Site& site() override { return *site_; }

    void SetUp() override {
        auto opened = store::open_store(dir_.file("papers.db"));
        ASSERT_TRUE(opened.ok()) << opened.error().message();
        store_ = std::move(opened).value();
        auto search = app::SearchService::open(*store_);
        ASSERT_TRUE(search.ok()) << search.error().message();
        search_ = std::move(search).value();
        SiteOptions options;
        options.api_rate = 0;
        options.search_rate = 0;
        options.password_hashing.workers = 1;
        options.password_hashing.max_pending = kMaxPending;
        options.password_hashing.before_job = [this] { gate_.pass(); };
        site_ = std::make_unique<Site>(app::Instance(*store_), *search_, options);
    }

    void TearDown() override { gate_.open(); }

    // The body of a wrong log-in as `handle`, with the form token of `browser`'s log-in page.
    std::string wrong_log_in(Browser& browser, const std::string& handle) {
        const http::Response page = get(browser, "/login");
        EXPECT_EQ(page.status, 200);
        return form_body({{"csrf", csrf_field(page.body, "/login")},
                          {"handle", handle},
                          {"password", "not the password"},
                          {"next", "/"}});
    }

    Gate gate_;
    testing::TempDir dir_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<app::SearchService> search_;
    std::unique_ptr<Site> site_;
};

TEST_F(LoginFloodTest, PastTheBoundLogInsAre503AndEveryOtherPageIsStillAnswered) {
    Browser attacker;
    const std::string body = wrong_log_in(attacker, "victim");
    const std::string cookie = attacker.cookie_header();

    // Eight wrong log-ins at once, from eight addresses: the pool takes two (held at the gate),
    // the six others are refused at once.
    Answers answers;
    std::vector<std::future<http::Response>> flood;
    for (int i = 0; i < kFlood; ++i) {
        flood.push_back(std::async(std::launch::async, [&, i] {
            http::Response r = send("POST", "/login",
                                    {{"Cookie", cookie},
                                     {"Origin", site_browser::kOrigin},
                                     {"Content-Type", "application/x-www-form-urlencoded"}},
                                    body, "198.51.100." + std::to_string(i));
            answers.add();
            return r;
        }));
    }
    ASSERT_TRUE(gate_.arrived(1));
    ASSERT_TRUE(answers.reached(kFlood - static_cast<int>(kMaxPending)));

    // Meanwhile: the health check, pages, and a log-in form are answered; one more log-in is
    // refused at once.
    EXPECT_EQ(send("GET", "/healthz").status, 200);
    EXPECT_EQ(send("GET", "/").status, 200);
    Browser owner;
    const std::string owner_body = wrong_log_in(owner, "owner");
    const http::Response refused = send("POST", "/login",
                                        {{"Cookie", owner.cookie_header()},
                                         {"Origin", site_browser::kOrigin},
                                         {"Content-Type", "application/x-www-form-urlencoded"}},
                                        owner_body, "192.0.2.99");
    EXPECT_EQ(refused.status, 503);
    EXPECT_EQ(refused.header("Retry-After").value_or(""), "1");
    EXPECT_NE(refused.body.find("Try again in a moment"), std::string::npos);
    EXPECT_NE(refused.body.find(R"(name="password")"), std::string::npos) << "the form again";

    gate_.open();
    int wrong = 0;
    int busy = 0;
    for (auto& request : flood) {
        const http::Response r = request.get();
        if (r.status == 401) ++wrong;
        if (r.status == 503) {
            ++busy;
            EXPECT_EQ(r.header("Retry-After").value_or(""), "1");
        }
    }
    EXPECT_EQ(wrong, static_cast<int>(kMaxPending));
    EXPECT_EQ(busy, kFlood - static_cast<int>(kMaxPending));

    // The refusals counted as no failure: the pool has room again, and the owner's address and
    // the flood's can log in (wrongly, still: 401, not 429).
    EXPECT_EQ(send("POST", "/login",
                   {{"Cookie", owner.cookie_header()},
                    {"Origin", site_browser::kOrigin},
                    {"Content-Type", "application/x-www-form-urlencoded"}},
                   owner_body, "192.0.2.99")
                  .status,
              401);
}

// A sign-up is hashed on the same pool: refused the same way when it is full.
TEST_F(LoginFloodTest, ASignUpWhileThePoolIsFullIs503) {
    Browser attacker;
    const std::string body = wrong_log_in(attacker, "victim");
    // One more log-in than the pool takes: once one is refused, the pool is full.
    Answers answers;
    std::vector<std::future<http::Response>> flood;
    for (unsigned i = 0; i <= kMaxPending; ++i) {
        flood.push_back(std::async(std::launch::async, [&, i] {
            http::Response r = send("POST", "/login",
                                    {{"Cookie", attacker.cookie_header()},
                                     {"Origin", site_browser::kOrigin},
                                     {"Content-Type", "application/x-www-form-urlencoded"}},
                                    body, "198.51.100." + std::to_string(i));
            answers.add();
            return r;
        }));
    }
    ASSERT_TRUE(answers.reached(1));
    Browser ada;
    const http::Response form = get(ada, "/signup");
    const http::Response r = post(ada, "/signup",
                                  {{"csrf", csrf_field(form.body, "/signup")},
                                   {"handle", "ada"},
                                   {"email", "ada@example.org"},
                                   {"password", site_browser::kPassword},
                                   {"password_again", site_browser::kPassword}});
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.header("Retry-After").value_or(""), "1");
    EXPECT_NE(r.body.find("try again in a moment"), std::string::npos);
    EXPECT_FALSE(store_->find_user("ada")->has_value());
    gate_.open();
    int wrong = 0;
    for (auto& request : flood) wrong += request.get().status == 401;
    EXPECT_EQ(wrong, static_cast<int>(kMaxPending));
}

// The same over a real server on loopback, set up as `paperboy serve` sets it up: one io thread
// for everything (--threads 1), and the requests that wait for the pool on threads of their
// own, one for each request the pool may hold and one that turns the others away.
TEST_F(LoginFloodTest, OverLoopbackTheServerAnswersOthersWhileTheFloodWaits) {
    http::HttpServer::Options options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    options.blocking_threads =
        app::auth::resolved(site_->options().password_hashing).max_pending + 1;
    options.may_block = [](const http::Request& r) { return Site::waits_for_password_hashing(r); };
    auto server = http::HttpServer::start(
        options, [this](const http::Request& request) { return site_->handle(request); });
    ASSERT_TRUE(server.ok()) << server.error().message();
    const uint16_t port = (*server)->port();

    auto get_page = [port](const std::string& target) {
        paperboy::testing::RawHttpClient client(port, 60s);
        return client.request("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    };
    auto page = get_page("/login");
    ASSERT_TRUE(page && page->status == 200);
    const std::string set_cookie = page->header("Set-Cookie");
    const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
    const std::string csrf = csrf_field(page->body, "/login");
    // From one address (loopback) to eight accounts: no throttle stops them before the pool.
    auto login = [&](int i) {
        const std::string body = form_body({{"csrf", csrf},
                                            {"handle", "victim" + std::to_string(i)},
                                            {"password", "not the password"}});
        return "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + cookie +
               "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    };

    Answers answers;
    std::vector<std::future<int>> flood;
    for (int i = 0; i < kFlood; ++i) {
        flood.push_back(std::async(std::launch::async, [&, i] {
            paperboy::testing::RawHttpClient client(port, 60s);
            auto reply = client.request(login(i));
            answers.add();
            if (!reply) return 0;
            if (reply->status == 503) {
                EXPECT_EQ(reply->header("Retry-After"), "1");
            }
            return reply->status;
        }));
    }
    ASSERT_TRUE(gate_.arrived(1));
    ASSERT_TRUE(answers.reached(kFlood - static_cast<int>(kMaxPending)));
    // Two blocking threads wait for the pool; the one io thread answers everyone else.
    for (const char* target : {"/healthz", "/", "/login"}) {
        auto reply = get_page(target);
        ASSERT_TRUE(reply.has_value()) << target;
        EXPECT_EQ(reply->status, 200) << target;
    }
    gate_.open();
    int wrong = 0;
    int busy = 0;
    for (auto& request : flood) {
        const int status = request.get();
        wrong += status == 401;
        busy += status == 503;
    }
    EXPECT_EQ(wrong, static_cast<int>(kMaxPending));
    EXPECT_EQ(busy, kFlood - static_cast<int>(kMaxPending));
}

}  // namespace
}  // namespace paperboy::web
