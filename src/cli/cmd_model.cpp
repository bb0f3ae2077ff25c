// paperboy model: fetching and inspecting embedding models (docs/models.md).
//   paperboy model pull ORG/NAME [--dir DIR] [--revision REV] [-q]
//   paperboy model info DIR | URL[#MODEL]
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "cli/common.h"
#include "cli/console.h"
#include "embed/embedder.h"
#include "embed/hub.h"
#include "embed/model_folder.h"
#include "embed/openai_client.h"

namespace paperboy::cli {
namespace {

struct PullCommand {
    std::string repo;
    std::string dir;
    std::string revision = "main";
    bool quiet = false;
};

struct InfoCommand {
    std::string spec;
    std::string api_key;
    int timeout_ms = 30000;
};

// 612 B, 45.3 kB, 90.9 MB, 1.34 GB.
std::string megabytes(int64_t bytes) {
    char buffer[32];
    const auto b = static_cast<double>(bytes);
    if (bytes < 1000) {
        std::snprintf(buffer, sizeof buffer, "%lld B", static_cast<long long>(bytes));
    } else if (bytes < 1000000) {
        std::snprintf(buffer, sizeof buffer, "%.1f kB", b / 1e3);
    } else if (bytes < 1000000000) {
        std::snprintf(buffer, sizeof buffer, "%.1f MB", b / 1e6);
    } else {
        std::snprintf(buffer, sizeof buffer, "%.2f GB", b / 1e9);
    }
    return buffer;
}

std::string duration(double seconds) {
    if (seconds < 0 || seconds > 360000) return "?";
    const auto s = static_cast<int64_t>(seconds + 0.5);
    char buffer[32];
    if (s >= 3600) {
        std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                      static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
    } else {
        std::snprintf(buffer, sizeof buffer, "%lld:%02lld", static_cast<long long>(s / 60),
                      static_cast<long long>(s % 60));
    }
    return buffer;
}

// "model.safetensors  45.2 / 90.9 MB  11.3 MB/s  ETA 0:04  (all: 48%)"
std::string progress_line(const embed::PullProgress& p) {
    std::string line = p.file + "  " + megabytes(p.file_bytes) + " / " + megabytes(p.file_size);
    if (p.rate > 0) {
        line += "  " + megabytes(static_cast<int64_t>(p.rate)) + "/s";
        line += "  ETA " + duration(static_cast<double>(p.total_bytes - p.done_bytes) / p.rate);
    }
    if (p.total_bytes > 0) {
        line += "  (all: " + std::to_string(p.done_bytes * 100 / p.total_bytes) + "%)";
    }
    return line;
}

int run_pull(const PullCommand& cmd) {
    Console console(!cmd.quiet && stderr_is_terminal());
    embed::PullOptions options;
    options.dir = cmd.dir;
    options.revision = cmd.revision;
    if (!cmd.quiet) {
        options.on_progress = [&](const embed::PullProgress& p) {
            if (p.file_done) {
                console.note(p.file + " " + megabytes(p.file_size) +
                             (p.reused ? " (already there)" : ""));
            } else {
                console.progress(progress_line(p));
            }
        };
    }
    auto report = embed::pull_model(cmd.repo, options);
    console.finish();
    if (!report.ok()) return fail(report.error());
    const embed::PullReport& r = *report;
    if (!cmd.quiet) {
        int64_t total = 0;
        for (const embed::HubFile& f : r.files) total += f.size;
        std::string line = "pulled " + r.repo + "@" + r.commit.substr(0, 12) + " into " + r.dir +
                           ": " + plural(static_cast<int64_t>(r.files.size()), "file") + ", " +
                           megabytes(total);
        if (r.fetched_bytes > 0) {
            line += " (fetched " + megabytes(r.fetched_bytes) + " in " +
                    std::to_string(static_cast<int64_t>(r.seconds + 0.5)) + " s)";
        } else {
            line += " (all already there)";
        }
        std::fprintf(stderr, "paperboy: %s\n", line.c_str());
        if (!r.skipped.empty()) {
            std::fprintf(stderr, "paperboy: not fetched (not needed): %s\n",
                         plural(static_cast<int64_t>(r.skipped.size()), "file").c_str());
        }
    }
    // A pulled folder that paperboy cannot use is worth saying at once.
    auto description = embed::describe_model_folder(r.dir);
    if (description.ok() && !description->problems.empty()) {
        for (const std::string& problem : description->problems) {
            std::fprintf(stderr, "paperboy: warning: %s\n", problem.c_str());
        }
    }
    std::printf("%s\n",
                r.dir.c_str());  // for scripts: paperboy ... --model "$(paperboy model pull ...)"
    return kExitOk;
}

// The pooling a sentence-transformers folder asks for, from 1_Pooling/config.json ("" when
// the folder has none). A scan for the keys sentence-transformers writes, no JSON library.
std::string pooling_of(const std::string& dir) {
    auto text = embed::read_model_file(dir + "/1_Pooling/config.json", 64 << 10);
    if (!text.ok()) return "";
    auto is_true = [&](std::string_view key) {
        size_t at = text->find("\"" + std::string(key) + "\"");
        if (at == std::string::npos) return false;
        at = text->find(':', at);
        if (at == std::string::npos) return false;
        ++at;
        while (at < text->size() && ((*text)[at] == ' ' || (*text)[at] == '\n')) ++at;
        return text->compare(at, 4, "true") == 0;
    };
    std::string pooling;
    for (auto [key, name] :
         {std::pair{"pooling_mode_cls_token", "cls"}, std::pair{"pooling_mode_mean_tokens", "mean"},
          std::pair{"pooling_mode_max_tokens", "max"},
          std::pair{"pooling_mode_lasttoken", "last token"}}) {
        if (is_true(key)) pooling += (pooling.empty() ? "" : "+") + std::string(name);
    }
    return pooling.empty() ? "none set" : pooling;
}

int run_info_server(const InfoCommand& cmd) {
    embed::EmbedderOptions options;
    options.api_key = cmd.api_key;
    options.timeout_ms = cmd.timeout_ms;
    options.retries = 1;
    auto client = embed::OpenAIClient::open(cmd.spec, options);
    if (!client.ok()) return fail(client.error());
    const embed::ModelInfo& info = (*client)->info();
    std::printf("endpoint: %s\n", (*client)->endpoint().url.c_str());
    std::printf("kind: %s\n", info.kind.c_str());
    std::printf("name: %s\n", info.name.empty() ? "(the server gave none)" : info.name.c_str());
    std::printf("dimensions: %d\n", info.dimensions);
    std::printf("identity: %s\n", info.identity.c_str());
    std::printf("max tokens: decided by the server\n");
    std::printf("problems: none\n");
    return kExitOk;
}

int run_info(const InfoCommand& cmd) {
    if (cmd.spec.starts_with("http://") || cmd.spec.starts_with("https://")) {
        return run_info_server(cmd);
    }
    auto description = embed::describe_model_folder(cmd.spec);
    if (!description.ok()) return fail(description.error());
    std::string text = embed::format_model_description(*description);
    std::string pooling = description->kind == "static" ? "mean (Model2Vec)" : pooling_of(cmd.spec);
    if (!pooling.empty()) {
        // Before the files line, beside the other properties of the model.
        size_t at = text.find("\nfiles: ");
        std::string line = "pooling: " + pooling;
        if (at != std::string::npos) {
            text.insert(at + 1, line + "\n");
        } else {
            text.insert(0, line + "\n");
        }
    }
    std::fputs(text.c_str(), stdout);
    return description->problems.empty() ? kExitOk : kExitFailure;
}

}  // namespace

void add_model_command(CLI::App& app, Action& action) {
    CLI::App* model = app.add_subcommand(
        "model", "Fetch and inspect embedding models: pull (from Hugging Face), info");
    model->require_subcommand(1);
    model->footer(
        "Models are folders (static Model2Vec or BERT-family sentence-transformers) or\n"
        "OpenAI-compatible servers (URL#MODEL). See docs/models.md.");

    auto pull = std::make_shared<PullCommand>();
    CLI::App* pull_cmd =
        model->add_subcommand("pull", "Download a model folder from the Hugging Face hub");
    pull_cmd->add_option("MODEL", pull->repo, "The model, ORG/NAME as on huggingface.co")
        ->required();
    pull_cmd->add_option("--dir", pull->dir,
                         "Where to put it (default ~/.cache/paperboy/models/ORG/NAME, under "
                         "$XDG_CACHE_HOME when set)");
    pull_cmd->add_option("--revision", pull->revision, "Branch, tag or commit")
        ->capture_default_str();
    pull_cmd->add_flag("-q,--quiet", pull->quiet, "Print nothing but errors (and the folder)");
    pull_cmd->footer(
        "Fetches only what paperboy reads: model.safetensors, config.json, the tokenizer\n"
        "files, the sentence-transformers module configs (1_Pooling/, 2_Dense/, ...), README\n"
        "and LICENSE; never pytorch_model.bin, ONNX or TensorFlow copies. Files are checked\n"
        "against the hub's listing (SHA-256 for LFS files, the size for the others) and an\n"
        "interrupted download resumes where it stopped when run again. Prints the folder on\n"
        "stdout. The hub is $PAPERBOY_HF_ENDPOINT, else $HF_ENDPOINT, else\n"
        "https://huggingface.co; $HF_TOKEN is sent for gated or private models.\n\n"
        "Examples:\n"
        "  paperboy model pull minishlab/potion-base-8M\n"
        "  paperboy model pull sentence-transformers/all-MiniLM-L6-v2 --dir /srv/models/minilm\n"
        "  paperboy model pull BAAI/bge-small-en-v1.5 --revision main -q");
    pull_cmd->callback([pull, &action] { action = [pull] { return run_pull(*pull); }; });

    auto info = std::make_shared<InfoCommand>();
    CLI::App* info_cmd =
        model->add_subcommand("info", "Describe a model folder, or probe an embeddings server");
    info_cmd->add_option("MODEL", info->spec, "A model folder, or URL[#MODEL] of a server")
        ->required();
    info_cmd->add_option("--api-key", info->api_key,
                         "Bearer token for the server (default $PAPERBOY_EMBED_API_KEY)");
    info_cmd->add_option("--timeout-ms", info->timeout_ms, "Per request, for a server")
        ->check(CLI::Range(100, 600000))
        ->capture_default_str();
    info_cmd->footer(
        "For a folder: its kind (static or bert), name, dimensions, vocabulary, dtype, max\n"
        "tokens, pooling and files, read from headers and small files without loading the\n"
        "weights; exit status 1 with the problems listed when paperboy could not use it.\n"
        "For a server: one embedding request tells its model name and dimensions.\n\n"
        "Examples:\n"
        "  paperboy model info ~/.cache/paperboy/models/minishlab/potion-base-8M\n"
        "  paperboy model info http://127.0.0.1:8080/v1\n"
        "  paperboy model info http://localhost:11434/v1#nomic-embed-text");
    info_cmd->callback([info, &action] { action = [info] { return run_info(*info); }; });
}

}  // namespace paperboy::cli
