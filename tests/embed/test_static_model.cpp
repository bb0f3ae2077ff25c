// The Model2Vec static embedder (embed/static_model.h), open_embedder() and
// describe_model_folder(): tiny models written by the test beside the hand-made tokenizer of
// tests/testdata/embed (every dtype, weights, the cuts, unknown tokens, bad folders), and the
// real potion-base-4M-int8 of ../shared against the reference vectors.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "embed/embedder.h"
#include "embed/model_folder.h"
#include "embed/safetensors_builder.h"
#include "embed/static_model.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace paperboy::embed {
namespace {

using embed::testing::SafeTensorsBuilder;
using paperboy::testing::read_file;
using paperboy::testing::TempDir;
using paperboy::testing::write_file;

constexpr int kVocab = 32;  // tests/testdata/embed/tiny-wordpiece
constexpr int kDims = 4;

// Row of token `id`: small integers, exact in every dtype.
std::vector<float> row(int id) { return {float(id), 1.0f, float(-(id % 5)), 2.0f}; }

std::vector<float> matrix() {
    std::vector<float> m;
    for (int id = 0; id < kVocab; ++id) {
        for (float v : row(id)) m.push_back(v);
    }
    return m;
}

// The recipe written out plainly: mean of the rows, L2 normalised; zeros for no ids.
std::vector<float> expected(const std::vector<int>& ids, const std::vector<float>& weights = {}) {
    std::vector<double> sum(kDims, 0.0);
    for (int id : ids) {
        const double w = weights.empty() ? 1.0 : weights[id];
        for (int d = 0; d < kDims; ++d) sum[d] += w * row(id)[d];
    }
    double norm = 0;
    for (double& v : sum) {
        v /= ids.empty() ? 1 : double(ids.size());
        norm += v * v;
    }
    std::vector<float> out(kDims, 0.0f);
    if (ids.empty()) return out;
    for (int d = 0; d < kDims; ++d) out[d] = float(sum[d] / std::sqrt(norm));
    return out;
}

// A Model2Vec folder named `name` inside `dir` with `weights` as model.safetensors.
std::string make_model(const TempDir& dir, const std::string& weights,
                       const std::string& name = "tiny-m2v") {
    const std::string folder = dir.file(name);
    std::filesystem::create_directories(folder);
    const std::string tokenizer =
        read_file(std::string(PAPERBOY_TESTDATA_DIR) + "/embed/tiny-wordpiece/tokenizer.json");
    EXPECT_FALSE(tokenizer.empty());
    EXPECT_TRUE(write_file(folder + "/tokenizer.json", tokenizer));
    EXPECT_TRUE(
        write_file(folder + "/config.json", R"({"model_type":"model2vec","normalize":true})"));
    EXPECT_TRUE(write_file(folder + "/model.safetensors", weights));
    return folder;
}

std::string f32_weights() {
    return SafeTensorsBuilder().add_f32("embeddings", {kVocab, kDims}, matrix()).bytes();
}

std::unique_ptr<StaticModel> open_model(const std::string& folder, int max_tokens = 0) {
    Result<std::unique_ptr<StaticModel>> m = StaticModel::open(folder, max_tokens);
    EXPECT_TRUE(m.ok()) << m.error().message();
    return m.ok() ? std::move(m).value() : nullptr;
}

std::vector<float> embed(StaticModel& m, const std::string& text) {
    Result<std::vector<float>> v = m.embed(std::vector<std::string>{text}, Purpose::kDocument);
    EXPECT_TRUE(v.ok());
    return *v;
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-6f) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "at " << i;
}

TEST(StaticModel, EmbedsTheNormalisedMeanOfTheTokenRows) {
    TempDir dir;
    auto m = open_model(make_model(dir, f32_weights()));
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->token_ids("The cat sat."), (std::vector<int32_t>{5, 6, 7, 14}));  // no CLS/SEP
    expect_near(embed(*m, "The cat sat."), expected({5, 6, 7, 14}));
    expect_near(embed(*m, "unaffable"), expected({8, 9, 10}));
    // Repeated tokens count each time.
    expect_near(embed(*m, "cat cat the"), expected({6, 6, 5}));
}

