// JSON <-> facts: the strict per-object parsers, the writers that emit exactly the
// contract's scenario shapes, and the whole-scenario parser with its cross-reference
// checks. See fact_json.hpp for the contract.
//
// Error codes used here (stable):
//   BAD_JSON          malformed JSON text (line and column in the message and `line`)
//   BAD_TYPE          a value of the wrong JSON type ("a string where a number is expected")
//   MISSING_FIELD     a required field is absent (or null where null is not allowed)
//   UNKNOWN_FIELD     a field the object does not have
//   BAD_USCC, BAD_DATE, BAD_ENUM, BAD_PERCENT   from the domain types' parsers
//   BAD_AMOUNT        money that is not an integer number of fen, or negative where forbidden
//   AMOUNT_TOO_LARGE  money beyond Money::kMaxIntakeFen (10^12 fen) either way
//   BAD_VALUE         any other out-of-range value (empty id, line 0, year 1066, to < from)
//   DUPLICATE         a second fact with the same key (USCC, id, invoice + line)
//   UNKNOWN_REFERENCE a reference to a fact the scenario does not hold
//   BAD_REVERSAL      a red-letter line that does not match the line it reverses
#include "registry/domain/fact_json.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "crypto/strict_json.hpp"
#include "registry/domain/canonical_json.hpp"
#include "registry/domain/policy.hpp"
#include "registry/domain/purchase_rules.hpp"

namespace chipreg::json_io {

namespace json = boost::json;

namespace {

// Assigns the value of a Result expression to `lhs`, or returns its error.
#define CHIPREG_TRY(lhs, expr)              \
  do {                                      \
    auto chipreg_r_ = (expr);               \
    if (!chipreg_r_) return chipreg_r_.error(); \
    lhs = std::move(*chipreg_r_);           \
  } while (0)

std::string kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "?";
}

Error bad_type(const std::string& field, const char* expected, const json::value& got) {
  return Error("BAD_TYPE", field + ": expected " + expected + ", got " + kind_name(got), field);
}

// Reads one JSON object field by field, remembering which keys were consumed so that
// finish() can reject the rest as UNKNOWN_FIELD. Field errors carry the key as their
// path; callers prefix the object's own path with Error::at.
class ObjReader {
 public:
  static Result<ObjReader> open(const json::value& v) {
    if (!v.is_object()) return Error("BAD_TYPE", "expected an object, got " + kind_name(v));
    return ObjReader(v.get_object());
  }

  // The raw value, or nullptr when absent. JSON null counts as present here.
  const json::value* raw(const char* key) {
    used_.insert(key);
    return obj_->if_contains(key);
  }
  // Absent or null.
  bool absent(const char* key) {
    const json::value* v = raw(key);
    return v == nullptr || v->is_null();
  }

  Result<const json::value*> required(const char* key) {
    const json::value* v = raw(key);
    if (v == nullptr || v->is_null()) return Error("MISSING_FIELD", std::string(key) + " is required", key);
    return v;
  }

  Result<std::string> str(const char* key, bool allow_empty = false) {
    const json::value* v = nullptr;
    CHIPREG_TRY(v, required(key));
    return as_str(key, *v, allow_empty);
  }
  Result<std::optional<std::string>> opt_str(const char* key) {
    if (absent(key)) return std::optional<std::string>();
    auto s = as_str(key, *raw(key), false);
    if (!s) return s.error();
    return std::optional<std::string>(std::move(*s));
  }
  Result<bool> boolean(const char* key) {
    const json::value* v = nullptr;
    CHIPREG_TRY(v, required(key));
    if (!v->is_bool()) return bad_type(key, "true or false", *v);
    return v->get_bool();
  }
  Result<std::int64_t> integer(const char* key, std::int64_t lo, std::int64_t hi) {
    const json::value* v = nullptr;
    CHIPREG_TRY(v, required(key));
    return as_int(key, *v, lo, hi);
  }
  Result<Uscc> uscc(const char* key) {
    std::string s;
    CHIPREG_TRY(s, str(key));
    auto u = Uscc::parse(s);
    if (!u) return u.error().at(key);
    return *u;
  }
  Result<Date> date(const char* key) {
    std::string s;
    CHIPREG_TRY(s, str(key));
    auto d = Date::parse(s);
    if (!d) return d.error().at(key);
    return *d;
  }
  Result<std::optional<Date>> opt_date(const char* key) {
    if (absent(key)) return std::optional<Date>();
    auto d = date(key);
    if (!d) return d.error();
    return std::optional<Date>(*d);
  }
  template <typename E>
  Result<E> enumeration(const char* key) {
    std::string s;
    CHIPREG_TRY(s, str(key));
    auto e = parse_enum<E>(s);
    if (!e) return e.error().at(key);
    return *e;
  }
  template <typename E>
  Result<std::optional<E>> opt_enumeration(const char* key) {
    if (absent(key)) return std::optional<E>();
    auto e = enumeration<E>(key);
    if (!e) return e.error();
    return std::optional<E>(*e);
  }
  // Money as a JSON integer of fen; negative only when `allow_negative`.
  Result<Money> money(const char* key, bool allow_negative) {
    const json::value* v = nullptr;
    CHIPREG_TRY(v, required(key));
    if (v->is_double()) {
      return Error("BAD_AMOUNT", std::string(key) + ": money is an integer number of fen, not a fraction or exponent", key);
    }
    if (!v->is_int64() && !v->is_uint64()) return bad_type(key, "an integer number of fen", *v);
    if (v->is_uint64()) return Error("BAD_AMOUNT", std::string(key) + ": amount too large", key);
    const std::int64_t f = v->get_int64();
    if (f < 0 && !allow_negative) {
      return Error("BAD_AMOUNT", std::string(key) + " must not be negative (only a red-letter line may be)", key);
    }
    if (f > Money::kMaxIntakeFen || f < -Money::kMaxIntakeFen) {
      return Error("AMOUNT_TOO_LARGE",
                   std::string(key) + ": at most " + std::to_string(Money::kMaxIntakeFen) + " fen (100 亿元) per fact",
                   key);
    }
    return Money::fen(f);
  }

  // Every key of the object must have been consumed.
  Status finish() const {
    for (const auto& kv : *obj_) {
      const std::string key(kv.key());
      if (used_.count(key) == 0) {
        return Error("UNKNOWN_FIELD", "unknown field '" + key.substr(0, 64) + "'", key.substr(0, 64));
      }
    }
    return Status::Ok();
  }

  static Result<std::string> as_str(const std::string& key, const json::value& v, bool allow_empty) {
    if (!v.is_string()) return bad_type(key, "a string", v);
    std::string s(v.get_string());
    if (s.empty() && !allow_empty) return Error("BAD_VALUE", key + " must not be empty", key);
    return s;
  }
  static Result<std::int64_t> as_int(const std::string& key, const json::value& v, std::int64_t lo, std::int64_t hi) {
    std::int64_t n = 0;
    if (v.is_int64()) {
      n = v.get_int64();
    } else if (v.is_uint64()) {
      return Error("BAD_VALUE", key + ": number out of range", key);
    } else if (v.is_double()) {
      return bad_type(key, "an integer", v);
    } else {
      return bad_type(key, "an integer", v);
    }
    if (n < lo || n > hi) {
      return Error("BAD_VALUE", key + " must be between " + std::to_string(lo) + " and " + std::to_string(hi), key);
    }
    return n;
  }

