// mail/compose.h — the words of Paperboy's mails: digests, subscription confirmations and
// account mail, as plain text and HTML bodies. Every value is escaped in the HTML; the plain
// text puts each link on a line of its own. Depends on core/.
#pragma once

#include <string>
#include <vector>

namespace paperboy::mail {

struct Bodies {
    std::string text;
    std::string html;
};

struct DigestPaper {
    std::string title;
    std::string url;      // the paper's page on this instance
    std::string authors;  // already shortened ("A, B, C and 5 more")
    int upvotes = 0;
    std::string summary;   // already shortened, plain text
    std::string code_url;  // "" = none
};

struct DigestContent {
    std::string site_name;   // "Paperboy"
    std::string heading;     // "Trending papers of Friday, 25 October 2024"
    std::string topic;       // "" = none; else shown as "Papers matching “topic”"
    std::string period_url;  // the list the digest is drawn from, on the site
    std::string unsubscribe_url;
    std::string manage_url;  // where to change subscriptions (the settings page)
    std::vector<DigestPaper> papers;
};

// The digest: heading, one block per paper (title linking to its page, authors, upvotes, the
// summary, the code link), then why the reader gets it and how to stop.
Bodies compose_digest(const DigestContent& content);

// The double opt-in mail. The first link of the text body is `confirm_url`.
struct ConfirmationContent {
    std::string site_name;
    std::string email;
    std::string what;  // "the daily digest" / "the weekly digest of papers matching “llm”"
    std::string confirm_url;
};
Bodies compose_confirmation(const ConfirmationContent& content);

// Account mail: a link to verify the address after sign-up, or to reset the password. The
// first link of the text body is `url`; `valid_for` says how long it works ("24 hours"). The
// note that someone tried to sign up with an address an account already has links to the
// log-in page (`url`) and needs no `valid_for`.
struct AccountMailContent {
    std::string site_name;
    std::string handle;
    std::string url;
    std::string valid_for;
};
Bodies compose_verification(const AccountMailContent& content);
Bodies compose_password_reset(const AccountMailContent& content);
Bodies compose_sign_up_attempt(const AccountMailContent& content);

}  // namespace paperboy::mail
