#include "embed/hub.h"

#include <curl/curl.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/url.h"
#include "embed/sha256.h"

namespace paperboy::embed {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

void init_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

std::string one_line(std::string_view text, size_t limit = 200) {
    std::string out;
    for (char c : text.substr(0, limit)) {
        auto u = static_cast<unsigned char>(c);
        out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
    }
    if (text.size() > limit) out += "...";
    return std::string(trim(out));
}

// The host of an endpoint URL, for "cannot reach HOST".
std::string host_of(std::string_view url) {
    size_t start = url.find("://");
    start = start == std::string_view::npos ? 0 : start + 3;
    size_t end = url.find_first_of("/?#", start);
    return std::string(url.substr(start, end == std::string_view::npos ? url.npos : end - start));
}

// Percent-encodes each segment of a '/'-separated path, keeping the slashes.
std::string encode_path(std::string_view path) {
    std::string out;
    size_t start = 0;
    while (true) {
        size_t slash = path.find('/', start);
        out += url_encode(path.substr(start, slash - start));
        if (slash == std::string_view::npos) break;
        out += '/';
        start = slash + 1;
    }
    return out;
}

struct Response {
    long status = 0;
    std::string body;
    std::string next_page;      // from Link: <URL>; rel="next"
    std::string error_code;     // X-Error-Code
    std::string error_message;  // X-Error-Message
    std::string content_range;  // Content-Range
};

// Resets what the headers of a response said when a new one (after a redirect) starts.
size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* response = static_cast<Response*>(user);
    size_t n = size * count;
    std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {
        response->next_page.clear();
        response->error_code.clear();
        response->error_message.clear();
        response->content_range.clear();
        return n;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    std::string name = lower(trim(line.substr(0, colon)));
    std::string_view value = trim(line.substr(colon + 1));
    if (name == "x-error-code") response->error_code = std::string(value);
    if (name == "x-error-message") response->error_message = std::string(value);
    if (name == "content-range") response->content_range = std::string(value);
    if (name == "link") {
        // Link: <https://huggingface.co/api/...&cursor=...>; rel="next"
        size_t rel = value.find("rel=\"next\"");
        size_t open = value.rfind('<', rel);
        size_t close = value.find('>', open);
        if (rel != std::string_view::npos && open != std::string_view::npos &&
            close != std::string_view::npos && close < rel) {
            response->next_page = std::string(value.substr(open + 1, close - open - 1));
        }
    }
    return n;
}

struct MemorySink {
    std::string* body;
    size_t limit;
    bool too_large = false;
};

size_t on_memory_body(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<MemorySink*>(user);
    size_t n = size * count;
    if (sink->body->size() + n > sink->limit) {
        sink->too_large = true;
        return 0;
    }
    sink->body->append(data, n);
    return n;
}

class Curl {
  public:
    Curl() : curl_(curl_easy_init()) {}
    ~Curl() {
        if (curl_ != nullptr) curl_easy_cleanup(curl_);
    }
    Curl(const Curl&) = delete;
    Curl& operator=(const Curl&) = delete;
    CURL* get() const { return curl_; }

  private:
    CURL* curl_;
};

struct HeaderList {
    curl_slist* list = nullptr;
    ~HeaderList() { curl_slist_free_all(list); }
    void add(const std::string& line) {
        curl_slist* grown = curl_slist_append(list, line.c_str());
        if (grown != nullptr) list = grown;
    }
};

// What every request sets: user agent, token, timeouts, redirects, http(s) only.
void common_options(CURL* curl, const PullOptions& options, HeaderList& headers, char* error_buffer,
                    Response& response) {
    if (!options.token.empty()) headers.add("Authorization: Bearer " + options.token);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout_ms));
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.stall_seconds));
    // The hub redirects LFS files to its CDN and renamed repositories to their new name. curl
    // does not send our Authorization header to another host.
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
}

std::string transport_detail(CURLcode code, const char* error_buffer) {
    return error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
}

