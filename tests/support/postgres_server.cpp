#include "support/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

namespace paperboy::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr std::string_view kDirPrefix = "paperboy-pgtest-";
// Written into the directory: the test process that owns it (leftovers are told by it).
constexpr std::string_view kOwnerFile = "paperboy-test-owner.pid";

// Who runs initdb and postgres: ourselves, unless we are root, which initdb refuses.
struct RunAs {
    bool switch_user = false;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
    std::string name;
};

bool find_user(RunAs& as, std::string* why) {
    if (geteuid() != 0) return true;
    for (const char* name : {"postgres", "nobody"}) {
        const passwd* pw = getpwnam(name);
        if (pw == nullptr) continue;
        as.switch_user = true;
        as.uid = pw->pw_uid;
        as.gid = pw->pw_gid;
        as.name = name;
        int n = 32;
        as.groups.resize(static_cast<size_t>(n));
        if (getgrouplist(name, pw->pw_gid, as.groups.data(), &n) < 0) {
            as.groups.resize(static_cast<size_t>(n));
            getgrouplist(name, pw->pw_gid, as.groups.data(), &n);
        }
        as.groups.resize(static_cast<size_t>(n));
        return true;
    }
    *why = "running as root and neither a postgres nor a nobody user exists to run PostgreSQL";
    return false;
}

// The directory holding initdb and postgres: PAPERBOY_PG_BINDIR, the newest
// /usr/lib/postgresql/N/bin, or the directory of an initdb on PATH.
std::string find_bindir() {
    std::error_code ec;
    if (const char* env = getenv("PAPERBOY_PG_BINDIR"); env != nullptr && *env != '\0') {
        return env;
    }
    int best = -1;
    std::string found;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        const std::string version = entry.path().filename().string();
        const int n = std::atoi(version.c_str());
        if (n > best && fs::exists(entry.path() / "bin" / "initdb", ec) &&
            fs::exists(entry.path() / "bin" / "postgres", ec)) {
            best = n;
            found = (entry.path() / "bin").string();
        }
    }
    if (!found.empty()) return found;
    if (const char* path = getenv("PATH"); path != nullptr) {
        std::stringstream dirs(path);
        for (std::string dir; std::getline(dirs, dir, ':');) {
            if (fs::exists(fs::path(dir) / "initdb", ec) &&
                fs::exists(fs::path(dir) / "postgres", ec)) {
                return dir;
            }
        }
    }
    return "";
}

int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    close(fd);
    return port;
}

// Whether a process runs (a zombie, dead but not yet reaped, does not).
bool alive(pid_t pid) {
    if (pid <= 0 || (kill(pid, 0) != 0 && errno != EPERM)) return false;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const size_t paren = line.rfind(')');
    return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

// Directories of test processes that died without cleaning up: their servers were killed with
// them (or are killed here), their files removed.
void remove_leftovers() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(ec), ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(kDirPrefix, 0) != 0) continue;
        pid_t owner = 0;
        std::ifstream(entry.path() / kOwnerFile) >> owner;
        if (owner == 0 || alive(owner)) continue;
        pid_t postmaster = 0;
        std::ifstream(entry.path() / "data" / "postmaster.pid") >> postmaster;
        if (alive(postmaster)) kill(postmaster, SIGKILL);
        fs::remove_all(entry.path(), ec);
    }
}

std::string tail_of(const std::string& path) {
    std::ifstream in(path);
    std::string line, last;
    while (std::getline(in, line)) {
        if (!line.empty()) last = line;
    }
    return last;
}

// Forks and execs argv[0] as `as`, output to `log`. With `tie_to_thread`, the child gets
// SIGKILL when the forking thread ends (PR_SET_PDEATHSIG, set after the change of user, which
// would clear it). Only async-signal-safe calls between fork and exec.
pid_t spawn(const std::vector<std::string>& args, const RunAs& as, const std::string& log,
            bool tie_to_thread) {
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid != 0) return pid;
    const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || in < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    if (as.switch_user) {
        if (setgroups(as.groups.size(), as.groups.data()) != 0 || setgid(as.gid) != 0 ||
            setuid(as.uid) != 0) {
            _exit(126);
        }
    }
    if (tie_to_thread) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(0);  // the parent died before the prctl
    }
    execv(argv[0], argv.data());
    _exit(127);
}

