#include "embed/openai_client.h"

#include <curl/curl.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

#include "core/json_writer.h"
#include "core/utf8.h"

namespace paperboy::embed {
namespace {

// curl_global_init is not thread-safe and must run before any other curl call.
void init_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool has_control_character(std::string_view s) {
    return std::any_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// Makes `text` one printable line of at most `limit` bytes, for error messages that quote
// what a server said.
std::string one_line(std::string_view text, size_t limit = 300) {
    std::string out;
    for (char c : text) {
        if (out.size() >= limit) {
            out += "...";
            break;
        }
        auto u = static_cast<unsigned char>(c);
        out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    fix_utf8(out);
    return out;
}

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
std::string_view cut_utf8(std::string_view text, size_t limit) {
    if (text.size() <= limit) return text;
    size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end);
}

bool is_blank(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

// The message inside an error answer: OpenAI's {"error": {"message"}}, TEI's and Ollama's
// {"error": "..."}, vLLM's {"message": "..."}; else the start of the body.
std::string server_message(const std::string& body) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(body).get(root) == simdjson::SUCCESS && root.is_object()) {
        simdjson::dom::element error;
        std::string_view text;
        if (root["error"].get(error) == simdjson::SUCCESS) {
            if (error.get_string().get(text) == simdjson::SUCCESS) return one_line(text);
            if (error["message"].get_string().get(text) == simdjson::SUCCESS) {
                return one_line(text);
            }
        }
        if (root["message"].get_string().get(text) == simdjson::SUCCESS) return one_line(text);
        if (root["detail"].get_string().get(text) == simdjson::SUCCESS) return one_line(text);
    }
    return one_line(body);
}

// The batch size a "too large" answer asks for: TEI and some gateways say "batch size 64 >
// maximum allowed batch size 32"; 0 when the answer is not about the batch size.
int batch_limit_from(int status, std::string_view message, int sent) {
    constexpr std::string_view kMarker = "maximum allowed batch size";
    size_t at = message.find(kMarker);
    if (at != std::string_view::npos) {
        size_t p = at + kMarker.size();
        while (p < message.size() && message[p] == ' ') ++p;
        int limit = 0;
        while (p < message.size() && message[p] >= '0' && message[p] <= '9' && limit < 1000000) {
            limit = limit * 10 + (message[p++] - '0');
        }
        if (limit > 0 && limit < sent) return limit;
    }
    if (status == 413 && sent > 1) return sent / 2;
    return 0;
}

// Retry-After as milliseconds: delta-seconds or an HTTP date; -1 when absent or unreadable.
int64_t retry_after_ms(const std::string& value) {
    std::string_view v = trim(value);
    if (v.empty()) return -1;
    if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        if (v.size() > 9) return -1;
        return std::stoll(std::string(v)) * 1000;
    }
    time_t when = curl_getdate(std::string(v).c_str(), nullptr);
    if (when < 0) return -1;
    return std::max<int64_t>(0, (static_cast<int64_t>(when) - std::time(nullptr)) * 1000);
}

}  // namespace