// The hub's error for a 4xx/5xx: X-Error-Message, else {"error": "..."}, else the body.
std::string hub_message(const Response& response) {
    if (!response.error_message.empty()) return one_line(response.error_message);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view text;
    if (parser.parse(response.body).get(root) == simdjson::SUCCESS &&
        root["error"].get_string().get(text) == simdjson::SUCCESS) {
        return one_line(text);
    }
    return one_line(response.body);
}

Error http_error(const std::string& what, const Response& response) {
    std::string message = what + ": HTTP " + std::to_string(response.status);
    std::string detail = hub_message(response);
    if (!detail.empty()) message += ": " + detail;
    if (response.error_code == "GatedRepo" || response.status == 403) {
        message += " (a gated model: accept its terms on the hub and set $HF_TOKEN)";
    }
    ErrorCode code = ErrorCode::kUnavailable;
    if (response.status == 401 || response.status == 403 || response.status == 404) {
        code = ErrorCode::kNotFound;
    } else if (response.status >= 400 && response.status < 500 && response.status != 429) {
        code = ErrorCode::kInvalidArgument;
    }
    return Error(code, message);
}

// GET `url` into memory. Transport failures are kUnavailable.
Result<Response> get_json(const std::string& url, const PullOptions& options) {
    Curl curl;
    if (curl.get() == nullptr) return Error(ErrorCode::kInternal, "curl_easy_init failed");
    Response response;
    HeaderList headers;
    headers.add("Accept: application/json");
    char error_buffer[CURL_ERROR_SIZE] = {0};
    common_options(curl.get(), options, headers, error_buffer, response);
    MemorySink sink{&response.body, size_t{32} << 20};
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 120000L);
    curl_easy_setopt(curl.get(), CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, on_memory_body);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &sink);
    CURLcode code = curl_easy_perform(curl.get());
    if (sink.too_large) {
        return Error(ErrorCode::kIo, "GET " + url + ": the answer exceeds 32 MiB");
    }
    if (code != CURLE_OK) {
        return Error(ErrorCode::kUnavailable, transport_detail(code, error_buffer));
    }
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &response.status);
    return response;
}

bool valid_relative_path(std::string_view path) {
    if (path.empty() || path.front() == '/' || path.find('\\') != std::string_view::npos ||
        path.find('\0') != std::string_view::npos) {
        return false;
    }
    size_t start = 0;
    while (true) {
        size_t slash = path.find('/', start);
        std::string_view segment = path.substr(start, slash - start);
        if (segment.empty() || segment == "." || segment == "..") return false;
        if (slash == std::string_view::npos) return true;
        start = slash + 1;
    }
}

std::string size_text(int64_t bytes) {
    char buffer[32];
    if (bytes >= (int64_t{1} << 20)) {
        std::snprintf(buffer, sizeof buffer, "%.1f MB", static_cast<double>(bytes) / 1e6);
    } else {
        std::snprintf(buffer, sizeof buffer, "%lld bytes", static_cast<long long>(bytes));
    }
    return buffer;
}

// The SHA-256 of the first `length` bytes of `path` (all of it when length < 0).
Result<std::string> hash_file(const fs::path& path, int64_t length = -1) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) return Error(ErrorCode::kIo, "cannot read " + path.string());
    Sha256 sha;
    std::vector<char> buffer(size_t{1} << 20);
    int64_t left = length < 0 ? INT64_MAX : length;
    while (left > 0) {
        size_t want =
            static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(buffer.size())));
        size_t got = std::fread(buffer.data(), 1, want, file);
        if (got == 0) break;
        sha.update(buffer.data(), got);
        left -= static_cast<int64_t>(got);
    }
    bool failed = std::ferror(file) != 0;
    std::fclose(file);
    if (failed) return Error(ErrorCode::kIo, "cannot read " + path.string());
    return sha.finish_hex();
}