TEST(StaticModel, EmbedsSeveralTextsRowByRow) {
    TempDir dir;
    auto m = open_model(make_model(dir, f32_weights()));
    ASSERT_NE(m, nullptr);
    const std::vector<std::string> texts = {"the", "", "cat sat"};
    Result<std::vector<float>> v = m->embed(texts, Purpose::kQuery);
    ASSERT_TRUE(v.ok());
    ASSERT_EQ(v->size(), 3u * kDims);
    std::vector<float> want = expected({5});
    for (float x : expected({})) want.push_back(x);
    for (float x : expected({6, 7})) want.push_back(x);
    expect_near(*v, want);
    EXPECT_TRUE(m->embed(std::vector<std::string>{}, Purpose::kDocument)->empty());
}

TEST(StaticModel, DropsUnknownTokensAndGivesZeroForNoTokens) {
    TempDir dir;
    auto m = open_model(make_model(dir, f32_weights()));
    ASSERT_NE(m, nullptr);
    expect_near(embed(*m, "the xyz cat qqq"), expected({5, 6}));
    EXPECT_EQ(m->token_ids("the xyz cat"), (std::vector<int32_t>{5, 6}));
    const std::vector<float> zero(kDims, 0.0f);
    EXPECT_EQ(embed(*m, ""), zero);
    EXPECT_EQ(embed(*m, " \t\n "), zero);
    EXPECT_EQ(embed(*m, "xyz qqq"), zero);
    EXPECT_EQ(embed(*m, "[UNK] [UNK]"), zero);  // the literal special token is unknown too
    EXPECT_EQ(embed(*m, "aaaaaaaaaaaaaaaaaaaaa"), zero);  // over the fixture's 10-character limit
}

TEST(StaticModel, NormalisesAccentsCaseAndCjkAsTheTokenizer) {
    TempDir dir;
    auto m = open_model(make_model(dir, f32_weights()));
    ASSERT_NE(m, nullptr);
    expect_near(embed(*m, "CAFÉ Naïve"), embed(*m, "cafe naive"));
    expect_near(embed(*m, "中文"), expected({18, 19}));
    expect_near(embed(*m, "gpt-4!"), expected({25, 15, 26, 24}));
}

TEST(StaticModel, ReadsF16BF16AndInt8Matrices) {
    const std::vector<float> m32 = matrix();
    std::vector<uint16_t> f16;
    std::vector<uint16_t> bf16;
    std::vector<int8_t> i8;
    for (float v : m32) {
        // Small integers: exact in all three. F16 of an integer n < 2048 built by hand.
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        bf16.push_back(static_cast<uint16_t>(bits >> 16));
        i8.push_back(static_cast<int8_t>(v));
        if (v == 0) {
            f16.push_back(0);
        } else {
            const uint16_t sign = v < 0 ? 0x8000 : 0;
            const int e = std::ilogb(std::fabs(v));
            const auto mant =
                static_cast<uint16_t>((std::fabs(v) / std::ldexp(1.0f, e) - 1) * 1024);
            f16.push_back(static_cast<uint16_t>(sign | ((e + 15) << 10) | mant));
        }
    }
    for (const auto& [dtype, bytes] : std::vector<std::pair<std::string, std::string>>{
             {"F16", SafeTensorsBuilder::bytes_of(f16)},
             {"BF16", SafeTensorsBuilder::bytes_of(bf16)},
             {"I8", SafeTensorsBuilder::bytes_of(i8)}}) {
        TempDir dir;
        auto m = open_model(make_model(
            dir, SafeTensorsBuilder().add("embeddings", dtype, {kVocab, kDims}, bytes).bytes()));
        ASSERT_NE(m, nullptr) << dtype;
        expect_near(embed(*m, "the cat sat, unaffable words"),
                    expected({5, 6, 7, 13, 8, 9, 10, 30, 31}));
    }
}

