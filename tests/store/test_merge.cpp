#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "store/merge.h"

namespace paperboy::store {
namespace {

Paper base() {
    Paper p;
    p.id = *PaperId::parse("2401.00001");
    p.version = 2;
    p.title = "Stored title";
    p.abstract_raw = "Stored  abstract";
    p.abstract = "Stored abstract";
    p.authors = {Author{"Ada Lovelace", "Lovelace", "Ada", "", {}}};
    p.categories = {"cs.CL"};
    p.published = "2024-01-01T00:00:00Z";
    p.updated = "2024-01-02T00:00:00Z";
    p.doi = "10.1/stored";
    return p;
}

struct PaperCase {
    const char* name;
    std::function<void(Paper& stored)> stored;
    std::function<void(Paper& incoming)> incoming;
    std::function<void(Paper& expected)> expected;  // applied to the stored paper
};

// `incoming` starts as an empty record of the same id; each case fills what its source carries.
const std::vector<PaperCase>& paper_cases() {
    static const std::vector<PaperCase> cases = {
        {"empty incoming changes nothing", [](Paper&) {}, [](Paper&) {}, [](Paper&) {}},
        {"newer version replaces present fields", [](Paper&) {},
         [](Paper& in) {
             in.version = 3;
             in.title = "New title";
             in.categories = {"cs.AI", "cs.CL"};
         },
         [](Paper& ex) {
             ex.version = 3;
             ex.title = "New title";
             ex.categories = {"cs.AI", "cs.CL"};
         }},
        {"an undated record only fills gaps", [](Paper& st) { st.comments.clear(); },
         [](Paper& in) {
             in.title = "HF title";
             in.comments = "10 pages";
         },
         [](Paper& ex) { ex.comments = "10 pages"; }},
        {"same version with a later update replaces present fields", [](Paper&) {},
         [](Paper& in) {
             in.version = 2;
             in.updated = "2024-02-01T00:00:00Z";
             in.doi = "10.1/fixed";
         },
         [](Paper& ex) {
             ex.doi = "10.1/fixed";
             ex.updated = "2024-02-01T00:00:00Z";
         }},
        {"same version and update time only fills gaps", [](Paper&) {},
         [](Paper& in) {
             in.version = 2;
             in.updated = "2024-01-02T00:00:00Z";
             in.doi = "10.1/other-source";
         },
         [](Paper&) {}},
        {"a dated record replaces an undated one",
         [](Paper& st) {
             st.version = 0;
             st.updated.clear();
         },
         [](Paper& in) {
             in.updated = "2024-01-05T00:00:00Z";
             in.title = "arXiv title";
         },
         [](Paper& ex) {
             ex.updated = "2024-01-05T00:00:00Z";
             ex.title = "arXiv title";
         }},
        {"older version does not overwrite", [](Paper&) {},
         [](Paper& in) {
             in.version = 1;
             in.title = "Old title";
             in.doi = "10.1/old";
         },
         [](Paper&) {}},
        {"older version fills gaps", [](Paper& st) { st.journal_ref.clear(); },
         [](Paper& in) {
             in.version = 1;
             in.journal_ref = "J. Old 1";
             in.authors = {Author{"Someone Else", "", "", "", {}}};
         },
         [](Paper& ex) { ex.journal_ref = "J. Old 1"; }},
        {"partial record adds organization and keeps categories", [](Paper&) {},
         [](Paper& in) {
             in.organization = "meta";
             in.github_url = "https://github.com/a/b";
         },
         [](Paper& ex) {
             ex.organization = "meta";
             ex.github_url = "https://github.com/a/b";
         }},
        {"published is the earliest known, even from an older version", [](Paper&) {},
         [](Paper& in) {
             in.version = 1;
             in.published = "2023-12-31T00:00:00Z";
         },
         [](Paper& ex) { ex.published = "2023-12-31T00:00:00Z"; }},
        {"a later published does not replace an earlier one", [](Paper&) {},
         [](Paper& in) {
             in.version = 3;
             in.published = "2024-06-01T00:00:00Z";
         },
         [](Paper& ex) { ex.version = 3; }},
        {"published fills an unknown one", [](Paper& st) { st.published.clear(); },
         [](Paper& in) { in.published = "2024-06-01T00:00:00Z"; },
         [](Paper& ex) { ex.published = "2024-06-01T00:00:00Z"; }},
        {"updated is the latest known", [](Paper&) {},
         [](Paper& in) {
             in.version = 1;
             in.updated = "2024-03-01T00:00:00Z";
         },
         [](Paper& ex) { ex.updated = "2024-03-01T00:00:00Z"; }},
        {"an earlier updated does not replace a later one", [](Paper&) {},
         [](Paper& in) { in.updated = "2023-01-01T00:00:00Z"; }, [](Paper&) {}},
        {"version is the larger", [](Paper& st) { st.version = 0; },
         [](Paper& in) { in.version = 4; }, [](Paper& ex) { ex.version = 4; }},
        {"author count from a count-only source", [](Paper&) {},
         [](Paper& in) { in.author_count = 12; }, [](Paper& ex) { ex.author_count = 12; }},
        {"authors replaced as a whole", [](Paper&) {},
         [](Paper& in) {
             in.version = 3;
             in.authors = {Author{"B", "", "", "", {}}, Author{"C", "", "", "", {"Org"}}};
         },
         [](Paper& ex) {
             ex.version = 3;
             ex.authors = {Author{"B", "", "", "", {}}, Author{"C", "", "", "", {"Org"}}};
         }},
    };
    return cases;
}

TEST(MergePaper, FollowsTheRulesOfEachCase) {
    for (const PaperCase& c : paper_cases()) {
        SCOPED_TRACE(c.name);
        Paper stored = base();
        c.stored(stored);
        Paper incoming;
        incoming.id = stored.id;
        c.incoming(incoming);
        Paper expected = stored;
        c.expected(expected);

        const Paper merged = merge_paper(stored, incoming);
        EXPECT_EQ(merged, expected);
        EXPECT_EQ(merge_paper(merged, incoming), merged) << "merging twice is idempotent";
    }
}

TEST(MergePaper, TwoSourcesOfOneVersionConvergeAfterOnePass) {
    // 1412.6776 comes from arXivRaw and oai_dc with different fields and dates; re-ingesting
    // both, in either order, must change nothing after the first pass.
    Paper raw = base();
    raw.version = 1;
    raw.updated = "2014-12-19T00:00:00Z";
    raw.comments = "raw comments";
    Paper dc = base();
    dc.version = 0;
    dc.updated = "2014-12-24T00:00:00Z";
    dc.title = "DC title";
    dc.comments.clear();
    dc.journal_ref = "DC journal";
    for (bool raw_first : {true, false}) {
        SCOPED_TRACE(raw_first ? "arXivRaw first" : "oai_dc first");
        const Paper& a = raw_first ? raw : dc;
        const Paper& b = raw_first ? dc : raw;
        Paper once = merge_paper(merge_paper(a, a), b);
        Paper twice = merge_paper(merge_paper(once, a), b);
        EXPECT_EQ(twice, once);
        EXPECT_EQ(once.title, "DC title") << "the later-updated source wins its fields";
        EXPECT_EQ(once.comments, "raw comments") << "the other source fills the gaps";
    }
}

TEST(MergePaper, MergingAPaperIntoItselfGivesItself) {
    const Paper p = base();
    EXPECT_EQ(merge_paper(p, p), p);
}

TEST(MergePaper, PublishedUpdatedAndVersionDoNotDependOnArrivalOrder) {
    Paper a = base();
    a.version = 1;
    a.published = "2024-01-01T00:00:00Z";
    a.updated = "2024-01-01T00:00:00Z";
    Paper b = base();
    b.version = 3;
    b.published = "2024-01-01T00:00:00Z";
    b.updated = "2024-05-01T00:00:00Z";
    const Paper ab = merge_paper(a, b);
    const Paper ba = merge_paper(b, a);
    EXPECT_EQ(ab.version, 3);
    EXPECT_EQ(ba.version, 3);
    EXPECT_EQ(ab.updated, "2024-05-01T00:00:00Z");
    EXPECT_EQ(ba.updated, "2024-05-01T00:00:00Z");
    EXPECT_EQ(ab.published, ba.published);
}

TEST(MergeDailyEntry, CountsAreReplacedAndEmptyFieldsKept) {
    DailyEntry stored;
    stored.date = "2024-01-02";
    stored.paper_id = *PaperId::parse("2401.00001");
    stored.submitted_by = "akhaliq";
    stored.submitted_at = "2024-01-02T08:00:00Z";
    stored.upvotes = 12;
    stored.num_comments = 4;

    struct Case {
        const char* name;
        std::function<void(DailyEntry&)> incoming;
        std::function<void(DailyEntry&)> expected;
    };
    const std::vector<Case> cases = {
        {"same figures", [](DailyEntry&) {}, [](DailyEntry&) {}},
        {"upvotes rise", [](DailyEntry& in) { in.upvotes = 40; },
         [](DailyEntry& ex) { ex.upvotes = 40; }},
        {"upvotes fall (the source's current figure wins)", [](DailyEntry& in) { in.upvotes = 3; },
         [](DailyEntry& ex) { ex.upvotes = 3; }},
        {"empty curator keeps the stored one",
         [](DailyEntry& in) {
             in.submitted_by.clear();
             in.submitted_at.clear();
         },
         [](DailyEntry&) {}},
        {"new curator replaces", [](DailyEntry& in) { in.submitted_by = "someone"; },
         [](DailyEntry& ex) { ex.submitted_by = "someone"; }},
        {"comment count replaced", [](DailyEntry& in) { in.num_comments = 0; },
         [](DailyEntry& ex) { ex.num_comments = 0; }},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        DailyEntry incoming = stored;
        c.incoming(incoming);
        DailyEntry expected = stored;
        c.expected(expected);
        const DailyEntry merged = merge_daily_entry(stored, incoming);
        EXPECT_EQ(merged, expected);
        EXPECT_EQ(merge_daily_entry(merged, incoming), merged);
    }
}

}  // namespace
}  // namespace paperboy::store