 private:
  explicit ObjReader(const json::object& o) : obj_(&o) {}
  const json::object* obj_;
  std::set<std::string> used_;
};


Result<Rate> pct_from_json(const json::value& v, const char* key) {
  Result<Rate> r = Error("BAD_TYPE", "");
  if (v.is_int64()) {
    const std::int64_t p = v.get_int64();
    if (p < 0 || p > 100) return Error("BAD_PERCENT", std::string(key) + " must be > 0 and <= 100", key);
    r = Rate::percent(p);
  } else if (v.is_uint64()) {
    return Error("BAD_PERCENT", std::string(key) + " must be > 0 and <= 100", key);
  } else if (v.is_double()) {
    auto d = Rate::from_double_percent(v.get_double());
    if (!d) return Error(d.error().code, std::string(key) + ": " + d.error().message, key);
    r = *d;
  } else {
    return bad_type(key, "a number (percent)", v);
  }
  if (r->units() <= 0 || r->units() > Rate::kWhole) {
    return Error("BAD_PERCENT", std::string(key) + " must be > 0 and <= 100", key);
  }
  return r;
}

Result<Validity> validity(ObjReader& r) {
  Validity v;
  CHIPREG_TRY(v.from, r.date("from"));
  CHIPREG_TRY(v.to, r.opt_date("to"));
  if (v.to && *v.to < v.from) return Error("BAD_VALUE", "to is before from", "to");
  return v;
}

Result<InvoiceLineRef> line_ref(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  InvoiceLineRef ref;
  CHIPREG_TRY(ref.invoice, r->str("invoice"));
  CHIPREG_TRY(ref.line, r->integer("line", 1, kMaxInvoiceLine));
  if (auto st = r->finish(); !st) return st.error();
  return ref;
}

bool is_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

// "sha256:<64 hex>" or "sm3:<64 hex>", normalized to lower case.
Result<std::string> design_digest(std::string s) {
  const auto colon = s.find(':');
  const std::string alg = colon == std::string::npos ? "" : s.substr(0, colon);
  const std::string hex = colon == std::string::npos ? "" : s.substr(colon + 1);
  if ((alg != "sha256" && alg != "sm3") || hex.size() != 64 || !is_hex(hex)) {
    return Error("BAD_VALUE", "design_digest must be 'sha256:' or 'sm3:' followed by 64 hex digits", "design_digest");
  }
  for (char& c : s) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// Uscc has no empty state, so fact structs holding one are built around a placeholder
// that every parser overwrites before returning.
const Uscc& placeholder_uscc() {
  static const Uscc kPlaceholder = [] {
    auto u = Uscc::complete("9133010800000000");
    assert(u.ok());
    return *u;
  }();
  return kPlaceholder;
}

json::value opt_date_json(const std::optional<Date>& d) {
  return d ? json::value(d->str()) : json::value(nullptr);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Per-object parsers

Result<Enterprise> enterprise_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  Enterprise e{placeholder_uscc(), {}, false, {}};
  CHIPREG_TRY(e.uscc, r->uscc("uscc"));
  CHIPREG_TRY(e.name, r->str("name"));
  CHIPREG_TRY(e.in_district, r->boolean("in_district"));
  if (!r->absent("roles")) {
    const json::value* roles = r->raw("roles");
    if (!roles->is_array()) return bad_type("roles", "an array of role names", *roles);
    const auto& arr = roles->get_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::string path = "roles[" + std::to_string(i) + "]";
      if (!arr[i].is_string()) return bad_type(path, "a role name", arr[i]);
      auto role = parse_enum<Role>(std::string_view(arr[i].get_string()));
      if (!role) return role.error().at(path);
      if (!e.has_role(*role)) e.roles.push_back(*role);
    }
  }
  if (auto st = r->finish(); !st) return st.error();
  return e;
}

Result<Person> person_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  Person p;
  CHIPREG_TRY(p.id, r->str("id"));
  CHIPREG_TRY(p.name, r->str("name"));
  if (auto st = r->finish(); !st) return st.error();
  return p;
}

Result<FamilyLink> family_link_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  FamilyLink f;
  CHIPREG_TRY(f.a, r->str("a"));
  CHIPREG_TRY(f.b, r->str("b"));
  CHIPREG_TRY(f.relation, r->enumeration<FamilyRelation>("relation"));
  if (f.a == f.b) return Error("BAD_VALUE", "a family link joins two different persons", "b");
  if (auto st = r->finish(); !st) return st.error();
  return f;
}

Result<EquityEdge> equity_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  EquityEdge e{{}, false, placeholder_uscc(), {}, {}};
  CHIPREG_TRY(e.holder, r->str("holder"));
  // A holder that is a well-formed USCC is an enterprise; anything else is a person id.
  e.holder_is_person = !Uscc::parse(e.holder).ok();
  CHIPREG_TRY(e.held, r->uscc("held"));
  const json::value* pct = nullptr;
  CHIPREG_TRY(pct, r->required("pct"));
  CHIPREG_TRY(e.pct, pct_from_json(*pct, "pct"));
  CHIPREG_TRY(e.valid, validity(*r));
  if (!e.holder_is_person && e.holder == e.held.str()) {
    return Error("BAD_VALUE", "an enterprise cannot hold its own shares in this registry", "holder");
  }
  if (auto st = r->finish(); !st) return st.error();
  return e;
}

Result<ManualAffiliation> manual_affiliation_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  ManualAffiliation m{placeholder_uscc(), placeholder_uscc(), {}, {}};
  CHIPREG_TRY(m.a, r->uscc("a"));
  CHIPREG_TRY(m.b, r->uscc("b"));
  CHIPREG_TRY(m.valid, validity(*r));
  CHIPREG_TRY(m.basis, r->str("basis"));
  if (!r->absent("affiliated")) {
    CHIPREG_TRY(m.affiliated, r->boolean("affiliated"));
  }
  if (m.a == m.b) return Error("BAD_VALUE", "a manual affiliation joins two different enterprises", "b");
  if (auto st = r->finish(); !st) return st.error();
  return m;
}

Result<Product> product_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  Product p{{}, ProductKind::kChip, placeholder_uscc(), false, {}, {}, {}};
  CHIPREG_TRY(p.id, r->str("id"));
  CHIPREG_TRY(p.kind, r->enumeration<ProductKind>("kind"));
  CHIPREG_TRY(p.owner, r->uscc("owner"));
  CHIPREG_TRY(p.self_developed, r->boolean("self_developed"));
  CHIPREG_TRY(p.first_market_date, r->opt_date("first_market_date"));
  if (r->absent("focus_area")) {
    p.focus_area.clear();
  } else {
    CHIPREG_TRY(p.focus_area, r->str("focus_area", true));
  }
  CHIPREG_TRY(p.model, r->opt_str("model"));
  if (auto st = r->finish(); !st) return st.error();
  return p;
}

