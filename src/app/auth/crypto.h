// app/auth/crypto.h — the secrets of accounts: random tokens, their digests, and password
// hashes. The only place that includes libsodium (scripts/check-layering.py).
//
// Tokens are 32 random bytes (256 bits) in unpadded base64url, 43 characters, safe in cookies,
// headers and URLs. The store keeps only their SHA-256 digest in hex, so a copy of the
// database opens no session. Passwords are hashed with argon2id at libsodium's "interactive"
// limits (64 MiB, 2 passes), in the PHC string format. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace paperboy::app::auth {

// A new random token (crypto_randombytes), 43 base64url characters.
std::string random_token();

// The SHA-256 digest of `token`, 64 lower-case hex digits: what the store keeps.
std::string token_digest(std::string_view token);

// An argon2id hash of `password` with a random salt ("$argon2id$v=19$m=65536,t=2,p=1$...").
// kInternal when the hasher cannot get its memory.
Result<std::string> hash_password(std::string_view password);

// Whether `password` matches `hash` (constant-time in the password; false for a malformed
// hash).
bool verify_password(std::string_view hash, std::string_view password);

// Whether two strings are equal, in time that depends only on their lengths (CSRF tokens).
bool equal_constant_time(std::string_view a, std::string_view b);

// The HMAC-SHA-256 of `message` under `key` (any length; hashed to 32 bytes first), in
// unpadded base64url (43 characters): signs the links of mails (confirm, unsubscribe).
std::string sign(std::string_view key, std::string_view message);

// Whether `signature` is sign(key, message), compared in constant time.
bool verify_signature(std::string_view key, std::string_view message, std::string_view signature);

}  // namespace paperboy::app::auth