// Spawns the postmaster from a thread that lives as long as the process, so that
// PR_SET_PDEATHSIG fires when the process dies, not when the calling thread does.
pid_t spawn_tied(const std::vector<std::string>& args, const RunAs& as, const std::string& log) {
    std::promise<pid_t> started;
    std::future<pid_t> pid = started.get_future();
    std::thread([&] {
        started.set_value(spawn(args, as, log, true));
        for (;;) pause();
    }).detach();
    return pid.get();
}

bool wait_exit(pid_t pid, milliseconds limit, int* status) {
    const auto until = steady_clock::now() + limit;
    while (steady_clock::now() < until) {
        if (waitpid(pid, status, WNOHANG) == pid) return true;
        std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
}

std::string admin_conninfo(int port) {
    return "host=127.0.0.1 port=" + std::to_string(port) +
           " dbname=postgres user=postgres connect_timeout=5";
}

// Runs a constant statement on an admin connection; "" or libpq's message.
std::string run_admin(const std::string& conninfo, const std::string& sql) {
    PGconn* conn = PQconnectdb(conninfo.c_str());
    std::string error;
    if (PQstatus(conn) != CONNECTION_OK) {
        error = PQerrorMessage(conn);
    } else {
        PGresult* r = PQexec(conn, sql.c_str());
        if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
            error = PQresultErrorMessage(r);
        }
        PQclear(r);
    }
    PQfinish(conn);
    while (!error.empty() && error.back() == '\n') error.pop_back();
    return error;
}

}  // namespace

std::unique_ptr<PostgresServer> PostgresServer::start(std::string* why) {
    std::unique_ptr<PostgresServer> server(new PostgresServer());
    server->bindir_ = find_bindir();
    if (server->bindir_.empty()) {
        *why =
            "PostgreSQL's initdb and postgres were not found (install postgresql, or set "
            "PAPERBOY_PG_BINDIR or PAPERBOY_TEST_PG_URL)";
        return nullptr;
    }
    RunAs as;
    if (!find_user(as, why)) return nullptr;
    remove_leftovers();
    std::string pattern = (fs::temp_directory_path() / (std::string(kDirPrefix) + "XXXXXX"));
    if (mkdtemp(pattern.data()) == nullptr) {
        *why = "cannot make a directory for PostgreSQL under " + fs::temp_directory_path().string();
        return nullptr;
    }
    server->dir_ = pattern;
    std::ofstream(server->dir_ + "/" + std::string(kOwnerFile)) << getpid() << "\n";
    if (as.switch_user && chown(server->dir_.c_str(), as.uid, as.gid) != 0) {
        *why = "cannot give " + server->dir_ + " to the " + as.name + " user";
        return nullptr;
    }
    const std::string log = server->dir_ + "/initdb.log";
    const pid_t initdb =
        spawn({server->bindir_ + "/initdb", "-D", server->dir_ + "/data", "-U", "postgres",
               "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"},
              as, log, false);
    int status = 0;
    if (initdb < 0 || waitpid(initdb, &status, 0) != initdb || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        *why = "initdb failed: " + tail_of(log);
        return nullptr;
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
        server->port_ = free_port();
        if (server->launch(why)) return server;
    }
    return nullptr;
}

bool PostgresServer::launch(std::string* why) {
    RunAs as;
    if (!find_user(as, why)) return false;
    const std::string log = dir_ + "/server.log";
    pid_ =
        spawn_tied({bindir_ + "/postgres", "-D", dir_ + "/data", "-p", std::to_string(port_), "-c",
                    "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + dir_, "-c",
                    "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c",
                    "max_connections=300", "-c", "logging_collector=off"},
                   as, log);
    const std::string conninfo = admin_conninfo(port_);
    const auto until = steady_clock::now() + std::chrono::seconds(30);
    while (steady_clock::now() < until) {
        if (PQping(conninfo.c_str()) == PQPING_OK) return true;
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = 0;
            *why = "postgres exited at start: " + tail_of(log);
            return false;
        }
        std::this_thread::sleep_for(milliseconds(20));
    }
    shut_down(SIGQUIT);
    *why = "postgres did not accept connections within 30 s: " + tail_of(log);
    return false;
}

