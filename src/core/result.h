// core/result.h — the error vocabulary shared by every module.
//
// Expected failures (bad input, missing records, unreachable servers) travel as values:
// Status for operations that return nothing, Result<T> for those that return a T. Exceptions
// are reserved for the truly exceptional (allocation failure); asserts for programmer errors.
// Depends on the standard library only. Values are not synchronised; copy them freely.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace paperboy {

// Every expected failure has a code; cli/ maps codes to exit statuses and, later, web/ maps
// them to HTTP statuses, each in one place.
enum class ErrorCode {
    kInvalidArgument,  // the caller's input is malformed (bad id, bad flag, bad query)
    kParse,            // a document or record could not be parsed
    kNotFound,         // the requested thing does not exist
    kAlreadyExists,    // a unique thing exists already
    kIo,               // reading or writing a file or socket failed
    kUnavailable,      // a remote service is unreachable or refused (retry later)
    kCorruption,       // stored data is inconsistent
    kVersionMismatch,  // a database written by a newer Paperboy
    kInternal,         // a bug or an unexpected library failure
    kLimitExceeded,    // a quota or rate limit was reached (try again later)
};

// A short stable name for the code: "invalid_argument", "not_found", ...
std::string_view error_code_name(ErrorCode code);

class [[nodiscard]] Error {
  public:
    Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

    ErrorCode code() const { return code_; }
    const std::string& message() const { return message_; }

    // Returns a copy whose message is "<context>: <message>".
    Error with_context(std::string_view context) const {
        return Error(code_, std::string(context) + ": " + message_);
    }

  private:
    ErrorCode code_;
    std::string message_;
};

// Result<T> holds either a T or an Error. Accessing the wrong alternative is a programmer
// error (asserted).
template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
    Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(v_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(v_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(v_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const {
        assert(!ok());
        return std::get<1>(v_);
    }

  private:
    std::variant<T, Error> v_;
};

// Status is the Result of an operation with no value.
class [[nodiscard]] Status {
  public:
    Status() = default;
    Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

    static Status ok_status() { return Status(); }

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const {
        assert(!ok_);
        return error_;
    }

  private:
    Error error_{ErrorCode::kInternal, ""};
    bool ok_ = true;
};

inline std::string_view error_code_name(ErrorCode code) {
    switch (code) {
        case ErrorCode::kInvalidArgument:
            return "invalid_argument";
        case ErrorCode::kParse:
            return "parse_error";
        case ErrorCode::kNotFound:
            return "not_found";
        case ErrorCode::kAlreadyExists:
            return "already_exists";
        case ErrorCode::kIo:
            return "io_error";
        case ErrorCode::kUnavailable:
            return "unavailable";
        case ErrorCode::kCorruption:
            return "corruption";
        case ErrorCode::kVersionMismatch:
            return "version_mismatch";
        case ErrorCode::kInternal:
            return "internal";
        case ErrorCode::kLimitExceeded:
            return "limit_exceeded";
    }
    return "internal";
}

}  // namespace paperboy

// Propagates an error from an expression yielding Status or Result<T>.
#define PAPERBOY_RETURN_IF_ERROR(expr)       \
    do {                                     \
        auto&& paperboy_status_ = (expr);    \
        if (!paperboy_status_.ok()) {        \
            return paperboy_status_.error(); \
        }                                    \
    } while (false)
