// The OpenAI-compatible client (embed/openai_client.h): how a spec resolves to an endpoint,
// and the client against tests/support/fake_embeddings_server.py on loopback — batching,
// re-ordering by index, normalising, empty texts, retries on 429 (after Retry-After), 5xx and
// dropped connections, timeouts, a batch the server finds too large, the API key, and answers
// that are wrong (bad JSON, no "data", a string for a number, another dimension).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "embed/openai_client.h"
#include "embed/sha256.h"
#include "support/listening_process.h"
#include "support/temp_dir.h"

namespace paperboy::embed {
namespace {

using testing::ListeningProcess;
using testing::read_file;
using testing::TempDir;

// ---------------------------------------------------------------------------------------------
// Specs.

TEST(OpenAISpec, ResolvesTheEmbeddingsPathFromWhatTheUrlEndsWith) {
    struct Case {
        const char* spec;
        const char* url;
        const char* model;
        const char* address;
    } cases[] = {
        {"http://127.0.0.1:8080/v1#nomic", "http://127.0.0.1:8080/v1/embeddings", "nomic",
         "127.0.0.1:8080/v1/embeddings"},
        {"http://127.0.0.1:8080/v1/", "http://127.0.0.1:8080/v1/embeddings", "",
         "127.0.0.1:8080/v1/embeddings"},
        {"http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/embeddings", "",
         "127.0.0.1:8080/v1/embeddings"},
        {"http://localhost:11434/#nomic-embed-text", "http://localhost:11434/v1/embeddings",
         "nomic-embed-text", "localhost:11434/v1/embeddings"},
        {"https://API.example.com/v1/embeddings#text-embedding-3-small",
         "https://API.example.com/v1/embeddings", "text-embedding-3-small",
         "api.example.com:443/v1/embeddings"},
        {"http://h/openai#m", "http://h/openai/v1/embeddings", "m", "h:80/openai/v1/embeddings"},
        {"http://h:9/v1?api-version=2#m", "http://h:9/v1/embeddings?api-version=2", "m",
         "h:9/v1/embeddings"},
        {"http://[::1]:8080/v1#m", "http://[::1]:8080/v1/embeddings", "m",
         "[::1]:8080/v1/embeddings"},
    };
    for (const Case& c : cases) {
        auto endpoint = parse_openai_spec(c.spec);
        ASSERT_TRUE(endpoint.ok()) << c.spec << ": " << endpoint.error().message();
        EXPECT_EQ(endpoint->url, c.url) << c.spec;
        EXPECT_EQ(endpoint->model, c.model) << c.spec;
        EXPECT_EQ(endpoint->address, c.address) << c.spec;
    }
}

TEST(OpenAISpec, RefusesWhatIsNotAnHttpUrl) {
    for (const char* spec : {"ftp://h/v1", "/models/minilm", "http://", "http://:80/v1",
                             "http://user:pw@h/v1", "http://h/v1#bad\nmodel", "http://h /v1"}) {
        auto endpoint = parse_openai_spec(spec);
        ASSERT_FALSE(endpoint.ok()) << spec;
        EXPECT_EQ(endpoint.error().code(), ErrorCode::kInvalidArgument) << spec;
    }
}

// ---------------------------------------------------------------------------------------------
// Against the fake server.

// What the fake server answers for `text` (before normalising): see vector() in the script.
std::vector<float> server_vector(const std::string& text, int dims) {
    std::vector<float> out;
    for (int counter = 0; static_cast<int>(out.size()) < dims; ++counter) {
        Sha256 sha;
        sha.update(std::to_string(counter) + ":" + text);
        auto digest = sha.finish();
        for (size_t i = 0; i < digest.size(); i += 4) {
            uint32_t u = uint32_t{digest[i]} | (uint32_t{digest[i + 1]} << 8) |
                         (uint32_t{digest[i + 2]} << 16) | (uint32_t{digest[i + 3]} << 24);
            out.push_back(static_cast<float>((u / 4294967296.0 * 2 - 1) * 3));
        }
    }
    out.resize(static_cast<size_t>(dims));
    return out;
}

std::vector<float> normalised(std::vector<float> v) {
    double norm = 0;
    for (float x : v) norm += double{x} * x;
    for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
    return v;
}

struct LoggedRequest {
    std::string path;
    int status = 0;
    int inputs = 0;
    std::string model;
    std::string authorization;
};

class FakeServer {
  public:
    explicit FakeServer(std::vector<std::string> args) {
        std::vector<std::string> argv = {PAPERBOY_PYTHON3, PAPERBOY_FAKE_EMBEDDINGS_SERVER, "--log",
                                         dir_.file("requests.tsv")};
        argv.insert(argv.end(), args.begin(), args.end());
        process_ = std::make_unique<ListeningProcess>(argv, dir_.file("server.log"),
                                                      std::regex("listening on port (\\d+)"));
    }
    uint16_t port() const { return process_->port(); }
    std::string log() const { return process_->log(); }
    std::string url(const std::string& suffix = "/v1#test-model") const {
        return "http://127.0.0.1:" + std::to_string(port()) + suffix;
    }
    std::vector<LoggedRequest> requests() const {
        std::vector<LoggedRequest> out;
        std::istringstream in(read_file(dir_.file("requests.tsv")));
        std::string line;
        while (std::getline(in, line)) {
            std::vector<std::string> f;
            std::stringstream fields(line);
            std::string field;
            while (std::getline(fields, field, '\t')) f.push_back(field);
            if (f.size() != 5) continue;
            out.push_back({f[0], std::stoi(f[1]), std::stoi(f[2]), f[3], f[4]});
        }
        return out;
    }