Result<OpenAIEndpoint> parse_openai_spec(std::string_view spec) {
    OpenAIEndpoint endpoint;
    std::string_view url = spec;
    size_t hash = spec.rfind('#');
    if (hash != std::string_view::npos) {
        url = spec.substr(0, hash);
        endpoint.model = std::string(spec.substr(hash + 1));
        if (has_control_character(endpoint.model)) {
            return Error(ErrorCode::kInvalidArgument,
                         "embedding server " + one_line(spec) + ": bad model name after '#'");
        }
    }
    std::string scheme;
    if (lower(url.substr(0, 7)) == "http://") {
        scheme = "http";
    } else if (lower(url.substr(0, 8)) == "https://") {
        scheme = "https";
    } else {
        return Error(ErrorCode::kInvalidArgument,
                     "embedding server " + one_line(spec) + ": not an http:// or https:// URL");
    }
    if (has_control_character(url) || url.find(' ') != std::string_view::npos) {
        return Error(ErrorCode::kInvalidArgument,
                     "embedding server " + one_line(spec) + ": the URL has spaces or controls");
    }
    std::string_view rest = url.substr(scheme.size() + 3);
    size_t path_at = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, path_at);
    std::string_view path_query = path_at == std::string_view::npos ? "" : rest.substr(path_at);
    if (authority.find('@') != std::string_view::npos) {
        return Error(ErrorCode::kInvalidArgument,
                     "embedding server " + one_line(spec) +
                         ": put credentials in --api-key or $PAPERBOY_EMBED_API_KEY, not the URL");
    }
    if (authority.empty() || authority.front() == ':') {
        return Error(ErrorCode::kInvalidArgument,
                     "embedding server " + one_line(spec) + ": the URL has no host");
    }
    std::string host_port = lower(authority);
    // A port is explicit unless the authority ends in ":digits" (IPv6 literals are bracketed).
    size_t colon = host_port.rfind(':');
    bool has_port = colon != std::string::npos && host_port.find(']', colon) == std::string::npos;
    if (!has_port) host_port += scheme == "https" ? ":443" : ":80";

    size_t query_at = path_query.find('?');
    std::string path(path_query.substr(0, query_at));
    std::string query(query_at == std::string_view::npos ? "" : path_query.substr(query_at));
    while (!path.empty() && path.back() == '/') path.pop_back();
    if (path.ends_with("/embeddings")) {
        // used as given
    } else if (path.ends_with("/v1")) {
        path += "/embeddings";
    } else {
        path += "/v1/embeddings";
    }
    endpoint.url = scheme + "://" + std::string(authority) + path + query;
    endpoint.address = host_port + path;
    return endpoint;
}

struct OpenAIClient::Pool {
    std::mutex mutex;
    std::vector<CURL*> idle;
    std::atomic<int64_t> requests{0};
    std::atomic<int> batch{0};  // the batch size in use: shrinks when a server refuses one

    ~Pool() {
        for (CURL* curl : idle) curl_easy_cleanup(curl);
    }
    CURL* take() {
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (!idle.empty()) {
                CURL* curl = idle.back();
                idle.pop_back();
                curl_easy_reset(curl);  // keeps the connection cache
                return curl;
            }
        }
        return curl_easy_init();
    }
    void give(CURL* curl) {
        std::lock_guard<std::mutex> lock(mutex);
        if (idle.size() < 16) {
            idle.push_back(curl);
        } else {
            curl_easy_cleanup(curl);
        }
    }
};

// What one POST came back with.
struct OpenAIClient::Reply {
    CURLcode code = CURLE_OK;
    std::string transport_error;  // when code != CURLE_OK
    bool too_large = false;
    long status = 0;
    std::string body;
    std::string retry_after;
    std::string location;
};

namespace {

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* reply = static_cast<std::string*>(user);
    size_t n = size * count;
    reply->append(data, n);
    return n;
}

struct BodySink {
    std::string* body;
    size_t max_body;
    bool* too_large;
};

size_t on_limited_body(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<BodySink*>(user);
    size_t n = size * count;
    if (sink->body->size() + n > sink->max_body) {
        *sink->too_large = true;
        return 0;  // curl aborts with CURLE_WRITE_ERROR
    }
    return on_body(data, size, count, sink->body);
}

struct HeaderSink {
    std::string* retry_after;
    std::string* location;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<HeaderSink*>(user);
    size_t n = size * count;
    std::string_view line(data, n);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    std::string name = lower(trim(line.substr(0, colon)));
    if (name == "retry-after") *sink->retry_after = std::string(trim(line.substr(colon + 1)));
    if (name == "location") *sink->location = std::string(trim(line.substr(colon + 1)));
    return n;
}

