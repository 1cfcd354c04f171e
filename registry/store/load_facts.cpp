// load_facts: the database → Facts step in front of the rules engine (see the header for
// exactly what is read and why).
#include "registry/store/load_facts.hpp"

#include <boost/json.hpp>

#include <deque>
#include <functional>
#include <map>
#include <set>

#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "registry/domain/canonical_json.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/log/store_log.hpp"
#include "registry/store/load_clause_facts.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/tapeouts.hpp"

namespace chipreg::store {

Result<std::vector<PriorApprovalRow>> prior_approvals(Db& db, const Uscc& claimant, std::optional<int> year,
                                                      const std::string& except_claim,
                                                      const std::optional<std::string>& decided_before) {
  auto st = db.prepare(
      // An approval counts net of what the bureau recovered of it (追回, recoveries.hpp):
      // the series' later claims subtract only what the claimant kept.
      "SELECT c.id, c.rule, c.grp, c.branch, "
      "d.approve_fen - coalesce((SELECT sum(r.amount_fen) FROM recoveries r WHERE r.claim = c.id), 0), "
      "c.dataset, c.event, c.year FROM claims c "
      "JOIN decisions d ON d.claim = c.id "
      "WHERE c.claimant = ?1 AND (?2 IS NULL OR c.year = ?2) AND c.id <> ?3 AND d.outcome = 'approved' "
      "AND (?4 IS NULL OR d.decided_at < ?4 OR (d.decided_at = ?4 AND c.id < ?3)) ORDER BY d.decided_at, c.id");
  if (!st) return st.error();
  st->bind(1, claimant.str()).bind(2, year).bind(3, except_claim).bind(4, decided_before);
  return collect<PriorApprovalRow>(*st, [&claimant](const Stmt& r) -> Result<PriorApprovalRow> {
    const std::string claim = r.text(0);
    auto rule = parse_enum<RuleId>(r.text(1));
    if (!rule) return Error("CORRUPT_ROW", "claim " + claim + ": " + rule.error().message);
    std::optional<LinkageGroup> group;
    if (auto g = r.opt_text(2)) {
      auto parsed = parse_enum<LinkageGroup>(*g);
      if (!parsed) return Error("CORRUPT_ROW", "claim " + claim + ": " + parsed.error().message);
      group = *parsed;
    }
    std::optional<TapeoutBranch> branch;
    if (auto b = r.opt_text(3)) {
      auto parsed = parse_enum<TapeoutBranch>(*b);
      if (!parsed) return Error("CORRUPT_ROW", "claim " + claim + ": " + parsed.error().message);
      branch = *parsed;
    }
    return PriorApprovalRow{PriorApproval{claimant, *rule, group, static_cast<int>(r.int64(7)), branch,
                                          Money::fen(r.int64(4)), r.opt_text(5), r.opt_text(6)},
                            claim};
  });
}

FactsBundle bundle_of(const Facts& facts) {
  FactsBundle b;
  b.canonical = json_io::to_scenario_canonical(facts);
  b.sha256 = crypto::hex(crypto::sha256(b.canonical));
  return b;
}

namespace {

// The facts gathered for one claim, deduplicated as they are found.
struct Builder {
  Db& db;
  Facts& f;
  std::set<std::string> enterprises;  // USCCs to load
  std::set<std::string> tapeouts;
  std::set<std::string> persons;
  // Products are keyed by (owner, id) in the store: the kinds of those loaded, and the
  // owner of the product each line and each attestation names (parallel to f.purchases
  // and f.tapeouts), for name_products().
  std::map<std::pair<std::string, std::string>, ProductKind> kinds;
  std::vector<std::string> line_product_owner;
  std::vector<std::string> tapeout_product_owner;

  // The product a line row names, read from the row's joined product columns (kLineSelect).
  Result<ProductKind> add_product(const Stmt& row, int first) {
    const std::string owner = row.text(first + 2);
    const std::string id = row.text(first);
    if (auto it = kinds.find({owner, id}); it != kinds.end()) return it->second;
    auto p = product_from_columns(row, first);
    if (!p) return Error("CORRUPT_ROW", "stored product " + owner + "/" + id + ": " + p.error().message);
    kinds.emplace(std::pair{owner, id}, p->kind);
    const ProductKind kind = p->kind;
    f.products.push_back(std::move(*p));
    return kind;
  }