  private:
    TempDir dir_;
    std::unique_ptr<ListeningProcess> process_;
};

OpenAIClientOptions fast() {
    OpenAIClientOptions options;
    options.backoff_ms = 10;
    options.max_backoff_ms = 50;
    return options;
}

std::vector<std::string> texts(int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back("paper number " + std::to_string(i));
    return out;
}

#define START_SERVER(var, ...)                             \
    FakeServer var(std::vector<std::string>{__VA_ARGS__}); \
    ASSERT_NE(var.port(), 0) << "the fake server did not start: " << var.log()

TEST(OpenAIClient, ProbesTheDimensionAndNamesTheModel) {
    START_SERVER(server, "--dims", "24");
    auto client = OpenAIClient::open(server.url(), {}, fast());
    ASSERT_TRUE(client.ok()) << client.error().message();
    const ModelInfo& info = (*client)->info();
    EXPECT_EQ(info.kind, "openai");
    EXPECT_EQ(info.name, "test-model");
    EXPECT_EQ(info.dimensions, 24);
    EXPECT_EQ(info.max_tokens, 0);
    EXPECT_EQ(info.identity, "openai:test-model@127.0.0.1:" + std::to_string(server.port()) +
                                 "/v1/embeddings;dims=24");
    auto requests = server.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].path, "/v1/embeddings");
    EXPECT_EQ(requests[0].model, "test-model");
    EXPECT_EQ(requests[0].inputs, 1);
}

TEST(OpenAIClient, WithoutAModelNameTakesTheServersAndSendsNone) {
    START_SERVER(server);
    auto client = OpenAIClient::open(server.url(""), {}, fast());
    ASSERT_TRUE(client.ok()) << client.error().message();
    EXPECT_EQ((*client)->info().name, "fake-model");
    EXPECT_EQ(server.requests().at(0).model, "-");
}