// The state of one file's download, shared with curl's callbacks.
struct Download {
    std::FILE* file = nullptr;
    Sha256 sha;
    int64_t offset = 0;   // bytes in the .part before this request
    int64_t written = 0;  // bytes in the .part now
    int64_t expected = 0;
    bool decided = false;  // the first body bytes told us whether this is content
    bool content = false;  // 200 or 206: the body is the file's bytes
    bool restart = false;  // 200 to a Range request: the part was truncated to start over
    bool overflow = false;
    bool write_failed = false;
    Response* response = nullptr;
    CURL* curl = nullptr;
    // Progress.
    PullProgress* progress = nullptr;
    const std::function<void(const PullProgress&)>* on_progress = nullptr;
    int64_t done_before = 0;  // of all files, before this one
    int64_t fetched = 0;      // in this run
    Clock::time_point started;
    Clock::time_point last_report;
};

size_t on_file_body(char* data, size_t size, size_t count, void* user) {
    auto* d = static_cast<Download*>(user);
    size_t n = size * count;
    if (!d->decided) {
        d->decided = true;
        long status = 0;
        curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &status);
        d->response->status = status;
        d->content = status == 200 || status == 206;
        if (status == 200 && d->offset > 0) {
            // The server ignored the Range: start the part again.
            d->restart = true;
            if (ftruncate(fileno(d->file), 0) != 0 || std::fseek(d->file, 0, SEEK_SET) != 0) {
                d->write_failed = true;
                return 0;
            }
            d->sha = Sha256();
            d->offset = 0;
            d->written = 0;
        }
    }
    if (!d->content) {  // an error page: keep a little of it for the message
        if (d->response->body.size() < 4096) d->response->body.append(data, n);
        return n;
    }
    if (d->written + static_cast<int64_t>(n) > d->expected) {
        d->overflow = true;
        return 0;
    }
    if (std::fwrite(data, 1, n, d->file) != n) {
        d->write_failed = true;
        return 0;
    }
    d->sha.update(data, n);
    d->written += static_cast<int64_t>(n);
    d->fetched += static_cast<int64_t>(n);
    auto now = Clock::now();
    if (*d->on_progress && now - d->last_report >= std::chrono::milliseconds(100)) {
        d->last_report = now;
        double seconds = std::chrono::duration<double>(now - d->started).count();
        d->progress->file_bytes = d->written;
        d->progress->done_bytes = d->done_before + d->written;
        d->progress->rate = seconds > 0 ? static_cast<double>(d->fetched) / seconds : 0;
        (*d->on_progress)(*d->progress);
    }
    return n;
}

struct FileOutcome {
    int64_t fetched = 0;
    int64_t reused = 0;
};

