#include <gtest/gtest.h>

#include "core/paper.h"

namespace paperboy {
namespace {

TEST(CleanDisplayText, CollapsesSourceLineBreaks) {
    EXPECT_EQ(clean_display_text("  A fully differential calculation in perturbative quantum "
                                 "chromodynamics is\npresented for the production\n"),
              "A fully differential calculation in perturbative quantum chromodynamics is "
              "presented for the production");
    EXPECT_EQ(clean_display_text("Calculation of prompt diphoton production cross sections at "
                                 "Tevatron and\n  LHC energies"),
              "Calculation of prompt diphoton production cross sections at Tevatron and LHC "
              "energies");
    EXPECT_EQ(clean_display_text("First paragraph.\n\n  Second\tparagraph."),
              "First paragraph.\n\nSecond paragraph.");
    EXPECT_EQ(clean_display_text("\r\n\t "), "");
    EXPECT_EQ(clean_display_text("Größe  und\nWeite"), "Größe und Weite");
}

TEST(FindLinks, FindsTheFormsAuthorsWrite) {
    struct {
        const char* text;
        const char* github;
        const char* project;
    } cases[] = {
        {"Code is available at https://github.com/alibaba/inf-clip.",
         "https://github.com/alibaba/inf-clip", ""},
        {"Code: [https://github.com/a/b](https://github.com/a/b)", "https://github.com/a/b", ""},
        {"see <https://github.com/Owner/Repo.git>", "https://github.com/Owner/Repo", ""},
        {"at \\url{https://github.com/x/y/tree/main/src}", "https://github.com/x/y", ""},
        {"(code: https://github.com/x/y), and", "https://github.com/x/y", ""},
        {"Project page: https://example.github.io/proj/. Code: http://www.github.com/u/r",
         "https://github.com/u/r", "https://example.github.io/proj/"},
        {"see https://arxiv.org/abs/2401.00001 and https://doi.org/10.1/x", "", ""},
        {"https://github.com/onlyowner is not a repo", "", ""},
        {"https://en.wikipedia.org/wiki/Foo_(bar).", "", "https://en.wikipedia.org/wiki/Foo_(bar)"},
        {"no links here, just http and https words", "", ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        FoundLinks links = find_links(c.text);
        EXPECT_EQ(links.github_url, c.github);
        EXPECT_EQ(links.project_url, c.project);
    }
}

TEST(FillLinks, UsesAbstractThenCommentsAndKeepsGivenLinks) {
    Paper p;
    p.abstract_raw = "We release data at https://data.example.org/set.";
    p.comments = "Code: https://github.com/a/b";
    fill_links(p);
    EXPECT_EQ(p.github_url, "https://github.com/a/b");
    EXPECT_EQ(p.project_url, "https://data.example.org/set");

    Paper q;
    q.github_url = "https://github.com/given/repo";
    q.abstract_raw = "https://github.com/other/repo";
    fill_links(q);
    EXPECT_EQ(q.github_url, "https://github.com/given/repo");
}

TEST(Paper, AuthorCountFallsBackToDeclaredCount) {
    Paper p;
    p.author_count = 6;
    EXPECT_EQ(p.num_authors(), 6);
    p.authors.push_back(Author{.name = "A"});
    EXPECT_EQ(p.num_authors(), 1);
}

}  // namespace
}  // namespace paperboy
