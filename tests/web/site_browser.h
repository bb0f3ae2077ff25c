// tests/web/site_browser.h — the site as a browser sees it, without sockets: requests through
// Site::handle() with a cookie jar, forms posted with the Origin their pages give them, and the
// helpers that read what came back (cookies, redirects, CSRF fields). Shared by the page tests
// that log in and post forms.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "core/url.h"
#include "web/http/message.h"
#include "web/site.h"

namespace paperboy::web::site_browser {

inline constexpr const char* kHost = "papers.test";
inline constexpr const char* kOrigin = "http://papers.test";
inline constexpr const char* kPassword = "correct horse battery staple";
inline constexpr const char* kClientAddress = "192.0.2.7";

using Fields = std::vector<std::pair<std::string, std::string>>;

inline std::string form_body(const Fields& fields) {
    std::string body;
    for (const auto& [name, value] : fields) {
        if (!body.empty()) body += '&';
        body += url_encode(name) + "=" + url_encode(value);
    }
    return body;
}

// The Set-Cookie headers of a response.
inline std::vector<std::string> set_cookies(const http::Response& response) {
    std::vector<std::string> out;
    for (const auto& [name, value] : response.headers) {
        if (http::equals_ignore_case(name, "Set-Cookie")) out.push_back(value);
    }
    return out;
}

// The Set-Cookie header for cookie `name`, or "".
inline std::string set_cookie(const http::Response& response, const std::string& name) {
    for (const std::string& c : set_cookies(response)) {
        if (c.starts_with(name + "=")) return c;
    }
    return "";
}

inline std::string location(const http::Response& response) {
    return std::string(response.header("Location").value_or(""));
}

// The value of the hidden "csrf" field of the page's form that posts to `action`, or the first
// one of the page when `action` is empty; "" when there is none.
inline std::string csrf_field(const std::string& body, const std::string& action = "") {
    size_t begin = 0;
    size_t end = body.size();
    if (!action.empty()) {
        begin = body.find("action=\"" + action + "\"");
        if (begin == std::string::npos) return "";
        end = body.find("</form>", begin);
        if (end == std::string::npos) end = body.size();
    }
    std::smatch m;
    const std::string part = body.substr(begin, end - begin);
    if (!std::regex_search(part, m, std::regex(R"re(name="csrf" value="([^"]*)")re"))) return "";
    return m[1];
}

// A browser: keeps the cookies the site sets (and forgets those it expires) and sends them
// back, from one client address.
struct Browser {
    std::map<std::string, std::string> cookies;
    std::string address = kClientAddress;

    void take(const http::Response& response) {
        for (const std::string& c : set_cookies(response)) {
            const size_t eq = c.find('=');
            const size_t semi = c.find(';');
            const std::string name = c.substr(0, eq);
            if (c.find("Max-Age=0") != std::string::npos) {
                cookies.erase(name);
            } else {
                cookies[name] = c.substr(eq + 1, semi - eq - 1);
            }
        }
    }
    std::string cookie_header() const {
        std::string out;
        for (const auto& [name, value] : cookies) {
            if (!out.empty()) out += "; ";
            out += name + "=" + value;
        }
        return out;
    }
};

// A test fixture's way to the site: send() for raw requests, get() and post() as a Browser.
// The fixture owns the Site (and what it refers to) and returns it from site().
class SiteBrowsing : public ::testing::Test {
  protected:
    virtual Site& site() = 0;

    http::Response send(const std::string& method, const std::string& target,
                        http::HeaderList headers = {}, std::string body = {},
                        const std::string& remote = kClientAddress) {
        http::Request request;
        request.method = method;
        request.target = target;
        request.headers = std::move(headers);
        request.headers.emplace_back("Host", kHost);
        request.body = std::move(body);
        request.remote_address = remote;
        EXPECT_TRUE(http::decode_target(request)) << target;
        return site().handle(request);
    }

    http::Response get(Browser& browser, const std::string& target, http::HeaderList headers = {}) {
        if (!browser.cookies.empty()) headers.emplace_back("Cookie", browser.cookie_header());
        http::Response response = send("GET", target, std::move(headers), {}, browser.address);
        browser.take(response);
        return response;
    }

    // A form posted as a browser posts it from one of the site's pages (with its Origin).
    http::Response post(Browser& browser, const std::string& target, const Fields& fields,
                        http::HeaderList headers = {}, bool with_origin = true) {
        if (!browser.cookies.empty()) headers.emplace_back("Cookie", browser.cookie_header());
        if (with_origin) headers.emplace_back("Origin", kOrigin);
        headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
        http::Response response =
            send("POST", target, std::move(headers), form_body(fields), browser.address);
        browser.take(response);
        return response;
    }
};

}  // namespace paperboy::web::site_browser
