// The Vectors contract (store/vectors.h) on every backend: models registered once by identity,
// the database's default model, vectors stored and read back bit for bit, the papers that need
// a vector (missing, stale, hidden ones left out), the feed entries of changed vectors, and a
// batch large enough for the bulk paths.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "store/contract_support.h"
#include "store/store.h"

namespace paperboy::store {
namespace {

using contract::id_of;
using contract::kBackends;

constexpr int kDims = 4;

Paper paper(const std::string& id, const std::string& title = "") {
    Paper p;
    p.id = id_of(id);
    p.version = 1;
    p.title = title.empty() ? "Paper " + id : title;
    p.abstract = "An abstract of " + id + ".";
    return p;
}

std::vector<float> vec(float seed) { return {seed, seed + 0.25f, -seed, 0.5f}; }

class VectorsContract : public contract::BackendTest {
  protected:
    void put(std::initializer_list<Paper> papers) {
        WriteBatch batch;
        for (const Paper& p : papers) batch.put_paper(p);
        auto written = store_->write(batch);
        ASSERT_TRUE(written.ok()) << written.error().message();
    }
    int64_t model(const std::string& identity = "static:test:abc", int dims = kDims) {
        auto m = store_->register_model(identity, "/models/test", dims);
        EXPECT_TRUE(m.ok()) << m.error().message();
        return m.ok() ? m->id : 0;
    }
    // What papers_to_embed() lists from the start, by id.
    std::vector<std::string> to_embed(int64_t model_id) {
        std::vector<std::string> out;
        auto papers = store_->papers_to_embed(model_id, std::nullopt, 1000);
        EXPECT_TRUE(papers.ok()) << papers.error().message();
        if (papers.ok()) {
            for (const PaperToEmbed& p : *papers) out.push_back(p.id.str());
        }
        return out;
    }
    PaperVector vector_for(const PaperToEmbed& p, float seed, uint64_t text_hash = 7) {
        return PaperVector{p.id, text_hash, p.paper_hash, vec(seed)};
    }
    // Embeds every listed paper with `seed`.
    void embed_all(int64_t model_id, float seed) {
        auto papers = store_->papers_to_embed(model_id, std::nullopt, 1000);
        ASSERT_TRUE(papers.ok());
        std::vector<PaperVector> out;
        for (const PaperToEmbed& p : *papers) out.push_back(vector_for(p, seed));
        Status s = store_->put_vectors(model_id, out);
        ASSERT_TRUE(s.ok()) << s.error().message();
    }
    std::vector<Change> vector_changes_since(int64_t seq) {
        std::vector<Change> out;
        auto feed = store_->changes_since(seq, 10000);
        EXPECT_TRUE(feed.ok());
        if (feed.ok()) {
            for (const Change& c : *feed) {
                if (c.entity == Change::Entity::kVector) out.push_back(c);
            }
        }
        return out;
    }
    int64_t top() {
        auto st = store_->stats();
        EXPECT_TRUE(st.ok());
        return st.ok() ? st->last_sequence : 0;
    }
};

TEST_P(VectorsContract, RegisteringAModelIsIdempotentOnItsIdentity) {
    auto first = store_->register_model("static:potion:1234", "/a", 256);
    ASSERT_TRUE(first.ok()) << first.error().message();
    EXPECT_GT(first->id, 0);
    EXPECT_EQ(first->dimensions, 256);
    EXPECT_FALSE(first->created_at.empty());
    auto again = store_->register_model("static:potion:1234", "/b", 256);
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_EQ(again->id, first->id);
    EXPECT_EQ(again->spec, "/b");  // the last way it was opened

    auto other = store_->register_model("bert:minilm:99", "/c", 384);
    ASSERT_TRUE(other.ok());
    EXPECT_NE(other->id, first->id);

    auto wrong = store_->register_model("static:potion:1234", "/a", 128);
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(wrong.error().message().find("256"), std::string::npos) << wrong.error().message();
    EXPECT_FALSE(store_->register_model("", "/a", 8).ok());
    EXPECT_FALSE(store_->register_model("x", "/a", 0).ok());

    auto all = store_->models();
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].identity, "static:potion:1234");
    EXPECT_EQ((*all)[0].spec, "/b");
    EXPECT_EQ((*all)[1].identity, "bert:minilm:99");
}

