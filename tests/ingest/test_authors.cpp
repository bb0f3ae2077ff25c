// Author-list parsing and TeX accent conversion over real arXiv author strings (most from the
// first 200 records of the Kaggle snapshot).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/authors.h"

namespace paperboy::ingest {
namespace {

struct TexCase {
    const char* tex;
    const char* unicode;
};

TEST(TexToUnicode, ConvertsAccentsAndSymbols) {
    const TexCase cases[] = {
        {"C. Bal\\'azs", "C. Balázs"},
        {"Franz G\\\"ahler", "Franz Gähler"},
        {"M\\\"{o}bius", "Möbius"},
        {"{\\aa}ngstr{\\\"o}m", "ångström"},
        {"\\AA ngstr\\\"om", "Ångström"},
        {"Fran\\c{c}ois", "François"},
        {"Fran\\c cois", "François"},
        {"Mikkel {\\O}bro", "Mikkel Øbro"},
        {"Rastislav \\v{S}r\\'amek", "Rastislav Šrámek"},
        {"Tom\\'a\\v{s} Vina\\v{r}", "Tomáš Vinař"},
        {"R. Tom\\`as", "R. Tomàs"},
        {"Erd\\H{o}s", "Erdős"},
        {"Gau\\ss", "Gauß"},
        {"\\L{}ukasz", "Łukasz"},
        {"Ma\\'{\\i}a", "Maía"},
        {"Ma\\'\\i a", "Maía"},
        {"Jos\\'e~Mar\\'ia", "José María"},
        {"{B}ethe", "Bethe"},
        {"AT\\&T", "AT&T"},
        {"Lov\\'{a}sz", "Lovász"},
        {"\\'{Z}", "Ź"},
        {"\\'x", "x\u0301"},  // no precomposed letter: combining mark
        {"plain text", "plain text"},
        {"", ""},
    };
    for (const TexCase& c : cases) {
        EXPECT_EQ(tex_to_unicode(c.tex), c.unicode) << c.tex;
    }
}

TEST(TexToUnicode, KeepsMathAndUnknownCommands) {
    EXPECT_EQ(tex_to_unicode("The $(k,\\ell)$-pebble game"), "The $(k,\\ell)$-pebble game");
    EXPECT_EQ(tex_to_unicode("$\\tilde{x}$ and \\~{n}"), "$\\tilde{x}$ and ñ");
    EXPECT_EQ(tex_to_unicode("\\emph{new} results"), "\\emph{new} results");
    EXPECT_EQ(tex_to_unicode("\\textbf{Bal\\'azs}"), "\\textbf{Balázs}");
    EXPECT_EQ(tex_to_unicode("50\\% of"), "50% of");
}

TEST(TexToUnicode, SurvivesMalformedInput) {
    for (const char* s : {"\\", "\\'", "\\'{", "{{{", "}}}", "\\c{", "$", "\\v{ab}", "a\\"}) {
        std::string out = tex_to_unicode(s);
        EXPECT_LE(out.size(), 2 * std::string(s).size() + 4) << s;
    }
    EXPECT_EQ(tex_to_unicode("\\v{ab}"), "\\v{ab}");  // not an accent: left as it is
}

std::vector<std::string> names(const std::vector<Author>& authors) {
    std::vector<std::string> out;
    for (const Author& a : authors) out.push_back(a.name);
    return out;
}

struct ListCase {
    const char* text;
    std::vector<std::string> names;
};

TEST(ParseAuthorList, SplitsOnCommasAndAnd) {
    const ListCase cases[] = {
        {"C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
         {"C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"}},
        {"Ileana Streinu and Louis Theran", {"Ileana Streinu", "Louis Theran"}},
        {"Alejandro Corichi, Tatjana Vukasinac and Jose A. Zapata",
         {"Alejandro Corichi", "Tatjana Vukasinac", "Jose A. Zapata"}},
        {"A.A. Serga, M. Kostylev, and B. Hillebrands",
         {"A.A. Serga", "M. Kostylev", "B. Hillebrands"}},
        {"Nceba Mhlahlo, David H. Buckley, Vikram S. Dhillon, Steven B. Potter,\n  Brian Warner "
         "and Patric A. Woudt",
         {"Nceba Mhlahlo", "David H. Buckley", "Vikram S. Dhillon", "Steven B. Potter",
          "Brian Warner", "Patric A. Woudt"}},
        {"Rastislav \\v{S}r\\'amek, Bro\\v{n}a Brejov\\'a, Tom\\'a\\v{s} Vina\\v{r}",
         {"Rastislav Šrámek", "Broňa Brejová", "Tomáš Vinař"}},
        {"J.P.Hague and N.d'Ambrumenil", {"J.P.Hague", "N.d'Ambrumenil"}},
        {"Alexander Anderson and Andrea Sandberg", {"Alexander Anderson", "Andrea Sandberg"}},
        {"The BABAR Collaboration, B. Aubert, et al", {"The BABAR Collaboration", "B. Aubert"}},
        {"ATLAS Collaboration: G. Aad; B. Abbott", {"ATLAS Collaboration", "G. Aad", "B. Abbott"}},
        {"Martin Luther King, Jr., Coretta Scott King",
         {"Martin Luther King Jr.", "Coretta Scott King"}},
        {"Mikkel {\\O}bro", {"Mikkel Øbro"}},
        {"", {}},
        {" , ; and ", {}},
    };
    for (const ListCase& c : cases) {
        EXPECT_EQ(names(parse_author_list(c.text)), c.names) << c.text;
    }
}

TEST(ParseAuthorList, KeepsSuffix) {
    auto authors = parse_author_list("Martin Luther King, Jr., Coretta Scott King");
    ASSERT_EQ(authors.size(), 2u);
    EXPECT_EQ(authors[0].suffix, "Jr.");
    EXPECT_EQ(authors[1].suffix, "");
}

TEST(ParseAuthorList, AttachesAffiliationToTheAuthorBefore) {
    auto authors = parse_author_list(
        "A. A. Schekochihin (Oxford), S. C. Cowley (Culham), W. Dorland\n  (Maryland), G. W. "
        "Hammett (Princeton)");
    ASSERT_EQ(authors.size(), 4u);
    EXPECT_EQ(authors[2].name, "W. Dorland");
    EXPECT_EQ(authors[2].affiliations, std::vector<std::string>{"Maryland"});

    authors = parse_author_list("A, B (MIT)");
    ASSERT_EQ(authors.size(), 2u);
    EXPECT_TRUE(authors[0].affiliations.empty());
    EXPECT_EQ(authors[1].affiliations, std::vector<std::string>{"MIT"});

    authors = parse_author_list("V.N. Tolstoy (INP, Moscow State University)");
    ASSERT_EQ(authors.size(), 1u);
    EXPECT_EQ(authors[0].affiliations, std::vector<std::string>{"INP, Moscow State University"});
}

TEST(ParseAuthorList, SharesAffiliationAcrossAnd) {
    auto authors = parse_author_list(
        "Peter Brommer and Franz G\\\"ahler (Institut f\\\"ur Theoretische und\n  Angewandte "
        "Physik, Universit\\\"at Stuttgart)");
    ASSERT_EQ(names(authors), (std::vector<std::string>{"Peter Brommer", "Franz Gähler"}));
    const std::string stuttgart =
        "Institut für Theoretische und Angewandte Physik, Universität Stuttgart";
    EXPECT_EQ(authors[0].affiliations, std::vector<std::string>{stuttgart});
    EXPECT_EQ(authors[1].affiliations, std::vector<std::string>{stuttgart});

    authors = parse_author_list(
        "Christian Krattenthaler (Universit\\\"at Wien) and Thomas M\\\"uller\n  (Queen Mary & "
        "Westfield College, University of London)");
    ASSERT_EQ(authors.size(), 2u);
    EXPECT_EQ(authors[0].affiliations, std::vector<std::string>{"Universität Wien"});
    EXPECT_EQ(authors[1].affiliations,
              std::vector<std::string>{"Queen Mary & Westfield College, University of London"});
}

TEST(ParseAuthorList, ResolvesNumberedAffiliations) {
    auto authors = parse_author_list(
        "A. S. Mishchenko (1 and 2) and N. Nagaosa (1 and 3) ((1) CREST, Japan\n  Science and "
        "Technology Agency, (2) Russian Research Centre ``Kurchatov\n  Institute'', (3) The "
        "University of Tokyo)");
    ASSERT_EQ(names(authors), (std::vector<std::string>{"A. S. Mishchenko", "N. Nagaosa"}));
    EXPECT_EQ(authors[0].affiliations,
              (std::vector<std::string>{"CREST, Japan Science and Technology Agency",
                                        "Russian Research Centre ``Kurchatov Institute''"}));
    EXPECT_EQ(authors[1].affiliations,
              (std::vector<std::string>{"CREST, Japan Science and Technology Agency",
                                        "The University of Tokyo"}));

    authors = parse_author_list("Arthur Jaffe (1) and Gordon Ritter (1) ((1) Harvard University)");
    ASSERT_EQ(authors.size(), 2u);
    EXPECT_EQ(authors[0].affiliations, std::vector<std::string>{"Harvard University"});
    EXPECT_EQ(authors[1].affiliations, std::vector<std::string>{"Harvard University"});

    authors = parse_author_list("S. Sigurdsson (8), M. Mapelli (7) (7 Zurich; 8 Penn State)");
    ASSERT_EQ(authors.size(), 2u);
    EXPECT_EQ(authors[0].affiliations, std::vector<std::string>{"Penn State"});
    EXPECT_EQ(authors[1].affiliations, std::vector<std::string>{"Zurich"});
}

TEST(ParseAuthorList, SurvivesUnbalancedParentheses) {
    auto authors = parse_author_list("A. Smith (MIT, B. Jones");
    ASSERT_EQ(authors.size(), 1u);
    EXPECT_EQ(authors[0].name, "A. Smith");
    EXPECT_EQ(parse_author_list("A. Smith) and B. Jones").size(), 2u);
    EXPECT_TRUE(parse_author_list("((((").empty());
}

TEST(AuthorFromParts, JoinsForenamesKeynameSuffix) {
    Author a = author_from_parts("Bal\\'azs", "C.", "");
    EXPECT_EQ(a.name, "C. Balázs");
    EXPECT_EQ(a.keyname, "Balázs");
    EXPECT_EQ(a.forenames, "C.");
    EXPECT_EQ(a.suffix, "");

    EXPECT_EQ(author_from_parts("Yuan", "C. -P.", "").name, "C.-P. Yuan");
    EXPECT_EQ(author_from_parts("van der Tak", "Floris", "").name, "Floris van der Tak");
    EXPECT_EQ(author_from_parts("King", "Martin Luther", "Jr").name, "Martin Luther King Jr");
    EXPECT_EQ(author_from_parts("The BABAR Collaboration", "", "").name, "The BABAR Collaboration");
    EXPECT_EQ(author_from_parts("", "", "").name, "");
}

}  // namespace
}  // namespace paperboy::ingest
