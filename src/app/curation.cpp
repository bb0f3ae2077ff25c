#include "app/curation.h"

#include "app/ingest_pipeline.h"
#include "core/calendar.h"
#include "core/timestamp.h"
#include "ingest/harvest/harvester.h"

namespace paperboy::app {

Curation::Curation(store::Store& store, CurationOptions options)
    : store_(store), options_(std::move(options)) {}

Result<Paper> Curation::fetch(const PaperId& id) {
    if (options_.fetcher == nullptr) {
        return Error(ErrorCode::kNotFound, "paper " + id.str() + " is not in this instance yet");
    }
    ingest::HarvestRequest request;
    request.source = ingest::HarvestSource::kArxivApi;
    request.base_url = options_.arxiv_api_url;
    request.id_list = id.str();
    request.page_size = 1;
    request.max_results = 1;
    std::optional<Paper> found;
    ingest::RealClock real_clock;
    ingest::Clock& clock = options_.clock != nullptr ? *options_.clock : real_clock;
    auto harvested = ingest::harvest(
        *options_.fetcher, clock, request, options_.politeness,
        [&](ingest::HarvestPage& page) -> Status {
            for (ingest::Record& record : page.records) {
                if (record.kind == ingest::Record::Kind::kPaper && record.paper.id == id) {
                    found = std::move(record.paper);
                }
            }
            return Status::ok_status();
        });
    if (!harvested.ok()) {
        return Error(harvested.error().code() == ErrorCode::kNotFound ? ErrorCode::kNotFound
                                                                      : ErrorCode::kUnavailable,
                     "fetching " + id.str() + " from arXiv failed: " + harvested.error().message());
    }
    if (!found) return Error(ErrorCode::kNotFound, "arXiv has no paper " + id.str());
    store::WriteBatch batch;
    batch.put_paper(*found);
    auto written = store_.write(batch);
    if (!written.ok()) return written.error();
    return *found;
}

Result<Submitted> Curation::submit(const User& user, std::string_view arxiv_id) {
    auto id = PaperId::parse(arxiv_id);
    if (!id.ok() || !id->is_arxiv()) {
        return Error(ErrorCode::kInvalidArgument,
                     "'" + std::string(arxiv_id.substr(0, 40)) +
                         "' is not an arXiv id (such as 2410.13848 or hep-th/9901001)");
    }
    const std::chrono::sys_seconds now = options_.now();
    const std::string now_text = format_instant(now);
    const std::string today = now_text.substr(0, 10);

    auto todays = store_.daily_entries(today);
    if (!todays.ok()) return todays.error();
    int mine = 0;
    for (const DailyEntry& e : *todays) {
        if (e.paper_id == *id) {
            return Error(ErrorCode::kAlreadyExists,
                         id->str() + " is already on today's list (submitted by " +
                             (e.submitted_by.empty() ? std::string("someone") : e.submitted_by) +
                             ")");
        }
        if (e.submitted_by == user.handle) ++mine;
    }
    if (mine >= options_.daily_limit_per_user) {
        return Error(ErrorCode::kLimitExceeded,
                     "you have submitted " + std::to_string(mine) +
                         " papers today, the most a member may; try again tomorrow");
    }

    Submitted out;
    auto stored = store_.get_paper(*id);
    if (!stored.ok()) return stored.error();
    if (*stored) {
        out.paper = std::move(**stored);
    } else {
        auto fetched = fetch(*id);
        if (!fetched.ok()) return fetched.error();
        out.paper = std::move(*fetched);
        out.fetched = true;
    }
    // Age from the first version's date; a paper without one cannot be checked and is refused.
    const std::string published = out.paper.published.substr(0, 10);
    if (!is_valid_day(published)) {
        return Error(ErrorCode::kInvalidArgument,
                     id->str() + " has no publication date, so its age cannot be checked");
    }
    if (published < add_days(today, -options_.max_age_days)) {
        return Error(ErrorCode::kInvalidArgument,
                     id->str() + " was published on " + published + ", more than " +
                         std::to_string(options_.max_age_days) +
                         " days ago; only recent papers may be submitted");
    }

    out.entry.date = today;
    out.entry.paper_id = *id;
    out.entry.submitted_by = user.handle;
    out.entry.submitted_at = now_text;
    store::WriteBatch batch;
    batch.put_daily_entry(out.entry);
    auto written = store_.write(batch);
    if (!written.ok()) return written.error();
    return out;
}

Status Curation::remove(const User& user, std::string_view date, const PaperId& paper) {
    if (user.role == Role::kMember) {
        return Error(ErrorCode::kInvalidArgument, "only curators and admins remove entries");
    }
    store::WriteBatch batch;
    batch.remove_daily_entry(std::string(date), paper);
    auto written = store_.write(batch);
    if (!written.ok()) return written.error();
    if (written->entries_removed == 0) {
        return Error(ErrorCode::kNotFound,
                     paper.str() + " is not on the list of " + std::string(date));
    }
    return Status::ok_status();
}

Status Curation::put_organization(const User& user, const Organization& organization) {
    if (user.role != Role::kAdmin) {
        return Error(ErrorCode::kInvalidArgument, "only admins change organizations");
    }
    return store_.put_organization(organization);
}

Result<std::string> Curation::assign_organization(const User& user, const PaperId& paper,
                                                  std::string_view name) {
    if (user.role != Role::kAdmin) {
        return Error(ErrorCode::kInvalidArgument, "only admins assign papers to organizations");
    }
    std::string stored_name;
    if (!name.empty()) {
        auto org = store_.organization(name);
        if (!org.ok()) return org.error();
        if (!*org) {
            return Error(ErrorCode::kNotFound,
                         "no organization \"" + std::string(name) +
                             "\"; create it with PUT /api/organizations/NAME");
        }
        stored_name = (*org)->name;
    }
    store::WriteBatch batch;
    batch.set_organization(paper, stored_name);
    auto written = store_.write(batch);
    if (!written.ok()) return written.error();
    return stored_name;
}

}  // namespace paperboy::app