Result<Tapeout> tapeout_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  Tapeout t{{}, {}, placeholder_uscc(), placeholder_uscc(), {}, TapeoutKind::kMpw, {}, {}, {}, {}, {}};
  CHIPREG_TRY(t.id, r->str("id"));
  CHIPREG_TRY(t.product, r->str("product"));
  CHIPREG_TRY(t.foundry, r->uscc("foundry"));
  CHIPREG_TRY(t.design_owner, r->uscc("design_owner"));
  CHIPREG_TRY(t.date, r->date("date"));
  CHIPREG_TRY(t.kind, r->enumeration<TapeoutKind>("kind"));
  std::string digest;
  CHIPREG_TRY(digest, r->str("design_digest"));
  CHIPREG_TRY(t.design_digest, design_digest(std::move(digest)));
  CHIPREG_TRY(t.cost, r->money("cost_fen", false));
  CHIPREG_TRY(t.mask_set_id, r->opt_str("mask_set_id"));
  CHIPREG_TRY(t.keyid, r->opt_str("keyid"));
  CHIPREG_TRY(t.key_status, r->opt_str("key_status"));
  CHIPREG_TRY(t.untrusted_from, r->opt_date("untrusted_from"));
  if (auto st = r->finish(); !st) return st.error();
  return t;
}

Result<Purchase> purchase_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  Purchase p{{}, 0, {}, placeholder_uscc(), placeholder_uscc(), {}, {}, {}, {}};
  CHIPREG_TRY(p.invoice, r->str("invoice"));
  CHIPREG_TRY(p.line, r->integer("line", 1, kMaxInvoiceLine));
  CHIPREG_TRY(p.date, r->date("date"));
  CHIPREG_TRY(p.buyer, r->uscc("buyer"));
  CHIPREG_TRY(p.seller, r->uscc("seller"));
  CHIPREG_TRY(p.product, r->str("product"));
  if (!r->absent("reverses")) {
    auto ref = line_ref(*r->raw("reverses"));
    if (!ref) return ref.error().at("reverses");
    p.reverses = *ref;
  }
  // The sign of the amounts is the line's rule (purchase_rules.hpp), not the reader's.
  CHIPREG_TRY(p.amount, r->money("amount_fen", true));
  CHIPREG_TRY(p.tax, r->money("tax_fen", true));
  CHIPREG_TRY(p.platform_status, r->opt_str("platform_status"));
  if (auto st = r->finish(); !st) return st.error();
  if (auto st = check_purchase_line(p); !st) return st.error();
  return p;
}

// ---- The other clauses

Result<RdDeclaration> rd_declaration_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  RdDeclaration d{placeholder_uscc(), 0, RdField::kEda, {}, {}, {}};
  CHIPREG_TRY(d.enterprise, r->uscc("enterprise"));
  std::int64_t year = 0;
  CHIPREG_TRY(year, r->integer("year", Date::kMinYear, Date::kMaxYear));
  d.year = static_cast<int>(year);
  CHIPREG_TRY(d.field, r->enumeration<RdField>("field"));
  CHIPREG_TRY(d.rd, r->money("rd_fen", false));
  CHIPREG_TRY(d.sales, r->money("sales_fen", false));
  CHIPREG_TRY(d.audit_ref, r->str("audit_ref"));
  if (auto st = r->finish(); !st) return st.error();
  return d;
}

Result<SignoffParticipant> signoff_participant_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  SignoffParticipant p{placeholder_uscc(), Level::kProvincial, {}};
  CHIPREG_TRY(p.enterprise, r->uscc("enterprise"));
  CHIPREG_TRY(p.level, r->enumeration<Level>("level"));
  CHIPREG_TRY(p.valid, validity(*r));
  if (auto st = r->finish(); !st) return st.error();
  return p;
}

Result<ComputeContract> compute_contract_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  ComputeContract c{{}, placeholder_uscc(), placeholder_uscc(), {}, {}, {}};
  CHIPREG_TRY(c.id, r->str("id"));
  CHIPREG_TRY(c.customer, r->uscc("customer"));
  CHIPREG_TRY(c.provider, r->uscc("provider"));
  CHIPREG_TRY(c.date, r->date("date"));
  CHIPREG_TRY(c.amount, r->money("amount_fen", false));
  // A contract without a voucher carries 0 (the field may be omitted).
  if (!r->absent("voucher_fen")) CHIPREG_TRY(c.voucher, r->money("voucher_fen", false));
  if (c.customer == c.provider) return Error("BAD_VALUE", "a compute contract has two different parties", "provider");
  if (auto st = r->finish(); !st) return st.error();
  return c;
}

Result<DataTrade> data_trade_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  DataTrade t{{}, placeholder_uscc(), placeholder_uscc(), placeholder_uscc(), {}, {}};
  CHIPREG_TRY(t.id, r->str("id"));
  CHIPREG_TRY(t.platform, r->uscc("platform"));
  CHIPREG_TRY(t.buyer, r->uscc("buyer"));
  CHIPREG_TRY(t.seller, r->uscc("seller"));
  CHIPREG_TRY(t.date, r->date("date"));
  CHIPREG_TRY(t.amount, r->money("amount_fen", false));
  if (t.buyer == t.seller) return Error("BAD_VALUE", "a trade has a buyer and a different seller", "seller");
  if (auto st = r->finish(); !st) return st.error();
  return t;
}

Result<Dataset> dataset_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  Dataset d{{}, placeholder_uscc()};
  CHIPREG_TRY(d.id, r->str("id"));
  CHIPREG_TRY(d.owner, r->uscc("owner"));
  if (auto st = r->finish(); !st) return st.error();
  return d;
}

Result<DatasetCall> dataset_call_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  DatasetCall c{{}, {}, placeholder_uscc(), {}, {}};
  CHIPREG_TRY(c.id, r->str("id"));
  CHIPREG_TRY(c.dataset, r->str("dataset"));
  CHIPREG_TRY(c.caller, r->uscc("caller"));
  CHIPREG_TRY(c.date, r->date("date"));
  CHIPREG_TRY(c.income, r->money("income_fen", false));
  if (auto st = r->finish(); !st) return st.error();
  return c;
}

Result<PlatformRecognition> platform_recognition_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  PlatformRecognition p{placeholder_uscc(), Level::kProvincial, {}};
  CHIPREG_TRY(p.enterprise, r->uscc("enterprise"));
  CHIPREG_TRY(p.level, r->enumeration<Level>("level"));
  CHIPREG_TRY(p.valid, validity(*r));
  if (auto st = r->finish(); !st) return st.error();
  return p;
}