TEST(StaticModel, AppliesPerTokenWeightsAndAMapping) {
    std::vector<float> weights(kVocab, 1.0f);
    weights[5] = 3.0f;
    weights[6] = 0.5f;
    {
        TempDir dir;
        auto m = open_model(make_model(dir, SafeTensorsBuilder()
                                                .add_f32("embeddings", {kVocab, kDims}, matrix())
                                                .add_f32("weights", {kVocab}, weights)
                                                .bytes()));
        ASSERT_NE(m, nullptr);
        expect_near(embed(*m, "the cat sat"), expected({5, 6, 7}, weights));
    }
    {
        // Vocabulary quantization: every token id maps to a row of a 2-row matrix.
        std::vector<float> mapping(kVocab, 0.0f);
        mapping[6] = 1.0f;
        TempDir dir;
        auto m = open_model(
            make_model(dir, SafeTensorsBuilder()
                                .add_f32("embeddings", {2, kDims}, {1, 0, 0, 0, 0, 1, 0, 0})
                                .add("mapping", "I32", {kVocab},
                                     SafeTensorsBuilder::bytes_of(
                                         std::vector<int32_t>(mapping.begin(), mapping.end())))
                                .bytes()));
        ASSERT_NE(m, nullptr);
        expect_near(embed(*m, "the cat"), {float(M_SQRT1_2), float(M_SQRT1_2), 0, 0});
    }
}

TEST(StaticModel, CutsLongTextsAsModel2VecDoes) {
    TempDir dir;
    const std::string folder = make_model(dir, f32_weights());
    // The fixture vocabulary's median token length is 3 characters, so max_tokens 2 keeps the
    // first 6 characters ("the ca": "ca" is unknown) and max_tokens 3 the first 9.
    auto two = open_model(folder, 2);
    ASSERT_NE(two, nullptr);
    EXPECT_EQ(two->info().max_tokens, 2);
    EXPECT_EQ(two->token_ids("the cat sat"), (std::vector<int32_t>{5}));
    EXPECT_EQ(two->token_ids("a a a a"), (std::vector<int32_t>{20, 20}));  // then 2 tokens
    auto three = open_model(folder, 3);
    ASSERT_NE(three, nullptr);
    EXPECT_EQ(three->token_ids("the cat sat"), (std::vector<int32_t>{5, 6}));
    // Unknown tokens do not count against the limit.
    EXPECT_EQ(three->token_ids("x y a a a a"), (std::vector<int32_t>{20, 20, 20}));
    auto standard = open_model(folder);
    ASSERT_NE(standard, nullptr);
    EXPECT_EQ(standard->info().max_tokens, StaticModel::kDefaultMaxTokens);
    std::string many;
    for (int i = 0; i < 600; ++i) many += "a ";
    EXPECT_EQ(standard->token_ids(many).size(), 512u);
}

TEST(StaticModel, NamesItselfByFolderAndWeightsDigest) {
    TempDir dir;
    auto m = open_model(make_model(dir, f32_weights()));
    ASSERT_NE(m, nullptr);
    const ModelInfo& info = m->info();
    EXPECT_EQ(info.kind, "static");
    EXPECT_EQ(info.name, "tiny-m2v");
    EXPECT_EQ(info.dimensions, kDims);
    EXPECT_TRUE(info.query_prefix.empty());
    ASSERT_EQ(info.identity.size(), std::string("static:tiny-m2v:").size() + 16);
    EXPECT_EQ(info.identity.rfind("static:tiny-m2v:", 0), 0u);

    // The same weights elsewhere: the same identity. One changed value: another.
    TempDir other;
    auto same = open_model(make_model(other, f32_weights()));
    ASSERT_NE(same, nullptr);
    EXPECT_EQ(same->info().identity, info.identity);
    std::vector<float> changed = matrix();
    changed[7] += 1;
    TempDir third;
    auto diff = open_model(make_model(
        third, SafeTensorsBuilder().add_f32("embeddings", {kVocab, kDims}, changed).bytes()));
    ASSERT_NE(diff, nullptr);
    EXPECT_NE(diff->info().identity, info.identity);
}

TEST(StaticModel, EmbedsFromSeveralThreadsAlike) {
    TempDir dir;
    auto m = open_model(make_model(dir, f32_weights()));
    ASSERT_NE(m, nullptr);
    const std::vector<std::string> texts = {"the cat sat", "unaffable words", "中文 gpt-4", ""};
    const std::vector<float> want = *m->embed(texts, Purpose::kDocument);
    std::vector<std::thread> threads;
    std::vector<int> same(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) same[t] += *m->embed(texts, Purpose::kDocument) == want;
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(same, std::vector<int>(4, 200));
}

