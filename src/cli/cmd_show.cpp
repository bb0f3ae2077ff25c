// paperboy show: one paper, by any accepted form of its id.
#include <cstdio>

#include "app/paper_json.h"
#include "cli/common.h"

namespace paperboy::cli {
namespace {

void print_text(const Paper& p, const std::vector<DailyEntry>& entries) {
    std::printf("%s\n%s\n\n", p.id.str().c_str(), p.title.c_str());
    std::string names;
    for (const Author& a : p.authors) names += (names.empty() ? "" : ", ") + a.name;
    if (names.empty() && p.author_count > 0) names = std::to_string(p.author_count) + " authors";
    if (!names.empty()) std::printf("Authors:     %s\n", names.c_str());
    auto line = [](const char* label, const std::string& value) {
        if (!value.empty()) std::printf("%-12s %s\n", label, value.c_str());
    };
    std::string cats;
    for (const std::string& c : p.categories) cats += (cats.empty() ? "" : " ") + c;
    line("Categories:", cats);
    line("Published:", p.published);
    line("Updated:", p.updated);
    if (p.version > 0) line("Version:", "v" + std::to_string(p.version));
    line("Comments:", p.comments);
    line("Journal:", p.journal_ref);
    line("DOI:", p.doi);
    line("License:", p.license);
    line("arXiv:", p.id.abs_url());
    line("PDF:", p.id.pdf_url());
    line("Code:", p.github_url);
    line("Project:", p.project_url);
    line("Org:", p.organization);
    for (const DailyEntry& e : entries) {
        std::string by = e.submitted_by.empty() ? "" : " by " + e.submitted_by;
        std::printf("Daily list:  %s (%d upvotes%s)\n", e.date.c_str(), e.upvotes, by.c_str());
    }
    std::printf("\n%s\n", p.abstract.c_str());
}

}  // namespace

void add_show_command(CLI::App& app, Action& action) {
    struct Options {
        std::string db;
        std::string id;
        bool json = false;
    };
    auto opts = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("show", "Print one paper");
    add_db_option(cmd, opts->db);
    cmd->add_option("id", opts->id,
                    "Paper id in any accepted form: 2401.12345, arXiv:2401.12345v2, "
                    "hep-th/9901001, https://arxiv.org/abs/..., local:NAME")
        ->required();
    cmd->add_flag("--json", opts->json,
                  "Print JSON with the field names of the Hugging Face papers API");
    cmd->footer(
        "Examples:\n  paperboy show --db papers.db arXiv:0704.0001v2\n"
        "  paperboy show --db papers.db https://arxiv.org/abs/0704.0001 --json");
    cmd->callback([opts, &action] {
        action = [opts] {
            auto id = PaperId::parse(opts->id);
            if (!id.ok()) return fail(id.error());
            auto store = open_db(opts->db, /*must_exist=*/true);
            if (!store.ok()) return fail(store.error());
            auto page = app::Library(**store).paper(*id);
            if (!page.ok()) return fail(page.error());
            if (!*page) {
                return fail(
                    Error(ErrorCode::kNotFound, "no paper " + id->str() + " in " + opts->db));
            }
            if (opts->json) {
                JsonWriter w(/*pretty=*/true);
                app::write_paper_json(w, (*page)->paper, (*page)->entries);
                std::printf("%s\n", w.str().c_str());
            } else {
                print_text((*page)->paper, (*page)->entries);
            }
            return static_cast<int>(kExitOk);
        };
    });
}

}  // namespace paperboy::cli