Result<PlatformExpense> platform_expense_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  PlatformExpense x{{}, placeholder_uscc(), {}, ExpenseKind::kVenueRent, {}};
  CHIPREG_TRY(x.id, r->opt_str("id"));
  CHIPREG_TRY(x.enterprise, r->uscc("enterprise"));
  CHIPREG_TRY(x.date, r->date("date"));
  CHIPREG_TRY(x.kind, r->enumeration<ExpenseKind>("kind"));
  CHIPREG_TRY(x.amount, r->money("amount_fen", false));
  if (auto st = r->finish(); !st) return st.error();
  return x;
}

Result<InvoiceVoid> void_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  InvoiceVoid x;
  CHIPREG_TRY(x.invoice, r->str("invoice"));
  CHIPREG_TRY(x.date, r->date("date"));
  CHIPREG_TRY(x.source, r->str("source"));
  if (auto st = r->finish(); !st) return st.error();
  return x;
}

Result<Event> event_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  Event e{{}, placeholder_uscc(), {}, false, {}, {}, {}, {}};
  CHIPREG_TRY(e.id, r->str("id"));
  CHIPREG_TRY(e.organizer, r->uscc("organizer"));
  CHIPREG_TRY(e.start, r->date("start"));
  CHIPREG_TRY(e.in_district, r->boolean("in_district"));
  CHIPREG_TRY(e.focus_area, r->str("focus_area", true));
  CHIPREG_TRY(e.approval_date, r->opt_date("approval_date"));
  CHIPREG_TRY(e.approval_ref, r->opt_str("approval_ref"));
  CHIPREG_TRY(e.venue_rent, r->money("venue_rent_fen", false));
  if (e.approval_ref && !e.approval_date) {
    return Error("MISSING_FIELD", "an approval reference comes with its approval_date", "approval_date");
  }
  if (auto st = r->finish(); !st) return st.error();
  return e;
}

Result<OtherAward> other_award_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  OtherAward a;
  CHIPREG_TRY(a.claim, r->str("claim"));
  CHIPREG_TRY(a.level, r->str("level"));
  CHIPREG_TRY(a.amount, r->money("amount_fen", false));
  if (auto st = r->finish(); !st) return st.error();
  return a;
}

Result<PriorApproval> prior_approval_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  PriorApproval a{placeholder_uscc(), RuleId::kLinkage, {}, 0, {}, {}, {}, {}};
  CHIPREG_TRY(a.claimant, r->uscc("claimant"));
  CHIPREG_TRY(a.rule, r->enumeration<RuleId>("rule"));
  CHIPREG_TRY(a.year, r->integer("year", Date::kMinYear, Date::kMaxYear));
  CHIPREG_TRY(a.group, r->opt_enumeration<LinkageGroup>("group"));
  CHIPREG_TRY(a.branch, r->opt_enumeration<TapeoutBranch>("branch"));
  CHIPREG_TRY(a.dataset, r->opt_str("dataset"));
  CHIPREG_TRY(a.event, r->opt_str("event"));
  CHIPREG_TRY(a.amount, r->money("amount_fen", false));
  // Each rule's series key: group (linkage), branch (tapeout), dataset, event; no other.
  const bool linkage = a.rule == RuleId::kLinkage;
  const bool tapeout = a.rule == RuleId::kTapeout;
  const bool dataset = a.rule == RuleId::kDataset;
  const bool event = a.rule == RuleId::kEvent;
  if (linkage && !a.group) return Error("MISSING_FIELD", "a linkage approval names its group", "group");
  if (tapeout && !a.branch) return Error("MISSING_FIELD", "a tapeout approval names its branch (small or large)", "branch");
  if (dataset && !a.dataset) return Error("MISSING_FIELD", "a dataset approval names its dataset", "dataset");
  if (event && !a.event) return Error("MISSING_FIELD", "an event approval names its event", "event");
  if (!linkage && a.group) return Error("UNKNOWN_FIELD", "group applies to linkage approvals only", "group");
  if (!tapeout && a.branch) return Error("UNKNOWN_FIELD", "branch applies to tapeout approvals only", "branch");
  if (!dataset && a.dataset) return Error("UNKNOWN_FIELD", "dataset applies to dataset approvals only", "dataset");
  if (!event && a.event) return Error("UNKNOWN_FIELD", "event applies to event approvals only", "event");
  if (auto st = r->finish(); !st) return st.error();
  return a;
}

Result<ClaimRequest> claim_request_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  ClaimRequest c{{}, RuleId::kLinkage, placeholder_uscc(), 0, {}, {}, {}, {}};
  if (!r->absent("id")) CHIPREG_TRY(c.id, r->str("id"));
  if (!r->absent("claimant")) CHIPREG_TRY(c.claimant, r->uscc("claimant"));
  CHIPREG_TRY(c.rule, r->enumeration<RuleId>("rule"));
  // Which of year, group, tapeout, dataset, event the rule's claim names.
  const bool takes_group = c.rule == RuleId::kLinkage;
  const bool takes_tapeout = c.rule == RuleId::kTapeout;
  const bool takes_dataset = c.rule == RuleId::kDataset;
  const bool takes_event = c.rule == RuleId::kEvent;
  const std::string rule(to_string(c.rule));
  if (takes_tapeout || takes_event) {
    // The year of a tape-out (event) claim is its tape-out's (event's start); a given year
    // must agree (checked by scenario_from_json / the store, which know the fact).
    if (!r->absent("year")) CHIPREG_TRY(c.year, r->integer("year", Date::kMinYear, Date::kMaxYear));
  } else {
    CHIPREG_TRY(c.year, r->integer("year", Date::kMinYear, Date::kMaxYear));
  }
  if (takes_group) CHIPREG_TRY(c.group, r->enumeration<LinkageGroup>("group"));
  if (takes_tapeout) CHIPREG_TRY(c.tapeout, r->str("tapeout"));
  if (takes_dataset) CHIPREG_TRY(c.dataset, r->str("dataset"));
  if (takes_event) CHIPREG_TRY(c.event, r->str("event"));
  if (!takes_group && !r->absent("group")) return Error("UNKNOWN_FIELD", "group applies to linkage claims only", "group");
  if (!takes_tapeout && !r->absent("tapeout")) {
    return Error("UNKNOWN_FIELD", "tapeout applies to tapeout claims only", "tapeout");
  }
  if (!takes_dataset && !r->absent("dataset")) {
    return Error("UNKNOWN_FIELD", "dataset applies to dataset claims only (not " + rule + ")", "dataset");
  }
  if (!takes_event && !r->absent("event")) {
    return Error("UNKNOWN_FIELD", "event applies to event claims only (not " + rule + ")", "event");
  }
  if (!r->absent("series")) {
    const json::value* series = r->raw("series");
    if (!series->is_array()) return bad_type("series", "an array of claim ids", *series);
    for (std::size_t i = 0; i < series->get_array().size(); ++i) {
      const json::value& id = series->get_array()[i];
      if (!id.is_string() || id.get_string().empty()) {
        return bad_type(("series[" + std::to_string(i) + "]").c_str(), "a claim id", id);
      }
      c.series.emplace_back(id.get_string());
    }
  }
  if (auto st = r->finish(); !st) return st.error();
  return c;
}