  Result<ProductKind> add_product(const std::string& owner, const std::string& id) {
    if (auto it = kinds.find({owner, id}); it != kinds.end()) return it->second;
    auto u = Uscc::parse(owner);
    if (!u) return Error("CORRUPT_ROW", "stored product owner '" + owner + "' is not a USCC");
    auto p = get_product(db, *u, id);
    if (!p) return p.error();
    if (!*p) return Error("CORRUPT_ROW", "a stored fact names product " + owner + "/" + id + ", which is not stored");
    kinds.emplace(std::pair{owner, id}, (*p)->kind);
    const ProductKind kind = (*p)->kind;
    f.products.push_back(std::move(**p));
    return kind;
  }

  void add_tapeout(TapeoutRecord r) {
    if (!tapeouts.insert(r.fact.id).second) return;
    enterprises.insert(r.fact.foundry.str());
    enterprises.insert(r.fact.design_owner.str());
    f.tapeouts.push_back(std::move(r.fact));
    tapeout_product_owner.push_back(std::move(r.product_owner));
  }

  // A scenario names a product by one id. The store's ids are each owner's own, so when
  // the facts hold two owners' products of one id, every product is named "OWNER/ID" (and
  // the lines and attestations with it): unique, and the same whatever the order of
  // loading. Otherwise the ids stay as their owners gave them.
  void name_products() {
    std::map<std::string, std::string> owner_of;  // id -> the first owner seen
    bool shared = false;
    for (const auto& p : f.products) {
      auto [it, fresh] = owner_of.emplace(p.id, p.owner.str());
      if (!fresh && it->second != p.owner.str()) shared = true;
    }
    if (!shared) return;
    for (auto& p : f.products) p.id = p.owner.str() + "/" + p.id;
    for (std::size_t i = 0; i < f.purchases.size(); ++i) {
      f.purchases[i].product = line_product_owner[i] + "/" + f.purchases[i].product;
    }
    for (std::size_t i = 0; i < f.tapeouts.size(); ++i) {
      f.tapeouts[i].product = tapeout_product_owner[i] + "/" + f.tapeouts[i].product;
    }
  }

  // Every edge into `roots` and into each holder they reach, with the persons holding
  // them and their family closure.
  Status add_ownership(const std::vector<Uscc>& roots) {
    std::set<std::string> seen;
    std::deque<Uscc> queue;
    for (const auto& r : roots) {
      if (seen.insert(r.str()).second) queue.push_back(r);
    }
    std::deque<std::string> people;
    while (!queue.empty()) {
      const Uscc held = queue.front();
      queue.pop_front();
      auto edges = equity_into(db, held);
      if (!edges) return edges.error();
      for (auto& e : *edges) {
        if (e.holder_is_person) {
          if (persons.insert(e.holder).second) people.push_back(e.holder);
        } else {
          enterprises.insert(e.holder);
          if (seen.insert(e.holder).second) {
            auto u = Uscc::parse(e.holder);
            if (!u) return Error("CORRUPT_ROW", "stored equity holder '" + e.holder + "' is not a USCC");
            queue.push_back(*u);
          }
        }
        f.equity.push_back(std::move(e));
      }
    }
    std::set<std::pair<std::string, std::string>> links;
    while (!people.empty()) {
      const std::string p = people.front();
      people.pop_front();
      auto fam = family_links_of(db, p);
      if (!fam) return fam.error();
      for (auto& l : *fam) {
        if (!links.emplace(l.a, l.b).second) continue;
        for (const std::string* other : {&l.a, &l.b}) {
          if (persons.insert(*other).second) people.push_back(*other);
        }
        f.family.push_back(std::move(l));
      }
    }
    for (const auto& id : persons) {
      auto person = get_person(db, id);
      if (!person) return person.error();
      if (!*person)
        return Error("CORRUPT_ROW", "a stored holding or family link names person " + id + ", which is not stored");
      f.persons.push_back(std::move(**person));
    }
    return Status::Ok();
  }

