#include "mail/smtp.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <mutex>
#include <thread>

#include "mail/address.h"
#include "mail/curl_message.h"

namespace paperboy::mail {
namespace {

// curl_global_init is not thread-safe and must run before any other curl call; call_once
// makes the first SmtpClient do it wherever it is constructed.
void init_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Error invalid(std::string message) {
    return Error(ErrorCode::kInvalidArgument, std::move(message));
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The URL's scheme, lower-cased, and what follows "://"; false when there is no "://".
bool split_scheme(std::string_view url, std::string& scheme, std::string_view& rest) {
    const size_t sep = url.find("://");
    if (sep == std::string_view::npos) return false;
    scheme.clear();
    for (char c : url.substr(0, sep)) {
        scheme += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }
    rest = url.substr(sep + 3);
    return true;
}

// The authority (user info, host, port) of what follows "://": up to the path, query or
// fragment.
std::string_view authority_of(std::string_view rest) {
    return rest.substr(0, rest.find_first_of("/?#"));
}

Status check_percent_encoding(std::string_view s, std::string_view what) {
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') continue;
        if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
            return invalid("the " + std::string(what) +
                           " in the SMTP URL has a '%' not followed by two hex digits");
        }
    }
    return Status::ok_status();
}

Status check_host_and_port(std::string_view hostport) {
    std::string_view host = hostport;
    std::string_view port;
    if (hostport.starts_with('[')) {
        const size_t close = hostport.find(']');
        if (close == std::string_view::npos) return invalid("the SMTP URL's IPv6 host has no ']'");
        host = hostport.substr(0, close + 1);
        const std::string_view after = hostport.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return invalid("the SMTP URL has text after its IPv6 host");
            port = after.substr(1);
            if (port.empty()) return invalid("the SMTP URL has a ':' but no port after it");
        }
        for (char c : host.substr(1, host.size() - 2)) {
            if (!is_hex(c) && c != ':' && c != '.') {
                return invalid("the SMTP URL's IPv6 host contains '" + std::string(1, c) + "'");
            }
        }
        if (host.size() <= 2) return invalid("the SMTP URL has no host");
    } else {
        const size_t colon = hostport.rfind(':');
        if (colon != std::string_view::npos) {
            host = hostport.substr(0, colon);
            port = hostport.substr(colon + 1);
            if (port.empty()) return invalid("the SMTP URL has a ':' but no port after it");
        }
        if (host.empty()) return invalid("the SMTP URL has no host");
        for (char c : host) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
            if (!ok) {
                return invalid("the SMTP URL's host contains '" + std::string(1, c) +
                               "', which is not allowed");
            }
        }
    }
    if (!port.empty()) {
        long value = 0;
        bool digits = port.size() <= 5;
        for (char c : port) {
            digits = digits && c >= '0' && c <= '9';
            if (digits) value = value * 10 + (c - '0');
        }
        if (!digits || value < 1 || value > 65535) {
            return invalid("the SMTP URL's port \"" + std::string(port) +
                           "\" is not a number from 1 to 65535");
        }
    }
    return Status::ok_status();
}

// The reply text and what libcurl said, for SendOutcome::detail.
std::string describe(std::string_view reply, std::string_view curl_error, CURLcode rc) {
    std::string detail(reply);
    std::string curl_part(curl_error.empty() ? curl_easy_strerror(rc) : curl_error);
    if (!detail.empty())
        detail += " (" + curl_part + ")";
    else
        detail = curl_part;
    return detail;
}

bool is_transient(CURLcode rc) {
    switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_WEIRD_SERVER_REPLY:
        case CURLE_PARTIAL_FILE:
        case CURLE_OUT_OF_MEMORY:
            return true;
        default:
            return false;
    }
}

// Failures that are about this client and its configuration, not about a message.
bool is_client_refusal(CURLcode rc) {
    switch (rc) {
        case CURLE_LOGIN_DENIED:
        case CURLE_USE_SSL_FAILED:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
            return true;
        default:
            return false;
    }
}

// SMTP replies about the client: authentication required (530), too weak (534), refused (535),
// or needing encryption (538).
bool is_client_refusal_reply(long code) {
    return code == 530 || code == 534 || code == 535 || code == 538;
}