// Reads an embeddings answer into `vectors` (one row per text, in input order). `dims` is the
// dimension every row must have (0: any, the same for all). Errors name the place.
Status parse_embeddings(const std::string& url, const std::string& body, size_t count, int dims,
                        std::vector<std::vector<float>>& vectors, std::string& model) {
    auto bad = [&](const std::string& what) {
        return Error(ErrorCode::kParse, "POST " + url + ": unexpected answer: " + what);
    };
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto error = parser.parse(body).get(root); error != simdjson::SUCCESS) {
        return bad(std::string("not JSON (") + simdjson::error_message(error) +
                   "): " + one_line(body, 120));
    }
    simdjson::dom::object object;
    if (root.get_object().get(object) != simdjson::SUCCESS) return bad("not a JSON object");
    std::string_view model_name;
    if (object["model"].get_string().get(model_name) == simdjson::SUCCESS) {
        model = std::string(model_name);
    }
    simdjson::dom::array data;
    if (object["data"].get_array().get(data) != simdjson::SUCCESS) {
        return bad("no \"data\" array");
    }
    vectors.assign(count, {});
    std::vector<bool> seen(count, false);
    size_t position = 0;
    int first_dims = dims;
    for (simdjson::dom::element item : data) {
        const std::string where = "data[" + std::to_string(position) + "]";
        simdjson::dom::object entry;
        if (item.get_object().get(entry) != simdjson::SUCCESS) {
            return bad(where + " is not an object");
        }
        // "index" says which input a vector belongs to; servers need not answer in order.
        int64_t index = static_cast<int64_t>(position);
        simdjson::dom::element index_element;
        if (entry["index"].get(index_element) == simdjson::SUCCESS &&
            index_element.get_int64().get(index) != simdjson::SUCCESS) {
            return bad(where + ".index is not an integer");
        }
        if (index < 0 || static_cast<size_t>(index) >= count) {
            return bad(where + ".index is " + std::to_string(index) + ", outside 0.." +
                       std::to_string(count - 1));
        }
        if (seen[static_cast<size_t>(index)]) {
            return bad(where + ".index " + std::to_string(index) + " appears twice");
        }
        seen[static_cast<size_t>(index)] = true;
        simdjson::dom::element embedding_element;
        if (entry["embedding"].get(embedding_element) != simdjson::SUCCESS) {
            return bad(where + " has no \"embedding\"");
        }
        simdjson::dom::array embedding;
        if (embedding_element.get_array().get(embedding) != simdjson::SUCCESS) {
            return bad(where + ".embedding is not an array of numbers" +
                       (embedding_element.is_string() ? " (a base64 string?)" : ""));
        }
        std::vector<float>& row = vectors[static_cast<size_t>(index)];
        row.reserve(embedding.size());
        size_t k = 0;
        for (simdjson::dom::element number : embedding) {
            double value = 0;
            if (number.get_double().get(value) != simdjson::SUCCESS || !std::isfinite(value)) {
                return bad(where + ".embedding[" + std::to_string(k) + "] is not a number");
            }
            row.push_back(static_cast<float>(value));
            ++k;
        }
        if (row.empty()) return bad(where + ".embedding is empty");
        if (first_dims == 0) first_dims = static_cast<int>(row.size());
        if (static_cast<int>(row.size()) != first_dims) {
            return Error(ErrorCode::kInvalidArgument,
                         "POST " + url + ": " + where + ".embedding has " +
                             std::to_string(row.size()) + " dimensions, expected " +
                             std::to_string(first_dims) +
                             (dims != 0 ? " (the model behind the server changed?)" : ""));
        }
        ++position;
    }
    if (position != count) {
        return bad("\"data\" has " + std::to_string(position) + " embeddings for " +
                   std::to_string(count) + " inputs");
    }
    return Status();
}

}  // namespace

OpenAIClient::OpenAIClient(OpenAIEndpoint endpoint, const EmbedderOptions& options,
                           const OpenAIClientOptions& client)
    : endpoint_(std::move(endpoint)),
      options_(options),
      client_(client),
      pool_(std::make_unique<Pool>()) {
    init_curl_once();
    api_key_ = options.api_key;
    if (api_key_.empty()) {
        const char* env = std::getenv("PAPERBOY_EMBED_API_KEY");
        if (env != nullptr) api_key_ = env;
    }
    pool_->batch = options.batch_size > 0 ? options.batch_size : 64;
}

OpenAIClient::~OpenAIClient() = default;

int64_t OpenAIClient::requests_sent() const { return pool_->requests.load(); }

