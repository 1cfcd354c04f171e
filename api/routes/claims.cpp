// Claims and the reviewer workflow:
//   POST /v1/claims                   an enterprise token (the claimant is its enterprise)
//                                     {"rule": "linkage", "year", "group"} | {"rule": "tapeout", "tapeout"}
//                                     | {"rule": "dataset", "year", "dataset"} | {"rule": "event", "event"}
//                                     | {"rule", "year"} for eda_rd, eda_purchase, equipment_rd, compute,
//                                     data_platform, platform
//                                     (an optional "claimant" must be the token's enterprise, else 403)
//                                     → 201 the claim with its evaluation
//   GET  /v1/claims/{id}              the claimant's enterprise token, reviewer, admin; anyone else
//                                     gets 404 exactly as for an unknown id (ids cannot be probed).
//                                     ?view=summary: the evaluation without "lines", and
//                                     "line_count"; any other view: 400
//   GET  /v1/claims/{id}/lines        as GET /v1/claims/{id}: the evaluation's lines in pages,
//                                     ?limit= (1..500, default 100) ?after= → {"items", "next"}
//   GET  /v1/claims                   reviewer, admin: all; an enterprise token: its own only
//                                     (?enterprise= naming another: 403). Filters ?status= ?enterprise=
//                                     ?year=, paging ?limit= ?after=; items leave out the evaluation
//   POST /v1/claims/{id}/evaluate     reviewer, admin, the claimant: re-evaluate on current facts
//                                     (before a decision; after one: 409)
//   POST /v1/claims/preview           as POST /v1/claims, the same body → 200 the evaluation the
//                                     claim would get; writes nothing, logs nothing
//   GET  /v1/claims/{id}/facts        as GET /v1/claims/{id}: the scenario the current evaluation was
//                                     computed on (chipreg evaluate on it gives the same result);
//                                     X-Facts-SHA256 carries its RFC 8785 SHA-256 (= facts_sha256)
//   POST /v1/claims/{id}/decision     reviewer {"approve_fen", "note"?} | {"reject": true, "note"}
//                                     → 200 the decided claim; approve_fen > award_fen: 422;
//                                     approving an ineligible claim: 422 NOT_ELIGIBLE;
//                                     a second decision: 409
// A tape-out claim (filing or preview) on a tape-out the caller may not read answers 404,
// exactly as GET /v1/tapeouts/{id} does; so does a dataset claim on a dataset the caller
// does not own and an event claim on an event it did not organize (their facts bundle
// would show another enterprise's callers, incomes and approvals).
#include "registry/store/claims.hpp"
#include "api/routes/common.hpp"
#include "registry/db/sqlite.hpp"
#include "registry/store/tapeouts.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

Response claim_response(int status, const store::ClaimRecord& c) {
  Response r;
  r.status = status;
  r.body = store::to_json_text(c);
  return r;
}

// Whether `sql` (one parameter: the id) finds a row whose first column is `owner`.
Result<bool> owned_by(db::Db& db, const char* sql, const std::string& id, const std::string& owner) {
  auto st = db.prepare(sql);
  if (!st) return st.error();
  st->bind(1, id);
  auto row = st->step();
  if (!row) return row.error();
  return *row && st->text(0) == owner;
}