// Fetches one file into dir/file.path via dir/file.path.part, resuming and checking it.
Result<FileOutcome> fetch_file(const std::string& endpoint, std::string_view repo,
                               const std::string& commit, const HubFile& file, const fs::path& dir,
                               int64_t done_before, const PullOptions& options) {
    const fs::path final_path = dir / file.path;
    const fs::path part_path = fs::path(final_path.string() + ".part");
    const std::string url = endpoint + "/" + std::string(repo) + "/resolve/" + url_encode(commit) +
                            "/" + encode_path(file.path);
    std::error_code ec;
    fs::create_directories(final_path.parent_path(), ec);
    if (ec) {
        return Error(ErrorCode::kIo,
                     "cannot create " + final_path.parent_path().string() + ": " + ec.message());
    }
    PullProgress progress;
    progress.file = file.path;
    progress.file_size = file.size;
    progress.done_bytes = done_before;
    auto report_done = [&](bool reused) {
        if (!options.on_progress) return;
        progress.file_bytes = file.size;
        progress.done_bytes = done_before + file.size;
        progress.file_done = true;
        progress.reused = reused;
        options.on_progress(progress);
    };
    auto matches = [&](const fs::path& path) -> Result<bool> {
        if (!file.sha256.empty()) {
            auto digest = hash_file(path);
            if (!digest.ok()) return digest.error();
            return *digest == file.sha256;
        }
        return true;  // the size was checked; git blob ids are not SHA-256
    };

    // A complete file from an earlier pull is kept.
    if (fs::is_regular_file(final_path, ec) &&
        static_cast<int64_t>(fs::file_size(final_path, ec)) == file.size && !ec) {
        auto same = matches(final_path);
        if (!same.ok()) return same.error();
        if (*same) {
            report_done(true);
            return FileOutcome{0, file.size};
        }
    }

    FileOutcome outcome;
    const int attempts = std::max(0, options.retries) + 1;
    std::string last_problem;
    for (int attempt = 0; attempt < attempts; ++attempt) {
        if (attempt > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(
                static_cast<int64_t>(options.backoff_ms) << std::min(attempt - 1, 10)));
        }
        int64_t have = 0;
        if (fs::exists(part_path, ec)) have = static_cast<int64_t>(fs::file_size(part_path, ec));
        if (ec || have > file.size) {
            fs::remove(part_path, ec);
            have = 0;
        }
        Download d;
        d.expected = file.size;
        d.offset = have;
        d.written = have;
        if (have > 0) {
            // Resuming: the digest must cover the bytes already there.
            Sha256 sha;
            std::FILE* existing = std::fopen(part_path.c_str(), "rb");
            if (existing == nullptr)
                return Error(ErrorCode::kIo, "cannot read " + part_path.string());
            std::vector<char> buffer(size_t{1} << 20);
            size_t got;
            while ((got = std::fread(buffer.data(), 1, buffer.size(), existing)) > 0) {
                sha.update(buffer.data(), got);
            }
            std::fclose(existing);
            d.sha = sha;
            if (attempt == 0) outcome.reused += have;
        }
        if (have < file.size || file.size == 0) {
            d.file = std::fopen(part_path.c_str(), have > 0 ? "ab" : "wb");
            if (d.file == nullptr) {
                return Error(ErrorCode::kIo, "cannot write " + part_path.string());
            }
            Curl curl;
            if (curl.get() == nullptr) {
                std::fclose(d.file);
                return Error(ErrorCode::kInternal, "curl_easy_init failed");
            }
            Response response;
            HeaderList headers;
            char error_buffer[CURL_ERROR_SIZE] = {0};
            common_options(curl.get(), options, headers, error_buffer, response);
            curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
            if (have > 0) {
                const std::string range = std::to_string(have) + "-";
                curl_easy_setopt(curl.get(), CURLOPT_RANGE, range.c_str());
            }
            d.response = &response;
            d.curl = curl.get();
            d.progress = &progress;
            d.on_progress = &options.on_progress;
            d.done_before = done_before;
            d.started = Clock::now();
            d.last_report = d.started;
            curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, on_file_body);
            curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &d);
            CURLcode code = curl_easy_perform(curl.get());
            curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &response.status);
            bool flushed = std::fflush(d.file) == 0 && fsync(fileno(d.file)) == 0;
            std::fclose(d.file);
            outcome.fetched += d.fetched;
            if (d.write_failed || !flushed) {
                return Error(ErrorCode::kIo, "cannot write " + part_path.string());
            }
            if (d.overflow) {
                fs::remove(part_path, ec);
                return Error(ErrorCode::kCorruption,
                             "GET " + url + ": more bytes than the " + std::to_string(file.size) +
                                 " the listing gives for " + file.path + " (deleted the download)");
            }
            if (response.status == 416 && have > 0) {
                // The part does not fit what the server has: start over.
                fs::remove(part_path, ec);
                last_problem = "HTTP 416 for a resumed download";
                continue;
            }
            if (code == CURLE_OK && response.status != 200 && response.status != 206) {
                Error error = http_error("GET " + url, response);
                if (error.code() != ErrorCode::kUnavailable) return error;
                last_problem = error.message();
                continue;
            }
            if (response.status == 206 && have > 0 && !d.restart &&
                !response.content_range.starts_with("bytes " + std::to_string(have) + "-")) {
                fs::remove(part_path, ec);
                return Error(ErrorCode::kCorruption,
                             "GET " + url + ": asked for bytes from " + std::to_string(have) +
                                 ", got Content-Range: " + one_line(response.content_range));
            }
            if (code != CURLE_OK) {
                last_problem = transport_detail(code, error_buffer);
                continue;  // resumed from what arrived
            }
        }
        if (d.written < file.size) {
            last_problem = "the transfer ended after " + std::to_string(d.written) + " of " +
                           std::to_string(file.size) + " bytes";
            continue;
        }
        if (!file.sha256.empty()) {
            std::string digest = d.sha.finish_hex();
            if (digest != file.sha256) {
                fs::remove(part_path, ec);
                return Error(ErrorCode::kCorruption,
                             file.path + ": SHA-256 " + digest + " is not the listed " +
                                 file.sha256 + " (deleted the download; run the pull again)");
            }
        }
        fs::rename(part_path, final_path, ec);
        if (ec) {
            return Error(ErrorCode::kIo, "cannot rename " + part_path.string() + " to " +
                                             final_path.string() + ": " + ec.message());
        }
        report_done(false);
        return outcome;
    }
    return Error(ErrorCode::kUnavailable, "GET " + url + ": " + last_problem + " (after " +
                                              std::to_string(attempts) +
                                              (attempts == 1 ? " attempt" : " attempts") +
                                              "; run the pull again to resume)");
}

}  // namespace

