// The paper-vector part of SqliteStore (store/vectors.h; docs/embeddings.md): embedding models
// and papers' vectors, over the tables of schema step 10. A batch of vectors is one transaction
// whose changed vectors go on the change feed, as every other feed writer's rows do.
#include <sqlite3.h>

#include <limits>

#include "core/timestamp.h"
#include "store/sqlite/read_snapshot.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/statement.h"

namespace paperboy::store::sqlite {
namespace {

constexpr std::string_view kVectorEntity = "vector";
constexpr std::string_view kDefaultModelCursor = "embedding.default_model";
// Vectors handed to for_each_vector's callback per locked read.
constexpr int64_t kVectorPageSize = 1024;

int64_t to_column(uint64_t hash) { return static_cast<int64_t>(hash); }
uint64_t from_column(int64_t value) { return static_cast<uint64_t>(value); }

// A BLOB column's bytes (a TEXT one's too: a copy through paperboy db writes bytes as text).
std::string_view column_bytes(const Statement& s, int col) {
    const void* data = sqlite3_column_blob(s.get(), col);
    const int size = sqlite3_column_bytes(s.get(), col);
    if (data == nullptr || size <= 0) return {};
    return {static_cast<const char*>(data), static_cast<size_t>(size)};
}

Status bind_blob(Statement& s, int index, std::string_view bytes) {
    // A zero-length blob needs a non-null pointer to be stored as a blob rather than NULL.
    static const char kEmpty = 0;
    const int rc = sqlite3_bind_blob(s.get(), index, bytes.empty() ? &kEmpty : bytes.data(),
                                     static_cast<int>(bytes.size()), SQLITE_STATIC);
    if (rc != SQLITE_OK) return sqlite_error(nullptr, rc, "binding a vector");
    return Status::ok_status();
}

// The model of the current row (columns as queries::kModelCols).
EmbeddingModel read_model(const Statement& s) {
    EmbeddingModel m;
    m.id = s.column_int64(0);
    m.identity = s.column_string(1);
    m.spec = s.column_string(2);
    m.dimensions = s.column_int(3);
    m.created_at = s.column_string(4);
    return m;
}

Result<PaperId> stored_id(std::string_view text) {
    auto id = PaperId::parse(text);
    if (!id.ok()) {
        return Error(ErrorCode::kCorruption, "stored paper id \"" + std::string(text) +
                                                 "\" does not parse: " + id.error().message());
    }
    return id;
}

// The paper of the current row (columns as queries::kEmbedCols).
Result<PaperToEmbed> read_to_embed(const Statement& s) {
    auto id = stored_id(s.column_text(0));
    if (!id.ok()) return id.error();
    PaperToEmbed p;
    p.id = std::move(id).value();
    p.title = s.column_string(1);
    p.abstract = s.column_string(2);
    p.paper_hash = from_column(s.column_int64(3));
    if (!s.column_is_null(4)) {
        p.text_hash = from_column(s.column_int64(4));
        p.current = from_column(s.column_int64(5)) == p.paper_hash;
    }
    return p;
}

int64_t clamp_limit(size_t limit) {
    return static_cast<int64_t>(
        std::min(limit, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
}

}  // namespace

Result<std::optional<EmbeddingModel>> SqliteStore::model_locked(int64_t model_id) {
    auto select = statement(Query::kSelectModelById);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, model_id);
    auto found = (*select)->step();
    if (!found.ok()) return found.error();
    if (!*found) return std::optional<EmbeddingModel>();
    return std::optional<EmbeddingModel>(read_model(**select));
}

Result<EmbeddingModel> SqliteStore::register_model(std::string_view identity, std::string_view spec,
                                                   int dimensions) {
    if (identity.empty()) {
        return Error(ErrorCode::kInvalidArgument, "an embedding model needs an identity");
    }
    if (dimensions < 1 || dimensions > kMaxDimensions) {
        return Error(ErrorCode::kInvalidArgument, "embedding model " + std::string(identity) +
                                                      ": " + std::to_string(dimensions) +
                                                      " dimensions is out of range (1 to " +
                                                      std::to_string(kMaxDimensions) + ")");
    }
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    Transaction transaction(db_);
    PAPERBOY_RETURN_IF_ERROR(transaction.begin());
    auto select = statement(Query::kSelectModelByIdentity);
    if (!select.ok()) return select.error();
    std::optional<EmbeddingModel> model;
    {
        ScopedReset reset(**select);
        (*select)->bind(1, identity);
        auto found = (*select)->step();
        if (!found.ok()) return found.error();
        if (*found) model = read_model(**select);
    }
    if (model) {
        if (model->dimensions != dimensions) {
            return Error(ErrorCode::kInvalidArgument,
                         "embedding model " + model->identity + " is registered with " +
                             std::to_string(model->dimensions) + " dimensions, not " +
                             std::to_string(dimensions));
        }
        auto update = statement(Query::kUpdateModelSpec);
        if (!update.ok()) return update.error();
        ScopedReset reset(**update);
        (*update)->bind(1, model->id);
        (*update)->bind(2, spec);
        PAPERBOY_RETURN_IF_ERROR((*update)->run());
        model->spec = std::string(spec);
    } else {
        const std::string now = now_timestamp();
        auto insert = statement(Query::kInsertModel);
        if (!insert.ok()) return insert.error();
        ScopedReset reset(**insert);
        (*insert)->bind(1, identity);
        (*insert)->bind(2, spec);
        (*insert)->bind(3, dimensions);
        (*insert)->bind(4, now);
        PAPERBOY_RETURN_IF_ERROR((*insert)->run());
        model = EmbeddingModel{sqlite3_last_insert_rowid(db_), std::string(identity),
                               std::string(spec), dimensions, now};
    }
    PAPERBOY_RETURN_IF_ERROR(transaction.commit());
    return *model;
}

Result<std::vector<EmbeddingModel>> SqliteStore::models() {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectModels);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    std::vector<EmbeddingModel> out;
    for (;;) {
        auto row = (*select)->step();
        if (!row.ok()) return row.error();
        if (!*row) return out;
        out.push_back(read_model(**select));
    }
}

Result<std::optional<EmbeddingModel>> SqliteStore::default_model() {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectDefaultModel);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    auto found = (*select)->step();
    if (!found.ok()) return found.error();
    if (!*found) return std::optional<EmbeddingModel>();
    return std::optional<EmbeddingModel>(read_model(**select));
}

