// The paper-vector part of PostgresStore (store/vectors.h; docs/embeddings.md): embedding models
// and papers' vectors, over the tables of schema step 10. A batch of vectors is a few bulk
// statements (the rows as arrays, unnested) in one transaction; the papers whose vector changed
// go on the change feed under the feed lock, taken after the vector rows are written, as every
// feed writer does (rows.h, lock_feed()).
#include <algorithm>
#include <limits>
#include <unordered_map>

#include "core/timestamp.h"
#include "store/postgres/connection.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"

namespace paperboy::store::postgres {
namespace {

// Vectors handed to for_each_vector's callback per read.
constexpr int64_t kVectorPageSize = 1024;

int64_t clamp_limit(size_t limit) {
    return static_cast<int64_t>(
        std::min(limit, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
}

// The model of `row` (columns as queries::kModelCols).
EmbeddingModel read_model(const PgResult& r, int row) {
    EmbeddingModel m;
    m.id = r.int64(row, 0);
    m.identity = r.string(row, 1);
    m.spec = r.string(row, 2);
    m.dimensions = r.integer(row, 3);
    m.created_at = r.string(row, 4);
    return m;
}

// The paper of `row` (columns as queries::kEmbedCols).
Result<PaperToEmbed> read_to_embed(const PgResult& r, int row) {
    auto id = stored_id(r.text(row, 0));
    if (!id.ok()) return id.error();
    PaperToEmbed p;
    p.id = std::move(id).value();
    p.title = r.string(row, 1);
    p.abstract = r.string(row, 2);
    p.paper_hash = from_column(r.int64(row, 3));
    if (!r.is_null(row, 4)) {
        p.text_hash = from_column(r.int64(row, 4));
        p.current = from_column(r.int64(row, 5)) == p.paper_hash;
    }
    return p;
}

Result<std::optional<EmbeddingModel>> model_by_id(Connection& c, int64_t model_id) {
    auto r = c.run(Query::kSelectModelById, {model_id});
    if (!r.ok()) return r.error();
    if (r->rows() == 0) return std::optional<EmbeddingModel>();
    return std::optional<EmbeddingModel>(read_model(*r, 0));
}

Error unknown_model(int64_t model_id) {
    return Error(ErrorCode::kNotFound, "no embedding model " + std::to_string(model_id));
}

// The id, text_hash and paper_hash arrays of a batch, in its order.
struct KeyArrays {
    std::string ids;
    std::string text_hashes;
    std::string paper_hashes;
};
KeyArrays key_arrays(const std::vector<const PaperVector*>& batch) {
    ArrayBuilder ids(ArrayBuilder::Type::kText, batch.size());
    ArrayBuilder text_hashes(ArrayBuilder::Type::kInt8, batch.size());
    ArrayBuilder paper_hashes(ArrayBuilder::Type::kInt8, batch.size());
    for (const PaperVector* v : batch) {
        ids.add(std::string_view(v->id.str()));
        text_hashes.add(to_column(v->text_hash));
        paper_hashes.add(to_column(v->paper_hash));
    }
    return {ids.bytes(), text_hashes.bytes(), paper_hashes.bytes()};
}

// The batch in paper id order: concurrent writers of the same rows lock them in one order.
std::vector<const PaperVector*> sorted(const std::vector<PaperVector>& vectors) {
    std::vector<const PaperVector*> out;
    out.reserve(vectors.size());
    for (const PaperVector& v : vectors) out.push_back(&v);
    std::sort(out.begin(), out.end(),
              [](const PaperVector* a, const PaperVector* b) { return a->id < b->id; });
    return out;
}

}  // namespace

Result<EmbeddingModel> PostgresStore::register_model(std::string_view identity,
                                                     std::string_view spec, int dimensions) {
    if (identity.empty()) {
        return Error(ErrorCode::kInvalidArgument, "an embedding model needs an identity");
    }
    if (dimensions < 1 || dimensions > kMaxDimensions) {
        return Error(ErrorCode::kInvalidArgument, "embedding model " + std::string(identity) +
                                                      ": " + std::to_string(dimensions) +
                                                      " dimensions is out of range (1 to " +
                                                      std::to_string(kMaxDimensions) + ")");
    }
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    EmbeddingModel model;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto inserted = c.run(Query::kInsertModel,
                                  {identity, spec, dimensions, std::string(now_timestamp())});
            if (!inserted.ok()) return inserted.error();
            if (inserted->rows() > 0) {
                model = read_model(*inserted, 0);
                return Status::ok_status();
            }
            auto found = c.run(Query::kSelectModelByIdentity, {identity});
            if (!found.ok()) return found.error();
            if (found->rows() == 0) {
                return Error(ErrorCode::kInternal,
                             "embedding model " + std::string(identity) + " vanished");
            }
            model = read_model(*found, 0);
            if (model.dimensions != dimensions) {
                return Error(ErrorCode::kInvalidArgument,
                             "embedding model " + model.identity + " is registered with " +
                                 std::to_string(model.dimensions) + " dimensions, not " +
                                 std::to_string(dimensions));
            }
            auto updated = c.run(Query::kUpdateModelSpec, {model.id, spec});
            if (!updated.ok()) return updated.error();
            model.spec = std::string(spec);
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return model;
}

Result<std::vector<EmbeddingModel>> PostgresStore::models() {
    std::vector<EmbeddingModel> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            out.clear();
            auto r = c.run(Query::kSelectModels);
            if (!r.ok()) return r.error();
            for (int row = 0; row < r->rows(); ++row) out.push_back(read_model(*r, row));
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::optional<EmbeddingModel>> PostgresStore::default_model() {
    std::optional<EmbeddingModel> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            out.reset();
            auto r = c.run(Query::kSelectDefaultModel);
            if (!r.ok()) return r.error();
            if (r->rows() > 0) out = read_model(*r, 0);
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Status PostgresStore::set_default_model(int64_t model_id) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    return with_connection([&](Connection& c) -> Status {
        auto r = c.run(Query::kSetDefaultModel, {model_id});
        if (!r.ok()) return r.error();
        if (r->affected() == 0) return unknown_model(model_id);
        return Status::ok_status();
    });
}

Status PostgresStore::put_vectors(int64_t model_id, const std::vector<PaperVector>& vectors) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    const std::vector<const PaperVector*> batch = sorted(vectors);
    return with_connection([&](Connection& c) -> Status {
        auto model = model_by_id(c, model_id);
        if (!model.ok()) return model.error();
        if (!*model) return unknown_model(model_id);
        PAPERBOY_RETURN_IF_ERROR(check_vectors(vectors, (*model)->dimensions));
        if (batch.empty()) return Status::ok_status();

        const KeyArrays keys = key_arrays(batch);
        ArrayBuilder blobs(ArrayBuilder::Type::kBytes, batch.size());
        blobs.reserve(batch.size() * (static_cast<size_t>((*model)->dimensions) * 4 + 4));
        for (const PaperVector* v : batch) blobs.add(std::string_view(encode_vector(v->vector)));

        Transaction transaction(c);
        PAPERBOY_RETURN_IF_ERROR(transaction.begin());
        auto missing = c.run(Query::kSelectMissingPapers, {Param::binary(keys.ids)});
        if (!missing.ok()) return missing.error();
        if (missing->rows() > 0) {
            return Error(ErrorCode::kInvalidArgument,
                         "a vector for paper " + missing->string(0, 0) + ", which does not exist");
        }
        auto written = c.run(Query::kUpsertVectors,
                             {model_id, Param::binary(keys.ids), Param::binary(keys.text_hashes),
                              Param::binary(keys.paper_hashes), Param::binary(blobs.bytes())});
        if (!written.ok()) {
            if (c.last_sqlstate() == kForeignKeyViolation) {
                return Error(
                    ErrorCode::kInvalidArgument,
                    "a vector for a paper that does not exist: " + written.error().message());
            }
            return written.error();
        }
        auto kept = c.run(Query::kKeepVectors,
                          {model_id, Param::binary(keys.ids), Param::binary(keys.text_hashes),
                           Param::binary(keys.paper_hashes)});
        if (!kept.ok()) return kept.error();
        if (written->rows() > 0) {
            std::vector<std::string> changed;
            changed.reserve(static_cast<size_t>(written->rows()));
            for (int row = 0; row < written->rows(); ++row)
                changed.push_back(written->string(row, 0));
            std::sort(changed.begin(), changed.end());
            auto seq = lock_feed(c);
            if (!seq.ok()) return seq.error();
            std::vector<BatchPlan::ChangeRecord> records;
            records.reserve(changed.size());
            int64_t next = *seq;
            for (std::string& id : changed) {
                records.push_back(BatchPlan::ChangeRecord{Change::Entity::kVector, std::move(id),
                                                          "", false, next++, false});
            }
            PAPERBOY_RETURN_IF_ERROR(record_changes(c, records));
        }
        return transaction.commit();
    });
}

Status PostgresStore::keep_vectors(int64_t model_id, const std::vector<PaperVector>& papers) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    if (papers.empty()) return Status::ok_status();
    const KeyArrays keys = key_arrays(sorted(papers));
    return with_connection([&](Connection& c) -> Status {
        auto kept = c.run(Query::kKeepVectors,
                          {model_id, Param::binary(keys.ids), Param::binary(keys.text_hashes),
                           Param::binary(keys.paper_hashes)});
        if (!kept.ok()) return kept.error();
        return Status::ok_status();
    });
}

Result<std::vector<PaperToEmbed>> PostgresStore::papers_to_embed(
    int64_t model_id, const std::optional<PaperId>& after, size_t limit) {
    std::vector<PaperToEmbed> out;
    if (limit == 0) return out;
    const std::string from = after ? after->str() : std::string();
    if (Status done = with_connection([&](Connection& c) -> Status {
            out.clear();
            auto r = c.run(Query::kSelectPapersToEmbed, {model_id, from, clamp_limit(limit)});
            if (!r.ok()) return r.error();
            out.reserve(static_cast<size_t>(r->rows()));
            for (int row = 0; row < r->rows(); ++row) {
                auto paper = read_to_embed(*r, row);
                if (!paper.ok()) return paper.error();
                out.push_back(std::move(paper).value());
            }
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::vector<std::optional<PaperToEmbed>>> PostgresStore::embed_state(
    int64_t model_id, const std::vector<PaperId>& ids) {
    std::vector<std::optional<PaperToEmbed>> out(ids.size());
    if (ids.empty()) return out;
    const std::string array = id_array(ids);
    if (Status done = with_connection([&](Connection& c) -> Status {
            std::fill(out.begin(), out.end(), std::nullopt);
            auto r = c.run(Query::kSelectEmbedState, {model_id, Param::binary(array)});
            if (!r.ok()) return r.error();
            std::unordered_map<std::string, PaperToEmbed> found;
            for (int row = 0; row < r->rows(); ++row) {
                auto paper = read_to_embed(*r, row);
                if (!paper.ok()) return paper.error();
                std::string key = paper->id.str();
                found.emplace(std::move(key), std::move(paper).value());
            }
            for (size_t i = 0; i < ids.size(); ++i) {
                auto it = found.find(ids[i].str());
                if (it != found.end()) out[i] = it->second;
            }
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Status PostgresStore::for_each_vector(int64_t model_id,
                                      const std::function<bool(const VectorRow&)>& fn) {
    struct Item {
        PaperId id;
        uint64_t text_hash;
        std::vector<float> vector;
    };
    int dimensions = 0;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto model = model_by_id(c, model_id);
            if (!model.ok()) return model.error();
            if (!*model) return unknown_model(model_id);
            dimensions = (*model)->dimensions;
            return Status::ok_status();
        });
        !done.ok()) {
        return done;
    }
    std::string after;
    std::vector<Item> page;
    for (;;) {
        if (Status done = with_connection([&](Connection& c) -> Status {
                page.clear();
                auto r = c.run(Query::kSelectVectorPage, {model_id, after, kVectorPageSize});
                if (!r.ok()) return r.error();
                page.reserve(static_cast<size_t>(r->rows()));
                for (int row = 0; row < r->rows(); ++row) {
                    auto id = stored_id(r->text(row, 0));
                    if (!id.ok()) return id.error();
                    auto vector = decode_vector(r->bytes(row, 2), dimensions);
                    if (!vector.ok()) return vector.error().with_context("paper " + id->str());
                    page.push_back(Item{std::move(id).value(), from_column(r->int64(row, 1)),
                                        std::move(vector).value()});
                }
                return Status::ok_status();
            });
            !done.ok()) {
            return done;
        }
        for (const Item& item : page) {
            if (!fn(VectorRow{item.id, item.text_hash, item.vector})) return Status::ok_status();
        }
        if (static_cast<int64_t>(page.size()) < kVectorPageSize) return Status::ok_status();
        after = page.back().id.str();
    }
}

Result<std::vector<std::optional<std::vector<float>>>> PostgresStore::get_vectors(
    int64_t model_id, const std::vector<PaperId>& ids) {
    std::vector<std::optional<std::vector<float>>> out(ids.size());
    const std::string array = id_array(ids);
    if (Status done = with_connection([&](Connection& c) -> Status {
            std::fill(out.begin(), out.end(), std::nullopt);
            auto model = model_by_id(c, model_id);
            if (!model.ok()) return model.error();
            if (!*model) return unknown_model(model_id);
            if (ids.empty()) return Status::ok_status();
            auto r = c.run(Query::kSelectVectors, {model_id, Param::binary(array)});
            if (!r.ok()) return r.error();
            std::unordered_map<std::string, std::vector<float>> found;
            for (int row = 0; row < r->rows(); ++row) {
                auto vector = decode_vector(r->bytes(row, 1), (*model)->dimensions);
                if (!vector.ok()) return vector.error().with_context("paper " + r->string(row, 0));
                found.emplace(r->string(row, 0), std::move(vector).value());
            }
            for (size_t i = 0; i < ids.size(); ++i) {
                auto it = found.find(ids[i].str());
                if (it != found.end()) out[i] = it->second;
            }
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<VectorStats> PostgresStore::vector_stats(int64_t model_id) {
    VectorStats stats;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kVectorStats, {model_id});
            if (!r.ok()) return r.error();
            stats = VectorStats{};
            if (r->rows() > 0) {
                stats.papers = r->int64(0, 0);
                stats.vectors = r->int64(0, 1);
                stats.current = r->int64(0, 2);
            }
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return stats;
}

}  // namespace paperboy::store::postgres