TEST(StaticModelErrors, RefusesFoldersThatAreNotModel2Vec) {
    auto refuse = [](const std::string& weights, ErrorCode code, const std::string& part) {
        TempDir dir;
        Result<std::unique_ptr<StaticModel>> m = StaticModel::open(make_model(dir, weights));
        ASSERT_FALSE(m.ok()) << part;
        EXPECT_EQ(m.error().code(), code) << m.error().message();
        EXPECT_NE(m.error().message().find(part), std::string::npos) << m.error().message();
        EXPECT_NE(m.error().message().find("model.safetensors"), std::string::npos);
    };
    refuse(SafeTensorsBuilder().add_f32("other", {1}, {1}).bytes(), ErrorCode::kInvalidArgument,
           "no \"embeddings\"");
    refuse(SafeTensorsBuilder().add_f32("embeddings", {kVocab * kDims}, matrix()).bytes(),
           ErrorCode::kInvalidArgument, "rows x dims");
    refuse(SafeTensorsBuilder().add_f32("embeddings", {kVocab / 2, kDims * 2}, matrix()).bytes(),
           ErrorCode::kInvalidArgument, "16 rows");
    refuse(SafeTensorsBuilder()
               .add_f32("embeddings", {kVocab, kDims}, matrix())
               .add_f32("weights", {3}, {1, 2, 3})
               .bytes(),
           ErrorCode::kInvalidArgument, "\"weights\"");
    refuse(f32_weights().substr(0, 100), ErrorCode::kParse, "\"embeddings\"");  // truncated
}

TEST(StaticModelErrors, ReportsMissingAndMalformedFiles) {
    TempDir dir;
    const std::string folder = make_model(dir, f32_weights());
    ASSERT_TRUE(write_file(folder + "/config.json", "{nope"));
    Result<std::unique_ptr<StaticModel>> bad_config = StaticModel::open(folder);
    ASSERT_FALSE(bad_config.ok());
    EXPECT_EQ(bad_config.error().code(), ErrorCode::kParse);
    EXPECT_NE(bad_config.error().message().find("config.json"), std::string::npos);

    std::filesystem::remove(folder + "/config.json");
    EXPECT_TRUE(StaticModel::open(folder).ok());  // config.json is optional
    std::filesystem::remove(folder + "/model.safetensors");
    Result<std::unique_ptr<StaticModel>> no_weights = StaticModel::open(folder);
    ASSERT_FALSE(no_weights.ok());
    EXPECT_EQ(no_weights.error().code(), ErrorCode::kNotFound);
    std::filesystem::remove(folder + "/tokenizer.json");
    EXPECT_EQ(StaticModel::open(folder).error().code(), ErrorCode::kNotFound);
}

// --- describe_model_folder and open_embedder ---

TEST(ModelFolder, DescribesAStaticFolder) {
    TempDir dir;
    const std::string folder = make_model(dir, f32_weights());
    Result<ModelFolderDescription> d = describe_model_folder(folder);
    ASSERT_TRUE(d.ok()) << d.error().message();
    EXPECT_EQ(d->kind, "static");
    EXPECT_EQ(d->name, "tiny-m2v");
    EXPECT_EQ(d->dimensions, kDims);
    EXPECT_EQ(d->vocab_size, 32u);
    EXPECT_EQ(d->rows, 32u);
    EXPECT_EQ(d->dtype, "F32");
    EXPECT_TRUE(d->normalize);
    EXPECT_TRUE(d->problems.empty());
    const std::string text = format_model_description(*d);
    EXPECT_NE(text.find("kind: static\n"), std::string::npos) << text;
    EXPECT_NE(text.find("dimensions: 4\n"), std::string::npos) << text;
    EXPECT_NE(text.find("problems: none\n"), std::string::npos) << text;
}