Result<std::unique_ptr<OpenAIClient>> OpenAIClient::open(std::string_view spec,
                                                         const EmbedderOptions& options,
                                                         const OpenAIClientOptions& client) {
    auto endpoint = parse_openai_spec(spec);
    if (!endpoint.ok()) return endpoint.error();
    if (has_control_character(options.api_key)) {
        return Error(ErrorCode::kInvalidArgument, "the embedding API key has control characters");
    }
    std::unique_ptr<OpenAIClient> c(new OpenAIClient(std::move(*endpoint), options, client));
    if (has_control_character(c->api_key_)) {
        return Error(ErrorCode::kInvalidArgument, "$PAPERBOY_EMBED_API_KEY has control characters");
    }
    // The probe: one short text tells the dimension (and the server's name for the model).
    const std::string probe[] = {"paperboy"};
    std::vector<std::vector<float>> vectors;
    std::string server_model;
    int suggested = 0;
    PAPERBOY_RETURN_IF_ERROR(c->request(probe, vectors, server_model, suggested));
    ModelInfo& info = c->info_;
    info.kind = "openai";
    info.name = !c->endpoint_.model.empty() ? c->endpoint_.model : server_model;
    info.dimensions = static_cast<int>(vectors[0].size());
    info.max_tokens = 0;
    info.identity = "openai:" + info.name + "@" + c->endpoint_.address +
                    ";dims=" + std::to_string(info.dimensions);
    return c;
}

Status OpenAIClient::request(std::span<const std::string> texts,
                             std::vector<std::vector<float>>& vectors, std::string& server_model,
                             int& suggested_batch) {
    suggested_batch = 0;
    JsonWriter w;
    w.begin_object();
    if (!endpoint_.model.empty()) w.field("model", endpoint_.model);
    w.key("input").begin_array();
    for (const std::string& text : texts) w.value(text);
    w.end_array();
    w.field("encoding_format", "float");
    w.end_object();
    const std::string body = w.take();

    curl_slist* headers = nullptr;
    std::vector<std::string> lines = {"Content-Type: application/json", "Accept: application/json",
                                      "Expect:"};
    if (!api_key_.empty()) lines.push_back("Authorization: Bearer " + api_key_);
    for (const std::string& line : lines) {
        curl_slist* grown = curl_slist_append(headers, line.c_str());
        if (grown == nullptr) {
            curl_slist_free_all(headers);
            return Error(ErrorCode::kInternal, "curl_slist_append failed");
        }
        headers = grown;
    }
    struct HeaderList {
        curl_slist* list;
        ~HeaderList() { curl_slist_free_all(list); }
    } header_list{headers};

    thread_local std::mt19937_64 random(std::random_device{}());
    const int attempts = std::max(0, options_.retries) + 1;
    std::string last_problem;
    for (int attempt = 0; attempt < attempts; ++attempt) {
        Reply reply;
        CURL* curl = pool_->take();
        if (curl == nullptr) return Error(ErrorCode::kInternal, "curl_easy_init failed");
        char error_buffer[CURL_ERROR_SIZE] = {0};
        BodySink body_sink{&reply.body, client_.max_response_bytes, &reply.too_large};
        HeaderSink header_sink{&reply.retry_after, &reply.location};
        curl_easy_setopt(curl, CURLOPT_URL, endpoint_.url.c_str());
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_USERAGENT, client_.user_agent.c_str());
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(std::min(client_.connect_timeout_ms,
                                                    std::max(1, options_.timeout_ms))));
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
        curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                         static_cast<curl_off_t>(client_.max_response_bytes));
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_limited_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body_sink);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, &header_sink);
        ++pool_->requests;
        reply.code = curl_easy_perform(curl);
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
        if (reply.code != CURLE_OK) {
            reply.transport_error =
                error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(reply.code);
        }
        pool_->give(curl);

        const std::string where = "POST " + endpoint_.url;
        if (reply.too_large || reply.code == CURLE_FILESIZE_EXCEEDED) {
            return Error(ErrorCode::kIo, where + ": the answer exceeds the " +
                                             std::to_string(client_.max_response_bytes >> 20) +
                                             " MiB limit");
        }
        bool retry = false;
        if (reply.code != CURLE_OK) {
            if (reply.code == CURLE_URL_MALFORMAT || reply.code == CURLE_UNSUPPORTED_PROTOCOL) {
                return Error(ErrorCode::kInvalidArgument, where + ": " + reply.transport_error);
            }
            last_problem = reply.transport_error;
            retry = true;
        } else if (reply.status >= 200 && reply.status < 300) {
            return parse_embeddings(endpoint_.url, reply.body, texts.size(), info_.dimensions,
                                    vectors, server_model);
        } else {
            const std::string message = server_message(reply.body);
            last_problem =
                "HTTP " + std::to_string(reply.status) + (message.empty() ? "" : ": " + message);
            if (reply.status == 429 || reply.status >= 500) {
                retry = true;
            } else {
                suggested_batch = batch_limit_from(static_cast<int>(reply.status), message,
                                                   static_cast<int>(texts.size()));
                if (suggested_batch > 0) return Status();
                if (reply.status >= 300 && reply.status < 400 && !reply.location.empty()) {
                    last_problem +=
                        " (redirected to " + one_line(reply.location) + "; give that URL instead)";
                }
                return Error(ErrorCode::kInvalidArgument, where + ": " + last_problem);
            }
        }
        if (!retry || attempt + 1 == attempts) break;
        int64_t delay = std::min<int64_t>(client_.max_backoff_ms,
                                          int64_t{client_.backoff_ms} << std::min(attempt, 20));
        delay =
            std::uniform_int_distribution<int64_t>(delay / 2, std::max<int64_t>(delay, 1))(random);
        int64_t after = retry_after_ms(reply.retry_after);
        if (after >= 0)
            delay = std::max(delay, std::min<int64_t>(after, client_.max_retry_after_ms));
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    }
    return Error(ErrorCode::kUnavailable, "POST " + endpoint_.url + ": " + last_problem +
                                              " (after " + std::to_string(attempts) +
                                              (attempts == 1 ? " attempt)" : " attempts)"));
}