void PostgresServer::stop() { shut_down(SIGINT); }

void PostgresServer::shut_down(int signal) {
    if (pid_ == 0) return;
    // SIGINT is pg_ctl's "fast" mode: clients are disconnected at once and what they committed
    // is kept (synchronous_commit is off, so an immediate stop could lose the last commits).
    // SIGQUIT is the "immediate" mode, for a server whose data goes away with it.
    kill(pid_, signal);
    int status = 0;
    if (!wait_exit(pid_, milliseconds(5000), &status)) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
    }
    pid_ = 0;
}

bool PostgresServer::restart(std::string* why) {
    stop();
    return launch(why);
}

PostgresServer::~PostgresServer() {
    shut_down(SIGQUIT);
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::string PostgresServer::url(std::string_view db) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + std::string(db);
}

std::optional<std::string> PostgresServer::create_database(std::string* why) {
    const std::string name = "t_" + std::to_string(++next_database_);
    const std::string error = run_admin(admin_conninfo(port_), "CREATE DATABASE " + name);
    if (!error.empty()) {
        *why = "CREATE DATABASE " + name + " failed: " + error;
        return std::nullopt;
    }
    return url(name);
}

namespace {

// The test process's PostgreSQL: PAPERBOY_TEST_PG_URL's server, or one started on first use.
class SharedServer {
  public:
    static SharedServer& get() {
        static SharedServer shared;
        return shared;
    }

    std::optional<std::string> fresh_database() {
        std::lock_guard lock(mu_);
        if (!tried_) {
            tried_ = true;
            if (const char* env = getenv("PAPERBOY_TEST_PG_URL"); env != nullptr && *env != '\0') {
                external_ = env;
            } else {
                server_ = PostgresServer::start(&why_);
            }
        }
        if (!external_.empty()) return external_database();
        if (server_ == nullptr) return std::nullopt;
        return server_->create_database(&why_);
    }

    std::string why() {
        std::lock_guard lock(mu_);
        return why_.empty() ? "PostgreSQL is not available" : why_;
    }

    ~SharedServer() {
        // Databases made in someone else's server are dropped; our own server goes whole.
        for (const std::string& name : created_) {
            (void)run_admin(external_, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

  private:
    // A database in the PAPERBOY_TEST_PG_URL server: created through that URL, named after
    // this process so that parallel test processes do not collide.
    std::optional<std::string> external_database() {
        const std::string name =
            "paperboy_t" + std::to_string(getpid()) + "_" + std::to_string(created_.size() + 1);
        const std::string error = run_admin(external_, "CREATE DATABASE " + name);
        if (!error.empty()) {
            why_ = "CREATE DATABASE in PAPERBOY_TEST_PG_URL's server failed: " + error;
            return std::nullopt;
        }
        created_.push_back(name);
        // Swap the URL's database (its path) for the new one, keeping its query parameters.
        std::string url = external_;
        const size_t scheme = url.find("://");
        const size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
        const size_t query = url.find('?');
        const std::string params = query == std::string::npos ? "" : url.substr(query);
        url = (path == std::string::npos ? url.substr(0, query) : url.substr(0, path)) + "/" +
              name + params;
        return url;
    }

    std::mutex mu_;
    bool tried_ = false;
    std::string why_;
    std::string external_;
    std::vector<std::string> created_;
    std::unique_ptr<PostgresServer> server_;
};

}  // namespace

std::optional<std::string> fresh_database_url() { return SharedServer::get().fresh_database(); }

std::string postgres_skip_reason() {
    const std::string reason = "needs PostgreSQL: " + SharedServer::get().why();
    if (const char* log = getenv("PAPERBOY_SKIP_LOG"); log != nullptr && *log != '\0') {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::ofstream out(log, std::ios::app);
        if (info != nullptr) out << info->test_suite_name() << "." << info->name() << ": ";
        out << reason << "\n";
    }
    return reason;
}

}  // namespace paperboy::testing