TEST(ModelFolder, DescribesProblemsInsteadOfFailing) {
    TempDir dir;
    Result<ModelFolderDescription> empty = describe_model_folder(dir.path());
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty->kind, "");
    EXPECT_FALSE(empty->problems.empty());
    EXPECT_NE(format_model_description(*empty).find("kind: unknown"), std::string::npos);

    const std::string folder = make_model(
        dir, SafeTensorsBuilder().add_f32("embeddings", {2, kDims}, std::vector<float>(8)).bytes(),
        "short");
    Result<ModelFolderDescription> d = describe_model_folder(folder);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->kind, "static");
    ASSERT_EQ(d->problems.size(), 1u);
    EXPECT_NE(d->problems[0].find("2 rows"), std::string::npos) << d->problems[0];

    EXPECT_EQ(describe_model_folder(dir.file("absent")).error().code(), ErrorCode::kNotFound);
}

TEST(ModelFolder, TellsABertFolderByItsConfigOrLayers) {
    TempDir dir;
    const std::string folder = dir.file("bert");
    std::filesystem::create_directories(folder);
    ASSERT_TRUE(
        write_file(folder + "/config.json",
                   R"({"model_type":"bert","hidden_size":8,"max_position_embeddings":16})"));
    ASSERT_TRUE(
        write_file(folder + "/model.safetensors",
                   SafeTensorsBuilder()
                       .add_f32("embeddings.word_embeddings.weight", {kVocab, 8},
                                std::vector<float>(kVocab * 8))
                       .add_f32("encoder.layer.0.output.dense.bias", {8}, std::vector<float>(8))
                       .add_f32("encoder.layer.1.output.dense.bias", {8}, std::vector<float>(8))
                       .bytes()));
    ASSERT_TRUE(write_file(
        folder + "/tokenizer.json",
        read_file(std::string(PAPERBOY_TESTDATA_DIR) + "/embed/tiny-wordpiece/tokenizer.json")));
    Result<ModelFolderDescription> d = describe_model_folder(folder);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->kind, "bert");
    EXPECT_EQ(d->dimensions, 8);
    EXPECT_EQ(d->layers, 2);
    EXPECT_EQ(d->max_tokens, 16);
    EXPECT_TRUE(d->problems.empty()) << d->problems[0];
    // Until the BERT encoder is wired in, or with these all-zero weights after: not a static model.
    EXPECT_FALSE(open_embedder(folder).ok());
}

TEST(OpenEmbedder, OpensAStaticFolder) {
    TempDir dir;
    Result<std::unique_ptr<Embedder>> e = open_embedder(make_model(dir, f32_weights()));
    ASSERT_TRUE(e.ok()) << e.error().message();
    EXPECT_EQ((*e)->info().kind, "static");
    Result<std::vector<float>> v =
        (*e)->embed(std::vector<std::string>{"the cat"}, Purpose::kDocument);
    ASSERT_TRUE(v.ok());
    expect_near(*v, expected({5, 6}));
}

TEST(OpenEmbedder, RefusesWhatIsNotAModel) {
    TempDir dir;
    Result<std::unique_ptr<Embedder>> empty = open_embedder(dir.path());
    ASSERT_FALSE(empty.ok());
    EXPECT_NE(empty.error().message().find(dir.path()), std::string::npos);
    EXPECT_EQ(open_embedder(dir.file("absent")).error().code(), ErrorCode::kNotFound);
}

TEST(PaperText, JoinsTitleAndAbstract) {
    EXPECT_EQ(paper_text("Title", "Abstract."), "Title. Abstract.");
    EXPECT_EQ(paper_text("Title", ""), "Title");
    EXPECT_EQ(paper_text("", "Abstract."), "Abstract.");
}

// --- The real model in ../shared ---

TEST(StaticModelShared, MatchesThePotionReference) {
    PAPERBOY_REQUIRE_SHARED(model, "models/potion-base-4M-int8");
    PAPERBOY_REQUIRE_SHARED(reference, "fixtures/potion-reference.json");
    auto m = open_model(model);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->info().dimensions, 128);
    EXPECT_EQ(m->info().identity.rfind("static:potion-base-4M-int8:", 0), 0u);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    ASSERT_EQ(parser.load(reference).get(root), simdjson::SUCCESS);
    int cases = 0;
    for (simdjson::dom::element c : root["cases"].get_array()) {
        const std::string text(std::string_view(c["text"].get_string()));
        std::vector<int32_t> known;  // the reference marks unknown words -1; they are dropped
        for (simdjson::dom::element e : c["ids"].get_array()) {
            if (int64_t(e) >= 0) known.push_back(static_cast<int32_t>(int64_t(e)));
        }
        EXPECT_EQ(m->token_ids(text), known) << text;
        std::vector<float> want;
        for (simdjson::dom::element e : c["embedding"].get_array())
            want.push_back(float(double(e)));
        expect_near(embed(*m, text), want, 1e-5f);
        ++cases;
    }
    EXPECT_EQ(cases, 10);
}

