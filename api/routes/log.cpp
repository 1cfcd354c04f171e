// The transparency log, readable by anyone (no token):
//   GET /v1/log/checkpoint                       text/plain C2SP signed note
//   GET /v1/log/key                              text/plain note verifier key
//   GET /v1/log/entries/{index}                  {"index", "entry": b64 leaf bytes}: a v2
//                                                leaf shows only its commitment
// and, with a token, what a leaf hides (docs/LOG.md "Leaf versions"):
//   GET /v1/log/entries/{index}/opening          the fact's bytes and salt: admin and
//                                                reviewer for every leaf, an enterprise or
//                                                foundry for the leaves whose parties name
//                                                it (and every v1 leaf, already public);
//                                                anyone else 404
//   GET /v1/log/proof/inclusion?index=I&size=N   {"leaf_hash", "path"}
//   GET /v1/log/proof/consistency?from=M&to=N    {"path"}
// The answers are built by api/log_answers.hpp; this file only routes them. Errors take
// the one code-to-status map of message.hpp (BAD_REQUEST 400, NOT_FOUND 404, BUSY 503,
// LOG_CORRUPT and DB_ERROR 500).
#include "api/routes/common.hpp"
#include "api/auth.hpp"
#include "api/log_answers.hpp"

#include <algorithm>
#include "registry/log/store_log.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

Response text(std::string body) {
  Response r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

}  // namespace

void add_log_routes(Router& r, std::shared_ptr<const tlog::NoteSigner> signer) {
  r.add("GET", "/v1/log/checkpoint", Access::kPublicDb, [signer](RouteContext& ctx) {
    if (!signer) return error_response(503, "LOG_KEY_MISSING", "the log key is not loaded");
    auto note = api::checkpoint_response(*ctx.db, *signer);
    if (!note) return error_response(note.error());
    return text(std::move(*note));
  });
  r.add("GET", "/v1/log/key", Access::kPublic, [signer](RouteContext&) {
    if (!signer) return error_response(503, "LOG_KEY_MISSING", "the log key is not loaded");
    return text(api::key_response(*signer));
  });
  r.add("GET", "/v1/log/entries/{index}", Access::kPublicDb, [](RouteContext& ctx) {
    auto out = api::entry_response(*ctx.db, ctx.param("index"));
    if (!out) return error_response(out.error());
    return ok(*out);
  });
  r.add("GET", "/v1/log/entries/{index}/opening", Access::kToken, [](RouteContext& ctx) {
    const store::TokenInfo& who = *ctx.caller;
    auto out = api::opening_response(*ctx.db, ctx.param("index"), [&](const tlog::StoredEntry& e) {
      if (e.version() == 1 || is_bureau(who)) return true;
      return who.enterprise && std::find(e.parties.begin(), e.parties.end(), *who.enterprise) != e.parties.end();
    });
    if (!out) return error_response(out.error());
    return ok(*out);
  });
  r.add("GET", "/v1/log/proof/inclusion", Access::kPublicDb, [](RouteContext& ctx) {
    auto out = api::inclusion_response(*ctx.db, ctx.query_value("index").value_or(""), ctx.query_value("size").value_or(""));
    if (!out) return error_response(out.error());
    return ok(*out);
  });
  r.add("GET", "/v1/log/proof/consistency", Access::kPublicDb, [](RouteContext& ctx) {
    auto out = api::consistency_response(*ctx.db, ctx.query_value("from").value_or(""), ctx.query_value("to").value_or(""));
    if (!out) return error_response(out.error());
    return ok(*out);
  });
}

}  // namespace chipreg::api::routes