TEST(OpenAIClient, EmbedsInBatchesAndReturnsTheServersVectorsNormalised) {
    START_SERVER(server, "--dims", "16");
    EmbedderOptions options;
    options.batch_size = 64;
    auto client = OpenAIClient::open(server.url(), options, fast());
    ASSERT_TRUE(client.ok()) << client.error().message();
    const auto input = texts(150);
    auto vectors = (*client)->embed(input, Purpose::kDocument);
    ASSERT_TRUE(vectors.ok()) << vectors.error().message();
    ASSERT_EQ(vectors->size(), 150u * 16);
    for (size_t i = 0; i < input.size(); ++i) {
        auto expected = normalised(server_vector(input[i], 16));
        double norm = 0;
        for (size_t k = 0; k < 16; ++k) {
            EXPECT_NEAR((*vectors)[i * 16 + k], expected[k], 1e-6) << i << "," << k;
            norm += double{(*vectors)[i * 16 + k]} * (*vectors)[i * 16 + k];
        }
        EXPECT_NEAR(norm, 1.0, 1e-5);
    }
    auto requests = server.requests();
    ASSERT_EQ(requests.size(), 4u);  // the probe, then 64 + 64 + 22
    EXPECT_EQ(requests[1].inputs, 64);
    EXPECT_EQ(requests[2].inputs, 64);
    EXPECT_EQ(requests[3].inputs, 22);
}

TEST(OpenAIClient, PutsVectorsInInputOrderWhateverOrderTheServerAnswers) {
    START_SERVER(server, "--shuffle");
    auto client = OpenAIClient::open(server.url(), {}, fast());
    ASSERT_TRUE(client.ok()) << client.error().message();
    const auto input = texts(5);
    auto vectors = (*client)->embed(input, Purpose::kQuery);
    ASSERT_TRUE(vectors.ok()) << vectors.error().message();
    for (size_t i = 0; i < input.size(); ++i) {
        EXPECT_NEAR((*vectors)[i * 16], normalised(server_vector(input[i], 16))[0], 1e-6) << i;
    }
}

TEST(OpenAIClient, EmptyTextsGiveZeroRowsAndAreNotSent) {
    START_SERVER(server);
    auto client = OpenAIClient::open(server.url(), {}, fast());
    ASSERT_TRUE(client.ok()) << client.error().message();
    const std::vector<std::string> input = {"", "a real text", "  \n", "another"};
    auto vectors = (*client)->embed(input, Purpose::kDocument);
    ASSERT_TRUE(vectors.ok()) << vectors.error().message();
    for (size_t k = 0; k < 16; ++k) {
        EXPECT_EQ((*vectors)[0 * 16 + k], 0.0f);
        EXPECT_EQ((*vectors)[2 * 16 + k], 0.0f);
    }
    EXPECT_NEAR((*vectors)[1 * 16], normalised(server_vector("a real text", 16))[0], 1e-6);
    EXPECT_NEAR((*vectors)[3 * 16], normalised(server_vector("another", 16))[0], 1e-6);
    EXPECT_EQ(server.requests().back().inputs, 2);

    auto none = (*client)->embed(std::vector<std::string>{"", ""}, Purpose::kDocument);
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(none->size(), 32u);
    EXPECT_EQ(server.requests().size(), 2u);  // nothing sent for two empty texts
}

TEST(OpenAIClient, WaitsForRetryAfterOn429) {
    START_SERVER(server, "--fail", "429:1");
    auto start = std::chrono::steady_clock::now();
    auto client = OpenAIClient::open(server.url(), {}, fast());
    ASSERT_TRUE(client.ok()) << client.error().message();
    auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_GE(waited, std::chrono::milliseconds(950));  // the backoff alone would be ~10 ms
    auto requests = server.requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].status, 429);
    EXPECT_EQ(requests[1].status, 200);
}

TEST(OpenAIClient, RetriesServerErrorsAndDroppedConnections) {
    START_SERVER(server, "--fail", "dims:16", "--fail", "500", "--fail", "503", "--fail", "close");
    auto client = OpenAIClient::open(server.url(), {}, fast());
    ASSERT_TRUE(client.ok()) << client.error().message();
    auto vectors = (*client)->embed(texts(3), Purpose::kDocument);
    ASSERT_TRUE(vectors.ok()) << vectors.error().message();
    auto requests = server.requests();
    ASSERT_EQ(requests.size(), 5u);
    EXPECT_EQ(requests[1].status, 500);
    EXPECT_EQ(requests[2].status, 503);
    EXPECT_EQ(requests[3].status, 0);  // closed without an answer
    EXPECT_EQ(requests[4].status, 200);
}

