#include <gtest/gtest.h>

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

}  // namespace
}  // namespace paperboy
