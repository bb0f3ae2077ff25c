#include "store/postgres/connection.h"

#include <array>
#include <charconv>
#include <cstring>

namespace paperboy::store::postgres {
namespace {

// Parameters per statement; the widest (a bulk paper insert) has 22.
constexpr size_t kMaxParams = 32;

// The OIDs of the array element types (pg_type.h; stable across releases).
uint32_t element_oid(ArrayBuilder::Type type) {
    switch (type) {
        case ArrayBuilder::Type::kText:
            return 25;
        case ArrayBuilder::Type::kInt4:
            return 23;
        case ArrayBuilder::Type::kInt8:
            return 20;
        case ArrayBuilder::Type::kBool:
            return 16;
        case ArrayBuilder::Type::kBytes:
            return 17;
    }
    return 25;
}

std::string trimmed(const char* message) {
    std::string out = message != nullptr ? message : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
}

// Connection failures have no SQLSTATE; their message says what went wrong.
ErrorCode error_code_for_connect(std::string_view message) {
    if (message.find("does not exist") != std::string_view::npos) return ErrorCode::kNotFound;
    if (message.find("authentication failed") != std::string_view::npos ||
        message.find("invalid URI") != std::string_view::npos ||
        message.find("invalid connection option") != std::string_view::npos ||
        message.find("invalid integer value") != std::string_view::npos ||
        message.find("invalid percent-encoded") != std::string_view::npos) {
        return ErrorCode::kInvalidArgument;
    }
    return ErrorCode::kUnavailable;
}

void ignore_notice(void*, const char*) {}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

ErrorCode error_code_for_sqlstate(std::string_view sqlstate) {
    if (sqlstate.empty()) return ErrorCode::kUnavailable;  // the connection failed
    const std::string_view cls = sqlstate.substr(0, 2);
    if (sqlstate == kUniqueViolation) return ErrorCode::kAlreadyExists;
    if (cls == "23" || cls == "22" || cls == "25" || cls == "42") {
        // Integrity, data, transaction state (a write on a read-only connection), syntax.
        return cls == "42" ? ErrorCode::kInternal : ErrorCode::kInvalidArgument;
    }
    if (sqlstate == "3D000") return ErrorCode::kNotFound;  // no such database
    if (cls == "08" || cls == "40" || cls == "53" || cls == "57" || cls == "55") {
        // Connection, rollback (serialization, deadlock), resources, shutdown, lock busy.
        return ErrorCode::kUnavailable;
    }
    if (cls == "28") return ErrorCode::kInvalidArgument;  // authorization
    if (cls == "XX") return ErrorCode::kCorruption;
    return ErrorCode::kInternal;
}

Param::Param(int64_t n) : owned_(true) {
    auto [end, ec] = std::to_chars(buffer_, buffer_ + sizeof buffer_, n);
    owned_length_ = ec == std::errc() ? static_cast<size_t>(end - buffer_) : 0;
}

Param Param::null() {
    Param p;
    p.null_ = true;
    return p;
}

Param Param::binary(std::string_view bytes) {
    Param p(bytes);
    p.binary_ = true;
    return p;
}

ArrayBuilder::ArrayBuilder(Type type, size_t count) : type_(type) {
    put_u32(count > 0 ? 1 : 0);  // dimensions
    put_u32(0);                  // no NULL elements
    put_u32(element_oid(type));
    if (count > 0) {
        put_u32(static_cast<uint32_t>(count));
        put_u32(1);  // lower bound
    }
}

void ArrayBuilder::put_u32(uint32_t v) {
    const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
    bytes_.append(b, 4);
}

void ArrayBuilder::add(std::string_view text) {
    put_u32(static_cast<uint32_t>(text.size()));
    bytes_.append(text);
}

void ArrayBuilder::add(int64_t n) {
    if (type_ == Type::kInt4) {
        put_u32(4);
        put_u32(static_cast<uint32_t>(static_cast<int32_t>(n)));
        return;
    }
    put_u32(8);
    const auto u = static_cast<uint64_t>(n);
    put_u32(static_cast<uint32_t>(u >> 32));
    put_u32(static_cast<uint32_t>(u));
}

void ArrayBuilder::add(bool b) {
    put_u32(1);
    bytes_.push_back(b ? '\1' : '\0');
}

std::string_view PgResult::text(int row, int col) const {
    const char* value = PQgetvalue(result_.get(), row, col);
    if (value == nullptr) return {};
    return std::string_view(value, static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

int64_t PgResult::int64(int row, int col) const {
    const std::string_view t = text(row, col);
    int64_t n = 0;
    std::from_chars(t.data(), t.data() + t.size(), n);
    return n;
}

std::string PgResult::bytes(int row, int col) const {
    std::string_view t = text(row, col);
    std::string out;
    if (t.substr(0, 2) != "\\x") return std::string(t);
    t.remove_prefix(2);
    out.reserve(t.size() / 2);
    for (size_t i = 0; i + 1 < t.size(); i += 2) {
        out.push_back(static_cast<char>(hex_value(t[i]) * 16 + hex_value(t[i + 1])));
    }
    return out;
}

int64_t PgResult::affected() const {
    const char* n = PQcmdTuples(result_.get());
    int64_t out = 0;
    if (n != nullptr) std::from_chars(n, n + std::strlen(n), out);
    return out;
}

Result<std::unique_ptr<Connection>> Connection::open(const ConnectSettings& settings,
                                                     std::string_view name) {
    const std::string timeout = std::to_string(std::max(settings.connect_timeout_s, 2));
    // Paperboy's defaults first, the URL last: libpq keeps the last value of a repeated
    // keyword, so whatever the URL sets wins. Keepalives notice a server that vanished without
    // closing the socket (a dead host, a partition) instead of waiting for ever.
    std::vector<const char*> keys = {"connect_timeout", "application_name", "client_encoding",
                                     "keepalives",      "keepalives_idle",  "keepalives_interval",
                                     "keepalives_count"};
    std::vector<const char*> values = {timeout.c_str(), "paperboy", "UTF8", "1", "10", "5", "3"};
    if (settings.read_only) {
        keys.push_back("options");
        values.push_back("-c default_transaction_read_only=on");
    }
    keys.push_back("dbname");
    values.push_back(settings.url.c_str());
    keys.push_back(nullptr);
    values.push_back(nullptr);
    PGconn* conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
    if (conn == nullptr) return Error(ErrorCode::kInternal, "libpq could not allocate");
    if (PQstatus(conn) != CONNECTION_OK) {
        const std::string message = trimmed(PQerrorMessage(conn));
        PQfinish(conn);
        return Error(error_code_for_connect(message),
                     "cannot connect to " + std::string(name) + ": " + message);
    }
    PQsetNoticeProcessor(conn, ignore_notice, nullptr);
    return std::unique_ptr<Connection>(new Connection(conn, std::string(name)));
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

bool Connection::in_transaction() const {
    const PGTransactionStatusType s = PQtransactionStatus(conn_);
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

Error Connection::failure(const PGresult* result, std::string_view context) {
    const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    last_sqlstate_ = state != nullptr ? state : "";
    std::string message = trimmed(result != nullptr ? PQresultErrorMessage(result) : "");
    if (message.empty()) message = trimmed(PQerrorMessage(conn_));
    const ErrorCode code =
        broken() ? ErrorCode::kUnavailable : error_code_for_sqlstate(last_sqlstate_);
    return Error(code, name_ + ": " + std::string(context) + ": " + message);
}

Result<PgResult> Connection::run(Query q, std::initializer_list<Param> params) {
    return run(q, std::span<const Param>(params.begin(), params.size()));
}

Result<PgResult> Connection::run(Query q, std::span<const Param> params) {
    ++statements_this_lease_;
    const auto index = static_cast<size_t>(q);
    const std::string statement_name = "pb" + std::to_string(index);
    if (!prepared_[index]) {
        const std::string_view sql = sql_text(q);  // NUL-terminated (queries.h)
        PgResult prepared(PQprepare(conn_, statement_name.c_str(), sql.data(), 0, nullptr));
        if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
            return failure(prepared.get(), "preparing \"" + std::string(sql.substr(0, 60)) + "\"");
        }
        prepared_[index] = true;
    }
    if (params.size() > kMaxParams) {
        return Error(ErrorCode::kInternal, "too many parameters for " + statement_name);
    }
    std::array<const char*, kMaxParams> values{};
    std::array<int, kMaxParams> lengths{};
    std::array<int, kMaxParams> formats{};
    for (size_t i = 0; i < params.size(); ++i) {
        values[i] = params[i].data();
        lengths[i] = params[i].length();
        formats[i] = params[i].format();
    }
    PgResult result(PQexecPrepared(conn_, statement_name.c_str(), static_cast<int>(params.size()),
                                   values.data(), lengths.data(), formats.data(), 0));
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        return failure(result.get(), "running \"" + std::string(sql_text(q).substr(0, 60)) + "\"");
    }
    last_sqlstate_.clear();
    return result;
}

Status Connection::exec_script(const char* sql, std::string_view context) {
    ++statements_this_lease_;
    PgResult result(PQexec(conn_, sql));
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        return failure(result.get(), context);
    }
    return Status::ok_status();
}

Transaction::~Transaction() {
    if (open_) (void)rollback();
}

Status Transaction::begin(Query begin) {
    auto r = c_.run(begin);
    if (!r.ok()) return r.error();
    open_ = true;
    return Status::ok_status();
}

Status Transaction::commit() {
    auto r = c_.run(Query::kCommit);
    open_ = false;  // a failed COMMIT ends the transaction too (rolled back)
    if (!r.ok()) return r.error();
    return Status::ok_status();
}

Status Transaction::rollback() {
    open_ = false;
    if (c_.broken()) return Status::ok_status();  // the server ended it with the connection
    auto r = c_.run(Query::kRollback);
    if (!r.ok()) return r.error();
    return Status::ok_status();
}

}  // namespace paperboy::store::postgres