// The filing in a POST /v1/claims (or preview) body, or the error answer.
Result<store::ClaimFiling> read_filing(RouteContext& ctx, std::optional<Response>& refused) {
  auto fail = [&](Response r) -> Result<store::ClaimFiling> {
    refused = std::move(r);
    return Error("REFUSED", "");
  };
  auto body = parse_object(ctx.req.body);
  if (!body) return fail(error_response(body.error()));
  FieldReader f(*body);
  auto rule = f.string("rule");
  if (!rule) return fail(error_response(rule.error()));
  auto claimant = f.opt_string("claimant");
  if (!claimant) return fail(error_response(claimant.error()));
  auto year = f.opt_int64("year");
  if (!year) return fail(error_response(year.error()));
  auto group = f.opt_string("group");
  if (!group) return fail(error_response(group.error()));
  auto tapeout = f.opt_string("tapeout");
  if (!tapeout) return fail(error_response(tapeout.error()));
  auto dataset = f.opt_string("dataset");
  if (!dataset) return fail(error_response(dataset.error()));
  auto event = f.opt_string("event");
  if (!event) return fail(error_response(event.error()));
  if (auto st = f.finish(); !st) return fail(error_response(st.error()));

  const std::string& mine = *ctx.caller->enterprise;
  if (*claimant && **claimant != mine) {
    return fail(forbidden("an enterprise token files claims only for its own enterprise (" + mine + ")"));
  }
  store::ClaimFiling filing;
  filing.claimant = mine;
  auto parsed_rule = parse_enum<RuleId>(*rule);
  if (!parsed_rule) return fail(error_response(parsed_rule.error().at("rule")));
  filing.rule = *parsed_rule;
  // Each rule names exactly the fields of its series.
  const bool is_linkage = filing.rule == RuleId::kLinkage;
  const bool is_tapeout = filing.rule == RuleId::kTapeout;
  const bool is_dataset = filing.rule == RuleId::kDataset;
  const bool is_event = filing.rule == RuleId::kEvent;
  if (!is_linkage && *group)
    return fail(error_response(422, "BAD_VALUE", "a " + *rule + " claim has no linkage group", "group"));
  if (!is_tapeout && *tapeout)
    return fail(error_response(422, "BAD_VALUE", "a " + *rule + " claim names no tape-out", "tapeout"));
  if (!is_dataset && *dataset)
    return fail(error_response(422, "BAD_VALUE", "a " + *rule + " claim names no dataset", "dataset"));
  if (!is_event && *event)
    return fail(error_response(422, "BAD_VALUE", "a " + *rule + " claim names no event", "event"));
  if (!is_first_wave(filing.rule)) {
    if (is_event) {
      if (*year)
        return fail(error_response(422, "BAD_VALUE", "an event claim's year is its event's start year", "year"));
      if (!*event)
        return fail(error_response(400, "MISSING_FIELD", "field 'event' is required for an event claim", "event"));
      filing.event = **event;
    } else {
      if (!*year)
        return fail(error_response(400, "MISSING_FIELD", "field 'year' is required for a " + *rule + " claim", "year"));
      if (**year < 1900 || **year > 9999)
        return fail(error_response(422, "BAD_VALUE", "year must be 1900..9999", "year"));
      filing.year = static_cast<int>(**year);
      if (is_dataset) {
        if (!*dataset)
          return fail(
              error_response(400, "MISSING_FIELD", "field 'dataset' is required for a dataset claim", "dataset"));
        filing.dataset = **dataset;
      }
    }
    // Only the owner of the dataset, the organizer of the event, sees its facts.
    if (is_dataset || is_event) {
      auto mine_too = is_dataset ? owned_by(*ctx.db, "SELECT owner FROM datasets WHERE id = ?", *filing.dataset, mine)
                                 : owned_by(*ctx.db, "SELECT organizer FROM events WHERE id = ?", *filing.event, mine);
      if (!mine_too) return fail(error_response(mine_too.error()));
      if (!*mine_too)
        return fail(not_found(std::string(is_dataset ? "dataset " : "event ") +
                              (is_dataset ? *filing.dataset : *filing.event)));
    }
    return filing;
  }
  if (filing.rule == RuleId::kLinkage) {
    if (*tapeout) return fail(error_response(422, "BAD_VALUE", "a linkage claim names no tape-out", "tapeout"));
    if (!*year)
      return fail(error_response(400, "MISSING_FIELD", "field 'year' is required for a linkage claim", "year"));
    if (!*group)
      return fail(error_response(400, "MISSING_FIELD", "field 'group' is required for a linkage claim", "group"));
    if (!Date::year_in_range(**year))
      return fail(error_response(422, "BAD_VALUE", "year must be " + Date::year_range(), "year"));
    auto g = parse_enum<LinkageGroup>(**group);
    if (!g) return fail(error_response(g.error().at("group")));
    filing.year = static_cast<int>(**year);
    filing.group = *g;
  } else {
    if (*group) return fail(error_response(422, "BAD_VALUE", "a tape-out claim has no linkage group", "group"));
    if (*year) return fail(error_response(422, "BAD_VALUE", "a tape-out claim's year is its tape-out's year", "year"));
    if (!*tapeout)
      return fail(error_response(400, "MISSING_FIELD", "field 'tapeout' is required for a tape-out claim", "tapeout"));
    filing.tapeout = **tapeout;
  }
  if (filing.rule == RuleId::kTapeout) {
    // The claim would show the tape-out's product, foundry, date and cost: only to those
    // who may read the tape-out itself (else 404, as GET /v1/tapeouts/{id}).
    auto t = store::find_tapeout(*ctx.db, *filing.tapeout);
    if (!t) return fail(error_response(t.error()));
    bool visible = false;
    if (*t) {
      auto may = may_read_tapeout(ctx, **t);
      if (!may) return fail(error_response(may.error()));
      visible = *may;
    }
    if (!visible) return fail(not_found("tape-out " + *filing.tapeout));
  }
  return filing;
}