Result<std::vector<HubFile>> parse_tree_listing(std::string_view json) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::padded_string padded(json);
    if (auto error = parser.parse(padded).get(root); error != simdjson::SUCCESS) {
        return Error(ErrorCode::kParse, std::string("tree listing: not JSON (") +
                                            simdjson::error_message(error) + ")");
    }
    simdjson::dom::array entries;
    if (root.get_array().get(entries) != simdjson::SUCCESS) {
        return Error(ErrorCode::kParse, "tree listing: not a JSON array");
    }
    std::vector<HubFile> files;
    size_t i = 0;
    for (simdjson::dom::element entry : entries) {
        const std::string where = "tree listing entry " + std::to_string(i++);
        std::string_view type;
        std::string_view path;
        if (entry["type"].get_string().get(type) != simdjson::SUCCESS) {
            return Error(ErrorCode::kParse, where + ": no \"type\"");
        }
        if (entry["path"].get_string().get(path) != simdjson::SUCCESS) {
            return Error(ErrorCode::kParse, where + ": no \"path\"");
        }
        if (type != "file") continue;  // "directory": its files are listed too (recursive)
        if (!valid_relative_path(path)) {
            return Error(ErrorCode::kInvalidArgument,
                         where + ": path \"" + one_line(path) + "\" would leave the folder");
        }
        HubFile file;
        file.path = std::string(path);
        int64_t size = 0;
        if (entry["size"].get_int64().get(size) != simdjson::SUCCESS || size < 0) {
            return Error(ErrorCode::kParse, where + " (" + file.path + "): no \"size\"");
        }
        file.size = size;
        simdjson::dom::element lfs;
        if (entry["lfs"].get(lfs) == simdjson::SUCCESS && !lfs.is_null()) {
            std::string_view oid;
            int64_t lfs_size = 0;
            if (lfs["oid"].get_string().get(oid) != simdjson::SUCCESS || oid.size() != 64 ||
                !std::all_of(oid.begin(), oid.end(), [](char c) {
                    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                })) {
                return Error(ErrorCode::kParse,
                             where + " (" + file.path + "): lfs.oid is not a SHA-256 in hex");
            }
            if (lfs["size"].get_int64().get(lfs_size) == simdjson::SUCCESS) file.size = lfs_size;
            file.sha256 = std::string(oid);
        }
        files.push_back(std::move(file));
    }
    return files;
}

