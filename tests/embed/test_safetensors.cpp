// The safetensors reader (embed/safetensors.h): every dtype's conversion on values worked out
// by hand, metadata, names in data order, and a refusal with the file and tensor named for
// each way a file can be malformed; the real potion model's header from ../shared.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "embed/safetensors.h"
#include "embed/safetensors_builder.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace paperboy::embed {
namespace {

using testing::SafeTensorsBuilder;

Result<SafeTensors> parse(const std::string& bytes) {
    return SafeTensors::from_bytes(bytes, "test.safetensors");
}

// Expects a parse failure whose message contains every one of `parts`.
void expect_refused(const std::string& bytes, std::vector<std::string> parts,
                    ErrorCode code = ErrorCode::kParse) {
    Result<SafeTensors> st = parse(bytes);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), code) << st.error().message();
    parts.push_back("test.safetensors");
    for (const std::string& part : parts) {
        EXPECT_NE(st.error().message().find(part), std::string::npos)
            << "\"" << part << "\" not in: " << st.error().message();
    }
}

TEST(HalfFloats, ConvertLikeIeee) {
    EXPECT_EQ(half_to_float(0x0000), 0.0f);
    EXPECT_EQ(half_to_float(0x3C00), 1.0f);
    EXPECT_EQ(half_to_float(0xC000), -2.0f);
    EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);
    EXPECT_EQ(half_to_float(0x7BFF), 65504.0f);                  // largest normal
    EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));     // smallest subnormal
    EXPECT_EQ(half_to_float(0x03FF), std::ldexp(1023.0f, -24));  // largest subnormal
    EXPECT_EQ(half_to_float(0x7C00), std::numeric_limits<float>::infinity());
    EXPECT_TRUE(std::isnan(half_to_float(0x7E00)));
    EXPECT_TRUE(std::signbit(half_to_float(0x8000)));
    EXPECT_EQ(bfloat16_to_float(0x3F80), 1.0f);
    EXPECT_EQ(bfloat16_to_float(0xC0A0), -5.0f);
}

TEST(SafeTensors, ReadsEveryDtypeAsFloat) {
    SafeTensorsBuilder b;
    b.add_f32("f32", {2, 2}, {1.5f, -2.0f, 0.25f, 8.0f});
    b.add("f16", "F16", {3},
          SafeTensorsBuilder::bytes_of(std::vector<uint16_t>{0x3C00, 0xC000, 0x3800}));
    b.add("bf16", "BF16", {2}, SafeTensorsBuilder::bytes_of(std::vector<uint16_t>{0x3F80, 0xC0A0}));
    b.add("i8", "I8", {4}, SafeTensorsBuilder::bytes_of(std::vector<int8_t>{-127, -1, 0, 122}));
    b.add("u8", "U8", {1}, std::string(1, '\xFF'));
    b.add("i32", "I32", {2}, SafeTensorsBuilder::bytes_of(std::vector<int32_t>{-7, 100000}));
    b.add("i64", "I64", {1}, SafeTensorsBuilder::bytes_of(std::vector<int64_t>{29527}));
    b.add("f64", "F64", {1}, SafeTensorsBuilder::bytes_of(std::vector<double>{0.125}));
    b.add("scalar", "F32", {}, SafeTensorsBuilder::bytes_of(std::vector<float>{3.0f}));
    b.add("empty", "F32", {0, 4}, "");
    Result<SafeTensors> st = parse(b.bytes());
    ASSERT_TRUE(st.ok()) << st.error().message();

    EXPECT_EQ(*st->to_float("f32"), (std::vector<float>{1.5f, -2.0f, 0.25f, 8.0f}));
    EXPECT_EQ(*st->to_float("f16"), (std::vector<float>{1.0f, -2.0f, 0.5f}));
    EXPECT_EQ(*st->to_float("bf16"), (std::vector<float>{1.0f, -5.0f}));
    EXPECT_EQ(*st->to_float("i8"), (std::vector<float>{-127, -1, 0, 122}));
    EXPECT_EQ(*st->to_float("u8"), (std::vector<float>{255}));
    EXPECT_EQ(*st->to_float("i32"), (std::vector<float>{-7, 100000}));
    EXPECT_EQ(*st->to_float("i64"), (std::vector<float>{29527}));
    EXPECT_EQ(*st->to_float("f64"), (std::vector<float>{0.125f}));
    EXPECT_EQ(*st->to_float("scalar"), (std::vector<float>{3.0f}));
    EXPECT_TRUE(st->to_float("empty")->empty());

    const TensorInfo* f16 = st->find("f16");
    ASSERT_NE(f16, nullptr);
    EXPECT_EQ(f16->dtype, DType::kF16);
    EXPECT_EQ(dtype_name(f16->dtype), "F16");
    EXPECT_EQ(f16->shape, (std::vector<int64_t>{3}));
    EXPECT_EQ(f16->element_count(), 3u);
    EXPECT_EQ(st->raw(*f16).size(), 6u);
    EXPECT_EQ(st->find("scalar")->element_count(), 1u);
    EXPECT_EQ(st->names(), (std::vector<std::string>{"f32", "f16", "bf16", "i8", "u8", "i32", "i64",
                                                     "f64", "scalar", "empty"}));
    EXPECT_EQ(st->file_bytes().size(), b.bytes().size());
}