// ---------------------------------------------------------------------------------------
// Writers

json::object to_json(const Enterprise& e) {
  json::array roles;
  for (Role role : e.roles) roles.emplace_back(std::string(to_string(role)));
  return {{"uscc", e.uscc.str()}, {"name", e.name}, {"in_district", e.in_district}, {"roles", std::move(roles)}};
}

json::object to_json(const Person& p) { return {{"id", p.id}, {"name", p.name}}; }

json::object to_json(const FamilyLink& f) {
  return {{"a", f.a}, {"b", f.b}, {"relation", std::string(to_string(f.relation))}};
}

json::object to_json(const EquityEdge& e) {
  // Whole percentages stay integers (canonical JSON has no floats); others are the
  // nearest double to the exact decimal, which from_double_percent maps back exactly.
  json::value pct = e.pct.units() % Rate::kScale == 0
                        ? json::value(e.pct.units() / Rate::kScale)
                        : json::value(static_cast<double>(e.pct.units()) / static_cast<double>(Rate::kScale));
  return {{"holder", e.holder}, {"held", e.held.str()},         {"pct", std::move(pct)},
          {"from", e.valid.from.str()}, {"to", opt_date_json(e.valid.to)}};
}

json::object to_json(const ManualAffiliation& m) {
  json::object o{{"a", m.a.str()}, {"b", m.b.str()}, {"from", m.valid.from.str()}, {"to", opt_date_json(m.valid.to)},
                 {"basis", m.basis}};
  // Only a non-affiliation finding names the field: every earlier bundle keeps its bytes.
  if (!m.affiliated) o["affiliated"] = false;
  return o;
}

json::object to_json(const Product& p) {
  json::object o{{"id", p.id},
                 {"kind", std::string(to_string(p.kind))},
                 {"owner", p.owner.str()},
                 {"self_developed", p.self_developed},
                 {"first_market_date", opt_date_json(p.first_market_date)},
                 {"focus_area", p.focus_area}};
  if (p.model) o["model"] = *p.model;
  return o;
}

json::object to_json(const Tapeout& t) {
  json::object o{{"id", t.id},
                 {"product", t.product},
                 {"foundry", t.foundry.str()},
                 {"design_owner", t.design_owner.str()},
                 {"date", t.date.str()},
                 {"kind", std::string(to_string(t.kind))},
                 {"design_digest", t.design_digest},
                 {"cost_fen", t.cost.fen()}};
  if (t.mask_set_id) o["mask_set_id"] = *t.mask_set_id;
  if (t.keyid) o["keyid"] = *t.keyid;
  if (t.key_status) o["key_status"] = *t.key_status;
  if (t.untrusted_from) o["untrusted_from"] = t.untrusted_from->str();
  return o;
}

json::object to_json(const Purchase& p) {
  json::value reverses = nullptr;
  if (p.reverses) reverses = json::object{{"invoice", p.reverses->invoice}, {"line", p.reverses->line}};
  json::object o{{"invoice", p.invoice},       {"line", p.line},           {"date", p.date.str()},
                 {"buyer", p.buyer.str()},     {"seller", p.seller.str()}, {"product", p.product},
                 {"amount_fen", p.amount.fen()}, {"tax_fen", p.tax.fen()}, {"reverses", std::move(reverses)}};
  // Only a later fact about the invoice sets it: a purchase as registered (and its log
  // leaf) never carries it.
  if (p.platform_status) o["platform_status"] = *p.platform_status;
  return o;
}

json::object to_json(const InvoiceVoid& v) {
  return {{"invoice", v.invoice}, {"date", v.date.str()}, {"source", v.source}};
}

json::object to_json(const RdDeclaration& d) {
  return {{"enterprise", d.enterprise.str()}, {"year", d.year},          {"field", std::string(to_string(d.field))},
          {"rd_fen", d.rd.fen()},            {"sales_fen", d.sales.fen()}, {"audit_ref", d.audit_ref}};
}

json::object to_json(const SignoffParticipant& p) {
  return {{"enterprise", p.enterprise.str()}, {"level", std::string(to_string(p.level))},
          {"from", p.valid.from.str()}, {"to", opt_date_json(p.valid.to)}};
}

json::object to_json(const ComputeContract& c) {
  return {{"id", c.id},         {"customer", c.customer.str()}, {"provider", c.provider.str()},
          {"date", c.date.str()}, {"amount_fen", c.amount.fen()}, {"voucher_fen", c.voucher.fen()}};
}

json::object to_json(const DataTrade& t) {
  return {{"id", t.id},         {"platform", t.platform.str()}, {"buyer", t.buyer.str()},
          {"seller", t.seller.str()}, {"date", t.date.str()}, {"amount_fen", t.amount.fen()}};
}

json::object to_json(const Dataset& d) { return {{"id", d.id}, {"owner", d.owner.str()}}; }

json::object to_json(const DatasetCall& c) {
  return {{"id", c.id},       {"dataset", c.dataset},      {"caller", c.caller.str()},
          {"date", c.date.str()}, {"income_fen", c.income.fen()}};
}

json::object to_json(const PlatformRecognition& r) {
  return {{"enterprise", r.enterprise.str()}, {"level", std::string(to_string(r.level))},
          {"from", r.valid.from.str()}, {"to", opt_date_json(r.valid.to)}};
}

json::object to_json(const PlatformExpense& x) {
  json::object o;
  if (x.id) o["id"] = *x.id;
  o["enterprise"] = x.enterprise.str();
  o["date"] = x.date.str();
  o["kind"] = std::string(to_string(x.kind));
  o["amount_fen"] = x.amount.fen();
  return o;
}

json::object to_json(const Event& e) {
  return {{"id", e.id},
          {"organizer", e.organizer.str()},
          {"start", e.start.str()},
          {"in_district", e.in_district},
          {"focus_area", e.focus_area},
          {"approval_date", opt_date_json(e.approval_date)},
          {"approval_ref", e.approval_ref ? json::value(*e.approval_ref) : json::value(nullptr)},
          {"venue_rent_fen", e.venue_rent.fen()}};
}

json::object to_json(const OtherAward& a) {
  return {{"claim", a.claim}, {"level", a.level}, {"amount_fen", a.amount.fen()}};
}

json::object to_json(const PriorApproval& a) {
  json::object o{{"claimant", a.claimant.str()}, {"rule", std::string(to_string(a.rule))}, {"year", a.year}};
  if (a.group) o["group"] = std::string(to_string(*a.group));
  if (a.branch) o["branch"] = std::string(to_string(*a.branch));
  if (a.dataset) o["dataset"] = *a.dataset;
  if (a.event) o["event"] = *a.event;
  o["amount_fen"] = a.amount.fen();
  return o;
}