// What a transfer's result says about the message: the SMTP reply code when the relay gave a
// failure reply (4xx transient, 5xx permanent), else libcurl's error (a lost or refused
// connection is transient; bad credentials or configuration permanent).
SendOutcome classify(CURLcode rc, long reply_code, std::string_view reply,
                     std::string_view curl_error) {
    using Kind = SendOutcome::Kind;
    if (rc == CURLE_OK) return {Kind::kAccepted, static_cast<int>(reply_code), std::string(reply)};
    SendOutcome out;
    out.detail = describe(reply, curl_error, rc);
    if (reply_code >= 400 && reply_code < 600) {
        out.code = static_cast<int>(reply_code);
        out.kind = reply_code < 500 ? Kind::kTransient : Kind::kPermanent;
        out.refused_client = is_client_refusal_reply(reply_code) || rc == CURLE_LOGIN_DENIED;
        return out;
    }
    if (rc == CURLE_LOGIN_DENIED) {
        out.kind = Kind::kPermanent;
        out.code = 535;  // authentication credentials invalid, whatever the relay said
        out.refused_client = true;
        return out;
    }
    out.kind = is_transient(rc) ? Kind::kTransient : Kind::kPermanent;
    out.refused_client = is_client_refusal(rc);
    if (out.refused_client) out.kind = Kind::kPermanent;
    return out;
}

}  // namespace

Status check_smtp_url(std::string_view url) {
    if (url.empty()) return invalid("the SMTP URL is empty");
    for (char c : url) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte >= 0x7f) {
            return invalid("the SMTP URL contains white space, a control character or non-ASCII");
        }
    }
    std::string scheme;
    std::string_view rest;
    if (!split_scheme(url, scheme, rest) ||
        (scheme != "smtp" && scheme != "smtps" && scheme != "smtp+starttls")) {
        return invalid("the SMTP URL must start with smtp://, smtps:// or smtp+starttls://");
    }
    const std::string_view authority = authority_of(rest);
    std::string_view hostport = authority;
    const size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        hostport = authority.substr(at + 1);
        const size_t colon = userinfo.find(':');
        const std::string_view user = userinfo.substr(0, colon);
        if (user.empty()) return invalid("the SMTP URL has a '@' but no user name before it");
        PAPERBOY_RETURN_IF_ERROR(check_percent_encoding(user, "user name"));
        if (colon != std::string_view::npos) {
            PAPERBOY_RETURN_IF_ERROR(
                check_percent_encoding(userinfo.substr(colon + 1), "password"));
        }
    }
    return check_host_and_port(hostport);
}

std::string redact_smtp_url(std::string_view url) {
    const size_t sep = url.find("://");
    if (sep == std::string_view::npos) return std::string(url);
    const size_t authority_start = sep + 3;
    const std::string_view authority = authority_of(url.substr(authority_start));
    const size_t at = authority.rfind('@');
    if (at == std::string_view::npos) return std::string(url);
    const size_t colon = authority.substr(0, at).find(':');
    if (colon == std::string_view::npos) return std::string(url);
    std::string out(url.substr(0, authority_start + colon + 1));
    out += "***";
    out += url.substr(authority_start + at);
    return out;
}

struct SmtpClient::Impl {
    SmtpOptions options;
    Status url_status;
    CURL* curl = nullptr;
    std::array<char, CURL_ERROR_SIZE> error{};
    std::string last_reply;     // the last SMTP reply line of the current transfer
    std::string failure_reply;  // its last 4xx or 5xx reply line
    bool fresh_connection = false;

    // libcurl passes SMTP reply lines to the header callback. The failure reply is kept
    // apart: after one, libcurl closes the connection and the relay's answer to QUIT follows.
    static size_t on_reply_line(char* data, size_t size, size_t count, void* user) {
        auto* impl = static_cast<Impl*>(user);
        std::string_view line(data, size * count);
        while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
            line.remove_suffix(1);
        }
        line = line.substr(0, 512);
        if (line.size() >= 3) impl->last_reply.assign(line);
        if (line.starts_with('4') || line.starts_with('5')) impl->failure_reply.assign(line);
        return size * count;
    }

    void configure() {
        std::string scheme;
        std::string_view rest;
        (void)split_scheme(options.url, scheme, rest);
        // smtp+starttls:// is Paperboy's spelling of "smtp:// with STARTTLS required".
        const std::string url = (scheme == "smtps" ? "smtps://" : "smtp://") + std::string(rest);
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_USE_SSL,
                         scheme == "smtp" ? static_cast<long>(CURLUSESSL_TRY)
                                          : static_cast<long>(CURLUSESSL_ALL));
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(options.connect_timeout.count()));
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error.data());
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Impl::on_reply_line);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, this);
        curl_easy_setopt(curl, CURLOPT_VERBOSE, options.verbose ? 1L : 0L);
        if (!options.ca_file.empty())
            curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
    }
};

