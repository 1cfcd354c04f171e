// The rules engine's entry point: indexes the facts once (Context), dispatches each claim
// to its rule (rules/linkage.cpp, rules/tapeout.cpp) and writes the contract's output.
#include "registry/rules/evaluation.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "registry/domain/canonical_json.hpp"
#include "registry/rules/context.hpp"

namespace chipreg::rules {

namespace json = boost::json;

Context::Context(const Facts& f, const std::vector<policy::Version>& v) : facts(f), versions(v), graph(f) {
  for (const auto& e : f.enterprises) enterprises.emplace(e.uscc.str(), &e);
  for (const auto& p : f.products) products.emplace(p.id, &p);
  for (const auto& t : f.tapeouts) {
    if (t.untrusted_from) {
      untrusted_by_product[t.product].push_back(&t);
      continue;
    }
    tapeouts.emplace(t.id, &t);
    tapeouts_by_product[t.product].push_back(&t);
  }
  purchases.reserve(f.purchases.size());
  for (const auto& p : f.purchases) {
    purchases.emplace(p.ref(), &p);
    purchases_by_buyer[p.buyer.str()].push_back(&p);
  }
  claimed_elsewhere.insert(f.claimed_elsewhere.begin(), f.claimed_elsewhere.end());
  for (const auto& d : f.datasets) datasets.emplace(d.id, &d);
  for (const auto& c : f.dataset_calls) calls_by_dataset[c.dataset].push_back(&c);
  for (const auto& ev : f.events) events.emplace(ev.id, &ev);
  for (const auto& v : f.voids) voids.emplace(v.invoice, &v);
  for (const auto& p : f.purchases) {
    // A line that reverses a line of its own invoice is a discount (折扣行, the e-invoice
    // import stores it so), not a red invoice: it does not answer a 已红冲 status.
    if (p.reverses && p.reverses->invoice != p.invoice && voids.count(p.invoice) == 0) reversed.insert(*p.reverses);
  }
  auto add_validity = [&](const Validity& v) {
    validity_changes.push_back(v.from);
    if (v.to) validity_changes.push_back(v.to->add_days(1));
  };
  for (const auto& e : f.equity) add_validity(e.valid);
  for (const auto& m : f.manual_affiliations) add_validity(m.valid);
  std::sort(validity_changes.begin(), validity_changes.end());
  validity_changes.erase(std::unique(validity_changes.begin(), validity_changes.end()), validity_changes.end());
}

std::size_t Context::period_of(Date d) const {
  return static_cast<std::size_t>(std::upper_bound(validity_changes.begin(), validity_changes.end(), d) -
                                  validity_changes.begin());
}

const Enterprise* Context::enterprise(const std::string& uscc) const {
  auto it = enterprises.find(uscc);
  return it == enterprises.end() ? nullptr : it->second;
}

const Product* Context::product(const std::string& id) const {
  auto it = products.find(id);
  return it == products.end() ? nullptr : it->second;
}

Result<Policy> policy_on(const Context& ctx, Date d) {
  Policy p;
  const Facts& facts = ctx.facts;
  const auto& all = ctx.versions;
  if (all.empty()) return Error("BAD_POLICY", "the engine was given no policy versions");
  p.version = policy::in_force(all, d);
  auto params = policy::apply_overrides(p.version ? p.version->params : all.front().params, facts.parameters);
  if (!params) return params.error();
  p.params = *params;
  return p;
}

std::string policy_trace(const Facts& facts, const Policy& p, Date d) {
  std::string s = p.version ? "政策版本 " + p.version->id + " (" + p.version->effective.str() + " 起施行), 适用于 " + d.str()
                            : "政策: " + d.str() + " 无施行中的政策版本";
  if (!facts.parameters.empty()) {
    s += "; 参数覆盖:";
    for (const auto& [name, value] : facts.parameters) s += " " + name + " = " + json::serialize(value) + ";";
  }
  return s;
}

struct Engine::Impl {
  Impl(const Facts& f, const std::vector<policy::Version>& v) : ctx(f, v) {}
  Context ctx;
};

Engine::Engine(const Facts& facts, const std::vector<policy::Version>& versions)
    : impl_(std::make_unique<Impl>(facts, versions)) {}
Engine::~Engine() = default;

Result<ClaimEvaluation> Engine::evaluate(const ClaimRequest& claim) const {
  const Context& ctx = impl_->ctx;
  switch (claim.rule) {
    case RuleId::kLinkage:
      if (!claim.group) return Error("MISSING_FIELD", "a linkage claim names its group", "group");
      return evaluate_linkage(ctx, claim);
    case RuleId::kTapeout: return evaluate_tapeout(ctx, claim);
    case RuleId::kEdaRd: return evaluate_eda_rd(ctx, claim);
    case RuleId::kEdaPurchase: return evaluate_eda_purchase(ctx, claim);
    case RuleId::kEquipmentRd: return evaluate_equipment_rd(ctx, claim);
    case RuleId::kCompute: return evaluate_compute(ctx, claim);
    case RuleId::kDataPlatform: return evaluate_data_platform(ctx, claim);
    case RuleId::kDataset: return evaluate_dataset(ctx, claim);
    case RuleId::kPlatform: return evaluate_platform(ctx, claim);
    case RuleId::kEvent: return evaluate_event(ctx, claim);
  }
  return Error("BAD_ENUM", "unknown rule", "rule");
}

Result<ClaimEvaluation> evaluate_claim(const Facts& facts, const ClaimRequest& claim,
                                       const std::vector<policy::Version>& versions) {
  Engine engine(facts, versions);
  return engine.evaluate(claim);
}

Result<std::vector<ClaimEvaluation>> evaluate(const Facts& facts, const std::vector<policy::Version>& versions) {
  Engine engine(facts, versions);
  std::vector<ClaimEvaluation> out;
  out.reserve(facts.claims.size());
  for (std::size_t i = 0; i < facts.claims.size(); ++i) {
    auto e = engine.evaluate(facts.claims[i]);
    if (!e) return e.error().at("claims[" + std::to_string(i) + "]");
    out.push_back(std::move(*e));
  }
  return out;
}

namespace {

// to_json's object; a linkage claim's "lines" member holds null in its place when
// `with_lines` is false (evaluation_texts writes the lines itself).
json::object evaluation_object(const ClaimEvaluation& e, bool with_lines) {
  json::object o;
  o["id"] = e.id;
  o["rule"] = std::string(to_string(e.rule));
  o["claimant"] = e.claimant;
  o["year"] = e.year;
  if (e.group) o["group"] = std::string(to_string(*e.group));
  if (e.tapeout) o["tapeout"] = *e.tapeout;
  if (e.branch) o["branch"] = std::string(to_string(*e.branch));
  if (e.dataset) o["dataset"] = *e.dataset;
  if (e.event) o["event"] = *e.event;
  o["eligible"] = e.eligible;
  o["award_fen"] = e.award.fen();
  o["computed_fen"] = e.computed.fen();
  if (e.qualifying) o["qualifying_fen"] = e.qualifying->fen();
  if (e.basis) o["basis_fen"] = e.basis->fen();
  o["cap_fen"] = e.cap.fen();
  o["prior_approved_fen"] = e.prior_approved.fen();
  o["other_levels_fen"] = e.other_levels.fen();
  json::array reasons;
  for (const auto& r : e.reasons) {
    json::object ro{{"code", r.code}};
    for (const auto& kv : r.details) ro[kv.key()] = kv.value();
    reasons.push_back(std::move(ro));
  }
  o["reasons"] = std::move(reasons);
  json::array trace;
  for (const auto& t : e.trace) trace.emplace_back(t);
  o["trace"] = std::move(trace);
  if (e.rule == RuleId::kLinkage && !with_lines) {
    o["lines"] = nullptr;
  } else if (e.rule == RuleId::kLinkage) {
    json::array lines;
    for (const auto& l : e.lines) {
      json::array codes;
      for (const auto& c : l.codes) codes.emplace_back(c);
      json::object lo{{"invoice", l.ref.invoice}, {"line", l.ref.line},         {"qualifies", l.qualifies},
                      {"codes", std::move(codes)}, {"date", l.date.str()},      {"product", l.product},
                      {"amount_fen", l.amount.fen()}};
      if (l.reverses) lo["reverses"] = json::object{{"invoice", l.reverses->invoice}, {"line", l.reverses->line}};
      if (l.affiliation) lo["affiliation"] = *l.affiliation;
      lines.push_back(std::move(lo));
    }
    o["lines"] = std::move(lines);
  }
  if (!is_first_wave(e.rule)) {
    json::array items;
    for (const auto& it : e.items) {
      json::object io;
      if (it.id) io["id"] = *it.id;
      if (it.ref) {
        io["invoice"] = it.ref->invoice;
        io["line"] = it.ref->line;
      }
      json::array codes;
      for (const auto& c : it.codes) codes.emplace_back(c);
      io["qualifies"] = it.qualifies;
      io["codes"] = std::move(codes);
      io["date"] = it.date.str();
      io["amount_fen"] = it.amount.fen();
      if (it.affiliation) io["affiliation"] = *it.affiliation;
      for (const auto& kv : it.details) io[kv.key()] = kv.value();
      items.push_back(std::move(io));
    }
    o["items"] = std::move(items);
    for (const auto& kv : e.extra) o[kv.key()] = kv.value();
  }
  o["policy_version"] = e.policy_version;
  if (e.parameters) o["parameters"] = policy::to_json(*e.parameters);
  return o;
}

// One line as to_json writes it: in its key order (serialize), or canonical.
void append_line(std::string& out, const LineVerdict& l, bool canonical) {
  auto codes = [&] {
    out += '[';
    for (std::size_t i = 0; i < l.codes.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, l.codes[i]);
    }
    out += ']';
  };
  auto reverses = [&] {
    out += R"({"invoice":)";
    append_json_string(out, l.reverses->invoice);
    out += R"(,"line":)";
    append_json_int(out, l.reverses->line);
    out += '}';
  };
  if (canonical) {
    out += '{';
    if (l.affiliation) {
      out += R"("affiliation":)";
      append_json_string(out, *l.affiliation);
      out += ',';
    }
    out += R"("amount_fen":)";
    append_json_int(out, l.amount.fen());
    out += R"(,"codes":)";
    codes();
    out += R"(,"date":)";
    append_json_string(out, l.date.str());
    out += R"(,"invoice":)";
    append_json_string(out, l.ref.invoice);
    out += R"(,"line":)";
    append_json_int(out, l.ref.line);
    out += R"(,"product":)";
    append_json_string(out, l.product);
    out += l.qualifies ? R"(,"qualifies":true)" : R"(,"qualifies":false)";
    if (l.reverses) {
      out += R"(,"reverses":)";
      reverses();
    }
    out += '}';
    return;
  }
  out += R"({"invoice":)";
  append_json_string(out, l.ref.invoice);
  out += R"(,"line":)";
  append_json_int(out, l.ref.line);
  out += l.qualifies ? R"(,"qualifies":true,"codes":)" : R"(,"qualifies":false,"codes":)";
  codes();
  out += R"(,"date":)";
  append_json_string(out, l.date.str());
  out += R"(,"product":)";
  append_json_string(out, l.product);
  out += R"(,"amount_fen":)";
  append_json_int(out, l.amount.fen());
  if (l.reverses) {
    out += R"(,"reverses":)";
    reverses();
  }
  if (l.affiliation) {
    out += R"(,"affiliation":)";
    append_json_string(out, *l.affiliation);
  }
  out += '}';
}

void append_lines(std::string& out, const ClaimEvaluation& e, bool canonical,
                  std::vector<std::pair<std::size_t, std::size_t>>* spans) {
  out += '[';
  for (std::size_t i = 0; i < e.lines.size(); ++i) {
    if (i) out += ',';
    const std::size_t at = out.size();
    append_line(out, e.lines[i], canonical);
    if (spans) spans->emplace_back(at, out.size() - at);
  }
  out += ']';
}

}  // namespace