TEST(SafeTensors, KeepsMetadataApartFromTensors) {
    SafeTensorsBuilder b;
    b.add_f32("w", {1}, {1.0f}).metadata(R"({"format":"pt","note":"x"})");
    Result<SafeTensors> st = parse(b.bytes());
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_EQ(st->names(), std::vector<std::string>{"w"});
    EXPECT_EQ(st->metadata().at("format"), "pt");
    EXPECT_EQ(st->find("__metadata__"), nullptr);

    SafeTensorsBuilder bad;
    bad.add_f32("w", {1}, {1.0f}).metadata(R"({"n":3})");
    expect_refused(bad.bytes(), {"__metadata__", "\"n\""});
}

TEST(SafeTensors, AcceptsAHeaderPaddedWithSpaces) {
    std::string header = R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    header.append(6, ' ');  // writers pad the header to a multiple of 8
    Result<SafeTensors> st = parse(
        SafeTensorsBuilder::file(header, SafeTensorsBuilder::bytes_of(std::vector<float>{2})));
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_EQ(*st->to_float("w"), std::vector<float>{2.0f});
}

TEST(SafeTensors, ReportsAMissingTensorAndBoolTensors) {
    SafeTensorsBuilder b;
    b.add("mask", "BOOL", {2}, std::string("\x01\x00", 2));
    Result<SafeTensors> st = parse(b.bytes());
    ASSERT_TRUE(st.ok()) << st.error().message();
    Result<std::vector<float>> missing = st->to_float("nope");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
    EXPECT_NE(missing.error().message().find("\"nope\""), std::string::npos);
    Result<std::vector<float>> mask = st->to_float("mask");
    ASSERT_FALSE(mask.ok());
    EXPECT_EQ(mask.error().code(), ErrorCode::kInvalidArgument);
}

TEST(SafeTensors, OpensAFileAndRefusesAMissingOne) {
    paperboy::testing::TempDir dir;
    SafeTensorsBuilder b;
    b.add_f32("w", {2}, {1.0f, 2.0f});
    ASSERT_TRUE(paperboy::testing::write_file(dir.file("m.safetensors"), b.bytes()));
    Result<SafeTensors> st = SafeTensors::open(dir.file("m.safetensors"));
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_EQ(*st->to_float("w"), (std::vector<float>{1.0f, 2.0f}));
    EXPECT_EQ(st->source(), dir.file("m.safetensors"));

    Result<SafeTensors> missing = SafeTensors::open(dir.file("none.safetensors"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), ErrorCode::kIo);
    EXPECT_NE(missing.error().message().find("none.safetensors"), std::string::npos);

    ASSERT_TRUE(paperboy::testing::write_file(dir.file("empty.safetensors"), ""));
    Result<SafeTensors> empty = SafeTensors::open(dir.file("empty.safetensors"));
    ASSERT_FALSE(empty.ok());
    EXPECT_NE(empty.error().message().find("empty.safetensors"), std::string::npos);
    EXPECT_FALSE(SafeTensors::open(dir.path()).ok());  // a directory
}

TEST(SafeTensors, RefusesTruncatedFiles) {
    SafeTensorsBuilder b;
    b.add_f32("weight", {4}, {1, 2, 3, 4});
    const std::string good = b.bytes();
    expect_refused(good.substr(0, 5), {"8-byte"});
    expect_refused(good.substr(0, 20), {"header length"});                       // header cut
    expect_refused(good.substr(0, good.size() - 1), {"\"weight\"", "outside"});  // data cut
}

