#include <gtest/gtest.h>

#include <cstdlib>

#include "core/json_writer.h"

namespace paperboy {
namespace {

TEST(JsonWriter, WritesNestedStructures) {
    JsonWriter w;
    w.begin_object()
        .field("id", "0704.0001")
        .field("n", 3)
        .field("ok", true)
        .key("list")
        .begin_array()
        .value(1)
        .value("two")
        .null()
        .end_array()
        .key("empty")
        .begin_object()
        .end_object()
        .end_object();
    EXPECT_EQ(w.str(), R"({"id":"0704.0001","n":3,"ok":true,"list":[1,"two",null],"empty":{}})");
}

TEST(JsonWriter, EscapesEverythingThatNeedsIt) {
    std::string out;
    append_json_string(out, std::string("q\"b\\n\n\t\x01 é", 11));
    EXPECT_EQ(out, "\"q\\\"b\\\\n\\n\\t\\u0001 é\"");
}

// Long runs are scanned 8 bytes at a time: every byte that needs an escape must be found at
// every offset of such a word, and next to every other byte value.
TEST(JsonWriter, EscapesInsideLongRunsAtEveryOffset) {
    const std::string specials[] = {
        "\"", "\\", "\n", std::string(1, '\x01'), std::string(1, '\x1f'), "\xc3\xa9", "\xff"};
    const std::string expected_escapes[] = {"\\\"",    "\\\\",     "\\n",         "\\u0001",
                                            "\\u001f", "\xc3\xa9", "\xef\xbf\xbd"};
    for (size_t k = 0; k < std::size(specials); ++k) {
        for (size_t at = 0; at < 24; ++at) {
            for (int neighbour = 0x20; neighbour < 0x80; neighbour += 13) {  // never '"' or '\\'
                const std::string pad(at, static_cast<char>(neighbour));
                const std::string tail(17, static_cast<char>(neighbour));
                std::string out;
                append_json_string(out, pad + specials[k] + tail);
                ASSERT_EQ(out, "\"" + pad + expected_escapes[k] + tail + "\"")
                    << "special " << k << " at " << at << " among " << neighbour;
            }
        }
    }
}

TEST(JsonWriter, ReplacesInvalidUtf8) {
    std::string out;
    append_json_string(out, "a\xff\xc3(b\xed\xa0\x80");
    EXPECT_EQ(out, "\"a\xEF\xBF\xBD\xEF\xBF\xBD(b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(JsonWriter, PrettyPrints) {
    JsonWriter w(true);
    w.begin_object().field("a", 1).key("b").begin_array().value(2).end_array().end_object();
    EXPECT_EQ(w.str(), "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}");
}

TEST(JsonWriter, NonFiniteDoublesBecomeNull) {
    JsonWriter w;
    w.begin_array().value(1.0 / 0.0).value(0.5).end_array();
    EXPECT_EQ(w.str(), "[null,0.5]");
}

TEST(JsonWriter, DoublesAreTheShortestTextThatReadsBack) {
    JsonWriter w;
    const double scores[] = {0.1, 3.0, 9.539464950561523, 1e-7, 1.7976931348623157e308, -2.5};
    w.begin_array();
    for (double d : scores) w.value(d);
    w.end_array();
    EXPECT_EQ(w.str(), "[0.1,3,9.539464950561523,1e-07,1.7976931348623157e+308,-2.5]");
    for (double d : scores) {
        JsonWriter one;
        one.value(d);
        EXPECT_EQ(std::strtod(one.str().c_str(), nullptr), d) << one.str();
    }
}

}  // namespace
}  // namespace paperboy