bool is_model_file(std::string_view path) {
    static constexpr std::array<std::string_view, 14> kRootFiles = {
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "vocab.txt",
        "modules.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        "README.md",
        "LICENSE",
        "LICENSE.md",
        "LICENSE.txt",
        "NOTICE",
    };
    size_t slash = path.find('/');
    if (slash == std::string_view::npos) {
        return std::find(kRootFiles.begin(), kRootFiles.end(), path) != kRootFiles.end();
    }
    // sentence-transformers modules after the encoder: "1_Pooling/config.json",
    // "2_Dense/model.safetensors", "2_Normalize/..."; module 0 (the encoder, or a Model2Vec
    // "0_StaticEmbedding") repeats the files at the top.
    std::string_view folder = path.substr(0, slash);
    std::string_view name = path.substr(slash + 1);
    size_t digits = 0;
    while (digits < folder.size() && folder[digits] >= '0' && folder[digits] <= '9') ++digits;
    if (digits == 0 || digits >= folder.size() || folder[digits] != '_') return false;
    if (folder.substr(0, digits) == "0") return false;
    std::string_view module = folder.substr(digits + 1);
    if (module != "Pooling" && module != "Normalize" && module != "Dense") return false;
    return name == "config.json" || name == "model.safetensors";
}

Status validate_repo_id(std::string_view repo) {
    auto bad = [&](const std::string& why) {
        return Error(ErrorCode::kInvalidArgument,
                     "model \"" + one_line(repo) + "\": " + why +
                         " (expected ORG/NAME, e.g. sentence-transformers/all-MiniLM-L6-v2)");
    };
    size_t slash = repo.find('/');
    if (slash == std::string_view::npos || repo.find('/', slash + 1) != std::string_view::npos) {
        return bad("not of the form ORG/NAME");
    }
    for (std::string_view part : {repo.substr(0, slash), repo.substr(slash + 1)}) {
        if (part.empty() || part.size() > 96) return bad("a part is empty or too long");
        if (part == "." || part == ".." || part.find("..") != std::string_view::npos ||
            part.front() == '.' || part.front() == '-') {
            return bad("a part starts with '.' or '-' or has \"..\"");
        }
        for (char c : part) {
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.';
            if (!ok) return bad("only letters, digits, '-', '_' and '.' may appear");
        }
    }
    return Status();
}

std::string default_hub_endpoint() {
    std::string endpoint = "https://huggingface.co";
    for (const char* name : {"PAPERBOY_HF_ENDPOINT", "HF_ENDPOINT"}) {
        const char* value = std::getenv(name);
        if (value != nullptr && *value != '\0') {
            endpoint = value;
            break;
        }
    }
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    return endpoint;
}

Result<std::string> default_model_dir(std::string_view repo) {
    fs::path cache;
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    if (xdg != nullptr && *xdg == '/') {
        cache = xdg;
    } else if (home != nullptr && *home != '\0') {
        cache = fs::path(home) / ".cache";
    } else {
        return Error(ErrorCode::kInvalidArgument, "$HOME is not set: give the folder with --dir");
    }
    return (cache / "paperboy" / "models" / std::string(repo)).string();
}