TEST_P(VectorsContract, TheDatabaseRemembersItsDefaultModel) {
    auto none = store_->default_model();
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
    const int64_t a = model("a");
    const int64_t b = model("b");
    ASSERT_TRUE(store_->set_default_model(b).ok());
    auto found = store_->default_model();
    ASSERT_TRUE(found.ok());
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->identity, "b");
    ASSERT_TRUE(store_->set_default_model(a).ok());
    EXPECT_EQ((*store_->default_model())->id, a);
    Status unknown = store_->set_default_model(a + b + 100);
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
    EXPECT_EQ((*store_->default_model())->id, a);
}

TEST_P(VectorsContract, VectorsRoundTripBitForBit) {
    put({paper("2401.00001"), paper("2401.00002"), paper("2401.00003")});
    const int64_t m = model();
    const std::vector<float> odd = {1e-38f, -0.0f, 3.4e38f, 0.1f};
    auto papers = store_->papers_to_embed(m, std::nullopt, 10);
    ASSERT_TRUE(papers.ok());
    ASSERT_EQ(papers->size(), 3u);
    ASSERT_TRUE(
        store_
            ->put_vectors(m, {PaperVector{(*papers)[0].id, 11, (*papers)[0].paper_hash, odd},
                              vector_for((*papers)[2], 2.0f)})
            .ok());
    auto got = store_->get_vectors(
        m, {id_of("2401.00001"), id_of("2401.00002"), id_of("2401.00003"), id_of("2412.99999")});
    ASSERT_TRUE(got.ok()) << got.error().message();
    ASSERT_EQ(got->size(), 4u);
    ASSERT_TRUE((*got)[0].has_value());
    for (size_t i = 0; i < odd.size(); ++i) {
        EXPECT_EQ(std::signbit((*(*got)[0])[i]), std::signbit(odd[i]));
        EXPECT_EQ((*(*got)[0])[i], odd[i]);
    }
    EXPECT_FALSE((*got)[1].has_value());
    EXPECT_EQ((*got)[2], vec(2.0f));
    EXPECT_FALSE((*got)[3].has_value());

    std::vector<std::string> seen;
    std::vector<uint64_t> hashes;
    ASSERT_TRUE(store_
                    ->for_each_vector(m,
                                      [&](const VectorRow& row) {
                                          seen.push_back(row.id.str());
                                          hashes.push_back(row.text_hash);
                                          EXPECT_EQ(row.vector.size(), size_t{kDims});
                                          return true;
                                      })
                    .ok());
    EXPECT_EQ(seen, (std::vector<std::string>{"2401.00001", "2401.00003"}));
    EXPECT_EQ(hashes, (std::vector<uint64_t>{11, 7}));

    auto stats = store_->vector_stats(m);
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(stats->papers, 3);
    EXPECT_EQ(stats->vectors, 2);
    EXPECT_EQ(stats->current, 2);
}

