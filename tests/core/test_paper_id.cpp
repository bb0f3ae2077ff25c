#include <gtest/gtest.h>

#include "core/paper_id.h"

namespace paperboy {
namespace {

struct IdCase {
    const char* input;
    const char* base;  // nullptr: must be rejected
    int version;
    PaperId::Kind kind;
};

constexpr auto kNew = PaperId::Kind::kArxivNew;
constexpr auto kOld = PaperId::Kind::kArxivOld;
constexpr auto kLocal = PaperId::Kind::kLocal;

const IdCase kCases[] = {
    // New style, 4 and 5 digit numbers.
    {"2401.12345", "2401.12345", 0, kNew},
    {"0704.0001", "0704.0001", 0, kNew},
    {"1412.9999", "1412.9999", 0, kNew},
    {"1501.00001", "1501.00001", 0, kNew},
    {"2401.12345v2", "2401.12345", 2, kNew},
    {"2401.12345V3", "2401.12345", 3, kNew},
    {"0704.0001v12", "0704.0001", 12, kNew},
    // Prefixes and URLs.
    {"arXiv:2401.12345", "2401.12345", 0, kNew},
    {"arxiv:2401.12345v1", "2401.12345", 1, kNew},
    {"ARXIV:0704.0001v2", "0704.0001", 2, kNew},
    {"  2401.12345  ", "2401.12345", 0, kNew},
    {"https://arxiv.org/abs/2401.12345", "2401.12345", 0, kNew},
    {"https://arxiv.org/abs/2401.12345v4", "2401.12345", 4, kNew},
    {"http://arxiv.org/pdf/2401.12345v2.pdf", "2401.12345", 2, kNew},
    {"https://arxiv.org/pdf/2401.12345", "2401.12345", 0, kNew},
    {"https://www.arxiv.org/abs/2401.12345/", "2401.12345", 0, kNew},
    {"arxiv.org/abs/2401.12345?context=cs", "2401.12345", 0, kNew},
    {"https://export.arxiv.org/abs/hep-th/9901001v3", "hep-th/9901001", 3, kOld},
    {"https://huggingface.co/papers/2410.17243", "2410.17243", 0, kNew},
    {"oai:arXiv.org:0704.0001", "0704.0001", 0, kNew},
    {"https://arxiv.org/html/2401.12345v1", "2401.12345", 1, kNew},
    // Old style.
    {"hep-th/9901001", "hep-th/9901001", 0, kOld},
    {"hep-th/9901001v1", "hep-th/9901001", 1, kOld},
    {"math.GT/0309136", "math/0309136", 0, kOld},
    {"math.GT/0309136v2", "math/0309136", 2, kOld},
    {"astro-ph/0601001", "astro-ph/0601001", 0, kOld},
    {"quant-ph/0201082v1", "quant-ph/0201082", 1, kOld},
    {"cond-mat/0703999", "cond-mat/0703999", 0, kOld},
    {"arXiv:hep-ph/9205201", "hep-ph/9205201", 0, kOld},
    {"HEP-TH/9901001", "hep-th/9901001", 0, kOld},
    // Local ids.
    {"local:attention-is-all-you-need", "local:attention-is-all-you-need", 0, kLocal},
    {"local:4983", "local:4983", 0, kLocal},
    {"LOCAL:Doc_1.2", "local:Doc_1.2", 0, kLocal},
    // Garbage.
    {"", nullptr, 0, kNew},
    {"   ", nullptr, 0, kNew},
    {"abc", nullptr, 0, kNew},
    {"2401.1234", nullptr, 0, kNew},     // 2015+ ids have 5 digits
    {"0704.00001", nullptr, 0, kNew},    // before 2015 they have 4
    {"2413.12345", nullptr, 0, kNew},    // month 13
    {"0612.1234", nullptr, 0, kNew},     // new style began in April 2007
    {"2401.12345v", nullptr, 0, kNew},   // version without number
    {"2401.12345v0", nullptr, 0, kNew},  // versions start at 1
    {"2401.12345x", nullptr, 0, kNew},
    {"hep-th/990100", nullptr, 0, kNew},   // 6 digits
    {"hep-th/1501001", nullptr, 0, kNew},  // old style ended in 2007
    {"/9901001", nullptr, 0, kNew},
    {"hep th/9901001", nullptr, 0, kNew},
    {"local:", nullptr, 0, kNew},
    {"local:has space", nullptr, 0, kNew},
    {"local:../etc/passwd", nullptr, 0, kNew},
    {"https://example.com/abs/2401.12345", nullptr, 0, kNew},
    {"2401.12345; DROP TABLE papers", nullptr, 0, kNew},
};

TEST(PaperId, ParsesTheTable) {
    for (const IdCase& c : kCases) {
        SCOPED_TRACE(c.input);
        auto parsed = parse_paper_id(c.input);
        if (c.base == nullptr) {
            ASSERT_FALSE(parsed.ok());
            EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
            continue;
        }
        ASSERT_TRUE(parsed.ok()) << parsed.error().message();
        EXPECT_EQ(parsed->id.str(), c.base);
        EXPECT_EQ(parsed->version, c.version);
        EXPECT_EQ(parsed->id.kind(), c.kind);
    }
    EXPECT_GE(std::size(kCases), 30u);
}

TEST(PaperId, KeepsVersionApartFromBaseId) {
    auto a = PaperId::parse("arXiv:0704.0001v2");
    auto b = PaperId::parse("0704.0001");
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, *b);
}

TEST(PaperId, ErrorNamesTheInput) {
    auto parsed = parse_paper_id("not-an-id");
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().message().find("not-an-id"), std::string::npos);
}

TEST(PaperId, RejectsOversizedInputWithoutEchoingIt) {
    std::string huge(100000, '1');
    auto parsed = parse_paper_id(huge);
    ASSERT_FALSE(parsed.ok());
    EXPECT_LT(parsed.error().message().size(), 300u);
}

TEST(PaperId, LocalIdFromTitleIsStableSlug) {
    EXPECT_EQ(PaperId::local_from_title("Attention Is All You Need").str(),
              "local:attention-is-all-you-need");
    EXPECT_EQ(PaperId::local_from_title("  GPT-4 Technical Report!  ").str(),
              "local:gpt-4-technical-report");
    EXPECT_EQ(PaperId::local_from_title("Über Größe").str(), "local:ber-gre");
    EXPECT_EQ(PaperId::local_from_title("???").str(), "local:untitled");
    std::string long_title(300, 'a');
    EXPECT_LE(PaperId::local_from_title(long_title).str().size(), 6u + 80u);
    EXPECT_EQ(
        PaperId::local_from_title("Do Not (Always) Look Right: Investigating the "
                                  "Capabilities of Decoder-Based Large Language Models for "
                                  "Sequence Labeling")
            .str(),
        "local:do-not-always-look-right-investigating-the-capabilities-of-decoder-based-large");
    // A slug is itself an accepted id.
    auto reparsed = PaperId::parse(PaperId::local_from_title("Do Not (Always) Look Right").str());
    ASSERT_TRUE(reparsed.ok());
    EXPECT_EQ(reparsed->str(), "local:do-not-always-look-right");
}

TEST(PaperId, LinksForArxivIdsOnly) {
    auto id = PaperId::parse("hep-th/9901001v2");
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(id->abs_url(), "https://arxiv.org/abs/hep-th/9901001");
    EXPECT_EQ(id->pdf_url(), "https://arxiv.org/pdf/hep-th/9901001");
    EXPECT_EQ(PaperId::local_from_title("x").abs_url(), "");
}

}  // namespace
}  // namespace paperboy
