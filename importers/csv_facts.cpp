// CSV rows <-> facts for the scenario-shaped import and export files (see csv_facts.hpp).
#include "importers/csv_facts.hpp"

#include "registry/domain/purchase_rules.hpp"

#include <charconv>
#include <limits>

namespace chipreg::importers {
namespace {

struct KindInfo {
  ImportKind kind;
  std::string_view name;
  std::vector<std::string> columns;
  std::size_t required;  // the first `required` columns must be present
};

const std::vector<KindInfo>& kinds() {
  static const std::vector<KindInfo> k = {
      {ImportKind::kEnterprises, "enterprises", {"uscc", "name", "in_district", "roles"}, 3},
      {ImportKind::kPersons, "persons", {"id", "name"}, 2},
      {ImportKind::kFamily, "family", {"a", "b", "relation"}, 3},
      {ImportKind::kEquity, "equity", {"holder", "held", "pct", "from", "to"}, 4},
      {ImportKind::kManualAffiliations, "manual_affiliations", {"a", "b", "from", "basis", "to"}, 4},
      {ImportKind::kProducts,
       "products",
       {"id", "kind", "owner", "self_developed", "first_market_date", "focus_area", "model"},
       4},
      {ImportKind::kPurchases,
       "purchases",
       {"invoice", "line", "date", "buyer", "seller", "product", "amount_fen", "tax_fen", "reverses_invoice",
        "reverses_line"},
       8},
      {ImportKind::kTapeouts, "tapeouts", {"envelope"}, 1},
      // The other clauses: each column a field of the scenario object (clause_csv.cpp).
      {ImportKind::kRdDeclarations, "rd_declarations", {"enterprise", "year", "field", "rd_fen", "sales_fen", "audit_ref"}, 6},
      {ImportKind::kSignoffParticipants, "signoff_participants", {"enterprise", "level", "from", "to"}, 3},
      {ImportKind::kComputeContracts,
       "compute_contracts",
       {"id", "customer", "provider", "date", "amount_fen", "voucher_fen"},
       5},
      {ImportKind::kDataTrades, "data_trades", {"id", "platform", "buyer", "seller", "date", "amount_fen"}, 6},
      {ImportKind::kDatasets, "datasets", {"id", "owner"}, 2},
      {ImportKind::kDatasetCalls, "dataset_calls", {"id", "dataset", "caller", "date", "income_fen"}, 5},
      {ImportKind::kPlatformRecognitions, "platform_recognitions", {"enterprise", "level", "from", "to"}, 3},
      {ImportKind::kPlatformExpenses, "platform_expenses", {"id", "enterprise", "date", "kind", "amount_fen"}, 0},
      {ImportKind::kEvents,
       "events",
       {"id", "organizer", "start", "in_district", "focus_area", "approval_date", "approval_ref", "venue_rent_fen"},
       5},
  };
  return k;
}

const KindInfo& info(ImportKind kind) {
  for (const auto& k : kinds()) {
    if (k.kind == kind) return k;
  }
  return kinds().front();
}

// Column indexes per kind, matching the order in kinds().
namespace ent { enum { kUscc, kName, kInDistrict, kRoles }; }
namespace per { enum { kId, kName }; }
namespace fam { enum { kA, kB, kRelation }; }
namespace eq { enum { kHolder, kHeld, kPct, kFrom, kTo }; }
namespace aff { enum { kA, kB, kFrom, kBasis, kTo }; }
namespace prod { enum { kId, kKind, kOwner, kSelfDeveloped, kFirstMarket, kFocus, kModel }; }
namespace pur { enum { kInvoice, kLine, kDate, kBuyer, kSeller, kProduct, kAmount, kTax, kRevInvoice, kRevLine }; }

const char* col(ImportKind kind, std::size_t i) { return info(kind).columns[i].c_str(); }

Error with_field(Error e, const char* field) {
  e.field = field;
  if (e.message.rfind(field, 0) != 0) e.message = std::string(field) + ": " + e.message;
  return e;
}

Result<std::string> required_text(std::string_view s, const char* field) {
  if (s.empty()) return Error("MISSING_FIELD", std::string(field) + ": must not be empty", field);
  return std::string(s);
}

Result<Uscc> uscc_cell(std::string_view s, const char* field) {
  if (s.empty()) return Error("MISSING_FIELD", std::string(field) + ": must not be empty", field);
  auto u = Uscc::parse(s);
  if (!u) return with_field(u.error(), field);
  return *u;
}

Result<Date> date_cell(std::string_view s, const char* field) {
  if (s.empty()) return Error("MISSING_FIELD", std::string(field) + ": must not be empty", field);
  auto d = Date::parse(s);
  if (!d) return with_field(d.error(), field);
  return *d;
}

Result<std::optional<Date>> opt_date_cell(std::string_view s, const char* field) {
  if (s.empty()) return std::optional<Date>();
  auto d = date_cell(s, field);
  if (!d) return d.error();
  return std::optional<Date>(*d);
}

Result<bool> bool_cell(std::string_view s, const char* field) {
  if (s == "true" || s == "1") return true;
  if (s == "false" || s == "0") return false;
  if (s.empty()) return Error("MISSING_FIELD", std::string(field) + ": must not be empty", field);
  return Error("BAD_TYPE", std::string(field) + ": expected true or false, got '" + std::string(s.substr(0, 40)) + "'",
               field);
}

template <typename E>
Result<E> enum_cell(std::string_view s, const char* field) {
  if (s.empty()) return Error("MISSING_FIELD", std::string(field) + ": must not be empty", field);
  auto e = parse_enum<E>(s);
  if (!e) return with_field(e.error(), field);
  return *e;
}

Result<Validity> validity_cells(std::string_view from, std::string_view to) {
  auto f = date_cell(from, "from");
  if (!f) return f.error();
  auto t = opt_date_cell(to, "to");
  if (!t) return t.error();
  if (*t && **t < *f) return Error("BAD_VALUE", "to: " + (*t)->str() + " is before from " + f->str(), "to");
  return Validity{*f, *t};
}

std::string percent_text(Rate r) {
  const std::int64_t u = r.units();
  std::string s = std::to_string(u / Rate::kScale);
  std::int64_t frac = u % Rate::kScale;
  if (frac != 0) {
    std::string f = std::to_string(frac);
    f.insert(0, 4 - f.size(), '0');
    while (!f.empty() && f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return s;
}

}  // namespace

Result<ImportKind> parse_import_kind(std::string_view name) {
  if (name == "manual-affiliations") name = "manual_affiliations";
  std::string underscored(name);  // "rd-declarations" names the same KIND as its route
  for (char& c : underscored) {
    if (c == '-') c = '_';
  }
  for (const auto& k : kinds()) {
    if (k.name == underscored) return k.kind;
  }
  std::string names;
  for (const auto& k : kinds()) {
    if (k.name == name) return k.kind;
    names += names.empty() ? "" : ", ";
    names += k.name;
  }
  return Error("USAGE", "unknown KIND '" + std::string(name.substr(0, 40)) + "' (expected one of: " + names + ")");
}

std::string_view to_string(ImportKind kind) { return info(kind).name; }

const std::vector<std::string>& csv_columns(ImportKind kind) { return info(kind).columns; }

Result<CsvLayout> CsvLayout::bind(ImportKind kind, const std::vector<std::string>& header) {
  const KindInfo& k = info(kind);
  CsvLayout layout;
  layout.index_.assign(k.columns.size(), -1);
  for (std::size_t i = 0; i < header.size(); ++i) {
    std::size_t c = 0;
    while (c < k.columns.size() && k.columns[c] != header[i]) ++c;
    if (c == k.columns.size()) {
      std::string list;
      for (const auto& n : k.columns) list += (list.empty() ? "" : ", ") + n;
      return Error("BAD_HEADER",
                   "unknown column '" + header[i].substr(0, 60) + "' for " + std::string(k.name) +
                       " (accepted: " + list + ")",
                   header[i], 1);
    }
    if (layout.index_[c] >= 0) return Error("BAD_HEADER", "column '" + header[i] + "' appears twice", header[i], 1);
    layout.index_[c] = static_cast<int>(i);
  }
  for (std::size_t c = 0; c < k.required; ++c) {
    if (layout.index_[c] < 0) {
      return Error("BAD_HEADER", "missing required column '" + k.columns[c] + "' for " + std::string(k.name),
                   k.columns[c], 1);
    }
  }
  return layout;
}

Result<std::int64_t> parse_int64(std::string_view s, const char* field) {
  if (s.empty()) return Error("MISSING_FIELD", std::string(field) + ": must not be empty", field);
  std::int64_t v = 0;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  if (*first == '+') return Error("BAD_TYPE", std::string(field) + ": not an integer", field);
  auto [p, ec] = std::from_chars(first, last, v);
  if (ec == std::errc::result_out_of_range) return Error("BAD_VALUE", std::string(field) + ": out of range", field);
  if (ec != std::errc() || p != last) {
    return Error("BAD_TYPE", std::string(field) + ": expected an integer, got '" + std::string(s.substr(0, 40)) + "'",
                 field);
  }
  return v;
}

Result<Enterprise> enterprise_from_csv(const CsvRow& r) {
  constexpr auto K = ImportKind::kEnterprises;
  auto uscc = uscc_cell(r.cell(ent::kUscc), col(K, ent::kUscc));
  if (!uscc) return uscc.error();
  auto name = required_text(r.cell(ent::kName), "name");
  if (!name) return name.error();
  auto in = bool_cell(r.cell(ent::kInDistrict), "in_district");
  if (!in) return in.error();
  std::vector<Role> roles;
  std::string_view rest = r.cell(ent::kRoles);
  while (!rest.empty()) {
    const auto bar = rest.find('|');
    const std::string_view one = rest.substr(0, bar);
    auto role = enum_cell<Role>(one, "roles");
    if (!role) return role.error();
    roles.push_back(*role);
    if (bar == std::string_view::npos) break;
    rest.remove_prefix(bar + 1);
    if (rest.empty()) return Error("BAD_VALUE", "roles: ends with '|'", "roles");
  }
  return Enterprise{*uscc, std::move(*name), *in, std::move(roles)};
}

Result<Person> person_from_csv(const CsvRow& r) {
  auto id = required_text(r.cell(per::kId), "id");
  if (!id) return id.error();
  auto name = required_text(r.cell(per::kName), "name");
  if (!name) return name.error();
  return Person{std::move(*id), std::move(*name)};
}

Result<FamilyLink> family_link_from_csv(const CsvRow& r) {
  auto a = required_text(r.cell(fam::kA), "a");
  if (!a) return a.error();
  auto b = required_text(r.cell(fam::kB), "b");
  if (!b) return b.error();
  auto rel = enum_cell<FamilyRelation>(r.cell(fam::kRelation), "relation");
  if (!rel) return rel.error();
  return FamilyLink{std::move(*a), std::move(*b), *rel};
}

Result<EquityEdge> equity_from_csv(const CsvRow& r) {
  auto holder = required_text(r.cell(eq::kHolder), "holder");
  if (!holder) return holder.error();
  auto held = uscc_cell(r.cell(eq::kHeld), "held");
  if (!held) return held.error();
  const std::string_view pct_text = r.cell(eq::kPct);
  if (pct_text.empty()) return Error("MISSING_FIELD", "pct: must not be empty", "pct");
  auto pct = Rate::parse_percent(pct_text);
  if (!pct) return with_field(pct.error(), "pct");
  if (pct->units() <= 0 || *pct > Rate::percent(100)) {
    return Error("BAD_PERCENT", "pct: must be above 0 and at most 100", "pct");
  }
  auto valid = validity_cells(r.cell(eq::kFrom), r.cell(eq::kTo));
  if (!valid) return valid.error();
  // Same rule as the JSON parser: a holder that is a well-formed USCC is an enterprise.
  const bool is_person = !Uscc::parse(*holder).ok();
  if (!is_person && *holder == held->str()) {
    return Error("BAD_VALUE", "holder: an enterprise cannot hold its own shares in this registry", "holder");
  }
  return EquityEdge{std::move(*holder), is_person, *held, *pct, *valid};
}

Result<ManualAffiliation> manual_affiliation_from_csv(const CsvRow& r) {
  auto a = uscc_cell(r.cell(aff::kA), "a");
  if (!a) return a.error();
  auto b = uscc_cell(r.cell(aff::kB), "b");
  if (!b) return b.error();
  auto valid = validity_cells(r.cell(aff::kFrom), r.cell(aff::kTo));
  if (!valid) return valid.error();
  auto basis = required_text(r.cell(aff::kBasis), "basis");
  if (!basis) return basis.error();
  return ManualAffiliation{*a, *b, *valid, std::move(*basis)};
}

Result<Product> product_from_csv(const CsvRow& r) {
  auto id = required_text(r.cell(prod::kId), "id");
  if (!id) return id.error();
  auto kind = enum_cell<ProductKind>(r.cell(prod::kKind), "kind");
  if (!kind) return kind.error();
  auto owner = uscc_cell(r.cell(prod::kOwner), "owner");
  if (!owner) return owner.error();
  auto self = bool_cell(r.cell(prod::kSelfDeveloped), "self_developed");
  if (!self) return self.error();
  auto market = opt_date_cell(r.cell(prod::kFirstMarket), "first_market_date");
  if (!market) return market.error();
  std::optional<std::string> model;
  if (!r.cell(prod::kModel).empty()) model = std::string(r.cell(prod::kModel));
  return Product{std::move(*id), *kind, *owner, *self, *market, std::string(r.cell(prod::kFocus)), std::move(model)};
}

Result<Purchase> purchase_from_csv(const CsvRow& r) {
  auto invoice = required_text(r.cell(pur::kInvoice), "invoice");
  if (!invoice) return invoice.error();
  auto line = parse_int64(r.cell(pur::kLine), "line");
  if (!line) return line.error();
  auto date = date_cell(r.cell(pur::kDate), "date");
  if (!date) return date.error();
  auto buyer = uscc_cell(r.cell(pur::kBuyer), "buyer");
  if (!buyer) return buyer.error();
  auto seller = uscc_cell(r.cell(pur::kSeller), "seller");
  if (!seller) return seller.error();
  auto product = required_text(r.cell(pur::kProduct), "product");
  if (!product) return product.error();
  auto amount = parse_int64(r.cell(pur::kAmount), "amount_fen");
  if (!amount) return amount.error();
  auto tax = parse_int64(r.cell(pur::kTax), "tax_fen");
  if (!tax) return tax.error();
  std::optional<InvoiceLineRef> reverses;
  const std::string_view rev_inv = r.cell(pur::kRevInvoice);
  const std::string_view rev_line = r.cell(pur::kRevLine);
  if (rev_inv.empty() != rev_line.empty()) {
    const char* missing = rev_inv.empty() ? "reverses_invoice" : "reverses_line";
    return Error("MISSING_FIELD", std::string(missing) + ": reverses_invoice and reverses_line go together", missing);
  }
  if (!rev_inv.empty()) {
    auto rl = parse_int64(rev_line, "reverses_line");
    if (!rl) return rl.error();
    if (*rl < 1) return Error("BAD_VALUE", "reverses_line: must be 1 or more", "reverses_line");
    reverses = InvoiceLineRef{std::string(rev_inv), *rl};
  }
  Result<Purchase> p = Purchase{std::move(*invoice), *line, *date, *buyer, *seller, std::move(*product),
                                Money::fen(*amount), Money::fen(*tax), reverses, std::nullopt};
  if (auto st = check_purchase_line(*p); !st) return st.error();
  return p;
}

std::vector<std::string> to_csv(const Enterprise& e) {
  std::string roles;
  for (Role r : e.roles) {
    if (!roles.empty()) roles += '|';
    roles += to_string(r);
  }
  return {e.uscc.str(), e.name, e.in_district ? "true" : "false", roles};
}

std::vector<std::string> to_csv(const Person& p) { return {p.id, p.name}; }

std::vector<std::string> to_csv(const FamilyLink& f) { return {f.a, f.b, std::string(to_string(f.relation))}; }

std::vector<std::string> to_csv(const EquityEdge& e) {
  return {e.holder, e.held.str(), percent_text(e.pct), e.valid.from.str(), e.valid.to ? e.valid.to->str() : ""};
}

std::vector<std::string> to_csv(const ManualAffiliation& m) {
  return {m.a.str(), m.b.str(), m.valid.from.str(), m.basis, m.valid.to ? m.valid.to->str() : ""};
}

std::vector<std::string> to_csv(const Product& p) {
  return {p.id,
          std::string(to_string(p.kind)),
          p.owner.str(),
          p.self_developed ? "true" : "false",
          p.first_market_date ? p.first_market_date->str() : "",
          p.focus_area,
          p.model.value_or("")};
}

std::vector<std::string> to_csv(const Purchase& p) {
  return {p.invoice,
          std::to_string(p.line),
          p.date.str(),
          p.buyer.str(),
          p.seller.str(),
          p.product,
          std::to_string(p.amount.fen()),
          std::to_string(p.tax.fen()),
          p.reverses ? p.reverses->invoice : "",
          p.reverses ? std::to_string(p.reverses->line) : ""};
}

void append_csv_record(std::string& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    const std::string& c = cells[i];
    const bool quote = c.find_first_of(",\"\r\n") != std::string::npos ||
                       (!c.empty() && (c.front() == ' ' || c.back() == ' '));
    if (!quote) {
      out += c;
      continue;
    }
    out += '"';
    for (char ch : c) {
      if (ch == '"') out += '"';
      out += ch;
    }
    out += '"';
  }
  out += '\n';
}

}  // namespace chipreg::importers
