#include "app/digest_job.h"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "core/calendar.h"
#include "core/timestamp.h"
#include "index/query.h"
#include "mail/compose.h"

namespace paperboy::app {
namespace {

constexpr size_t kSummaryBytes = 300;
constexpr size_t kAuthorsShown = 3;

bool is_weekend(std::string_view day) {
    const auto t = parse_instant(day);
    if (!t) return false;
    const std::chrono::weekday wd{std::chrono::floor<std::chrono::days>(*t)};
    return wd == std::chrono::Saturday || wd == std::chrono::Sunday;
}

std::string authors_line(const Paper& paper) {
    if (paper.authors.empty()) {
        const int n = paper.num_authors();
        return n > 0 ? std::to_string(n) + (n == 1 ? " author" : " authors") : "";
    }
    std::string out;
    const size_t shown = std::min(paper.authors.size(), kAuthorsShown);
    for (size_t i = 0; i < shown; ++i) {
        if (i > 0) out += ", ";
        out += paper.authors[i].name;
    }
    if (paper.authors.size() > shown) {
        out += " and " + std::to_string(paper.authors.size() - shown) + " more";
    }
    return out;
}

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The start of `text`, cut at a space before `limit` bytes, with "…" when cut.
std::string shorten(std::string_view text, size_t limit) {
    if (text.size() <= limit) return std::string(text);
    size_t cut = limit;
    while (cut > 0 && text[cut] != ' ') --cut;
    if (cut < limit / 2) {  // one enormous word: cut inside it, at a character boundary
        cut = limit;
        while (cut > 0 && is_continuation(text[cut])) --cut;
    }
    std::string out(text.substr(0, cut));
    while (!out.empty() && (out.back() == ' ' || out.back() == ',' || out.back() == ';')) {
        out.pop_back();
    }
    return out + "\xE2\x80\xA6";
}

// A topic as an alert means it: every word of it must be in the paper (the search box ranks
// papers with some of them too; an alert that fires on any one word is noise).
index::Query alert_query(std::string_view topic, const text::Analyzer& analyzer) {
    index::Query query = index::parse_query(topic, analyzer);
    for (index::Clause& clause : query.should) query.must.push_back(std::move(clause));
    query.should.clear();
    return query;
}

std::string now_iso(const DigestOptions& options) {
    return format_instant(std::chrono::floor<std::chrono::seconds>(options.now()));
}

}  // namespace

DigestJob::DigestJob(store::Store& store, SearchService* search, Subscriptions& subscriptions,
                     Mailer& mailer, DigestOptions options)
    : store_(store),
      search_(search),
      subscriptions_(subscriptions),
      mailer_(mailer),
      options_(std::move(options)),
      library_(store) {}

Result<std::string> DigestJob::period_of(Frequency frequency, std::string_view day) {
    if (!is_valid_day(day)) {
        return Error(ErrorCode::kInvalidArgument,
                     "not a day: \"" + std::string(day) + "\" (expected YYYY-MM-DD)");
    }
    if (frequency == Frequency::kDaily) return "daily:" + std::string(day);
    return "weekly:" + iso_week_of(day);
}

Result<DigestReport> DigestJob::run(Frequency frequency, std::string_view day, bool dry_run,
                                    std::ostream* dry_run_out) {
    const auto started = std::chrono::steady_clock::now();
    DigestReport report;
    auto period = period_of(frequency, day);
    if (!period.ok()) return period.error();
    report.period = *period;
    const bool daily = frequency == Frequency::kDaily;
    if (daily && !options_.weekends && is_weekend(day)) {
        report.skipped_weekend = true;
        return report;
    }

    // The period's papers, best trending first, as at the end of the period.
    DayRange days{std::string(day), std::string(day)};
    std::string period_path = "/papers/date/" + std::string(day);
    std::string heading = "Trending papers of " + display_day(day);
    std::string for_you_heading = "For you, " + display_day(day);
    if (!daily) {
        const std::string week = iso_week_of(day);
        days = *iso_week_days(week);
        period_path = "/papers/week/" + week;
        heading = "Trending papers of the week " + week + " (" + display_day(days.first) +
                  " \xE2\x80\x93 " + display_day(days.last) + ")";
        for_you_heading = "For you, the week " + week;
    }
    auto listed = library_.between(days);
    if (!listed.ok()) return listed.error();
    // Trending as at the end of the period, or now when that is later (a digest sent the next
    // morning ranks as the site's trending page would then; an old period sent today ranks by
    // its votes, the decay being alike for all of its papers).
    const auto end_of_period =
        parse_instant(add_days(days.last, 1)).value_or(std::chrono::sys_seconds{});
    rank_by_trending(
        *listed, std::max(end_of_period, std::chrono::floor<std::chrono::seconds>(options_.now())),
        options_.trending);
    std::vector<ListedPaper>& candidates = *listed;
    report.candidates = candidates.size();
    std::unordered_map<std::string, size_t> candidate_at;
    for (size_t i = 0; i < candidates.size(); ++i) candidate_at[candidates[i].paper.id.str()] = i;

    // Topic alerts by meaning: the candidates whose vector is near the topic's, under the
    // topic's filters, phrases and exclusions (what it asks for besides its ranked words).
    auto add_semantic_matches = [&](const std::string& topic, std::vector<bool>& hit) {
        const VectorSearch* vectors = search_->vectors();
        if (vectors == nullptr || options_.semantic_threshold > 1.0) return;
        const std::string text = semantic_query_text(topic);
        if (text.empty()) return;
        auto topic_vector = search_->embed_query(text);
        if (!topic_vector.ok()) {
            ++report.semantic_errors;
            return;
        }
        index::Query restrictions = index::parse_query(topic, search_->analyzer());
        restrictions.should.clear();
        std::optional<std::unordered_set<std::string>> allowed;
        if (!restrictions.filters.empty() || !restrictions.must.empty() ||
            !restrictions.must_not.empty()) {
            index::SearchOptions all;
            all.limit = search_->index().stats().documents + 1;
            allowed.emplace();
            for (const index::Hit& h : search_->index().search(restrictions, all).hits) {
                allowed->insert(h.id.str());
            }
        }
        for (size_t i = 0; i < candidates.size(); ++i) {
            if (hit[i]) continue;
            const PaperId& id = candidates[i].paper.id;
            if (allowed && allowed->count(id.str()) == 0) continue;
            const auto cosine = vectors->similarities({&id, 1}, *topic_vector).front();
            if (cosine && *cosine >= options_.semantic_threshold) {
                hit[i] = true;
                ++report.semantic_matches;
            }
        }
    };

    // Which candidates each topic matches (in trending order), computed once per topic.
    std::map<std::string, std::vector<size_t>> topic_matches;
    auto matches_of = [&](const std::string& topic) -> const std::vector<size_t>* {
        auto it = topic_matches.find(topic);
        if (it != topic_matches.end()) return &it->second;
        if (search_ == nullptr) return nullptr;
        index::SearchOptions search_options;
        search_options.limit = search_->index().stats().documents + 1;
        const index::SearchResult result =
            search_->index().search(alert_query(topic, search_->analyzer()), search_options);
        std::vector<bool> hit(candidates.size(), false);
        for (const index::Hit& h : result.hits) {
            auto at = candidate_at.find(h.id.str());
            if (at != candidate_at.end()) hit[at->second] = true;
        }
        add_semantic_matches(topic, hit);
        std::vector<size_t> out;
        for (size_t i = 0; i < candidates.size(); ++i) {
            if (hit[i]) out.push_back(i);
        }
        return &topic_matches.emplace(topic, std::move(out)).first->second;
    };
    std::vector<size_t> everything(candidates.size());
    for (size_t i = 0; i < candidates.size(); ++i) everything[i] = i;

    const MailIdentity& identity = subscriptions_.identity();
    const std::string frequency_word(frequency_name(frequency));
    auto compose = [&](const Subscription& sub, const DigestSend& send,
                       const std::vector<const ListedPaper*>& papers) {
        mail::DigestContent content;
        content.site_name = identity.site_name;
        const bool for_you = is_for_you(sub);
        content.heading = for_you ? for_you_heading : heading;
        content.topic = for_you ? std::string() : sub.topic;
        content.period_url = identity.link(for_you ? "/for-you" : period_path);
        content.unsubscribe_url = subscriptions_.unsubscribe_url(sub.id);
        content.manage_url = identity.link("/settings");
        for (const ListedPaper* p : papers) {
            mail::DigestPaper& d = content.papers.emplace_back();
            d.title = p->paper.title;
            d.url = identity.link("/papers/" + p->paper.id.str());
            d.authors = authors_line(p->paper);
            d.upvotes = p->upvotes();
            d.summary = shorten(p->paper.abstract, kSummaryBytes);
            d.code_url = p->paper.github_url;
        }
        const mail::Bodies bodies = mail::compose_digest(content);
        mail::Message message;
        message.from = identity.from;
        message.to = mail::Mailbox{"", sub.email};
        std::string subject = "[" + identity.site_name + "] ";
        if (for_you) {
            subject += "For you: ";
        } else if (!sub.topic.empty()) {
            subject += "\xE2\x80\x9C" + sub.topic + "\xE2\x80\x9D: ";
        }
        subject += papers.front()->paper.title;
        if (papers.size() > 1) subject += " (+" + std::to_string(papers.size() - 1) + " more)";
        message.subject = std::move(subject);
        message.message_id = send.message_id;
        message.text = bodies.text;
        message.html = bodies.html;
        message.headers = {
            {"List-Id",
             mail::encode_header_text(identity.site_name + " " + frequency_word + " digest") +
                 " <" + frequency_word + "." + identity.host() + ">"},
            {"List-Unsubscribe", "<" + content.unsubscribe_url + ">, <" +
                                     subscriptions_.unsubscribe_mailto(sub.id) + ">"},
            {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
            {"Precedence", "bulk"},
            {"Auto-Submitted", "auto-generated"},
        };
        return message;
    };

    // Papers of a claimed digest that are no longer candidates (hidden, or the period's lists
    // changed since) are loaded from the store.
    std::vector<ListedPaper> extra;
    auto papers_of_claim = [&](const DigestSend& send) -> Result<std::vector<const ListedPaper*>> {
        std::vector<const ListedPaper*> out;
        std::vector<DailyEntry> missing;
        for (const PaperId& id : send.papers) {
            auto at = candidate_at.find(id.str());
            if (at != candidate_at.end()) {
                out.push_back(&candidates[at->second]);
            } else {
                DailyEntry entry;
                entry.paper_id = id;
                missing.push_back(std::move(entry));
            }
        }
        if (!missing.empty()) {
            auto loaded = library_.with_papers(std::move(missing));
            if (!loaded.ok()) return loaded.error();
            extra = std::move(*loaded);
            for (ListedPaper& p : extra) {
                auto votes = library_.upvotes(p.paper.id);
                if (votes.ok()) p.entry.upvotes = *votes;
                out.push_back(&p);
            }
        }
        return out;
    };

    // A "For you" digest's papers: the member's recommendations the address has not received,
    // kept in `storage`; without anything to recommend from (no upvotes, no vectors, no member
    // any more), the period's trending papers, as a digest without a topic has them.
    auto recommended_papers =
        [&](const Subscription& sub,
            std::vector<ListedPaper>& storage) -> Result<std::vector<const ListedPaper*>> {
        std::vector<const ListedPaper*> out;
        const std::vector<size_t>* pool = &everything;
        if (sub.user_id != 0 && search_ != nullptr) {
            RecommendationsOptions recommend_options;
            recommend_options.trending.params = options_.trending;
            recommend_options.now = [this] {
                return std::chrono::floor<std::chrono::seconds>(options_.now());
            };
            Recommendations recommendations(store_, search_, recommend_options);
            RecommendationRequest request;
            request.limit = std::min(options_.max_papers * 5, kMaxRecommendations);
            request.window_days = options_.for_you_days;
            auto list = recommendations.for_member(sub.user_id, request);
            if (!list.ok()) return list.error();
            if (list->fallback == RecommendationFallback::kNone) {
                pool = nullptr;
                ++report.for_you;
                storage.reserve(list->papers.size());
                for (Recommendation& r : list->papers) {
                    ListedPaper& p = storage.emplace_back();
                    if (!r.entries.empty()) p.entry = r.entries.front();
                    p.entry.paper_id = r.paper.id;
                    p.entry.upvotes = r.upvotes;
                    p.paper = std::move(r.paper);
                }
            }
        }
        std::vector<PaperId> ids;
        if (pool != nullptr) {
            for (size_t i : *pool) ids.push_back(candidates[i].paper.id);
        } else {
            for (const ListedPaper& p : storage) ids.push_back(p.paper.id);
        }
        auto received = store_.papers_received(sub.email, ids);
        if (!received.ok()) return received.error();
        for (size_t k = 0; k < ids.size() && out.size() < options_.max_papers; ++k) {
            if ((*received)[k]) continue;
            out.push_back(pool != nullptr ? &candidates[(*pool)[k]] : &storage[k]);
        }
        return out;
    };

    int64_t after_id = 0;
    int transient_in_a_row = 0;
    while (report.stopped.empty()) {
        auto batch = store_.confirmed_subscriptions(frequency, after_id, options_.batch);
        if (!batch.ok()) return batch.error();
        if (batch->empty()) break;
        after_id = batch->back().id;
        for (const Subscription& sub : *batch) {
            if (!report.stopped.empty()) break;
            if (options_.should_stop && options_.should_stop()) {
                report.stopped = "stopped on request after " +
                                 std::to_string(report.subscriptions) + " subscriptions";
                break;
            }
            ++report.subscriptions;
            auto existing = store_.digest_send(sub.id, report.period);
            if (!existing.ok()) return existing.error();
            DigestSend send;
            std::vector<const ListedPaper*> papers;
            std::vector<ListedPaper> recommended;  // a "For you" digest's papers
            bool resend = false;
            if (*existing) {
                if ((*existing)->state != SendState::kClaimed) {
                    ++report.already_done;
                    if (options_.progress) options_.progress(report);
                    continue;
                }
                send = std::move(**existing);
                auto claimed = papers_of_claim(send);
                if (!claimed.ok()) return claimed.error();
                papers = std::move(*claimed);
                resend = true;
            } else if (is_for_you(sub)) {
                auto picked = recommended_papers(sub, recommended);
                if (!picked.ok()) return picked.error();
                papers = std::move(*picked);
                send.subscription_id = sub.id;
                send.period = report.period;
                send.message_id = new_message_id(identity, "digest");
                for (const ListedPaper* p : papers) send.papers.push_back(p->paper.id);
            } else {
                const std::vector<size_t>* pool = &everything;
                if (!sub.topic.empty()) {
                    pool = matches_of(sub.topic);
                    if (pool == nullptr) {
                        ++report.topic_errors;
                        continue;
                    }
                }
                std::vector<PaperId> ids;
                ids.reserve(pool->size());
                for (size_t i : *pool) ids.push_back(candidates[i].paper.id);
                auto received = store_.papers_received(sub.email, ids);
                if (!received.ok()) return received.error();
                for (size_t k = 0; k < pool->size() && papers.size() < options_.max_papers; ++k) {
                    if (!(*received)[k]) papers.push_back(&candidates[(*pool)[k]]);
                }
                send.subscription_id = sub.id;
                send.period = report.period;
                send.message_id = new_message_id(identity, "digest");
                for (const ListedPaper* p : papers) send.papers.push_back(p->paper.id);
            }
            if (papers.empty()) {
                ++report.nothing_to_send;
                if (options_.progress) options_.progress(report);
                continue;
            }
            if (dry_run) {
                if (dry_run_out != nullptr) {
                    *dry_run_out << (resend ? "would resend to " : "would send to ") << sub.email
                                 << " (" << Subscriptions::describe(sub) << "), " << papers.size()
                                 << (papers.size() == 1 ? " paper" : " papers") << ":\n";
                    for (const ListedPaper* p : papers) {
                        *dry_run_out << "  " << p->paper.id.str() << "  " << p->upvotes()
                                     << " upvotes  " << p->paper.title << "\n";
                    }
                }
                ++report.sent;
                if (options_.progress) options_.progress(report);
                continue;
            }
            if (!resend) {
                auto claimed = store_.claim_digest(send);
                if (!claimed.ok()) return claimed.error();
                if (!*claimed) {  // another runner got there first
                    ++report.already_done;
                    continue;
                }
            }
            const mail::Message message = compose(sub, send, papers);
            const mail::RetriedOutcome outcome = mailer_.send(message);
            if (outcome.outcome.kind != mail::SendOutcome::Kind::kTransient) {
                transient_in_a_row = 0;
            }
            switch (outcome.outcome.kind) {
                case mail::SendOutcome::Kind::kAccepted: {
                    auto done = store_.finish_digest(sub.id, report.period, SendState::kSent, "",
                                                     now_iso(options_), options_.suspend_after);
                    if (!done.ok()) return done.error();
                    ++report.sent;
                    if (resend) ++report.resent;
                    break;
                }
                case mail::SendOutcome::Kind::kTransient: {
                    auto done = store_.finish_digest(sub.id, report.period, SendState::kClaimed,
                                                     outcome.outcome.detail, now_iso(options_),
                                                     options_.suspend_after);
                    if (!done.ok()) return done.error();
                    ++report.transient;
                    if (++transient_in_a_row >= options_.stop_after_transient) {
                        report.stopped = "the relay failed " + std::to_string(transient_in_a_row) +
                                         " times in a row (last: " + outcome.outcome.detail +
                                         "); the rest waits for the next run";
                    }
                    break;
                }
                case mail::SendOutcome::Kind::kPermanent: {
                    if (outcome.outcome.refused_client) {
                        // Bad credentials or TLS: the relay's configuration, not this address.
                        // Nothing can go until it is fixed; nobody is suspended for it.
                        auto done = store_.finish_digest(sub.id, report.period, SendState::kClaimed,
                                                         outcome.outcome.detail, now_iso(options_),
                                                         options_.suspend_after);
                        if (!done.ok()) return done.error();
                        ++report.transient;
                        report.stopped = "the relay refused this client (" +
                                         outcome.outcome.detail +
                                         "): check the SMTP URL, credentials and TLS settings";
                        break;
                    }
                    auto failures = store_.finish_digest(sub.id, report.period, SendState::kFailed,
                                                         outcome.outcome.detail, now_iso(options_),
                                                         options_.suspend_after);
                    if (!failures.ok()) return failures.error();
                    ++report.permanent;
                    if (*failures >= options_.suspend_after) ++report.suspended;
                    break;
                }
            }
            if (options_.progress) options_.progress(report);
        }
    }
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

namespace {
std::string_view run_cursor(Frequency frequency) {
    return frequency == Frequency::kDaily ? kLastDailyRunCursor : kLastWeeklyRunCursor;
}
}  // namespace

Result<std::optional<std::string>> last_digest_run(store::Catalog& store, Frequency frequency) {
    return store.cursor(run_cursor(frequency));
}

Status record_digest_run(store::Catalog& store, Frequency frequency, std::string_view day) {
    store::WriteBatch batch;
    batch.set_cursor(std::string(run_cursor(frequency)), std::string(day));
    auto written = store.write(batch);
    if (!written.ok()) return written.error();
    return Status::ok_status();
}

Result<DigestProgress> digest_progress(store::Mail& store, Frequency frequency,
                                       std::string_view period) {
    constexpr size_t kBatch = 1000;
    DigestProgress progress;
    int64_t after = 0;
    for (;;) {
        auto batch = store.confirmed_subscriptions(frequency, after, kBatch);
        if (!batch.ok()) return batch.error();
        if (batch->empty()) break;
        after = batch->back().id;
        for (const Subscription& s : *batch) {
            ++progress.confirmed;
            if (!s.topic.empty()) ++progress.with_topic;
            if (period.empty()) continue;
            auto send = store.digest_send(s.id, period);
            if (!send.ok()) return send.error();
            if (!*send) continue;
            switch ((*send)->state) {
                case SendState::kSent:
                    ++progress.sent;
                    break;
                case SendState::kFailed:
                    ++progress.failed;
                    break;
                case SendState::kClaimed:
                    ++progress.claimed;
                    break;
            }
        }
    }
    return progress;
}

}  // namespace paperboy::app