Response file(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"enterprise"})) return *deny;
  std::optional<Response> refused;
  auto filing = read_filing(ctx, refused);
  if (!filing) return std::move(*refused);
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    auto claim = store::file_claim(db, *filing, actor(*ctx.caller));
    if (!claim) return error_response(claim.error());
    return claim_response(201, *claim);
  });
}

Response preview(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"enterprise"})) return *deny;
  std::optional<Response> refused;
  auto filing = read_filing(ctx, refused);
  if (!filing) return std::move(*refused);
  // A read: the evaluation is computed on a snapshot and nothing is written.
  auto e = store::preview_claim(*ctx.db, *filing);
  if (!e) return error_response(e.error());
  return ok(*e);
}

// NOT_FOUND for claim `id` unless the caller may see a claim of `claimant` (nullopt: there is
// no such claim): other enterprises' claims answer exactly as unknown ids.
Status check_visible(const RouteContext& ctx, const std::string& id, const std::optional<std::string>& claimant) {
  const auto& who = *ctx.caller;
  if (!claimant || !(is_bureau(who) || acts_for(who, *claimant)))
    return Error("NOT_FOUND", "claim " + id + " not found");
  return Status::Ok();
}

// The claim if the caller may see it.
Result<store::ClaimRecord> visible_claim(RouteContext& ctx, store::ClaimView view = store::ClaimView::kFull) {
  const std::string& id = ctx.param("id");
  auto c = store::get_claim(*ctx.db, id, view);
  if (!c) return c.error();
  if (auto s = check_visible(ctx, id, *c ? std::optional<std::string>((*c)->claimant) : std::nullopt); !s) {
    return s.error();
  }
  return std::move(**c);
}

Response get(RouteContext& ctx) {
  auto view = store::ClaimView::kFull;
  if (auto v = ctx.query_value("view")) {
    if (*v != "summary")
      return error_response(400, "BAD_QUERY", "view must be summary (or absent: the whole claim)", "view");
    view = store::ClaimView::kSummary;
  }
  auto c = visible_claim(ctx, view);
  if (!c) return error_response(c.error());
  return claim_response(200, *c);
}

// A page of the evaluation's lines, each spliced in as stored (no parse, no re-serialize);
// the cursor is the last line's position.
Response lines(RouteContext& ctx) {
  auto page = page_params(ctx);
  if (!page) return error_response(page.error());
  std::optional<std::int64_t> after;
  if (page->after) {
    after = parse_id(*page->after);
    if (!after) return bad_cursor();
  }
  // Only the claimant is read of the claim: its record also holds the whole evaluation.
  const std::string& id = ctx.param("id");
  auto claimant = store::claimant_of(*ctx.db, id);
  if (!claimant) return error_response(claimant.error());
  if (auto s = check_visible(ctx, id, *claimant); !s) return error_response(s.error());
  auto rows = store::claim_lines_page(*ctx.db, id, after, page->limit + 1);
  if (!rows) return error_response(rows.error());
  const bool more = static_cast<int>(rows->size()) > page->limit;
  if (more) rows->pop_back();
  std::string body = "{\"items\":[";
  for (std::size_t i = 0; i < rows->size(); ++i) {
    if (i > 0) body += ',';
    body += (*rows)[i].text;
  }
  body += "],\"next\":";
  body += more ? "\"" + std::to_string(rows->back().seq) + "\"" : std::string("null");
  body += '}';
  Response r;
  r.status = 200;
  r.body = std::move(body);
  return r;
}

Response facts(RouteContext& ctx) {
  auto c = visible_claim(ctx);
  if (!c) return error_response(c.error());
  auto f = store::claim_facts(*ctx.db, c->id);
  if (!f) return error_response(f.error());
  if (!*f) {
    return error_response(409, "NO_FACTS_BUNDLE",
                          "claim " + c->id +
                              " was evaluated before facts bundles were kept; "
                              "re-evaluate it (POST /v1/claims/" +
                              c->id + "/evaluate)");
  }
  Response r;
  r.status = 200;
  r.body = std::move((*f)->facts);
  r.headers.emplace_back("X-Facts-SHA256", (*f)->sha256);
  return r;
}

