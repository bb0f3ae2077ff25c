#include "mail/compose.h"

#include <cctype>
#include <kainjow/mustache.hpp>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "core/html.h"

namespace paperboy::mail {
namespace {

using kainjow::mustache::data;
using kainjow::mustache::mustache;

// Plain-text paragraphs are wrapped at this many characters; links never are.
constexpr size_t kTextWidth = 72;

// The HTML around every mail. Styles are inline: many mail clients drop <style> elements.
constexpr std::string_view kPage = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f4f5;">
<div style="max-width:640px;margin:0 auto;padding:24px 20px;background-color:#ffffff;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#18181b;">
{{{content}}}
</div>
</body>
</html>
)";

constexpr std::string_view kDigest =
    R"(<h1 style="font-size:22px;line-height:1.3;margin:0 0 4px;">{{heading}}</h1>
{{#topic}}
<p style="margin:0;color:#52525b;">Papers matching “{{topic}}”</p>
{{/topic}}
{{#papers}}
<div style="margin:20px 0 0;padding:16px 0 0;border-top:1px solid #e4e4e7;">
<h2 style="font-size:17px;line-height:1.35;margin:0 0 4px;">{{#url}}<a href="{{url}}" style="color:#18181b;text-decoration:none;">{{title}}</a>{{/url}}{{^url}}{{title}}{{/url}}</h2>
{{#authors}}
<p style="margin:0;color:#52525b;font-size:14px;">{{authors}}</p>
{{/authors}}
<p style="margin:2px 0 0;color:#52525b;font-size:14px;">{{upvotes}}</p>
{{#summary}}
<p style="margin:8px 0 0;">{{summary}}</p>
{{/summary}}
{{#code_url}}
<p style="margin:8px 0 0;font-size:14px;"><a href="{{code_url}}" style="color:#2563eb;">Code</a></p>
{{/code_url}}
</div>
{{/papers}}
{{^papers}}
<p style="margin:20px 0 0;">No papers this time.</p>
{{/papers}}
{{#period_url}}
<p style="margin:24px 0 0;"><a href="{{period_url}}" style="color:#2563eb;">The whole list on {{site_name}}</a></p>
{{/period_url}}
<p style="margin:32px 0 0;padding:16px 0 0;border-top:1px solid #e4e4e7;color:#71717a;font-size:13px;">
You get this because you subscribed to {{subscription}} on {{site_name}}.<br>
{{#unsubscribe_url}}<a href="{{unsubscribe_url}}" style="color:#71717a;">Unsubscribe</a>{{/unsubscribe_url}} ·
{{#manage_url}}<a href="{{manage_url}}" style="color:#71717a;">Manage subscriptions</a>{{/manage_url}}
</p>
)";

// One call to action: a heading, why the mail came, the link as a button and as text, and what
// to do when it was not asked for.
constexpr std::string_view kAction =
    R"(<h1 style="font-size:22px;line-height:1.3;margin:0 0 16px;">{{heading}}</h1>
{{#greeting}}
<p style="margin:0 0 12px;">{{greeting}}</p>
{{/greeting}}
<p style="margin:0 0 12px;">{{why}}</p>
{{#url}}
<p style="margin:24px 0;"><a href="{{url}}" style="display:inline-block;padding:10px 18px;background-color:#2563eb;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600;">{{action}}</a></p>
<p style="margin:0 0 12px;font-size:13px;color:#52525b;">Or open this link: <a href="{{url}}" style="color:#2563eb;word-break:break-all;">{{url}}</a></p>
{{/url}}
{{#validity}}
<p style="margin:0 0 12px;font-size:13px;color:#52525b;">{{validity}}</p>
{{/validity}}
<p style="margin:24px 0 0;font-size:13px;color:#71717a;">{{ignore}}</p>
)";

// Each template (a constant of this file, so its address names it) is parsed once per thread:
// a digest run renders the same few for every message. Per thread, because rendering keeps
// state in the template object.
std::string render(std::string_view tmpl_text, const data& values) {
    thread_local std::unordered_map<const char*, std::unique_ptr<mustache>> compiled;
    std::unique_ptr<mustache>& tmpl = compiled[tmpl_text.data()];
    if (!tmpl) {
        tmpl = std::make_unique<mustache>(std::string(tmpl_text));
        if (!tmpl->is_valid()) throw std::logic_error("mail template: " + tmpl->error_message());
        tmpl->set_custom_escape([](const std::string& s) { return html_escape(s); });
    }
    return tmpl->render(values);
}

std::string html_page(const std::string& title, std::string_view content_template,
                      const data& values) {
    data page;
    page.set("title", title);
    page.set("content", render(content_template, values));
    return render(kPage, page);
}

// Links a mail may carry: http(s) and mailto. Others (javascript:, data:, ...) are left out.
bool is_safe_link(std::string_view url) {
    auto starts_with_nocase = [&](std::string_view prefix) {
        if (url.size() < prefix.size()) return false;
        for (size_t i = 0; i < prefix.size(); ++i) {
            char c = url[i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            if (c != prefix[i]) return false;
        }
        return true;
    };
    if (url.find_first_of(" \t\r\n\"<>") != std::string_view::npos) return false;
    return starts_with_nocase("https://") || starts_with_nocase("http://") ||
           starts_with_nocase("mailto:");
}

// Sets `key` only for a safe link, so that {{#key}} sections drop what is not one.
void set_link(data& values, const std::string& key, const std::string& url) {
    if (is_safe_link(url)) values.set(key, url);
}

// Sets `key` only when `value` is not empty, so that {{#key}} sections drop empty values.
void set_text(data& values, const std::string& key, const std::string& value) {
    if (!value.empty()) values.set(key, value);
}

// Text that someone else typed (a topic, a handle) made unable to pass for a link in the mail:
// "http://x" reads "http[:]//x", so that the first link of the text stays the one Paperboy put
// there, and no client turns it into one.
std::string defang_links(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s.substr(i, 3) == "://") {
            out += "[:]//";
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

size_t columns(std::string_view word) {
    size_t n = 0;
    for (char c : word) n += is_utf8_continuation(c) ? 0 : 1;
    return n;
}

// `paragraph` with its white space collapsed and wrapped at kTextWidth, without a final
// newline. A word longer than the width stays whole.
std::string wrap(std::string_view paragraph) {
    std::string out;
    size_t line = 0;
    size_t i = 0;
    while (i < paragraph.size()) {
        while (i < paragraph.size() && std::isspace(static_cast<unsigned char>(paragraph[i]))) {
            ++i;
        }
        size_t end = i;
        while (end < paragraph.size() &&
               !std::isspace(static_cast<unsigned char>(paragraph[end]))) {
            ++end;
        }
        if (end == i) break;
        const std::string_view word = paragraph.substr(i, end - i);
        const size_t width = columns(word);
        if (line > 0 && line + 1 + width > kTextWidth) {
            out += '\n';
            line = 0;
        } else if (line > 0) {
            out += ' ';
            ++line;
        }
        out += word;
        line += width;
        i = end;
    }
    return out;
}

std::string upvotes_label(int upvotes) {
    return "▲ " + std::to_string(upvotes) + (upvotes == 1 ? " upvote" : " upvotes");
}

// The text and HTML of a mail with one link to follow (confirmation, verification, reset).
struct ActionMail {
    std::string site_name;
    std::string heading;   // the HTML title and heading
    std::string greeting;  // "" = none
    std::string why;       // why the mail came
    std::string action;    // the link's label, "Confirm your subscription"
    std::string url;
    std::string validity;  // "" = none
    std::string ignore;    // what to do when it was not asked for
};

Bodies compose_action(const ActionMail& mail) {
    Bodies out;
    const bool linked = is_safe_link(mail.url);
    if (!mail.greeting.empty()) out.text += wrap(mail.greeting) + "\n\n";
    out.text += wrap(mail.why) + "\n\n";
    if (linked) out.text += mail.action + ":\n" + mail.url + "\n\n";
    if (!mail.validity.empty()) out.text += wrap(mail.validity) + "\n\n";
    out.text += wrap(mail.ignore) + "\n\n-- \n" + mail.site_name + "\n";

    data values;
    values.set("heading", mail.heading);
    set_text(values, "greeting", mail.greeting);
    values.set("why", mail.why);
    values.set("action", mail.action);
    set_link(values, "url", mail.url);
    set_text(values, "validity", mail.validity);
    values.set("ignore", mail.ignore);
    out.html = html_page(mail.heading, kAction, values);
    return out;
}

std::string digest_text(const DigestContent& content, const std::string& subscription) {
    std::string text = wrap(content.heading) + "\n";
    if (!content.topic.empty()) text += wrap("Papers matching “" + content.topic + "”") + "\n";
    text += "\n";
    int number = 0;
    for (const DigestPaper& paper : content.papers) {
        text += "\n" + wrap(std::to_string(++number) + ". " + paper.title) + "\n";
        if (is_safe_link(paper.url)) text += paper.url + "\n";
        if (!paper.authors.empty()) text += wrap(paper.authors) + "\n";
        text += upvotes_label(paper.upvotes) + "\n";
        if (!paper.summary.empty()) text += "\n" + wrap(paper.summary) + "\n";
        if (is_safe_link(paper.code_url)) text += "\nCode:\n" + paper.code_url + "\n";
        text += "\n";
    }
    if (content.papers.empty()) text += "No papers this time.\n\n";
    if (is_safe_link(content.period_url)) {
        text += "The whole list on " + content.site_name + ":\n" + content.period_url + "\n\n";
    }
    text += "-- \n";
    text += wrap("You get this because you subscribed to " + subscription + " on " +
                 content.site_name + ".") +
            "\n";
    if (is_safe_link(content.unsubscribe_url)) {
        text += "Unsubscribe:\n" + content.unsubscribe_url + "\n";
    }
    if (is_safe_link(content.manage_url)) {
        text += "Manage subscriptions:\n" + content.manage_url + "\n";
    }
    return text;
}

}  // namespace

Bodies compose_digest(const DigestContent& content) {
    const std::string subscription = content.topic.empty()
                                         ? "this digest"
                                         : "this digest of papers matching “" + content.topic + "”";
    Bodies out;
    out.text = digest_text(content, subscription);

    data values;
    values.set("heading", content.heading);
    set_text(values, "topic", content.topic);
    values.set("site_name", content.site_name);
    values.set("subscription", subscription);
    set_link(values, "period_url", content.period_url);
    set_link(values, "unsubscribe_url", content.unsubscribe_url);
    set_link(values, "manage_url", content.manage_url);
    data papers{data::type::list};
    for (const DigestPaper& paper : content.papers) {
        data item;
        item.set("title", paper.title);
        set_link(item, "url", paper.url);
        set_text(item, "authors", paper.authors);
        item.set("upvotes", upvotes_label(paper.upvotes));
        set_text(item, "summary", paper.summary);
        set_link(item, "code_url", paper.code_url);
        papers.push_back(item);
    }
    values.set("papers", papers);
    out.html = html_page(content.heading, kDigest, values);
    return out;
}

Bodies compose_confirmation(const ConfirmationContent& content) {
    return compose_action({
        .site_name = content.site_name,
        .heading = "Confirm your subscription",
        .why = "Someone, hopefully you, asked to receive " + defang_links(content.what) + " at " +
               defang_links(content.email) + " on " + content.site_name + ".",
        .action = "Confirm your subscription",
        .url = content.confirm_url,
        .ignore = "If you did not ask for this, ignore this mail; nothing more will be sent.",
    });
}

Bodies compose_verification(const AccountMailContent& content) {
    return compose_action({
        .site_name = content.site_name,
        .heading = "Verify your email address",
        .greeting = "Hello " + defang_links(content.handle) + ",",
        .why = "Someone, hopefully you, signed up on " + content.site_name +
               " with this email address. Verify it to finish setting up your account.",
        .action = "Verify your email address",
        .url = content.url,
        .validity =
            content.valid_for.empty() ? "" : "The link works for " + content.valid_for + ".",
        .ignore = "If you did not sign up, ignore this mail; the address will not be used.",
    });
}

Bodies compose_password_reset(const AccountMailContent& content) {
    return compose_action({
        .site_name = content.site_name,
        .heading = "Reset your password",
        .greeting = "Hello " + defang_links(content.handle) + ",",
        .why = "Someone, hopefully you, asked to reset the password of your account on " +
               content.site_name + ".",
        .action = "Choose a new password",
        .url = content.url,
        .validity =
            content.valid_for.empty() ? "" : "The link works for " + content.valid_for + ".",
        .ignore = "If you did not ask for this, ignore this mail; your password stays as it is.",
    });
}

Bodies compose_sign_up_attempt(const AccountMailContent& content) {
    return compose_action({
        .site_name = content.site_name,
        .heading = "Someone tried to sign up with your address",
        .greeting = "Hello " + defang_links(content.handle) + ",",
        .why = "Someone tried to sign up on " + content.site_name +
               " with this email address, which your account already uses, so no new account "
               "was made. If it was you: log in with your handle or this address. Forgot your "
               "password? The log-in page has a link to reset it.",
        .action = "Log in",
        .url = content.url,
        .ignore = "If it was not you, ignore this mail; nothing changed on your account.",
    });
}

}  // namespace paperboy::mail