TEST(StaticModelShared, BehavesOnHardInputs) {
    PAPERBOY_REQUIRE_SHARED(model, "models/potion-base-4M-int8");
    auto m = open_model(model);
    ASSERT_NE(m, nullptr);
    const std::vector<float> zero(128, 0.0f);
    auto norm = [](const std::vector<float>& v) {
        double s = 0;
        for (float x : v) s += double(x) * x;
        return std::sqrt(s);
    };
    // Accents and case do not change the vector; decomposed accents neither.
    expect_near(embed(*m, "Schrödinger RÉSUMÉ"), embed(*m, "schrodinger resume"));
    expect_near(embed(*m,
                      "Schro\xCC\x88"
                      "dinger"),
                embed(*m, "schrodinger"));
    // Only-unknown and control-only inputs give zeros; a single known CJK character does not.
    EXPECT_EQ(embed(*m, "基于"), zero);
    EXPECT_EQ(embed(*m, "[UNK]"), zero);
    EXPECT_EQ(embed(*m, std::string("\x01\x02\x7f", 3)), zero);
    EXPECT_NEAR(norm(embed(*m, "大")), 1.0, 1e-5);
    // Special tokens typed in the text are matched as the tokenizer does (and kept).
    EXPECT_EQ(m->token_ids("[CLS] attention"), (std::vector<int32_t>{2, 2092}));
    // Long texts: first cut to 512 x the median token length (6 here) characters, then to 512
    // tokens, as model2vec's encode() does. Two-token words hit the character cut first...
    std::string long_words;
    for (int i = 0; i < 2000; ++i) long_words += "protein folding ";
    EXPECT_EQ(m->token_ids(long_words).size(), 512u * 6 / 16 * 2);
    EXPECT_NEAR(norm(embed(*m, long_words)), 1.0, 1e-5);
    // ...one-letter words the token cut.
    std::string letters;
    for (int i = 0; i < 2000; ++i) letters += "a ";
    EXPECT_EQ(m->token_ids(letters).size(), 512u);
    // Related texts are closer than unrelated ones.
    auto dot = [](const std::vector<float>& a, const std::vector<float>& b) {
        double s = 0;
        for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
        return s;
    };
    const auto heart = embed(*m, "heart attack risk in elderly patients");
    EXPECT_GT(dot(heart, embed(*m, "cardiac infarction in old people")),
              dot(heart, embed(*m, "tax policy of the european union")));
}

TEST(ModelFolderShared, DescribesThePotionAndTinyBertFolders) {
    PAPERBOY_REQUIRE_SHARED(potion, "models/potion-base-4M-int8");
    PAPERBOY_REQUIRE_SHARED(tiny_bert, "fixtures/tiny-bert");
    Result<ModelFolderDescription> p = describe_model_folder(potion);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->kind, "static");
    EXPECT_EQ(p->dimensions, 128);
    EXPECT_EQ(p->vocab_size, 29528u);
    EXPECT_EQ(p->dtype, "I8");
    EXPECT_TRUE(p->normalize);
    EXPECT_TRUE(p->problems.empty()) << format_model_description(*p);
    Result<ModelFolderDescription> b = describe_model_folder(tiny_bert);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->kind, "bert");
    EXPECT_EQ(b->dimensions, 64);
    EXPECT_EQ(b->layers, 2);
    EXPECT_EQ(b->max_tokens, 64);
    EXPECT_EQ(b->vocab_size, 3000u);
    EXPECT_EQ(b->dtype, "F32");
    EXPECT_TRUE(b->problems.empty()) << format_model_description(*b);
}

}  // namespace
}  // namespace paperboy::embed