Status OpenAIClient::embed_range(std::span<const std::string> texts, std::vector<float>& out,
                                 int& batch) {
    const size_t dims = static_cast<size_t>(info_.dimensions);
    size_t begin = 0;
    while (begin < texts.size()) {
        const size_t n = std::min(texts.size() - begin, static_cast<size_t>(batch));
        std::vector<std::vector<float>> vectors;
        std::string server_model;
        int suggested = 0;
        PAPERBOY_RETURN_IF_ERROR(
            request(texts.subspan(begin, n), vectors, server_model, suggested));
        if (suggested > 0) {
            batch = suggested;  // the same texts again, in smaller batches
            continue;
        }
        for (size_t i = 0; i < n; ++i) {
            std::copy(vectors[i].begin(), vectors[i].end(), out.begin() + (begin + i) * dims);
        }
        begin += n;
    }
    return Status();
}

Result<std::vector<float>> OpenAIClient::embed(std::span<const std::string> texts,
                                               Purpose purpose) {
    const size_t dims = static_cast<size_t>(info_.dimensions);
    std::vector<float> result(texts.size() * dims, 0.0f);
    const std::string& prefix =
        purpose == Purpose::kQuery ? info_.query_prefix : info_.document_prefix;
    // Empty texts are not sent (servers refuse them) and keep their zero rows.
    std::vector<std::string> sent;
    std::vector<size_t> rows;
    for (size_t i = 0; i < texts.size(); ++i) {
        if (is_blank(texts[i])) continue;
        sent.push_back(std::string(cut_utf8(prefix + texts[i], client_.max_text_bytes)));
        rows.push_back(i);
    }
    if (sent.empty()) return result;
    std::vector<float> packed(sent.size() * dims);
    int batch = pool_->batch.load();
    Status status = embed_range(sent, packed, batch);
    if (batch < pool_->batch.load()) pool_->batch = batch;  // later calls start smaller
    if (!status.ok()) return status.error();
    for (size_t j = 0; j < rows.size(); ++j) {
        const float* v = packed.data() + j * dims;
        double norm = 0;
        for (size_t k = 0; k < dims; ++k) norm += static_cast<double>(v[k]) * v[k];
        if (norm <= 0) continue;  // a zero vector stays zero
        const float scale = static_cast<float>(1.0 / std::sqrt(norm));
        float* row = result.data() + rows[j] * dims;
        for (size_t k = 0; k < dims; ++k) row[k] = v[k] * scale;
    }
    return result;
}

Result<std::unique_ptr<Embedder>> open_openai_embedder(std::string_view spec,
                                                       const EmbedderOptions& options) {
    auto client = OpenAIClient::open(spec, options);
    if (!client.ok()) return client.error();
    return std::unique_ptr<Embedder>(std::move(*client));
}

}  // namespace paperboy::embed
