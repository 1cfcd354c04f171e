// Validation of in-toto Statement v1 payloads carrying the chipreg tape-out predicate
// (see attestation.hpp).
#include "registry/domain/attestation.hpp"

#include <boost/json.hpp>

#include <cctype>
#include <limits>

#include "crypto/strict_json.hpp"

namespace chipreg::attestation {
namespace json = boost::json;

namespace {

Error bad(const std::string& field, const std::string& message) {
  return Error("BAD_STATEMENT", field + ": " + message, field);
}

const char* type_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64: return "an integer";
    case json::kind::double_: return "a number with a fraction or exponent";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "?";
}

Result<std::string> req_string(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return bad(path, "missing");
  if (!v->is_string()) return bad(path, std::string("must be a string, not ") + type_name(*v));
  return std::string(v->get_string());
}

Result<std::optional<std::string>> opt_string(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) return bad(path, std::string("must be a string or null, not ") + type_name(*v));
  return std::optional<std::string>(std::string(v->get_string()));
}

Result<std::string> hex_digest(const json::value& v, const std::string& path) {
  if (!v.is_string()) return bad(path, std::string("must be a hex string, not ") + type_name(v));
  std::string s(v.get_string());
  if (s.size() != 64) return bad(path, "must be 64 hex digits, got " + std::to_string(s.size()) + " characters");
  for (char& c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return bad(path, "not a hex digest (non-hex character)");
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

Result<Uscc> uscc_at(const json::object& o, std::string_view key, const std::string& path) {
  auto s = req_string(o, key, path);
  if (!s) return s.error();
  auto u = Uscc::parse(*s);
  if (!u) return bad(path, u.error().message);
  return *u;
}

Result<Subject> parse_subject(const json::value& v, const std::string& path) {
  if (!v.is_object()) return bad(path, std::string("must be an object, not ") + type_name(v));
  const json::object& o = v.get_object();
  Subject s;
  auto name = opt_string(o, "name", path + ".name");
  if (!name) return name.error();
  s.name = name->value_or("");
  const json::value* d = o.if_contains("digest");
  if (d == nullptr || d->is_null()) return bad(path + ".digest", "missing");
  if (!d->is_object()) return bad(path + ".digest", std::string("must be an object, not ") + type_name(*d));
  for (const auto& [alg, value] : d->get_object()) {
    const std::string p = path + ".digest." + std::string(alg);
    if (alg == "sha256" || alg == "sm3") {
      auto h = hex_digest(value, p);
      if (!h) return h.error();
      (alg == "sha256" ? s.sha256 : s.sm3) = std::move(*h);
    } else if (!value.is_string()) {
      return bad(p, std::string("must be a string, not ") + type_name(value));
    }
  }
  if (!s.sha256 && !s.sm3) return bad(path + ".digest", "needs a sha256 or sm3 digest");
  return s;
}

}  // namespace

std::string TapeoutStatement::design_digest() const {
  const Subject& s = subjects.front();
  return s.sha256 ? "sha256:" + *s.sha256 : "sm3:" + *s.sm3;
}

Tapeout TapeoutStatement::to_fact(std::string id) const {
  return Tapeout{.id = std::move(id),
                 .product = product,
                 .foundry = foundry,
                 .design_owner = design_owner,
                 .date = date,
                 .kind = kind,
                 .design_digest = design_digest(),
                 .cost = cost,
                 .mask_set_id = mask_set_id,
                 .keyid = std::nullopt,
                 .key_status = std::nullopt};
}

Result<TapeoutStatement> parse_statement(std::string_view payload) {
  if (payload.empty()) return bad("payload", "the statement is empty");
  auto parsed = parse_strict_json(payload);
  if (!parsed && parsed.error().code != "BAD_JSON") return parsed.error().at("payload");
  if (!parsed) return bad("payload", "the statement is not valid JSON (" + parsed.error().message + ")");
  json::value root = std::move(*parsed);
  if (!root.is_object()) return bad("payload", std::string("the statement must be an object, not ") + type_name(root));
  const json::object& st = root.get_object();

  auto type = req_string(st, "_type", "_type");
  if (!type) return type.error();
  if (*type != kStatementType) {
    return bad("_type", "must be '" + std::string(kStatementType) + "', got '" + type->substr(0, 80) + "'");
  }
  auto ptype = req_string(st, "predicateType", "predicateType");
  if (!ptype) return ptype.error();
  if (*ptype != kTapeoutPredicateType) {
    return bad("predicateType",
               "must be '" + std::string(kTapeoutPredicateType) + "', got '" + ptype->substr(0, 80) + "'");
  }

  std::vector<Subject> subjects;
  const json::value* subj = st.if_contains("subject");
  if (subj == nullptr) return bad("subject", "missing");
  if (!subj->is_array()) return bad("subject", std::string("must be an array, not ") + type_name(*subj));
  if (subj->get_array().empty()) return bad("subject", "must name at least one subject");
  for (std::size_t i = 0; i < subj->get_array().size(); ++i) {
    auto s = parse_subject(subj->get_array()[i], "subject[" + std::to_string(i) + "]");
    if (!s) return s.error();
    subjects.push_back(std::move(*s));
  }

  const json::value* pv = st.if_contains("predicate");
  if (pv == nullptr) return bad("predicate", "missing");
  if (!pv->is_object()) return bad("predicate", std::string("must be an object, not ") + type_name(*pv));
  const json::object& p = pv->get_object();

  auto foundry = uscc_at(p, "foundry", "predicate.foundry");
  if (!foundry) return foundry.error();
  auto owner = uscc_at(p, "design_owner", "predicate.design_owner");
  if (!owner) return owner.error();
  TapeoutStatement out{.subjects = std::move(subjects),
                       .foundry = *foundry,
                       .design_owner = *owner,
                       .product = {},
                       .date = {},
                       .kind = TapeoutKind::kMpw,
                       .mask_set_id = std::nullopt,
                       .process_node = std::nullopt,
                       .wafer_size_mm = std::nullopt,
                       .cost = {}};

  auto product = req_string(p, "product", "predicate.product");
  if (!product) return product.error();
  if (product->empty()) return bad("predicate.product", "must not be empty");
  if (product->size() > 128) return bad("predicate.product", "longer than 128 bytes");
  out.product = std::move(*product);

  auto date_text = req_string(p, "date", "predicate.date");
  if (!date_text) return date_text.error();
  auto date = Date::parse(*date_text);
  if (!date) return bad("predicate.date", date.error().message);
  out.date = *date;

  auto kind_text = req_string(p, "kind", "predicate.kind");
  if (!kind_text) return kind_text.error();
  auto kind = parse_enum<TapeoutKind>(*kind_text);
  if (!kind) return bad("predicate.kind", kind.error().message);
  out.kind = *kind;

  const json::value* cost = p.if_contains("cost_fen");
  if (cost == nullptr) return bad("predicate.cost_fen", "missing");
  if (cost->is_int64()) {
    if (cost->get_int64() < 0) return bad("predicate.cost_fen", "must not be negative");
    if (cost->get_int64() > Money::kMaxIntakeFen) {
      return Error("AMOUNT_TOO_LARGE",
                   "predicate.cost_fen: at most " + std::to_string(Money::kMaxIntakeFen) + " fen (100 亿元)",
                   "predicate.cost_fen");
    }
    out.cost = Money::fen(cost->get_int64());
  } else if (cost->is_uint64()) {
    // Boost.JSON only uses uint64 for integers above INT64_MAX.
    return bad("predicate.cost_fen", "overflows a 64-bit amount of fen");
  } else if (cost->is_double()) {
    return bad("predicate.cost_fen", "must be an integer number of fen (fractions, exponents and "
                                     "integers beyond 64 bits are rejected)");
  } else {
    return bad("predicate.cost_fen", std::string("must be an integer, not ") + type_name(*cost));
  }

  auto mask = opt_string(p, "mask_set_id", "predicate.mask_set_id");
  if (!mask) return mask.error();
  if (*mask && (*mask)->empty()) return bad("predicate.mask_set_id", "must not be empty (omit it or use null)");
  out.mask_set_id = std::move(*mask);
  auto node = opt_string(p, "process_node", "predicate.process_node");
  if (!node) return node.error();
  out.process_node = std::move(*node);

  if (const json::value* w = p.if_contains("wafer_size_mm"); w != nullptr && !w->is_null()) {
    if (!w->is_int64()) return bad("predicate.wafer_size_mm", std::string("must be an integer, not ") + type_name(*w));
    if (w->get_int64() <= 0) return bad("predicate.wafer_size_mm", "must be positive");
    out.wafer_size_mm = w->get_int64();
  }
  return out;
}

}  // namespace chipreg::attestation
