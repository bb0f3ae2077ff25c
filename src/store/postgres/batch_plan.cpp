#include "store/postgres/batch_plan.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <type_traits>
#include <unordered_set>
#include <variant>

#include "store/paper_codec.h"

namespace paperboy::store::postgres {
namespace {

const std::string& op_paper_id(const WriteBatch::Op& op) {
    return std::visit(
        [](const auto& o) -> const std::string& {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, WriteBatch::PutPaper>) {
                return o.paper.id.str();
            } else if constexpr (std::is_same_v<T, WriteBatch::DeletePaper>) {
                return o.id.str();
            } else if constexpr (std::is_same_v<T, WriteBatch::PutDailyEntry>) {
                return o.entry.paper_id.str();
            } else if constexpr (std::is_same_v<T, WriteBatch::SetCursor>) {
                return o.key;  // not a paper; never looked up
            } else {
                return o.paper_id.str();  // RemoveDailyEntry, SetOrganization
            }
        },
        op);
}

}  // namespace

BatchPlan::BatchPlan(const WriteBatch& batch) : batch_(batch) {
    prepared_.resize(batch.size());
    std::unordered_set<std::string> seen;
    std::set<std::pair<std::string, std::string>> seen_entries;
    for (size_t i = 0; i < batch.size(); ++i) {
        const WriteBatch::Op& op = batch.ops()[i];
        if (std::holds_alternative<WriteBatch::SetCursor>(op)) continue;
        const std::string& id = op_paper_id(op);
        if (seen.insert(id).second) paper_ids_.push_back(id);
        PaperState& state = papers_[id];
        // Ops on the paper's row: several of them may need it decoded (rows_to_read()).
        if (!std::holds_alternative<WriteBatch::PutDailyEntry>(op) &&
            !std::holds_alternative<WriteBatch::RemoveDailyEntry>(op)) {
            ++state.ops;
        }
        if (const auto* put = std::get_if<WriteBatch::PutPaper>(&op)) {
            Paper scratch;
            const Paper& stored = rules::storage_form(put->paper, scratch);
            if (&stored == &scratch) {
                canonical_.push_back(std::make_unique<Paper>(std::move(scratch)));
                prepared_[i].paper = canonical_.back().get();
            } else {
                prepared_[i].paper = &put->paper;
            }
            prepared_[i].hash = content_hash(*prepared_[i].paper);
        } else if (const auto* e = std::get_if<WriteBatch::PutDailyEntry>(&op)) {
            if (seen_entries.emplace(e->entry.date, id).second) {
                entry_keys_.emplace_back(e->entry.date, id);
            }
        } else if (const auto* r = std::get_if<WriteBatch::RemoveDailyEntry>(&op)) {
            if (seen_entries.emplace(r->date, id).second) entry_keys_.emplace_back(r->date, id);
        } else if (std::holds_alternative<WriteBatch::SetOrganization>(op)) {
            state.needs_row = true;
        }
    }
}

void BatchPlan::set_head(const std::string& id, rules::StoredHead head) {
    PaperState& p = paper(id);
    p.in_db = true;
    p.db = head;
    p.exists = true;
    p.deleted = head.deleted;
    p.hash = head.hash;
}

std::vector<std::string> BatchPlan::rows_to_read() const {
    // Which rows the ops may decode (rules::decide_put_paper's `load_stored`): reading a few
    // too many costs little; one too few would fail the batch, so the rule is generous.
    std::unordered_set<std::string> wanted;
    for (size_t i = 0; i < batch_.size(); ++i) {
        const auto* put = std::get_if<WriteBatch::PutPaper>(&batch_.ops()[i]);
        if (put == nullptr) continue;
        const auto it = papers_.find(put->paper.id.str());
        if (it->second.in_db && it->second.db.hash != prepared_[i].hash) wanted.insert(it->first);
    }
    std::vector<std::string> out;
    for (const std::string& id : paper_ids_) {
        const PaperState& p = papers_.at(id);
        if (!p.in_db) continue;
        if (wanted.count(id) > 0 || p.db.deleted || p.needs_row || p.ops > 1) out.push_back(id);
    }
    return out;
}

void BatchPlan::set_row(Paper row) {
    PaperState& p = paper(row.id.str());
    p.owned = std::make_unique<Paper>(std::move(row));
    p.content = p.owned.get();
}

