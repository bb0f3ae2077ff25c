// core/user.h — the people of an instance: members and their roles, their API tokens (as
// listed, never the secret), and the organizations papers can belong to.
//
// Secrets never live here: sessions and API tokens are kept as digests of the tokens
// (app/auth/ makes both), passwords as argon2id hashes. Plain values; depends on nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace paperboy {

enum class Role { kMember, kCurator, kAdmin };

// "member", "curator", "admin".
std::string_view role_name(Role role);
// The role called `name` (exactly as role_name() spells it), or nullopt.
std::optional<Role> parse_role(std::string_view name);

struct User {
    int64_t id = 0;
    std::string handle;  // unique, compared case-insensitively
    std::string email;   // unique, compared case-insensitively
    std::string password_hash;
    Role role = Role::kMember;
    std::string created_at;         // YYYY-MM-DDTHH:MM:SSZ
    std::string email_verified_at;  // "" until the member follows the verification link

    friend bool operator==(const User&, const User&) = default;
};

struct ApiTokenInfo {
    int64_t id = 0;
    std::string name;
    std::string created_at;
    std::string last_used_at;  // "" when never used

    friend bool operator==(const ApiTokenInfo&, const ApiTokenInfo&) = default;
};

// An organization papers can belong to (Hugging Face's "organization" badge). `name` is what
// papers carry in Paper::organization; the page shows the full name and the avatar.
struct Organization {
    std::string name;        // unique, compared case-insensitively
    std::string full_name;   // "" = the name
    std::string avatar_url;  // an https URL or ""

    friend bool operator==(const Organization&, const Organization&) = default;
};

// Purposes of single-use account mail tokens.
enum class MailTokenPurpose { kVerifyEmail, kResetPassword };

}  // namespace paperboy