json::object to_json(const ClaimRequest& c) {
  json::object o;
  if (!c.id.empty()) o["id"] = c.id;
  o["rule"] = std::string(to_string(c.rule));
  o["claimant"] = c.claimant.str();
  if (c.year != 0) o["year"] = c.year;
  if (c.group) o["group"] = std::string(to_string(*c.group));
  if (c.tapeout) o["tapeout"] = *c.tapeout;
  if (c.dataset) o["dataset"] = *c.dataset;
  if (c.event) o["event"] = *c.event;
  if (!c.series.empty()) o["series"] = json::array(c.series.begin(), c.series.end());
  return o;
}

// ---------------------------------------------------------------------------------------
// Whole scenario

namespace {

std::string index_path(const char* array, std::size_t i) { return std::string(array) + "[" + std::to_string(i) + "]"; }

// Parses the optional array `key` of the scenario with `parse`, prefixing error paths.
template <typename T, typename F>
Status parse_array(ObjReader& r, const char* key, F parse, std::vector<T>& out) {
  if (r.absent(key)) return Status::Ok();
  const json::value* v = r.raw(key);
  if (!v->is_array()) return bad_type(key, "an array", *v);
  const auto& arr = v->get_array();
  out.reserve(arr.size());
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto item = parse(arr[i]);
    if (!item) return item.error().at(index_path(key, i));
    out.push_back(std::move(*item));
  }
  return Status::Ok();
}

Error unknown_ref(const std::string& path, const std::string& what, const std::string& id) {
  return Error("UNKNOWN_REFERENCE", path + ": no " + what + " '" + id.substr(0, 64) + "' in the scenario", path);
}

Error duplicate(const std::string& path, const std::string& what) {
  return Error("DUPLICATE", path + ": " + what + " appears twice", path);
}

