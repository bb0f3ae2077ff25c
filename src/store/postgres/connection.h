// store/postgres/connection.h — a thin RAII layer over one libpq connection.
//
// A Connection prepares each statement of postgres/queries.h once, by name, on first use, and
// runs it with $n parameters: values are never spliced into SQL text. Results are read as text;
// arrays and bytea go in PostgreSQL's binary format (ArrayBuilder). A connection that fails at
// the socket level marks itself broken and is discarded by its pool (pool.h). Only files under
// store/postgres/ include this header (it includes libpq-fe.h). Not thread-safe: one user at a
// time, as the pool hands it out.
#pragma once

#include <libpq-fe.h>

#include <bitset>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/postgres/queries.h"

namespace paperboy::store::postgres {

// SQLSTATEs callers act on (PostgreSQL's appendix A).
inline constexpr std::string_view kUniqueViolation = "23505";
inline constexpr std::string_view kForeignKeyViolation = "23503";
inline constexpr std::string_view kSerializationFailure = "40001";
inline constexpr std::string_view kDeadlockDetected = "40P01";

// The ErrorCode of a SQLSTATE ("" when the failure had none: the connection failed).
ErrorCode error_code_for_sqlstate(std::string_view sqlstate);

// One statement parameter: text (bound without a copy: the caller keeps it alive until the
// statement has run), an integer or boolean (formatted into the Param), NULL, or binary bytes
// (a bytea, or an array made by ArrayBuilder). Text goes in binary format, which for text is
// its bytes and their length: a view need not end in a NUL (libpq would strlen() a text-format
// value). Integers and booleans go as text, which the server converts to the parameter's type.
class Param {
  public:
    Param(std::string_view text) : view_(text), binary_(true) {}    // NOLINT
    Param(const std::string& text) : view_(text), binary_(true) {}  // NOLINT
    Param(const char* text) : view_(text), binary_(true) {}         // NOLINT
    Param(int64_t n);                                 // NOLINT(google-explicit-constructor)
    Param(int n) : Param(static_cast<int64_t>(n)) {}  // NOLINT(google-explicit-constructor)
    Param(bool b) : view_(b ? "t" : "f") {}           // NOLINT(google-explicit-constructor)
    static Param null();
    static Param binary(std::string_view bytes);

    // nullptr only for NULL: an empty view with no data is "".
    const char* data() const {
        if (null_) return nullptr;
        if (owned_) return buffer_;
        return view_.data() != nullptr ? view_.data() : "";
    }
    int length() const { return static_cast<int>(owned_ ? owned_length_ : view_.size()); }
    int format() const { return binary_ ? 1 : 0; }

  private:
    Param() = default;
    std::string_view view_;
    bool binary_ = false;
    char buffer_[24] = {};
    size_t owned_length_ = 0;
    bool owned_ = false;
    bool null_ = false;
};

// Builds a one-dimensional array parameter in PostgreSQL's binary format (array_recv), which
// needs no quoting and no parsing of text on either side. Pass it with Param::binary() where
// the statement casts the parameter to the array type ($1::text[], $2::bigint[], ...).
class ArrayBuilder {
  public:
    enum class Type { kText, kInt4, kInt8, kBool, kBytes };  // kBytes: bytea[], add(string_view)
    ArrayBuilder(Type type, size_t count);
    void add(std::string_view text);
    void add(int64_t n);
    void add(bool b);
    // Room for `bytes` more bytes of elements (their 4-byte lengths included).
    void reserve(size_t bytes) { bytes_.reserve(bytes_.size() + bytes); }
    // The finished array; `count` elements must have been added.
    const std::string& bytes() const { return bytes_; }

  private:
    void put_u32(uint32_t v);
    Type type_;
    std::string bytes_;
};

// A finished statement's result (PGresult), read as text.
class PgResult {
  public:
    PgResult() = default;
    explicit PgResult(PGresult* result) : result_(result) {}

    int rows() const { return result_ ? PQntuples(result_.get()) : 0; }
    bool is_null(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
    // The value as text; "" for NULL.
    std::string_view text(int row, int col) const;
    std::string string(int row, int col) const { return std::string(text(row, col)); }
    int64_t int64(int row, int col) const;
    int integer(int row, int col) const { return static_cast<int>(int64(row, col)); }
    bool boolean(int row, int col) const { return text(row, col) == "t"; }
    // A bytea value (its text form is hex, "\x..."), decoded.
    std::string bytes(int row, int col) const;
    // Rows an INSERT, UPDATE or DELETE touched.
    int64_t affected() const;

    const PGresult* get() const { return result_.get(); }

  private:
    struct Clear {
        void operator()(PGresult* r) const { PQclear(r); }
    };
    std::unique_ptr<PGresult, Clear> result_;
};

// What opening a connection needs: the URL as the caller gave it (passed to libpq as it is),
// and the settings Paperboy adds unless the URL sets them.
struct ConnectSettings {
    std::string url;
    int connect_timeout_s = 2;
    bool read_only = false;
};

class Connection {
  public:
    // Connects (blocking, at most connect_timeout_s per host). kUnavailable when the server
    // cannot be reached or refuses; kNotFound when the database does not exist;
    // kInvalidArgument for a malformed URL or failed authentication. `name` names the database
    // in messages (with no password).
    static Result<std::unique_ptr<Connection>> open(const ConnectSettings& settings,
                                                    std::string_view name);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs statement `q`, preparing it first when this connection has not yet.
    Result<PgResult> run(Query q, std::initializer_list<Param> params = {});
    Result<PgResult> run(Query q, std::span<const Param> params);

    // Runs constant SQL with no parameters through the simple protocol: the migration scripts
    // (several statements each), which cannot be prepared.
    Status exec_script(const char* sql, std::string_view context);

    // The SQLSTATE of the last failed statement ("" when it had none).
    const std::string& last_sqlstate() const { return last_sqlstate_; }
    // Whether the connection failed at the socket level and must be discarded.
    bool broken() const;
    // Whether a transaction is open or failed (PQTRANS_INTRANS, PQTRANS_INERROR).
    bool in_transaction() const;
    // Statements run since the pool handed the connection out; see Pool.
    int statements_this_lease() const { return statements_this_lease_; }
    void start_lease() { statements_this_lease_ = 0; }

    // The socket and notifications, for the LISTEN connection (listener.h).
    PGconn* raw() const { return conn_; }

  private:
    Connection(PGconn* conn, std::string name) : conn_(conn), name_(std::move(name)) {}
    // The error of a failed call: "<name>: <context>: <libpq's message>", coded by SQLSTATE.
    Error failure(const PGresult* result, std::string_view context);

    PGconn* conn_;
    const std::string name_;
    std::bitset<kQueryCount> prepared_;
    std::string last_sqlstate_;
    int statements_this_lease_ = 0;
};

// A transaction on a connection, rolled back on scope exit unless committed, so that every
// early return leaves the database as it was.
class Transaction {
  public:
    explicit Transaction(Connection& c) : c_(c) {}
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    // BEGIN (read committed), or `begin` (Query::kBeginSnapshot for a consistent read).
    Status begin(Query begin = Query::kBegin);
    Status commit();
    Status rollback();

  private:
    Connection& c_;
    bool open_ = false;
};

}  // namespace paperboy::store::postgres
