// An enterprise's upload of its e-invoice export (or a purchases CSV / JSON Lines file):
//   POST /v1/imports/purchases   an enterprise token; the body is the file's bytes (any
//                                Content-Type; the format is read from the content:
//                                importers::sniff_format) → 200 the report of `chipreg import`:
//                                {"imported", "rejected", "errors": [{"line", "field", "message",
//                                "code"}], "skipped"?: [...]}; a row whose buyer is another
//                                enterprise is rejected (FORBIDDEN, field buyer). A header that
//                                fits no format: 422 BAD_HEADER; a workbook (xlsx, read from
//                                memory by the same reader as `chipreg import FILE.xlsx`) that
//                                is not one: 422 BAD_XLSX; over the body limit (serve
//                                --max-body): 413.
//                                admin may upload too, for any buyer.
// Rows are checked and written exactly as `chipreg import` does, good rows kept and bad rows
// reported. The upload runs outside the group commit in transactions of its own.
#include "api/routes/common.hpp"
#include "importers/import.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

Response import_purchases(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"enterprise", "admin"})) return *deny;
  importers::ImportOptions options;
  options.max_errors = 1000;
  if (ctx.caller->role == "enterprise") options.only_buyer = ctx.caller->enterprise;
  auto report = importers::import_bytes(*ctx.db, importers::ImportKind::kPurchases, ctx.req.body, options);
  if (!report) return error_response(report.error());
  // As after `chipreg import`: the planner's statistics follow the grown tables. Bounded
  // (milliseconds at millions of rows); a failure only leaves the older statistics.
  if (report->imported > 0) (void)importers::refresh_statistics(*ctx.db, importers::ImportKind::kPurchases);
  json::object out = importers::to_json(*report);
  out["einvoice"] = report->einvoice;
  json::object detail{{"imported", report->imported},
                      {"rejected", report->rejected},
                      {"skipped", static_cast<std::int64_t>(report->skipped.size())}};
  // The rows are committed; the audit row records who uploaded them.
  db::Db& db = *ctx.db;
  Response audited = in_transaction(db, [&] {
    if (auto st = store::audit(db, actor(*ctx.caller), "purchase.import", ctx.caller->enterprise.value_or(""), detail);
        !st) {
      return error_response(st.error());
    }
    return ok(out);
  });
  return audited;
}

}  // namespace

void add_import_routes(Router& r) { r.add_upload("POST", "/v1/imports/purchases", import_purchases); }

}  // namespace chipreg::api::routes