Response list(RouteContext& ctx) {
  const auto& who = *ctx.caller;
  if (!is_bureau(who) && who.role != "enterprise") return forbidden("a " + who.role + " token may not list claims");
  auto page = page_params(ctx);
  if (!page) return error_response(page.error());
  store::ClaimFilter filter;
  filter.limit = page->limit + 1;
  filter.after_id = page->after;
  filter.status = ctx.query_value("status");
  if (filter.status) {
    if (auto s = parse_enum<ClaimStatus>(*filter.status); !s)
      return error_response(400, "BAD_QUERY", s.error().message, "status");
  }
  filter.claimant = ctx.query_value("enterprise");
  if (who.role == "enterprise") {
    if (filter.claimant && *filter.claimant != *who.enterprise) {
      return forbidden("an enterprise token lists only its own claims");
    }
    filter.claimant = *who.enterprise;
  }
  auto year = query_int(ctx, "year");
  if (!year) return error_response(year.error());
  if (*year) {
    // Range-checked before the narrowing: 4294969321 is not 2025.
    if (!Date::year_in_range(**year))
      return error_response(400, "BAD_QUERY", "year must be " + Date::year_range(), "year");
    filter.year = static_cast<int>(**year);
  }
  auto rows = store::list_claims(*ctx.db, filter);
  if (!rows) return error_response(rows.error());
  return ok(page_of(
      *rows, page->limit, [&](const auto& r) { return store::to_json(r, false); }, [](const auto& r) { return r.id; }));
}

Response evaluate(RouteContext& ctx) {
  if (!ctx.req.body.empty()) {
    auto body = parse_object(ctx.req.body);
    if (!body) return error_response(body.error());
    if (auto st = FieldReader(*body).finish(); !st) return error_response(st.error());
  }
  const auto& who = *ctx.caller;
  if (!is_bureau(who) && who.role != "enterprise") return forbidden("a " + who.role + " token may not evaluate claims");
  auto c = visible_claim(ctx);
  if (!c) return error_response(c.error());
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    auto claim = store::reevaluate_claim(db, c->id, actor(who));
    if (!claim) return error_response(claim.error());
    return claim_response(200, *claim);
  });
}

Response decide(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"reviewer"})) return *deny;
  auto body = parse_object(ctx.req.body);
  if (!body) return error_response(body.error());
  FieldReader f(*body);
  auto reject = f.opt_boolean("reject");
  if (!reject) return error_response(reject.error());
  auto approve = f.opt_int64("approve_fen");
  if (!approve) return error_response(approve.error());
  auto note = f.opt_string("note");
  if (!note) return error_response(note.error());
  if (auto st = f.finish(); !st) return error_response(st.error());
  store::DecisionInput d;
  d.reject = reject->value_or(false);
  d.note = note->value_or("");
  if (d.reject) {
    if (*approve)
      return error_response(400, "BAD_REQUEST", "a decision either approves an amount or rejects, not both",
                            "approve_fen");
    if (d.note.empty()) return error_response(400, "MISSING_FIELD", "a rejection needs a note saying why", "note");
  } else {
    if (!*approve) {
      return error_response(400, "MISSING_FIELD", "give approve_fen to approve, or \"reject\": true with a note",
                            "approve_fen");
    }
    d.approve_fen = **approve;
  }
  const std::string& id = ctx.param("id");
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    auto claim = store::decide_claim(db, id, d, actor(*ctx.caller));
    if (!claim) return error_response(claim.error());
    return claim_response(200, *claim);
  });
}

}  // namespace

void add_claim_routes(Router& r) {
  r.add("POST", "/v1/claims", Access::kToken, file);
  r.add("POST", "/v1/claims/preview", Access::kToken, preview, /*reads_only=*/true);
  r.add("GET", "/v1/claims/{id}/facts", Access::kToken, facts);
  r.add("GET", "/v1/claims/{id}/lines", Access::kToken, lines);
  r.add("GET", "/v1/claims", Access::kToken, list);
  r.add("GET", "/v1/claims/{id}", Access::kToken, get);
  r.add("POST", "/v1/claims/{id}/evaluate", Access::kToken, evaluate);
  r.add("POST", "/v1/claims/{id}/decision", Access::kToken, decide);
}

}  // namespace chipreg::api::routes