void BatchPlan::set_entry(DailyEntry entry, int64_t seq) {
    EntryState& e = entries_[{entry.date, entry.paper_id.str()}];
    e.in_db = true;
    e.db_seq = seq;
    e.current = std::move(entry);
}

void BatchPlan::record_change(Change::Entity entity, const std::string& paper_id,
                              const std::string& date, bool deleted) {
    changes_[ChangeKey{static_cast<int>(entity), paper_id, date}] = {change_order_++, deleted};
}

Status BatchPlan::apply() {
    for (size_t i = 0; i < batch_.size(); ++i) {
        if (Status s = apply_op(i); !s.ok()) {
            return s.error().with_context("write batch op " + std::to_string(i + 1) + " of " +
                                          std::to_string(batch_.size()));
        }
    }
    return Status::ok_status();
}

Status BatchPlan::apply_op(size_t index) {
    const WriteBatch::Op& op = batch_.ops()[index];
    if (std::holds_alternative<WriteBatch::PutPaper>(op)) {
        const Paper& incoming = *prepared_[index].paper;
        const std::string& id = incoming.id.str();
        PaperState& p = paper(id);
        std::optional<rules::StoredHead> head;
        if (p.exists) head = rules::StoredHead{p.hash, p.deleted};
        auto decision =
            rules::decide_put_paper(incoming, prepared_[index].hash, head, [&]() -> Result<Paper> {
                if (p.content == nullptr) {
                    return Error(ErrorCode::kInternal, "paper " + id + ": stored row not read");
                }
                return *p.content;
            });
        if (!decision.ok()) return decision.error();
        rules::count_put(decision->action, counts_);
        switch (decision->action) {
            case rules::PutAction::kUnchanged:
                return Status::ok_status();
            case rules::PutAction::kFixHash:
                p.hash = decision->hash;
                p.hash_dirty = true;
                return Status::ok_status();
            case rules::PutAction::kInsert:
                p.content = &incoming;
                break;
            case rules::PutAction::kUpdate:
                p.owned = std::make_unique<Paper>(std::move(decision->paper));
                p.content = p.owned.get();
                break;
        }
        p.exists = true;
        p.deleted = false;
        p.hash = decision->hash;
        p.content_dirty = true;
        record_change(Change::Entity::kPaper, id, "", false);
        return Status::ok_status();
    }
    if (const auto* del = std::get_if<WriteBatch::DeletePaper>(&op)) {
        PaperState& p = paper(del->id.str());
        std::optional<rules::StoredHead> head;
        if (p.exists) head = rules::StoredHead{p.hash, p.deleted};
        if (!rules::should_hide(head)) return Status::ok_status();
        p.deleted = true;
        p.flags_dirty = true;
        ++counts_.papers_deleted;
        record_change(Change::Entity::kPaper, del->id.str(), "", true);
        return Status::ok_status();
    }
    if (const auto* org = std::get_if<WriteBatch::SetOrganization>(&op)) {
        const std::string& id = org->paper_id.str();
        PaperState& p = paper(id);
        std::optional<Paper> stored;
        if (p.exists) {
            if (p.content == nullptr) {
                return Error(ErrorCode::kInternal, "paper " + id + ": stored row not read");
            }
            stored = *p.content;
        }
        auto changed =
            rules::decide_set_organization(org->paper_id, stored, p.deleted, org->organization);
        if (!changed.ok()) return changed.error();
        if (!*changed) {
            ++counts_.papers_unchanged;
            return Status::ok_status();
        }
        ++counts_.papers_updated;
        p.owned = std::make_unique<Paper>(std::move(**changed));
        p.content = p.owned.get();
        p.hash = content_hash(*p.content);
        p.content_dirty = true;
        record_change(Change::Entity::kPaper, id, "", false);
        return Status::ok_status();
    }
    if (const auto* put = std::get_if<WriteBatch::PutDailyEntry>(&op)) {
        const DailyEntry& incoming = put->entry;
        PAPERBOY_RETURN_IF_ERROR(rules::check_entry(incoming));
        const std::string& id = incoming.paper_id.str();
        if (!paper(id).exists) return rules::entry_paper_missing(incoming);
        EntryState& e = entries_[{incoming.date, id}];
        rules::EntryDecision decision = rules::decide_put_entry(e.current, incoming);
        rules::count_entry(decision.action, counts_);
        if (decision.action == rules::EntryAction::kUnchanged) return Status::ok_status();
        e.current = std::move(decision.entry);
        e.dirty = true;
        record_change(Change::Entity::kDailyEntry, id, incoming.date, false);
        return Status::ok_status();
    }
    if (const auto* remove = std::get_if<WriteBatch::RemoveDailyEntry>(&op)) {
        const std::string& id = remove->paper_id.str();
        auto it = entries_.find({remove->date, id});
        if (it == entries_.end() || !it->second.current) return Status::ok_status();
        it->second.current.reset();
        it->second.dirty = true;
        ++counts_.entries_removed;
        // The entry's feed record moves to the end: followers re-read the paper's lists.
        record_change(Change::Entity::kDailyEntry, id, remove->date, false);
        return Status::ok_status();
    }
    const auto& cursor = std::get<WriteBatch::SetCursor>(op);
    auto it = std::find_if(cursors_.begin(), cursors_.end(),
                           [&](const auto& kv) { return kv.first == cursor.key; });
    if (it == cursors_.end()) {
        cursors_.emplace_back(cursor.key, cursor.value);
    } else {
        it->second = cursor.value;
    }
    return Status::ok_status();
}