Status check_references(const Facts& f) {
  std::map<std::string, std::size_t> enterprises;
  for (std::size_t i = 0; i < f.enterprises.size(); ++i) {
    if (!enterprises.emplace(f.enterprises[i].uscc.str(), i).second) {
      return duplicate(index_path("enterprises", i) + ".uscc", "USCC " + f.enterprises[i].uscc.str());
    }
  }
  std::set<std::string> persons;
  for (std::size_t i = 0; i < f.persons.size(); ++i) {
    if (!persons.insert(f.persons[i].id).second) return duplicate(index_path("persons", i) + ".id", "person id");
  }
  auto known_enterprise = [&](const Uscc& u, const std::string& path) -> Status {
    if (enterprises.count(u.str()) == 0) return unknown_ref(path, "enterprise", u.str());
    return Status::Ok();
  };
  for (std::size_t i = 0; i < f.family.size(); ++i) {
    const std::string p = index_path("family", i);
    if (persons.count(f.family[i].a) == 0) return unknown_ref(p + ".a", "person", f.family[i].a);
    if (persons.count(f.family[i].b) == 0) return unknown_ref(p + ".b", "person", f.family[i].b);
  }
  // Equity may name enterprises the scenario does not list (holding companies outside the
  // registry are ordinary graph nodes); a person holder must be a listed person, so that a
  // mistyped USCC is not silently taken for a person.
  for (std::size_t i = 0; i < f.equity.size(); ++i) {
    const auto& e = f.equity[i];
    if (e.holder_is_person && persons.count(e.holder) == 0) {
      return Error("UNKNOWN_REFERENCE",
                   index_path("equity", i) + ".holder: '" + e.holder.substr(0, 64) +
                       "' is neither a valid USCC nor a listed person id",
                   index_path("equity", i) + ".holder");
    }
  }
  std::map<std::string, const Product*> products;
  for (std::size_t i = 0; i < f.products.size(); ++i) {
    const std::string p = index_path("products", i);
    if (!products.emplace(f.products[i].id, &f.products[i]).second) return duplicate(p + ".id", "product id");
    if (auto st = known_enterprise(f.products[i].owner, p + ".owner"); !st) return st;
  }
  std::map<std::string, const Tapeout*> tapeouts;
  for (std::size_t i = 0; i < f.tapeouts.size(); ++i) {
    const std::string p = index_path("tapeouts", i);
    const auto& t = f.tapeouts[i];
    if (!tapeouts.emplace(t.id, &t).second) return duplicate(p + ".id", "tape-out id");
    if (products.count(t.product) == 0) return unknown_ref(p + ".product", "product", t.product);
    if (auto st = known_enterprise(t.foundry, p + ".foundry"); !st) return st;
    if (auto st = known_enterprise(t.design_owner, p + ".design_owner"); !st) return st;
  }
  std::map<InvoiceLineRef, const Purchase*> lines;
  for (std::size_t i = 0; i < f.purchases.size(); ++i) {
    const std::string p = index_path("purchases", i);
    const auto& pu = f.purchases[i];
    if (!lines.emplace(pu.ref(), &pu).second) {
      return duplicate(p + ".line", "invoice " + pu.invoice.substr(0, 64) + " line " + std::to_string(pu.line));
    }
    if (auto st = known_enterprise(pu.buyer, p + ".buyer"); !st) return st;
    if (auto st = known_enterprise(pu.seller, p + ".seller"); !st) return st;
    if (products.count(pu.product) == 0) return unknown_ref(p + ".product", "product", pu.product);
  }
  std::map<InvoiceLineRef, std::pair<std::int64_t, std::int64_t>> reversed;  // amount, tax so far
  for (std::size_t i = 0; i < f.purchases.size(); ++i) {
    const auto& pu = f.purchases[i];
    if (!pu.reverses) continue;
    const std::string p = index_path("purchases", i) + ".reverses";
    auto it = lines.find(*pu.reverses);
    if (it == lines.end()) {
      return unknown_ref(p, "purchase line", pu.reverses->invoice + " line " + std::to_string(pu.reverses->line));
    }
    // Earlier red lines of the array against the same original, as the store sums them.
    // Each passed the check, so the sums stay within the original's amounts.
    auto& [amount, tax] = reversed[*pu.reverses];
    if (auto st = check_reversal(pu, *it->second, Money::fen(amount), Money::fen(tax)); !st) {
      return st.error().at(index_path("purchases", i));
    }
    amount += pu.amount.fen();
    tax += pu.tax.fen();
  }
  // The other clauses' facts: unique ids, known parties.
  auto unique_id = [](std::set<std::string>& ids, const std::string& id, const std::string& path,
                      const char* what) -> Status {
    if (!ids.insert(id).second) return duplicate(path + ".id", std::string(what) + " id " + id.substr(0, 64));
    return Status::Ok();
  };
  for (std::size_t i = 0; i < f.rd_declarations.size(); ++i) {
    const std::string p = index_path("rd_declarations", i);
    if (auto st = known_enterprise(f.rd_declarations[i].enterprise, p + ".enterprise"); !st) return st;
  }
  for (std::size_t i = 0; i < f.signoff_participants.size(); ++i) {
    const std::string p = index_path("signoff_participants", i);
    if (auto st = known_enterprise(f.signoff_participants[i].enterprise, p + ".enterprise"); !st) return st;
  }
  std::set<std::string> contract_ids;
  for (std::size_t i = 0; i < f.compute_contracts.size(); ++i) {
    const std::string p = index_path("compute_contracts", i);
    const auto& c = f.compute_contracts[i];
    if (auto st = unique_id(contract_ids, c.id, p, "compute contract"); !st) return st;
    if (auto st = known_enterprise(c.customer, p + ".customer"); !st) return st;
    if (auto st = known_enterprise(c.provider, p + ".provider"); !st) return st;
  }
  std::set<std::string> trade_ids;
  for (std::size_t i = 0; i < f.data_trades.size(); ++i) {
    const std::string p = index_path("data_trades", i);
    const auto& t = f.data_trades[i];
    if (auto st = unique_id(trade_ids, t.id, p, "data trade"); !st) return st;
    if (auto st = known_enterprise(t.platform, p + ".platform"); !st) return st;
    if (auto st = known_enterprise(t.buyer, p + ".buyer"); !st) return st;
    if (auto st = known_enterprise(t.seller, p + ".seller"); !st) return st;
  }
  std::set<std::string> dataset_ids;
  for (std::size_t i = 0; i < f.datasets.size(); ++i) {
    const std::string p = index_path("datasets", i);
    if (auto st = unique_id(dataset_ids, f.datasets[i].id, p, "dataset"); !st) return st;
    if (auto st = known_enterprise(f.datasets[i].owner, p + ".owner"); !st) return st;
  }
  std::set<std::string> call_ids;
  for (std::size_t i = 0; i < f.dataset_calls.size(); ++i) {
    const std::string p = index_path("dataset_calls", i);
    const auto& c = f.dataset_calls[i];
    if (auto st = unique_id(call_ids, c.id, p, "dataset call"); !st) return st;
    if (dataset_ids.count(c.dataset) == 0) return unknown_ref(p + ".dataset", "dataset", c.dataset);
    if (auto st = known_enterprise(c.caller, p + ".caller"); !st) return st;
  }
  for (std::size_t i = 0; i < f.platform_recognitions.size(); ++i) {
    const std::string p = index_path("platform_recognitions", i);
    if (auto st = known_enterprise(f.platform_recognitions[i].enterprise, p + ".enterprise"); !st) return st;
  }
  std::set<std::string> expense_ids;
  for (std::size_t i = 0; i < f.platform_expenses.size(); ++i) {
    const std::string p = index_path("platform_expenses", i);
    const auto& x = f.platform_expenses[i];
    if (x.id) {
      if (auto st = unique_id(expense_ids, *x.id, p, "platform expense"); !st) return st;
    }
    if (auto st = known_enterprise(x.enterprise, p + ".enterprise"); !st) return st;
  }
  std::map<std::string, const Event*> events;
  for (std::size_t i = 0; i < f.events.size(); ++i) {
    const std::string p = index_path("events", i);
    if (!events.emplace(f.events[i].id, &f.events[i]).second) return duplicate(p + ".id", "event id " + f.events[i].id.substr(0, 64));
    if (auto st = known_enterprise(f.events[i].organizer, p + ".organizer"); !st) return st;
  }
  std::set<std::string> claim_ids;
  std::set<std::string> series_ids;  // earlier claims of the claims' series (other awards may name them)
  for (std::size_t i = 0; i < f.claims.size(); ++i) {
    const std::string p = index_path("claims", i);
    const auto& c = f.claims[i];
    if (!claim_ids.insert(c.id).second) return duplicate(p + ".id", "claim id");
    series_ids.insert(c.series.begin(), c.series.end());
    if (auto st = known_enterprise(c.claimant, p + ".claimant"); !st) return st;
    if (c.tapeout) {
      auto it = tapeouts.find(*c.tapeout);
      if (it == tapeouts.end()) return unknown_ref(p + ".tapeout", "tape-out", *c.tapeout);
      if (c.year != 0 && c.year != it->second->date.year()) {
        return Error("BAD_VALUE", p + ".year: a tape-out claim's year is the year of its tape-out date (" +
                                      std::to_string(it->second->date.year()) + ")",
                     p + ".year");
      }
    }
    if (c.dataset && dataset_ids.count(*c.dataset) == 0) return unknown_ref(p + ".dataset", "dataset", *c.dataset);
    if (c.event) {
      auto it = events.find(*c.event);
      if (it == events.end()) return unknown_ref(p + ".event", "event", *c.event);
      if (c.year != 0 && c.year != it->second->start.year()) {
        return Error("BAD_VALUE", p + ".year: an event claim's year is the year of its start (" +
                                      std::to_string(it->second->start.year()) + ")",
                     p + ".year");
      }
    }
  }
  std::set<std::string> invoices;
  for (const auto& pu : f.purchases) invoices.insert(pu.invoice);
  std::set<std::string> voided;
  for (std::size_t i = 0; i < f.voids.size(); ++i) {
    const std::string p = index_path("voids", i) + ".invoice";
    if (invoices.count(f.voids[i].invoice) == 0) return unknown_ref(p, "invoice", f.voids[i].invoice);
    if (!voided.insert(f.voids[i].invoice).second) return duplicate(p, "void of invoice " + f.voids[i].invoice.substr(0, 64));
  }
  for (std::size_t i = 0; i < f.other_awards.size(); ++i) {
    if (claim_ids.count(f.other_awards[i].claim) == 0 && series_ids.count(f.other_awards[i].claim) == 0) {
      return unknown_ref(index_path("other_awards", i) + ".claim", "claim", f.other_awards[i].claim);
    }
  }
  for (std::size_t i = 0; i < f.prior_approvals.size(); ++i) {
    if (auto st = known_enterprise(f.prior_approvals[i].claimant, index_path("prior_approvals", i) + ".claimant"); !st) {
      return st;
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Facts> scenario_from_json(const json::value& v) {
  auto r = ObjReader::open(v);
  if (!r) return r.error();
  Facts f;
  if (auto st = parse_array(*r, "enterprises", enterprise_from_json, f.enterprises); !st) return st.error();
  if (auto st = parse_array(*r, "persons", person_from_json, f.persons); !st) return st.error();
  if (auto st = parse_array(*r, "family", family_link_from_json, f.family); !st) return st.error();
  if (auto st = parse_array(*r, "equity", equity_from_json, f.equity); !st) return st.error();
  if (auto st = parse_array(*r, "manual_affiliations", manual_affiliation_from_json, f.manual_affiliations); !st) {
    return st.error();
  }
  if (auto st = parse_array(*r, "products", product_from_json, f.products); !st) return st.error();
  if (auto st = parse_array(*r, "tapeouts", tapeout_from_json, f.tapeouts); !st) return st.error();
  if (auto st = parse_array(*r, "purchases", purchase_from_json, f.purchases); !st) return st.error();
  if (auto st = parse_array(*r, "rd_declarations", rd_declaration_from_json, f.rd_declarations); !st) return st.error();
  if (auto st = parse_array(*r, "signoff_participants", signoff_participant_from_json, f.signoff_participants); !st) {
    return st.error();
  }
  if (auto st = parse_array(*r, "compute_contracts", compute_contract_from_json, f.compute_contracts); !st) {
    return st.error();
  }
  if (auto st = parse_array(*r, "data_trades", data_trade_from_json, f.data_trades); !st) return st.error();
  if (auto st = parse_array(*r, "datasets", dataset_from_json, f.datasets); !st) return st.error();
  if (auto st = parse_array(*r, "dataset_calls", dataset_call_from_json, f.dataset_calls); !st) return st.error();
  if (auto st = parse_array(*r, "platform_recognitions", platform_recognition_from_json, f.platform_recognitions); !st) {
    return st.error();
  }
  if (auto st = parse_array(*r, "platform_expenses", platform_expense_from_json, f.platform_expenses); !st) {
    return st.error();
  }
  if (auto st = parse_array(*r, "events", event_from_json, f.events); !st) return st.error();
  if (auto st = parse_array(*r, "voids", void_from_json, f.voids); !st) return st.error();
  if (auto st = parse_array(*r, "other_awards", other_award_from_json, f.other_awards); !st) return st.error();
  if (auto st = parse_array(*r, "prior_approvals", prior_approval_from_json, f.prior_approvals); !st) {
    return st.error();
  }
  if (auto st = parse_array(*r, "claimed_lines", line_ref, f.claimed_elsewhere); !st) return st.error();
  // A scenario claim names itself and its claimant (the HTTP API takes both from the
  // request context instead, so claim_request_from_json leaves them optional).
  auto scenario_claim = [](const json::value& c) -> Result<ClaimRequest> {
    if (const json::object* o = c.if_object()) {
      for (const char* key : {"id", "claimant"}) {
        const json::value* x = o->if_contains(key);
        if (x == nullptr || x->is_null()) return Error("MISSING_FIELD", std::string(key) + " is required", key);
      }
    }
    return claim_request_from_json(c);
  };
  if (auto st = parse_array(*r, "claims", scenario_claim, f.claims); !st) return st.error();
  if (!r->absent("parameters")) {
    const json::value* params = r->raw("parameters");
    if (!params->is_object()) return bad_type("parameters", "an object", *params);
    for (const auto& kv : params->get_object()) {
      const std::string name(kv.key());
      if (auto st = policy::check_override(name, kv.value()); !st) {
        return st.error().at("parameters." + name.substr(0, 64));
      }
      f.parameters[name] = kv.value();
    }
  }
  if (auto st = r->finish(); !st) return st.error();
  if (auto st = check_references(f); !st) return st.error();
  return f;
}

namespace {
// The scenario object; its purchases are null in their place when `with_purchases` is
// false (to_scenario_canonical writes them).
json::object scenario_object(const Facts& f, bool with_purchases) {
  json::object o;
  auto put = [&o](const char* key, const auto& items) {
    json::array arr;
    arr.reserve(items.size());
    for (const auto& x : items) arr.push_back(to_json(x));
    o[key] = std::move(arr);
  };
  put("enterprises", f.enterprises);
  put("persons", f.persons);
  put("family", f.family);
  put("equity", f.equity);
  put("manual_affiliations", f.manual_affiliations);
  put("products", f.products);
  put("tapeouts", f.tapeouts);
  if (with_purchases) {
    put("purchases", f.purchases);
  } else {
    o["purchases"] = nullptr;
  }
  // The other clauses' arrays only when they hold facts: a clause 3 or 12 bundle stays
  // byte for byte what it was (its SHA-256 is in the log).
  auto put_some = [&put](const char* key, const auto& items) {
    if (!items.empty()) put(key, items);
  };
  put_some("rd_declarations", f.rd_declarations);
  put_some("signoff_participants", f.signoff_participants);
  put_some("compute_contracts", f.compute_contracts);
  put_some("data_trades", f.data_trades);
  put_some("datasets", f.datasets);
  put_some("dataset_calls", f.dataset_calls);
  put_some("platform_recognitions", f.platform_recognitions);
  put_some("platform_expenses", f.platform_expenses);
  put_some("events", f.events);
  put("voids", f.voids);
  put("other_awards", f.other_awards);
  put("prior_approvals", f.prior_approvals);
  json::array claimed;
  claimed.reserve(f.claimed_elsewhere.size());
  for (const auto& ref : f.claimed_elsewhere) claimed.push_back(json::object{{"invoice", ref.invoice}, {"line", ref.line}});
  o["claimed_lines"] = std::move(claimed);
  json::object params;
  for (const auto& [name, value] : f.parameters) params[name] = value;
  o["parameters"] = std::move(params);
  put("claims", f.claims);
  return o;
}

}  // namespace

json::object to_scenario_json(const Facts& f) { return scenario_object(f, true); }

void append_purchase_canonical(std::string& out, const Purchase& p, bool with_status) {
  // Keys in byte order, as canonical_json orders them; tests/log/test_entries.cpp checks
  // both forms (the purchase leaf's and the bundle's) against it.
  out += R"({"amount_fen":)";
  append_json_int(out, p.amount.fen());
  out += R"(,"buyer":)";
  append_json_string(out, p.buyer.str());
  out += R"(,"date":)";
  append_json_string(out, p.date.str());
  out += R"(,"invoice":)";
  append_json_string(out, p.invoice);
  out += R"(,"line":)";
  append_json_int(out, p.line);
  if (with_status && p.platform_status) {
    out += R"(,"platform_status":)";
    append_json_string(out, *p.platform_status);
  }
  out += R"(,"product":)";
  append_json_string(out, p.product);
  out += R"(,"reverses":)";
  if (p.reverses) {
    out += R"({"invoice":)";
    append_json_string(out, p.reverses->invoice);
    out += R"(,"line":)";
    append_json_int(out, p.reverses->line);
    out += '}';
  } else {
    out += "null";
  }
  out += R"(,"seller":)";
  append_json_string(out, p.seller.str());
  out += R"(,"tax_fen":)";
  append_json_int(out, p.tax.fen());
  out += '}';
}

std::string to_scenario_canonical(const Facts& f) {
  std::string out;
  out.reserve(256 * f.purchases.size() + 4096);
  append_canonical_object(out, scenario_object(f, false), "purchases", [&](std::string& o) {
    o += '[';
    for (std::size_t i = 0; i < f.purchases.size(); ++i) {
      if (i) o += ',';
      append_purchase_canonical(o, f.purchases[i]);
    }
    o += ']';
  });
  return out;
}

Result<Facts> parse_scenario(std::string_view text) {
  // Strict: a repeated key (DUPLICATE_KEY) or a number with more than four decimals
  // (BAD_PRECISION) would otherwise be silently decided by the parser.
  StrictJsonOptions options;
  options.max_depth = 64;
  auto v = parse_strict_json(text, options);
  if (!v) return v.error();
  return scenario_from_json(*v);
}

}  // namespace chipreg::json_io
