// Voids and platform statuses of registered invoices (see voids.hpp).
#include "registry/store/voids.hpp"

#include <boost/json.hpp>

#include <set>

#include "registry/log/entries.hpp"
#include "registry/log/log.hpp"
#include "registry/store/audit.hpp"
#include "registry/store/claims.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {
namespace json = boost::json;

json::object to_json(const InvoiceFactOutcome& o) {
  json::object out{{"invoice", o.invoice},
                   {"buyer", o.buyer},
                   {"lines", json::array(o.lines.begin(), o.lines.end())},
                   {"claims", json::array(o.claims.begin(), o.claims.end())},
                   {"changed", o.changed}};
  out["log_index"] = o.log_index ? json::value(*o.log_index) : json::value(nullptr);
  return out;
}

namespace {

// The invoice's lines, its buyer and the years of the series its lines belong to (a red
// line's is the year of the line it reverses).
struct InvoiceLines {
  std::string buyer;
  std::string seller;
  std::vector<std::int64_t> lines;
  std::set<int> years;
};

// The buyer's lines of `invoice` (an invoice number names an invoice of its buyer).
Result<std::optional<InvoiceLines>> invoice_lines(Db& db, const std::string& buyer, const std::string& invoice) {
  auto st = db.prepare(
      "SELECT p.line, p.buyer, substr(coalesce(b.date, p.date), 1, 4), p.seller FROM purchases p "
      "LEFT JOIN purchases b ON b.buyer = p.buyer AND b.invoice = p.reverses_invoice AND b.line = p.reverses_line "
      "WHERE p.buyer = ?1 AND p.invoice = ?2 ORDER BY p.line");
  if (!st) return st.error();
  st->bind(1, buyer).bind(2, invoice);
  InvoiceLines out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    out.lines.push_back(st->int64(0));
    out.buyer = st->text(1);
    out.seller = st->text(3);
    out.years.insert(static_cast<int>(std::strtol(st->text(2).c_str(), nullptr, 10)));
  }
  if (out.lines.empty()) return std::optional<InvoiceLines>();
  return std::optional<InvoiceLines>(std::move(out));
}

Error unknown_invoice(const std::string& buyer, const std::string& invoice) {
  return Error("UNKNOWN_INVOICE",
               "no line of invoice " + invoice.substr(0, 64) + " of buyer " + buyer.substr(0, 18) + " is registered",
               "invoice");
}

Status touch(Db& db, const InvoiceLines& il, InvoiceFactOutcome& out) {
  for (int year : il.years) {
    auto touched = invoice_lines_changed(db, il.buyer, year, true);
    if (!touched) return touched.error();
    out.claims.insert(out.claims.end(), touched->begin(), touched->end());
  }
  return Status::Ok();
}

}  // namespace

Result<InvoiceFactOutcome> void_invoice(Db& db, const std::string& buyer, const std::string& invoice, Date date,
                                        const std::string& source, const std::string& actor) {
  if (source.empty()) return Error("BAD_VALUE", "source: say where the void comes from", "source");
  if (auto st = check_not_future(date, now_utc(), "date"); !st) return st.error();
  auto il = invoice_lines(db, buyer, invoice);
  if (!il) return il.error();
  if (!*il) return unknown_invoice(buyer, invoice);
  InvoiceFactOutcome out{invoice, (*il)->buyer, (*il)->lines, {}, true, std::nullopt};
  {
    auto st = db.prepare("SELECT log_index FROM voids WHERE buyer = ? AND invoice = ?");
    if (!st) return st.error();
    st->bind(1, buyer).bind(2, invoice);
    auto row = st->step();
    if (!row) return row.error();
    if (*row) {
      out.changed = false;
      out.log_index = st->int64(0);
      return out;
    }
  }
  const std::string d = date.str();
  auto index = tlog::append(db, tlog::EntryKind::kVoid, buyer + "/" + invoice, tlog::void_entry({invoice, d, source, buyer}),
                            {(*il)->buyer, (*il)->seller});
  if (!index) return index.error();
  auto ins = db.prepare(
      "INSERT INTO voids(buyer, invoice, date, source, actor, log_index, created_at, leaf_names_buyer) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, 1)");
  if (!ins) return ins.error();
  ins->bind(1, buyer).bind(2, invoice).bind(3, d).bind(4, source).bind(5, actor).bind(6, *index).bind(7, now_utc());
  if (auto s = ins->exec(); !s) return s.error();
  out.log_index = *index;
  if (auto s = touch(db, **il, out); !s) return s.error();
  if (auto s = audit(db, actor, "invoice.void", buyer + "/" + invoice,
                     json::object{{"date", d}, {"source", source}, {"claims", json::array(out.claims.begin(), out.claims.end())}});
      !s) {
    return s.error();
  }
  return out;
}

Result<InvoiceFactOutcome> set_platform_status(Db& db, const std::string& buyer, const std::string& invoice,
                                               const std::string& status, const std::string& source,
                                               const std::string& actor) {
  if (status.empty()) return Error("BAD_VALUE", "status: must not be empty", "status");
  auto il = invoice_lines(db, buyer, invoice);
  if (!il) return il.error();
  if (!*il) return unknown_invoice(buyer, invoice);
  InvoiceFactOutcome out{invoice, (*il)->buyer, (*il)->lines, {}, true, std::nullopt};
  std::optional<std::string> previous;
  {
    auto st = db.prepare("SELECT status, log_index FROM invoice_status WHERE buyer = ? AND invoice = ?");
    if (!st) return st.error();
    st->bind(1, buyer).bind(2, invoice);
    auto row = st->step();
    if (!row) return row.error();
    if (*row) {
      previous = st->text(0);
      out.log_index = st->int64(1);
    }
  }
  if ((status == "正常" && !previous) || (previous && *previous == status)) {
    out.changed = false;
    return out;
  }
  // 正常 again is a fact too: the row keeps the status the invoice now has (the loader
  // reads 正常 as no status), and its leaf records it.
  auto index = tlog::append(db, tlog::EntryKind::kInvoiceStatus, buyer + "/" + invoice,
                            tlog::invoice_status_entry({invoice, status, source, buyer}), {(*il)->buyer, (*il)->seller});
  if (!index) return index.error();
  {
    auto up = db.prepare(
        "INSERT INTO invoice_status(buyer, invoice, status, source, log_index, updated_at, leaf_names_buyer) "
        "VALUES (?6, ?1, ?2, ?3, ?4, ?5, 1) "
        "ON CONFLICT(buyer, invoice) DO UPDATE SET status = excluded.status, source = excluded.source, "
        "log_index = excluded.log_index, updated_at = excluded.updated_at, leaf_names_buyer = 1");
    if (!up) return up.error();
    up->bind(1, invoice).bind(2, status).bind(3, source).bind(4, *index).bind(5, now_utc()).bind(6, buyer);
    if (auto s = up->exec(); !s) return s.error();
  }
  out.log_index = *index;
  if (auto s = touch(db, **il, out); !s) return s.error();
  json::object detail{{"status", status}, {"source", source}, {"claims", json::array(out.claims.begin(), out.claims.end())}};
  detail["previous"] = previous ? json::value(*previous) : json::value("正常");
  if (auto s = audit(db, actor, "invoice.status", buyer + "/" + invoice, detail); !s) return s.error();
  return out;
}

}  // namespace chipreg::store