BatchPlan::Outcome BatchPlan::finish(int64_t first_seq) const {
    Outcome out;
    // The feed, in the order of each record's latest change.
    std::vector<std::pair<int64_t, const ChangeKey*>> order;
    order.reserve(changes_.size());
    for (const auto& [key, value] : changes_) order.emplace_back(value.first, &key);
    std::sort(order.begin(), order.end());
    std::map<ChangeKey, int64_t> seq_of;
    for (size_t i = 0; i < order.size(); ++i) {
        const ChangeKey& key = *order[i].second;
        ChangeRecord& c = out.changes.emplace_back();
        c.entity = static_cast<Change::Entity>(std::get<0>(key));
        c.paper_id = std::get<1>(key);
        c.date = std::get<2>(key);
        c.deleted = changes_.at(key).second;
        c.seq = first_seq + static_cast<int64_t>(i);
        if (c.entity == Change::Entity::kPaper) c.first = !papers_.at(c.paper_id).in_db;
        seq_of[key] = c.seq;
    }
    for (const std::string& id : paper_ids_) {
        const PaperState& p = papers_.at(id);
        if (!p.content_dirty && !p.flags_dirty && !p.hash_dirty) continue;
        const auto seq = seq_of.find(ChangeKey{static_cast<int>(Change::Entity::kPaper), id, ""});
        if (!p.content_dirty && !p.flags_dirty) {
            out.hash_fixes.push_back(HashFix{id, p.hash, p.db.hash});
            continue;
        }
        const int64_t s = seq != seq_of.end() ? seq->second : 0;
        if (!p.in_db) {
            out.paper_inserts.push_back(PaperRow{p.content, p.hash, p.deleted, s, 0, false});
        } else if (p.content_dirty) {
            out.paper_updates.push_back(
                PaperRow{p.content, p.hash, p.deleted, s, p.db.hash, p.db.deleted});
        } else {
            out.paper_flags.push_back(PaperFlags{id, p.deleted, s, p.db.hash, p.db.deleted});
        }
    }
    for (const auto& [key, e] : entries_) {
        if (!e.dirty) continue;
        const auto seq = seq_of.find(
            ChangeKey{static_cast<int>(Change::Entity::kDailyEntry), key.second, key.first});
        const int64_t s = seq != seq_of.end() ? seq->second : 0;
        if (e.in_db && !e.current) {
            DailyEntry gone;
            gone.date = key.first;
            gone.paper_id = *PaperId::parse(key.second);
            out.entry_deletes.push_back(EntryRow{std::move(gone), 0, e.db_seq});
        } else if (e.in_db) {
            out.entry_updates.push_back(EntryRow{*e.current, s, e.db_seq});
        } else if (e.current) {
            out.entry_inserts.push_back(EntryRow{*e.current, s, 0});
        }
    }
    return out;
}

}  // namespace paperboy::store::postgres