  Status load_enterprises() {
    for (const auto& code : enterprises) {
      auto u = Uscc::parse(code);
      if (!u) return Error("CORRUPT_ROW", "stored USCC '" + code + "' is invalid");
      auto e = get_enterprise(db, *u);
      if (!e) return e.error();
      if (!*e) return Error("CORRUPT_ROW", "a stored fact names enterprise " + code + ", which is not stored");
      f.enterprises.push_back(std::move(**e));
    }
    return Status::Ok();
  }
};

bool in_group(ProductKind kind, LinkageGroup g) {
  const bool chips = kind == ProductKind::kChip || kind == ProductKind::kModule;
  return g == LinkageGroup::kChipModule ? chips : !chips;
}

// One stored purchase row with what the registry learned of its invoice later.
constexpr const char* kLineSelect =
    "SELECT p.invoice, p.line, p.date, p.buyer, p.seller, p.product, p.amount_fen, p.tax_fen, p.reverses_invoice, "
    "p.reverses_line, nullif(s.status, '正常'), v.date, v.source, p.product_owner, "
    "pr.id, pr.kind, pr.owner, pr.self_developed, pr.first_market_date, pr.focus_area, pr.model FROM purchases p "
    "LEFT JOIN products pr ON pr.owner = p.product_owner AND pr.id = p.product "
    "LEFT JOIN invoice_status s ON s.buyer = p.buyer AND s.invoice = p.invoice "
    "LEFT JOIN voids v ON v.buyer = p.buyer AND v.invoice = p.invoice ";

constexpr int kLineProduct = 14;  // kLineSelect's first product column

Status read_line(Stmt& st, Builder& b, std::set<std::string>& voided) {
  Facts& f = b.f;
  auto p = tlog::purchase_from_columns(st, 0);
  if (!p) return p.error();
  p->platform_status = st.opt_text(10);
  if (auto vdate = st.opt_text(11); vdate && voided.insert(p->invoice).second) {
    auto d = Date::parse(*vdate);
    if (!d) return Error("CORRUPT_ROW", "stored void date '" + *vdate + "' is invalid");
    f.voids.push_back(InvoiceVoid{p->invoice, *d, st.text(12)});
  }
  f.purchases.push_back(std::move(*p));
  b.line_product_owner.push_back(st.text(13));
  return Status::Ok();
}

// The claimant's blue lines of the claim year whose product `keep`s, and the red lines of
// any later date that reverse them, each with its invoice's void and platform status; the
// products they name. Returns the blue lines loaded.
Result<std::set<InvoiceLineRef>> load_year_lines(Builder& b, const ClaimRequest& claim,
                                                 const std::function<bool(ProductKind)>& keep) {
  Db& db = b.db;
  Facts& f = b.f;
  const std::string year_start = std::to_string(claim.year) + "-01-01";
  const std::string next_year = std::to_string(claim.year + 1) + "-01-01";
  std::set<std::string> voided;
  // The blue lines of the year (purchases_by_buyer_date), then the red lines that reverse
  // them: a red line is never dated before its blue line, so they lie from the year's
  // start on (the same index).
  auto blue = db.prepare(std::string(kLineSelect) +
                         "WHERE p.buyer = ?1 AND p.date >= ?2 AND p.date < ?3 AND p.reverses_invoice IS NULL "
                         "ORDER BY p.date, p.invoice, p.line");
  if (!blue) return blue.error();
  blue->bind(1, claim.claimant.str()).bind(2, year_start).bind(3, next_year);
  std::set<InvoiceLineRef> counted;
  for (;;) {
    auto row = blue->step();
    if (!row) return row.error();
    if (!*row) break;
    auto kind = b.add_product(*blue, kLineProduct);
    if (!kind) return kind.error();
    if (!keep(*kind)) continue;
    if (auto s = read_line(*blue, b, voided); !s) return s.error();
    counted.insert(f.purchases.back().ref());
  }
  auto red = db.prepare(std::string(kLineSelect) +
                        "WHERE p.buyer = ?1 AND p.date >= ?2 AND p.reverses_invoice IS NOT NULL "
                        "ORDER BY p.date, p.invoice, p.line");
  if (!red) return red.error();
  red->bind(1, claim.claimant.str()).bind(2, year_start);
  for (;;) {
    auto row = red->step();
    if (!row) return row.error();
    if (!*row) break;
    const InvoiceLineRef reverses{red->text(8), red->int64(9)};
    if (counted.count(reverses) == 0) continue;  // reverses a line of another year or group
    if (auto s = read_line(*red, b, voided); !s) return s.error();
  }
  // Products were read for every line of the year, the other group's too: keep those the
  // lines name.
  std::set<std::pair<std::string, std::string>> named;
  for (std::size_t i = 0; i < f.purchases.size(); ++i) named.emplace(b.line_product_owner[i], f.purchases[i].product);
  std::erase_if(f.products, [&](const Product& p) { return named.count({p.owner.str(), p.id}) == 0; });
  b.enterprises.insert(claim.claimant.str());
  for (const auto& p : f.purchases) b.enterprises.insert(p.seller.str());
  for (const auto& p : f.products) b.enterprises.insert(p.owner.str());
  return counted;
}

Status load_linkage(Builder& b, const ClaimRequest& claim) {
  Db& db = b.db;
  Facts& f = b.f;
  const std::string year_start = std::to_string(claim.year) + "-01-01";
  const std::string next_year = std::to_string(claim.year + 1) + "-01-01";
  auto lines = load_year_lines(b, claim, [&](ProductKind k) { return in_group(k, *claim.group); });
  if (!lines) return lines.error();
  const std::set<InvoiceLineRef>& counted = *lines;
  std::vector<ProductKey> chips;
  for (const auto& p : f.products) {
    if (p.kind == ProductKind::kChip) chips.emplace_back(p.owner.str(), p.id);
  }
  auto ts = tapeouts_of_products(db, chips);
  if (!ts) return ts.error();
  for (auto& t : *ts) {
    t.fact.cost = Money();  // unused by the linkage rule; the design owner's secret
    b.add_tapeout(std::move(t));
  }
  // Ownership around the claimant and the sellers; manual affiliations per pair.
  std::vector<Uscc> roots{claim.claimant};
  std::set<std::string> sellers;
  for (const auto& p : f.purchases) {
    if (sellers.insert(p.seller.str()).second) roots.push_back(p.seller);
  }
  if (auto s = b.add_ownership(roots); !s) return s;
  for (std::size_t i = 1; i < roots.size(); ++i) {
    auto m = manual_affiliations_between(db, claim.claimant, roots[i]);
    if (!m) return m.error();
    for (auto& x : *m) f.manual_affiliations.push_back(std::move(x));
  }
  // Lines locked by an approved claim outside the series (another year or group, or a
  // claim the product's kind no longer puts in this group).
  auto locked = db.prepare(
      "SELECT p.invoice, p.line FROM claim_lines cl JOIN purchases p ON p.id = cl.purchase JOIN claims c ON c.id = "
      "cl.claim "
      "WHERE cl.locked = 1 AND p.buyer = ?1 AND p.date >= ?2 AND p.date < ?3 "
      "AND NOT (c.rule = 'linkage' AND c.claimant = ?1 AND c.year = ?4 AND c.grp = ?5) ORDER BY p.invoice, p.line");
  if (!locked) return locked.error();
  locked->bind(1, claim.claimant.str()).bind(2, year_start).bind(3, next_year).bind(4, claim.year);
  locked->bind(5, to_string(*claim.group));
  for (;;) {
    auto row = locked->step();
    if (!row) return row.error();
    if (!*row) break;
    const InvoiceLineRef ref{locked->text(0), locked->int64(1)};
    if (counted.count(ref) != 0) f.claimed_elsewhere.push_back(ref);
  }
  return Status::Ok();
}

Status load_tapeout(Builder& b, ClaimRequest& claim) {
  auto found = find_tapeout(b.db, claim.tapeout.value_or(""));
  if (!found) return found.error();
  if (!*found) {
    return Error("UNKNOWN_TAPEOUT", "no trusted tape-out attestation '" + claim.tapeout.value_or("") + "'", "tapeout");
  }
  if (const Tapeout& u = (*found)->fact; !(*found)->trusted) {
    return Error("UNKNOWN_TAPEOUT",
                 "tape-out attestation '" + u.id + "' is no longer trusted: its key " + u.keyid.value_or("?") +
                     " is revoked from " + (u.untrusted_from ? u.untrusted_from->str() : std::string("?")) +
                     ", on or before its tape-out date or the day it was logged (流片证明签名密钥已吊销, 不再采信)",
                 "tapeout");
  }
  const Tapeout& t = (*found)->fact;
  claim.year = t.date.year();
  auto owner = Uscc::parse((*found)->product_owner);
  if (!owner)
    return Error("CORRUPT_ROW", "tape-out " + t.id + " names product owner '" + (*found)->product_owner + "'");
  auto related = trusted_tapeouts_related(b.db, *owner, t.product, t.design_digest);
  if (!related) return related.error();
  for (auto& u : *related) {
    if (auto kind = b.add_product(u.product_owner, u.fact.product); !kind) return kind.error();
    b.add_tapeout(std::move(u));
  }
  b.enterprises.insert(claim.claimant.str());
  for (const auto& p : b.f.products) b.enterprises.insert(p.owner.str());
  return Status::Ok();
}

// An event claim's year is its event's start year (UNKNOWN_EVENT, 422, for an event the
// registry does not hold).
Status event_year(Db& db, ClaimRequest& claim) {
  auto st = db.prepare("SELECT start FROM events WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, claim.event.value_or(""));
  auto row = st->step();
  if (!row) return row.error();
  if (!*row)
    return Error("UNKNOWN_EVENT", "no event '" + claim.event.value_or("").substr(0, 80) + "' is registered", "event");
  auto d = Date::parse(st->text(0));
  if (!d) return Error("CORRUPT_ROW", "stored event start '" + st->text(0) + "' is invalid");
  claim.year = d->year();
  return Status::Ok();
}

// The other clauses (2, 4, 6, 7, 8, 16): the facts of load_clause_facts.hpp, the EDA-tool
// lines for clause 2b, every party those facts name, and for the rules that judge
// affiliation (7: platform, buyers, sellers; 8: owner and callers) the ownership around
// those parties and the manual affiliations between each pair the rule may judge.
Status load_other_clause(Builder& b, ClaimRequest& claim) {
  Db& db = b.db;
  Facts& f = b.f;
  if (claim.rule == RuleId::kEvent) {
    if (auto s = event_year(db, claim); !s) return s;
  }
  if (claim.rule == RuleId::kEdaPurchase) {
    auto lines = load_year_lines(b, claim, [](ProductKind k) { return k == ProductKind::kEdaTool; });
    if (!lines) return lines.error();
  }
  if (auto s = load_clause_facts(db, claim, f); !s) return s;
  if (claim.rule == RuleId::kDataset && f.datasets.empty()) {
    return Error("UNKNOWN_DATASET", "no dataset '" + claim.dataset.value_or("").substr(0, 80) + "' is registered",
                 "dataset");
  }
  b.enterprises.insert(claim.claimant.str());
  for (const auto& s : f.signoff_participants) b.enterprises.insert(s.enterprise.str());
  for (const auto& k : f.compute_contracts) {
    b.enterprises.insert(k.customer.str());
    b.enterprises.insert(k.provider.str());
  }
  for (const auto& d : f.datasets) b.enterprises.insert(d.owner.str());
  for (const auto& r : f.platform_recognitions) b.enterprises.insert(r.enterprise.str());
  for (const auto& x : f.platform_expenses) b.enterprises.insert(x.enterprise.str());
  for (const auto& e : f.events) b.enterprises.insert(e.organizer.str());
  for (const auto& d : f.rd_declarations) b.enterprises.insert(d.enterprise.str());
  // Parties whose affiliation the rule judges, and the pairs it judges.
  std::vector<Uscc> roots;
  std::set<std::pair<std::string, std::string>> pairs;
  std::set<std::string> seen;
  auto root = [&](const Uscc& u) {
    b.enterprises.insert(u.str());
    if (seen.insert(u.str()).second) roots.push_back(u);
  };
  auto pair = [&](const Uscc& x, const Uscc& y) {
    if (x == y) return;
    pairs.emplace(std::min(x.str(), y.str()), std::max(x.str(), y.str()));
  };
  for (const auto& t : f.data_trades) {
    root(t.platform);
    root(t.buyer);
    root(t.seller);
    pair(t.platform, t.buyer);
    pair(t.platform, t.seller);
    pair(t.buyer, t.seller);  // data_platform.exclude = also_affiliated_pairs
  }
  if (claim.rule == RuleId::kDataset) {
    for (const auto& d : f.datasets) root(d.owner);
    for (const auto& c : f.dataset_calls) root(c.caller);
    for (std::size_t i = 0; i < roots.size(); ++i) {
      for (std::size_t j = i + 1; j < roots.size(); ++j) pair(roots[i], roots[j]);
    }
  }
  if (roots.empty()) return Status::Ok();
  if (auto s = b.add_ownership(roots); !s) return s;
  for (const auto& [x, y] : pairs) {
    auto ux = Uscc::parse(x);
    auto uy = Uscc::parse(y);
    if (!ux || !uy) return Error("CORRUPT_ROW", "stored USCC '" + x + "' or '" + y + "' is invalid");
    auto m = manual_affiliations_between(db, *ux, *uy);
    if (!m) return m.error();
    for (auto& a : *m) f.manual_affiliations.push_back(std::move(a));
  }
  return Status::Ok();
}

// The series' ids and other levels' grants recorded on any claim of it: the claims of the
// same claimant, rule and year, and group (linkage), tape-out, dataset or event. The
// index range is (claimant, year, rule); grp, NULL for every rule but linkage, is kept off
// the index by its unary + (an IS NULL there would match every row of the range anyway).
Status load_series(Db& db, ClaimRequest& claim, Facts& f) {
  auto st = db.prepare(
      "SELECT id FROM claims WHERE claimant = ?1 AND rule = ?2 AND year = ?3 AND id <> ?4 AND "
      "+grp IS ?5 AND tapeout IS ?6 AND dataset IS ?7 AND event IS ?8 ORDER BY id");
  if (!st) return st.error();
  st->bind(1, claim.claimant.str()).bind(2, to_string(claim.rule)).bind(3, claim.year).bind(4, claim.id);
  if (claim.group)
    st->bind(5, to_string(*claim.group));
  else
    st->bind_null(5);
  st->bind(6, claim.tapeout).bind(7, claim.dataset).bind(8, claim.event);
  claim.series.clear();
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    claim.series.push_back(st->text(0));
  }
  std::vector<std::string> ids = claim.series;
  ids.push_back(claim.id);
  for (const auto& id : ids) {
    auto awards = list_other_awards(db, id);
    if (!awards) return awards.error();
    for (auto& a : *awards) f.other_awards.push_back(std::move(a.award));
  }
  return Status::Ok();
}

}  // namespace

Result<Facts> load_facts(Db& db, ClaimRequest claim, const std::optional<std::string>& decided_before) {
  Facts f;
  Builder b{db, f, {}, {}, {}, {}, {}, {}};
  if (claim.rule == RuleId::kTapeout) {
    if (auto s = load_tapeout(b, claim); !s) return s.error();
  } else if (claim.rule == RuleId::kLinkage) {
    if (!claim.group) return Error("MISSING_FIELD", "a linkage claim names its group", "group");
    if (auto s = load_linkage(b, claim); !s) return s.error();
  } else {
    if (auto s = load_other_clause(b, claim); !s) return s.error();
  }
  if (auto s = load_series(db, claim, f); !s) return s.error();
  // Clause 4's cap may span years (equipment_rd.cap_scope = lifetime), and the rule names
  // other years' approvals in its trace either way: it sees all of them, as a scenario does.
  const std::optional<int> years = claim.rule == RuleId::kEquipmentRd ? std::nullopt : std::optional<int>(claim.year);
  auto priors = prior_approvals(db, claim.claimant, years, claim.id, decided_before);
  if (!priors) return priors.error();
  for (auto& p : *priors) {
    // Prior approvals of the series only: the engine would ignore the others, and the
    // bundle holds exactly what the evaluation used.
    // (dataset: every dataset of the owner in the year counts against its cap.)
    const PriorApproval& a = p.approval;
    if (a.rule != claim.rule) continue;
    if (claim.rule == RuleId::kLinkage && a.group != claim.group) continue;
    if (claim.rule == RuleId::kEvent && a.event != claim.event) continue;
    f.prior_approvals.push_back(std::move(p.approval));
  }
  b.name_products();
  if (auto s = b.load_enterprises(); !s) return s.error();
  f.claims.push_back(std::move(claim));
  return f;
}

}  // namespace chipreg::store