TEST_P(VectorsContract, PutRefusesBadBatchesWhole) {
    put({paper("2401.00001"), paper("2401.00002")});
    const int64_t m = model();
    auto papers = store_->papers_to_embed(m, std::nullopt, 10);
    ASSERT_TRUE(papers.ok());
    const PaperToEmbed& p = (*papers)[0];

    Status short_vector = store_->put_vectors(m, {PaperVector{p.id, 1, p.paper_hash, {1.0f}}});
    EXPECT_EQ(short_vector.error().code(), ErrorCode::kInvalidArgument);
    Status nan = store_->put_vectors(m, {PaperVector{p.id, 1, p.paper_hash, {NAN, 0, 0, 0}}});
    EXPECT_EQ(nan.error().code(), ErrorCode::kInvalidArgument);
    Status twice = store_->put_vectors(m, {vector_for(p, 1), vector_for(p, 2)});
    EXPECT_EQ(twice.error().code(), ErrorCode::kInvalidArgument);
    Status unknown_paper = store_->put_vectors(
        m, {vector_for((*papers)[1], 1), PaperVector{id_of("2412.99991"), 1, 0, vec(1)}});
    ASSERT_FALSE(unknown_paper.ok());
    EXPECT_EQ(unknown_paper.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(unknown_paper.error().message().find("2412.99991"), std::string::npos)
        << unknown_paper.error().message();
    Status unknown_model = store_->put_vectors(m + 100, {vector_for(p, 1)});
    EXPECT_EQ(unknown_model.error().code(), ErrorCode::kNotFound);
    // Nothing of the refused batches is stored.
    EXPECT_EQ(store_->vector_stats(m)->vectors, 0);
    EXPECT_EQ(to_embed(m), (std::vector<std::string>{"2401.00001", "2401.00002"}));
}

TEST_P(VectorsContract, PapersToEmbedListsMissingAndStaleVectorsInIdOrder) {
    put({paper("2401.00003"), paper("2401.00001"), paper("2401.00002"), paper("2401.00004")});
    const int64_t m = model();
    EXPECT_EQ(to_embed(m),
              (std::vector<std::string>{"2401.00001", "2401.00002", "2401.00003", "2401.00004"}));
    // Paging: after an id, up to a limit.
    auto page = store_->papers_to_embed(m, id_of("2401.00001"), 2);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->size(), 2u);
    EXPECT_EQ((*page)[0].id.str(), "2401.00002");
    EXPECT_EQ((*page)[1].id.str(), "2401.00003");
    EXPECT_EQ((*page)[0].title, "Paper 2401.00002");
    EXPECT_EQ((*page)[0].abstract, "An abstract of 2401.00002.");
    EXPECT_FALSE((*page)[0].text_hash.has_value());
    EXPECT_FALSE((*page)[0].current);

    embed_all(m, 1.0f);
    EXPECT_TRUE(to_embed(m).empty());

    // A model of its own has its own list.
    const int64_t other = model("other", 2);
    EXPECT_EQ(to_embed(other).size(), 4u);

    // An edit makes the paper a candidate again, with its stored text hash; hiding one takes it
    // off every list.
    Paper edited = paper("2401.00002", "A new title");
    edited.version = 2;  // a newer version replaces the stored title (store/merge.h)
    put({edited});
    WriteBatch hide;
    hide.delete_paper(id_of("2401.00003"));
    ASSERT_TRUE(store_->write(hide).ok());
    auto stale = store_->papers_to_embed(m, std::nullopt, 10);
    ASSERT_TRUE(stale.ok());
    ASSERT_EQ(stale->size(), 1u);
    EXPECT_EQ((*stale)[0].id.str(), "2401.00002");
    EXPECT_EQ((*stale)[0].title, "A new title");
    EXPECT_EQ((*stale)[0].text_hash, std::optional<uint64_t>(7));
    EXPECT_FALSE((*stale)[0].current);
    EXPECT_EQ(to_embed(other).size(), 3u);

    // Keeping the vector (its text did not change) makes it current; a keep with another text
    // hash does nothing.
    ASSERT_TRUE(
        store_->keep_vectors(m, {PaperVector{(*stale)[0].id, 8, (*stale)[0].paper_hash, {}}}).ok());
    EXPECT_EQ(to_embed(m), std::vector<std::string>{"2401.00002"});
    ASSERT_TRUE(
        store_->keep_vectors(m, {PaperVector{(*stale)[0].id, 7, (*stale)[0].paper_hash, {}}}).ok());
    EXPECT_TRUE(to_embed(m).empty());

    // Hidden papers' vectors are ignored, not dropped: showing the paper again counts it again.
    auto stats = store_->vector_stats(m);
    EXPECT_EQ(stats->papers, 3);
    EXPECT_EQ(stats->vectors, 3);
    auto hidden = store_->get_vectors(m, {id_of("2401.00003")});
    ASSERT_TRUE(hidden.ok());
    EXPECT_FALSE((*hidden)[0].has_value());
    put({paper("2401.00003")});
    EXPECT_EQ(store_->vector_stats(m)->vectors, 4);
}