TEST(SafeTensors, RefusesBadHeaderLengths) {
    expect_refused(SafeTensorsBuilder::length_prefix(SafeTensors::kMaxHeaderBytes + 1) + "{}",
                   {"over the limit"});
    expect_refused(SafeTensorsBuilder::length_prefix(~0ull) + "{}", {"over the limit"});
    expect_refused(SafeTensorsBuilder::length_prefix(0), {"header length 0"});
}

TEST(SafeTensors, RefusesHeadersThatAreNotTheFormat) {
    using B = SafeTensorsBuilder;
    expect_refused(B::file("[1,2,3]", ""), {"not a JSON object"});
    expect_refused(B::file("{\"w\": ", ""), {"not a JSON object"});
    expect_refused(B::file(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", std::string(4, '\0')),
                   {"\"w\"", "dtype"});
    expect_refused(B::file(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", std::string(4, '\0')),
                   {"\"w\"", "shape"});
    expect_refused(B::file(R"({"w":{"dtype":"F32","shape":[1]}})", std::string(4, '\0')),
                   {"\"w\"", "data_offsets"});
    expect_refused(
        B::file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", std::string(4, '\0')),
        {"\"w\"", "data_offsets"});
    expect_refused(
        B::file(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", std::string(4, '\0')),
        {"\"w\"", "negative"});
    expect_refused(B::file(R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})",
                           std::string(4, '\0')),
                   {"\"w\"", "non-integer"});
    expect_refused(
        B::file(R"({"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}})", std::string(8, '\0')),
        {"\"w\"", "C64"}, ErrorCode::kInvalidArgument);
}

TEST(SafeTensors, RefusesOffsetsOutsideTheFile) {
    using B = SafeTensorsBuilder;
    expect_refused(
        B::file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", std::string(8, '\0')),
        {"\"w\"", "[4, 12]", "outside"});
    expect_refused(
        B::file(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", std::string(8, '\0')),
        {"\"w\"", "outside"});
    expect_refused(
        B::file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]}})",
                std::string(8, '\0')),
        {"\"w\"", "outside"});
}

TEST(SafeTensors, RefusesShapesThatDisagreeWithTheByteRange) {
    using B = SafeTensorsBuilder;
    // 3 F32 values need 12 bytes, not 8.
    expect_refused(
        B::file(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0')),
        {"\"w\"", "F32", "3 x 4", "span 8"});
    // The right count in the wrong dtype: 4 bytes are 2 F16 values, not 4.
    expect_refused(
        B::file(R"({"w":{"dtype":"F16","shape":[4],"data_offsets":[0,4]}})", std::string(4, '\0')),
        {"\"w\"", "F16"});
    // A product that overflows 64 bits must not wrap around to the byte range.
    expect_refused(
        B::file(R"({"w":{"dtype":"I8","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", ""),
        {"\"w\"", "larger than the file"});
}

TEST(SafeTensors, RefusesOverlappingTensors) {
    using B = SafeTensorsBuilder;
    expect_refused(B::file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                           R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                           std::string(12, '\0')),
                   {"\"a\"", "\"b\"", "overlap"});
}

TEST(SafeTensorsShared, ReadsThePotionModelHeader) {
    PAPERBOY_REQUIRE_SHARED(path, "models/potion-base-4M-int8/model.safetensors");
    Result<SafeTensors> st = SafeTensors::open(path);
    ASSERT_TRUE(st.ok()) << st.error().message();
    ASSERT_EQ(st->names(), std::vector<std::string>{"embeddings"});
    const TensorInfo* e = st->find("embeddings");
    EXPECT_EQ(e->dtype, DType::kI8);
    EXPECT_EQ(e->shape, (std::vector<int64_t>{29528, 128}));
    Result<std::vector<float>> values = st->to_float("embeddings");
    ASSERT_TRUE(values.ok());
    float lo = 0;
    float hi = 0;
    for (float v : *values) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    EXPECT_EQ(lo, -127.0f);  // PROVENANCE.md: int8 range -127..122
    EXPECT_EQ(hi, 122.0f);
}

}  // namespace
}  // namespace paperboy::embed