json::object to_json(const ClaimEvaluation& e) { return evaluation_object(e, true); }

EvaluationTexts evaluation_texts(const ClaimEvaluation& e) {
  const json::object o = evaluation_object(e, false);
  EvaluationTexts t;
  const std::size_t guess = 160 * e.lines.size() + 4096;
  t.text.reserve(guess);
  t.canonical.reserve(guess);
  t.line_spans.reserve(e.lines.size());
  // serialize(o) member by member: Boost.JSON writes an object as '{', its members as
  // "key":value joined by ',', and '}', with no space, whatever the value's context.
  t.text += '{';
  t.summary += '{';
  for (const auto& kv : o) {
    const bool lines = kv.key() == "lines" && e.rule == RuleId::kLinkage;
    if (t.text.size() > 1) t.text += ',';
    append_json_string(t.text, kv.key());
    t.text += ':';
    if (lines) {
      append_lines(t.text, e, false, &t.line_spans);
      continue;
    }
    const std::string value = json::serialize(kv.value());
    t.text += value;
    if (t.summary.size() > 1) t.summary += ',';
    append_json_string(t.summary, kv.key());
    t.summary += ':';
    t.summary += value;
  }
  t.text += '}';
  t.summary += '}';
  if (e.rule == RuleId::kLinkage) {
    append_canonical_object(t.canonical, o, "lines", [&](std::string& out) { append_lines(out, e, true, nullptr); });
  } else {
    append_canonical_json(t.canonical, o);
  }
  return t;
}

json::object to_json(const std::vector<ClaimEvaluation>& all) {
  json::array claims;
  for (const auto& e : all) claims.push_back(to_json(e));
  return json::object{{"claims", std::move(claims)}};
}

}  // namespace chipreg::rules