Status SqliteStore::set_default_model(int64_t model_id) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    Transaction transaction(db_);
    PAPERBOY_RETURN_IF_ERROR(transaction.begin());
    auto model = model_locked(model_id);
    if (!model.ok()) return model.error();
    if (!*model) {
        return Error(ErrorCode::kNotFound, "no embedding model " + std::to_string(model_id));
    }
    PAPERBOY_RETURN_IF_ERROR(
        apply_set_cursor(std::string(kDefaultModelCursor), std::to_string(model_id)));
    return transaction.commit();
}

Status SqliteStore::put_vectors(int64_t model_id, const std::vector<PaperVector>& vectors) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto model = model_locked(model_id);
    if (!model.ok()) return model.error();
    if (!*model)
        return Error(ErrorCode::kNotFound, "no embedding model " + std::to_string(model_id));
    PAPERBOY_RETURN_IF_ERROR(check_vectors(vectors, (*model)->dimensions));
    if (vectors.empty()) return Status::ok_status();

    Transaction transaction(db_);
    PAPERBOY_RETURN_IF_ERROR(transaction.begin());
    bool fed = false;
    std::string bytes;
    for (const PaperVector& v : vectors) {
        const std::string& id = v.id.str();
        bytes = encode_vector(v.vector);
        bool changed = true;
        {
            auto select = statement(Query::kSelectVectorForWrite);
            if (!select.ok()) return select.error();
            ScopedReset reset(**select);
            (*select)->bind(1, model_id);
            (*select)->bind(2, id);
            auto found = (*select)->step();
            if (!found.ok()) return found.error();
            if (!*found) {
                return Error(ErrorCode::kInvalidArgument,
                             "a vector for paper " + id + ", which does not exist");
            }
            if (!(*select)->column_is_null(0)) {
                changed = from_column((*select)->column_int64(0)) != v.text_hash ||
                          column_bytes(**select, 1) != bytes;
            }
        }
        auto upsert = statement(Query::kUpsertVector);
        if (!upsert.ok()) return upsert.error();
        ScopedReset reset(**upsert);
        (*upsert)->bind(1, model_id);
        (*upsert)->bind(2, id);
        (*upsert)->bind(3, to_column(v.text_hash));
        (*upsert)->bind(4, to_column(v.paper_hash));
        PAPERBOY_RETURN_IF_ERROR(bind_blob(**upsert, 5, bytes));
        PAPERBOY_RETURN_IF_ERROR((*upsert)->run());
        if (changed) {
            auto seq = record_change(kVectorEntity, id, "", false);
            if (!seq.ok()) return seq.error();
            fed = true;
        }
    }
    PAPERBOY_RETURN_IF_ERROR(transaction.commit());
    if (fed) feed_written();
    return Status::ok_status();
}

Status SqliteStore::keep_vectors(int64_t model_id, const std::vector<PaperVector>& papers) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    if (papers.empty()) return Status::ok_status();
    Transaction transaction(db_);
    PAPERBOY_RETURN_IF_ERROR(transaction.begin());
    for (const PaperVector& p : papers) {
        auto keep = statement(Query::kKeepVector);
        if (!keep.ok()) return keep.error();
        ScopedReset reset(**keep);
        (*keep)->bind(1, model_id);
        (*keep)->bind(2, p.id.str());
        (*keep)->bind(3, to_column(p.text_hash));
        (*keep)->bind(4, to_column(p.paper_hash));
        PAPERBOY_RETURN_IF_ERROR((*keep)->run());
    }
    return transaction.commit();
}