SmtpClient::SmtpClient(SmtpOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    impl_->url_status = check_smtp_url(impl_->options.url);
    if (!impl_->url_status.ok()) return;
    init_curl_once();
    impl_->curl = curl_easy_init();
    if (impl_->curl != nullptr) impl_->configure();
}

SmtpClient::~SmtpClient() {
    // Closes the cached connection (with QUIT).
    if (impl_->curl != nullptr) curl_easy_cleanup(impl_->curl);
}

SendOutcome SmtpClient::send(const Message& message) {
    using Kind = SendOutcome::Kind;
    Impl& impl = *impl_;
    if (!impl.url_status.ok()) {
        return {Kind::kPermanent, 0,
                impl.url_status.error().message() + ": " + redact_smtp_url(impl.options.url)};
    }
    if (impl.curl == nullptr) return {Kind::kTransient, 0, "libcurl could not be initialized"};
    // The envelope takes only checked addresses: anything else could smuggle SMTP commands.
    auto to = normalize_address(message.to.address);
    if (!to.ok()) return {Kind::kPermanent, 0, "recipient address: " + to.error().message()};
    auto from = normalize_address(impl.options.envelope_from.empty() ? message.from.address
                                                                     : impl.options.envelope_from);
    if (!from.ok()) return {Kind::kPermanent, 0, "sender address: " + from.error().message()};

    detail::CurlMessage built = detail::build_curl_message(impl.curl, message, std::time(nullptr));
    detail::SlistPtr recipients;
    if (!built.mime || !detail::append(recipients, "<" + *to + ">")) {
        return {Kind::kTransient, 0, "out of memory building the message"};
    }
    const std::string mail_from = "<" + *from + ">";
    curl_easy_setopt(impl.curl, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(impl.curl, CURLOPT_MAIL_RCPT, recipients.get());
    curl_easy_setopt(impl.curl, CURLOPT_HTTPHEADER, built.headers.get());
    curl_easy_setopt(impl.curl, CURLOPT_MIMEPOST, built.mime.get());
    // After a failure the connection may be half-way through a transaction or closed by the
    // relay: start on a new one.
    curl_easy_setopt(impl.curl, CURLOPT_FRESH_CONNECT, impl.fresh_connection ? 1L : 0L);
    impl.error[0] = '\0';
    impl.last_reply.clear();
    impl.failure_reply.clear();

    const CURLcode rc = curl_easy_perform(impl.curl);
    long reply_code = 0;
    curl_easy_getinfo(impl.curl, CURLINFO_RESPONSE_CODE, &reply_code);

    // The handle keeps pointers to these; unset them before they are freed.
    curl_easy_setopt(impl.curl, CURLOPT_MIMEPOST, nullptr);
    curl_easy_setopt(impl.curl, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(impl.curl, CURLOPT_MAIL_RCPT, nullptr);

    const std::string& reply = reply_code >= 400 ? impl.failure_reply : impl.last_reply;
    SendOutcome outcome = classify(rc, reply_code, reply, impl.error.data());
    impl.fresh_connection = !outcome.accepted();
    return outcome;
}

RetriedOutcome send_with_retry(SmtpClient& client, const Message& message,
                               const RetryPolicy& policy) {
    // Delays are capped at a day, so that a large factor cannot overflow.
    constexpr double kMaxDelayMs = 24.0 * 3600 * 1000;
    const int attempts = std::max(1, policy.attempts);
    double delay_ms = static_cast<double>(policy.first_delay.count());
    RetriedOutcome result;
    for (int attempt = 1;; ++attempt) {
        result.outcome = client.send(message);
        result.attempts = attempt;
        if (result.outcome.kind != SendOutcome::Kind::kTransient || attempt >= attempts) {
            return result;
        }
        const std::chrono::milliseconds delay(std::llround(std::clamp(delay_ms, 0.0, kMaxDelayMs)));
        if (policy.sleep) {
            policy.sleep(delay);
        } else {
            std::this_thread::sleep_for(delay);
        }
        delay_ms *= policy.factor;
    }
}

}  // namespace paperboy::mail