TEST_P(VectorsContract, EmbedStateTellsEachPapersVector) {
    put({paper("2401.00001"), paper("2401.00002")});
    const int64_t m = model();
    auto first = store_->papers_to_embed(m, std::nullopt, 1);
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(store_->put_vectors(m, {vector_for((*first)[0], 1.0f, 42)}).ok());
    auto state =
        store_->embed_state(m, {id_of("2401.00002"), id_of("2412.99991"), id_of("2401.00001")});
    ASSERT_TRUE(state.ok()) << state.error().message();
    ASSERT_EQ(state->size(), 3u);
    ASSERT_TRUE((*state)[0].has_value());
    EXPECT_FALSE((*state)[0]->current);
    EXPECT_FALSE((*state)[0]->text_hash.has_value());
    EXPECT_FALSE((*state)[1].has_value());
    ASSERT_TRUE((*state)[2].has_value());
    EXPECT_TRUE((*state)[2]->current);
    EXPECT_EQ((*state)[2]->text_hash, std::optional<uint64_t>(42));
    EXPECT_EQ((*state)[2]->title, "Paper 2401.00001");
}

TEST_P(VectorsContract, ChangedVectorsGoOnTheFeedOncePerPaper) {
    put({paper("2401.00001"), paper("2401.00002")});
    const int64_t m = model();
    const int64_t before = top();
    embed_all(m, 1.0f);
    auto changes = vector_changes_since(before);
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[0].paper_id.str(), "2401.00001");
    EXPECT_EQ(changes[1].paper_id.str(), "2401.00002");
    EXPECT_FALSE(changes[0].deleted);
    EXPECT_GT(changes[0].seq, before);

    // The same vectors again: nothing new on the feed.
    const int64_t after_first = top();
    auto papers = store_->embed_state(m, {id_of("2401.00001"), id_of("2401.00002")});
    ASSERT_TRUE(papers.ok());
    ASSERT_TRUE(
        store_->put_vectors(m, {vector_for(*(*papers)[0], 1.0f), vector_for(*(*papers)[1], 1.0f)})
            .ok());
    EXPECT_EQ(top(), after_first);

    // One changed vector: one entry, the paper's previous one moved up.
    ASSERT_TRUE(store_->put_vectors(m, {vector_for(*(*papers)[1], 3.0f)}).ok());
    auto moved = vector_changes_since(after_first);
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_EQ(moved[0].paper_id.str(), "2401.00002");
    auto all = vector_changes_since(0);
    EXPECT_EQ(all.size(), 2u);  // each paper once, at its latest seq
}

TEST_P(VectorsContract, ABatchOfThousandsIsStoredAtOnce) {
    WriteBatch batch;
    constexpr int kPapers = 2500;
    for (int i = 0; i < kPapers; ++i) {
        char id[16];
        std::snprintf(id, sizeof id, "2402.%05d", i);
        batch.put_paper(paper(id));
    }
    ASSERT_TRUE(store_->write(batch).ok());
    const int64_t m = model("big", 384);
    auto papers = store_->papers_to_embed(m, std::nullopt, kPapers);
    ASSERT_TRUE(papers.ok());
    ASSERT_EQ(papers->size(), size_t{kPapers});
    std::vector<PaperVector> vectors;
    for (size_t i = 0; i < papers->size(); ++i) {
        std::vector<float> v(384);
        for (size_t d = 0; d < v.size(); ++d) v[d] = static_cast<float>(i) + d * 0.001f;
        vectors.push_back(PaperVector{(*papers)[i].id, i, (*papers)[i].paper_hash, std::move(v)});
    }
    const int64_t before = top();
    Status s = store_->put_vectors(m, vectors);
    ASSERT_TRUE(s.ok()) << s.error().message();
    EXPECT_EQ(top() - before, kPapers);
    EXPECT_TRUE(to_embed(m).empty());
    int64_t count = 0;
    bool ordered = true;
    std::string last;
    ASSERT_TRUE(store_
                    ->for_each_vector(m,
                                      [&](const VectorRow& row) {
                                          ordered = ordered && row.id.str() > last;
                                          last = row.id.str();
                                          if (row.text_hash == 1234) {
                                              EXPECT_EQ(row.vector[1], 1234.001f);
                                          }
                                          ++count;
                                          return true;
                                      })
                    .ok());
    EXPECT_EQ(count, kPapers);
    EXPECT_TRUE(ordered);
    int64_t stopped = 0;
    ASSERT_TRUE(store_->for_each_vector(m, [&](const VectorRow&) { return ++stopped < 3; }).ok());
    EXPECT_EQ(stopped, 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, VectorsContract, ::testing::ValuesIn(kBackends),
                         contract::backend_name);

}  // namespace
}  // namespace paperboy::store