Result<std::vector<PaperToEmbed>> SqliteStore::papers_to_embed(int64_t model_id,
                                                               const std::optional<PaperId>& after,
                                                               size_t limit) {
    std::lock_guard lock(mu_);
    std::vector<PaperToEmbed> out;
    if (limit == 0) return out;
    auto select = statement(Query::kSelectPapersToEmbed);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    const std::string from = after ? after->str() : std::string();
    (*select)->bind(1, model_id);
    (*select)->bind(2, from);
    (*select)->bind(3, clamp_limit(limit));
    for (;;) {
        auto row = (*select)->step();
        if (!row.ok()) return row.error();
        if (!*row) return out;
        auto paper = read_to_embed(**select);
        if (!paper.ok()) return paper.error();
        out.push_back(std::move(paper).value());
    }
}

Result<std::vector<std::optional<PaperToEmbed>>> SqliteStore::embed_state(
    int64_t model_id, const std::vector<PaperId>& ids) {
    std::lock_guard lock(mu_);
    const ReadSnapshot snapshot(*this);
    std::vector<std::optional<PaperToEmbed>> out(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
        auto select = statement(Query::kSelectEmbedState);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        (*select)->bind(1, model_id);
        (*select)->bind(2, ids[i].str());
        auto found = (*select)->step();
        if (!found.ok()) return found.error();
        if (!*found) continue;
        auto paper = read_to_embed(**select);
        if (!paper.ok()) return paper.error();
        out[i] = std::move(paper).value();
    }
    return out;
}

Status SqliteStore::for_each_vector(int64_t model_id,
                                    const std::function<bool(const VectorRow&)>& fn) {
    // Keyset paging, as for_each_paper(): short locked reads, `fn` called without the lock.
    struct Item {
        PaperId id;
        uint64_t text_hash;
        std::vector<float> vector;
    };
    int dimensions = 0;
    {
        std::lock_guard lock(mu_);
        auto model = model_locked(model_id);
        if (!model.ok()) return model.error();
        if (!*model) {
            return Error(ErrorCode::kNotFound, "no embedding model " + std::to_string(model_id));
        }
        dimensions = (*model)->dimensions;
    }
    std::string after;
    std::vector<Item> page;
    for (;;) {
        page.clear();
        {
            std::lock_guard lock(mu_);
            auto select = statement(Query::kSelectVectorPage);
            if (!select.ok()) return select.error();
            Statement& s = **select;
            ScopedReset reset(s);
            s.bind(1, model_id);
            s.bind(2, after);
            s.bind(3, kVectorPageSize);
            for (;;) {
                auto row = s.step();
                if (!row.ok()) return row.error();
                if (!*row) break;
                auto id = stored_id(s.column_text(0));
                if (!id.ok()) return id.error();
                auto vector = decode_vector(column_bytes(s, 2), dimensions);
                if (!vector.ok()) return vector.error().with_context("paper " + id->str());
                page.push_back(Item{std::move(id).value(), from_column(s.column_int64(1)),
                                    std::move(vector).value()});
            }
        }
        for (const Item& item : page) {
            if (!fn(VectorRow{item.id, item.text_hash, item.vector})) return Status::ok_status();
        }
        if (static_cast<int64_t>(page.size()) < kVectorPageSize) return Status::ok_status();
        after = page.back().id.str();
    }
}

Result<std::vector<std::optional<std::vector<float>>>> SqliteStore::get_vectors(
    int64_t model_id, const std::vector<PaperId>& ids) {
    std::lock_guard lock(mu_);
    const ReadSnapshot snapshot(*this);
    auto model = model_locked(model_id);
    if (!model.ok()) return model.error();
    if (!*model)
        return Error(ErrorCode::kNotFound, "no embedding model " + std::to_string(model_id));
    std::vector<std::optional<std::vector<float>>> out(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
        auto select = statement(Query::kSelectVector);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        (*select)->bind(1, model_id);
        (*select)->bind(2, ids[i].str());
        auto found = (*select)->step();
        if (!found.ok()) return found.error();
        if (!*found) continue;
        auto vector = decode_vector(column_bytes(**select, 0), (*model)->dimensions);
        if (!vector.ok()) return vector.error().with_context("paper " + ids[i].str());
        out[i] = std::move(vector).value();
    }
    return out;
}

Result<VectorStats> SqliteStore::vector_stats(int64_t model_id) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kVectorStats);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, model_id);
    auto row = (*select)->step();
    if (!row.ok()) return row.error();
    VectorStats stats;
    if (*row) {
        stats.papers = (*select)->column_int64(0);
        stats.vectors = (*select)->column_int64(1);
        stats.current = (*select)->column_int64(2);
    }
    return stats;
}

}  // namespace paperboy::store::sqlite
