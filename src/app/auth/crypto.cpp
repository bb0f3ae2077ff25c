#include "app/auth/crypto.h"

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace paperboy::app::auth {
namespace {

// sodium_init() is safe to call more than once, from any thread; once is enough.
void ensure_init() {
    static const bool ok = sodium_init() >= 0;
    if (!ok) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace

std::string random_token() {
    ensure_init();
    std::array<unsigned char, 32> bytes{};
    randombytes_buf(bytes.data(), bytes.size());
    std::array<char, sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)> out{};
    sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return std::string(out.data());
}

std::string token_digest(std::string_view token) {
    ensure_init();
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(token.data()),
                       token.size());
    std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    return std::string(hex.data());
}

Result<std::string> hash_password(std::string_view password) {
    ensure_init();
    std::array<char, crypto_pwhash_STRBYTES> out{};
    if (crypto_pwhash_str_alg(
            out.data(), password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return Error(ErrorCode::kInternal, "hashing a password failed (out of memory)");
    }
    return std::string(out.data());
}

bool verify_password(std::string_view hash, std::string_view password) {
    ensure_init();
    // crypto_pwhash_str_verify wants a NUL-terminated hash that fits its buffer.
    if (hash.size() >= crypto_pwhash_STRBYTES) return false;
    std::array<char, crypto_pwhash_STRBYTES> terminated{};
    hash.copy(terminated.data(), hash.size());
    return crypto_pwhash_str_verify(terminated.data(), password.data(), password.size()) == 0;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
    ensure_init();
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string sign(std::string_view key, std::string_view message) {
    ensure_init();
    std::array<unsigned char, crypto_auth_hmacsha256_KEYBYTES> k{};
    crypto_hash_sha256(k.data(), reinterpret_cast<const unsigned char*>(key.data()), key.size());
    std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
    crypto_auth_hmacsha256(mac.data(), reinterpret_cast<const unsigned char*>(message.data()),
                           message.size(), k.data());
    std::array<char, sodium_base64_ENCODED_LEN(crypto_auth_hmacsha256_BYTES,
                                               sodium_base64_VARIANT_URLSAFE_NO_PADDING)>
        out{};
    sodium_bin2base64(out.data(), out.size(), mac.data(), mac.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return std::string(out.data());
}

bool verify_signature(std::string_view key, std::string_view message, std::string_view signature) {
    return equal_constant_time(sign(key, message), signature);
}

}  // namespace paperboy::app::auth
