// store/people.h — members, sessions and tokens as the store keeps them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/paper.h"
#include "core/result.h"
#include "core/user.h"

namespace paperboy::store {

// Members, their sessions, API tokens and single-use mail tokens (docs/schema.md, "Accounts
// and votes"). Secrets never reach the store: tokens are kept as digests, passwords as argon2id
// hashes.
class People {
  public:
    virtual ~People() = default;

    // Adds a user; fills in its id and creation time. kAlreadyExists when the handle or the
    // email is taken (the message says which), compared case-insensitively.
    virtual Result<User> create_user(const User& user) = 0;
    // The user whose handle or email is `handle_or_email` (case-insensitively), or nullopt.
    virtual Result<std::optional<User>> find_user(std::string_view handle_or_email) = 0;
    virtual Result<std::optional<User>> user_by_id(int64_t id) = 0;
    virtual Status set_role(int64_t user_id, Role role) = 0;

    // Sessions, by the digest of their token; expiry as a timestamp (compared as text).
    virtual Status add_session(std::string_view token_digest, int64_t user_id,
                               std::string_view expires_at) = 0;
    // The session's user when the session exists and expires after `now`; nullopt otherwise.
    virtual Result<std::optional<User>> session_user(std::string_view token_digest,
                                                     std::string_view now) = 0;
    virtual Status remove_session(std::string_view token_digest) = 0;
    // Every session of the user ("log out everywhere").
    virtual Status remove_sessions(int64_t user_id) = 0;

    // API tokens, by digest. api_token_user() records the use (ApiTokenInfo::last_used_at), at
    // most once a minute: a use in the same minute as the recorded one writes nothing.
    virtual Result<int64_t> add_api_token(int64_t user_id, std::string_view token_digest,
                                          std::string_view name) = 0;
    virtual Result<std::optional<User>> api_token_user(std::string_view token_digest,
                                                       std::string_view now) = 0;
    virtual Result<std::vector<ApiTokenInfo>> api_tokens(int64_t user_id) = 0;
    // False when the user has no such token.
    virtual Result<bool> revoke_api_token(int64_t user_id, int64_t token_id) = 0;

    // Single-use account mail tokens, by the digest of the token.
    virtual Status add_mail_token(std::string_view token_digest, int64_t user_id,
                                  MailTokenPurpose purpose, std::string_view created_at,
                                  std::string_view expires_at) = 0;
    // Marks the token used and returns its user when it exists for `purpose`, is unused and
    // expires after `now`; nullopt otherwise. Atomic: a token works once.
    virtual Result<std::optional<int64_t>> use_mail_token(std::string_view token_digest,
                                                          MailTokenPurpose purpose,
                                                          std::string_view now) = 0;
    // The user of a token that use_mail_token() would accept now, without using it (the page a
    // link opens, before its form is sent); nullopt otherwise.
    virtual Result<std::optional<int64_t>> mail_token_user(std::string_view token_digest,
                                                           MailTokenPurpose purpose,
                                                           std::string_view now) = 0;
    // How many tokens of `purpose` the user was given at or after `since`.
    virtual Result<int> mail_tokens_since(int64_t user_id, MailTokenPurpose purpose,
                                          std::string_view since) = 0;
    // Marks the user's email verified at `now` (User::email_verified_at).
    virtual Status set_email_verified(int64_t user_id, std::string_view now) = 0;
    // Replaces the user's password hash and removes every session, in one transaction.
    virtual Status set_password(int64_t user_id, std::string_view password_hash) = 0;
};

}  // namespace paperboy::store