Result<PullReport> pull_model(std::string_view repo, const PullOptions& given) {
    PAPERBOY_RETURN_IF_ERROR(validate_repo_id(repo));
    init_curl_once();
    const auto started = Clock::now();
    PullOptions options = given;
    std::string endpoint = options.endpoint.empty() ? default_hub_endpoint() : options.endpoint;
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    if (options.token.empty()) {
        const char* token = std::getenv("HF_TOKEN");
        if (token != nullptr) options.token = token;
    }
    if (options.token.find_first_of("\r\n") != std::string::npos) {
        return Error(ErrorCode::kInvalidArgument, "$HF_TOKEN has a line break");
    }
    if (options.revision.empty()) options.revision = "main";
    PullReport report;
    report.repo = std::string(repo);
    if (options.dir.empty()) {
        auto dir = default_model_dir(repo);
        if (!dir.ok()) return dir.error();
        report.dir = *dir;
    } else {
        report.dir = options.dir;
    }
    const std::string where = std::string(repo) + "@" + options.revision;

    // 1. The commit the revision names, so that every file comes from the same one.
    const std::string revision_url =
        endpoint + "/api/models/" + std::string(repo) + "/revision/" + url_encode(options.revision);
    auto revision = get_json(revision_url, options);
    if (!revision.ok()) {
        if (revision.error().code() != ErrorCode::kUnavailable) return revision.error();
        return Error(ErrorCode::kUnavailable, "cannot reach " + host_of(endpoint) + ": " +
                                                  revision.error().message() +
                                                  "; paperboy stays lexical");
    }
    if (revision->status != 200) return http_error("model " + where, *revision);
    {
        simdjson::dom::parser parser;
        simdjson::dom::element root;
        std::string_view sha;
        if (parser.parse(revision->body).get(root) != simdjson::SUCCESS ||
            root["sha"].get_string().get(sha) != simdjson::SUCCESS || sha.empty() ||
            sha.size() > 64) {
            return Error(ErrorCode::kParse, "GET " + revision_url + ": no commit (\"sha\") in " +
                                                one_line(revision->body, 120));
        }
        report.commit = std::string(sha);
    }

    // 2. The files at that commit, page by page.
    std::vector<HubFile> listed;
    std::string page_url = endpoint + "/api/models/" + std::string(repo) + "/tree/" +
                           url_encode(report.commit) + "?recursive=true";
    for (int pages = 0; !page_url.empty(); ++pages) {
        if (pages == 1000) {
            return Error(ErrorCode::kLimitExceeded, "model " + where + ": over 1000 listing pages");
        }
        auto page = get_json(page_url, options);
        if (!page.ok()) return page.error().with_context("GET " + page_url);
        if (page->status != 200) return http_error("GET " + page_url, *page);
        auto files = parse_tree_listing(page->body);
        if (!files.ok()) return files.error().with_context("GET " + page_url);
        listed.insert(listed.end(), files->begin(), files->end());
        page_url = page->next_page;
    }
    std::vector<HubFile> wanted;
    for (HubFile& file : listed) {
        if (is_model_file(file.path)) {
            if (file.size > options.max_file_bytes) {
                return Error(ErrorCode::kLimitExceeded,
                             "model " + where + ": " + file.path + " is " + size_text(file.size) +
                                 ", over the " + size_text(options.max_file_bytes) + " limit");
            }
            wanted.push_back(std::move(file));
        } else {
            report.skipped.push_back(std::move(file.path));
        }
    }
    if (std::none_of(wanted.begin(), wanted.end(),
                     [](const HubFile& f) { return f.path == "model.safetensors"; })) {
        std::string has;
        for (const std::string& path : report.skipped) {
            if (path.ends_with(".bin") || path.ends_with(".safetensors") ||
                path.ends_with(".onnx") || path.ends_with(".gguf") || path.ends_with(".h5")) {
                has += (has.empty() ? "" : ", ") + path;
            }
        }
        return Error(ErrorCode::kInvalidArgument,
                     "model " + where + " has no model.safetensors at its top" +
                         (has.empty() ? "" : " (it has " + one_line(has, 300) + ")") +
                         "; paperboy reads safetensors weights only — try another --revision "
                         "or model, or serve it with an OpenAI-compatible server");
    }

    // 3. The files, one after the other.
    int64_t total = 0;
    for (const HubFile& file : wanted) total += file.size;
    int64_t done = 0;
    for (const HubFile& file : wanted) {
        PullOptions file_options = options;
        if (options.on_progress) {
            file_options.on_progress = [&](const PullProgress& p) {
                PullProgress q = p;
                q.total_bytes = total;
                options.on_progress(q);
            };
        }
        auto outcome =
            fetch_file(endpoint, repo, report.commit, file, report.dir, done, file_options);
        if (!outcome.ok()) return outcome.error();
        report.fetched_bytes += outcome->fetched;
        report.reused_bytes += outcome->reused;
        done += file.size;
    }
    report.files = std::move(wanted);
    report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return report;
}

}  // namespace paperboy::embed