TEST(OpenAIClient, GivesUpAfterTheRetriesNamingUrlStatusAndMessage) {
    START_SERVER(server, "--fail", "dims:16", "--fail", "500", "--fail", "500", "--fail", "500");
    EmbedderOptions options;
    options.retries = 2;
    auto client = OpenAIClient::open(server.url(), options, fast());
    ASSERT_TRUE(client.ok()) << client.error().message();
    auto vectors = (*client)->embed(texts(2), Purpose::kDocument);
    ASSERT_FALSE(vectors.ok());
    EXPECT_EQ(vectors.error().code(), ErrorCode::kUnavailable);
    const std::string& message = vectors.error().message();
    EXPECT_NE(message.find(server.url("/v1/embeddings")), std::string::npos) << message;
    EXPECT_NE(message.find("HTTP 500: internal failure"), std::string::npos) << message;
    EXPECT_NE(message.find("after 3 attempts"), std::string::npos) << message;
    EXPECT_EQ(server.requests().size(), 4u);
}

TEST(OpenAIClient, AClientErrorIsNotRetried) {
    START_SERVER(server, "--fail", "400");
    auto client = OpenAIClient::open(server.url(), {}, fast());
    ASSERT_FALSE(client.ok());
    EXPECT_EQ(client.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(client.error().message().find("HTTP 400: model not found"), std::string::npos)
        << client.error().message();
    EXPECT_EQ(server.requests().size(), 1u);
}

TEST(OpenAIClient, TimesOutASlowRequest) {
    START_SERVER(server, "--fail", "dims:16", "--fail", "slow:3000");
    EmbedderOptions options;
    options.timeout_ms = 300;
    options.retries = 0;
    auto client = OpenAIClient::open(server.url(), options, fast());
    ASSERT_TRUE(client.ok()) << client.error().message();
    auto start = std::chrono::steady_clock::now();
    auto vectors = (*client)->embed(texts(1), Purpose::kDocument);
    auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(vectors.ok());
    EXPECT_EQ(vectors.error().code(), ErrorCode::kUnavailable);
    EXPECT_NE(vectors.error().message().find("imed out"), std::string::npos)
        << vectors.error().message();
    EXPECT_LT(took, std::chrono::milliseconds(2500));
}

TEST(OpenAIClient, ShrinksTheBatchWhenTheServerAllowsFewer) {
    START_SERVER(server, "--max-batch", "8");
    EmbedderOptions options;
    options.batch_size = 64;
    auto client = OpenAIClient::open(server.url(), options, fast());
    ASSERT_TRUE(client.ok()) << client.error().message();
    const auto input = texts(20);
    auto vectors = (*client)->embed(input, Purpose::kDocument);
    ASSERT_TRUE(vectors.ok()) << vectors.error().message();
    EXPECT_NEAR((*vectors)[19 * 16], normalised(server_vector(input[19], 16))[0], 1e-6);
    auto requests = server.requests();
    // The probe, the refused 20, then 8 + 8 + 4; a second call starts at 8.
    ASSERT_EQ(requests.size(), 5u);
    EXPECT_EQ(requests[1].status, 422);
    EXPECT_EQ(requests[2].inputs, 8);
    EXPECT_EQ(requests[4].inputs, 4);
    ASSERT_TRUE((*client)->embed(input, Purpose::kDocument).ok());
    EXPECT_EQ(server.requests().size(), 8u);
}

TEST(OpenAIClient, AVectorOfAnotherDimensionIsAnError) {
    START_SERVER(server, "--fail", "dims:16", "--fail", "dims:12");
    auto client = OpenAIClient::open(server.url(), {}, fast());
    ASSERT_TRUE(client.ok()) << client.error().message();
    auto vectors = (*client)->embed(texts(2), Purpose::kDocument);
    ASSERT_FALSE(vectors.ok());
    EXPECT_EQ(vectors.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(vectors.error().message().find("data[0].embedding has 12 dimensions, expected 16"),
              std::string::npos)
        << vectors.error().message();
}

TEST(OpenAIClient, ABadAnswerSaysWhatAndWhere) {
    struct Case {
        const char* fail;
        const char* expected;
    } cases[] = {
        {"badjson", "not JSON"},
        {"shape", "no \"data\" array"},
        {"nan", "data[1].embedding[0] is not a number"},
    };
    for (const Case& c : cases) {
        START_SERVER(server, "--fail", "dims:16", "--fail", c.fail);
        auto client = OpenAIClient::open(server.url(), {}, fast());
        ASSERT_TRUE(client.ok()) << client.error().message();
        auto vectors = (*client)->embed(texts(2), Purpose::kDocument);
        ASSERT_FALSE(vectors.ok()) << c.fail;
        EXPECT_EQ(vectors.error().code(), ErrorCode::kParse) << c.fail;
        EXPECT_NE(vectors.error().message().find(c.expected), std::string::npos)
            << vectors.error().message();
        EXPECT_NE(vectors.error().message().find("POST http://127.0.0.1:"), std::string::npos);
    }
}

TEST(OpenAIClient, SendsTheApiKeyFromOptionsOrEnvironment) {
    START_SERVER(server, "--api-key", "sekrit");
    unsetenv("PAPERBOY_EMBED_API_KEY");
    auto refused = OpenAIClient::open(server.url(), {}, fast());
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message().find("HTTP 401: Incorrect API key provided"),
              std::string::npos)
        << refused.error().message();

    EmbedderOptions options;
    options.api_key = "sekrit";
    ASSERT_TRUE(OpenAIClient::open(server.url(), options, fast()).ok());
    setenv("PAPERBOY_EMBED_API_KEY", "sekrit", 1);
    auto from_env = OpenAIClient::open(server.url(), {}, fast());
    unsetenv("PAPERBOY_EMBED_API_KEY");
    ASSERT_TRUE(from_env.ok()) << from_env.error().message();
    EXPECT_EQ(server.requests().back().authorization, "Bearer sekrit");
}

TEST(OpenAIClient, AnUnreachableServerIsUnavailable) {
    uint16_t port = 0;
    {
        START_SERVER(server);
        port = server.port();
    }  // stopped: nothing listens there now
    EmbedderOptions options;
    options.retries = 1;
    auto client =
        OpenAIClient::open("http://127.0.0.1:" + std::to_string(port) + "/v1#m", options, fast());
    ASSERT_FALSE(client.ok());
    EXPECT_EQ(client.error().code(), ErrorCode::kUnavailable);
    EXPECT_NE(client.error().message().find("POST http://127.0.0.1:" + std::to_string(port) +
                                            "/v1/embeddings"),
              std::string::npos)
        << client.error().message();
}

TEST(OpenAIClient, EmbedsFromSeveralThreadsAtOnce) {
    START_SERVER(server);
    EmbedderOptions options;
    options.batch_size = 7;
    auto client = OpenAIClient::open(server.url(), options, fast());
    ASSERT_TRUE(client.ok()) << client.error().message();
    const auto input = texts(40);
    auto expected = (*client)->embed(input, Purpose::kDocument);
    ASSERT_TRUE(expected.ok());
    std::vector<std::thread> threads;
    std::vector<int> same(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            auto got = (*client)->embed(input, Purpose::kDocument);
            same[static_cast<size_t>(t)] = got.ok() && *got == *expected;
        });
    }
    for (auto& thread : threads) thread.join();
    for (int t = 0; t < 4; ++t) EXPECT_TRUE(same[static_cast<size_t>(t)]) << t;
}

}  // namespace
}  // namespace paperboy::embed
