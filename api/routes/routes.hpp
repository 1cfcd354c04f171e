// The route table, one add_*_routes per resource file in api/routes/. Handler's constructor
// calls each once. Every route is documented where it is added, with who may call it, and in
// api/openapi.json (tests/api/test_openapi.cpp fails on a route the document does not name;
// then run scripts/gen_api_doc.py for docs/API.md).
#pragma once

#include "api/metrics.hpp"
#include "api/router.hpp"
#include "api/webhook_url.hpp"
#include "registry/log/note.hpp"
#include "registry/store/objections.hpp"

#include <memory>

namespace chipreg::api::routes {

void add_health_routes(Router& r, const Metrics& metrics);  // /healthz, /metrics
void add_openapi_routes(Router& r);                         // /v1/openapi.json
void add_token_routes(Router& r);                           // /v1/tokens, /v1/whoami
void add_registry_routes(Router& r);                        // enterprises, persons, family, equity, affiliations
void add_product_routes(Router& r);                         // /v1/products
void add_foundry_key_routes(Router& r);                     // /v1/foundry-keys
void add_tapeout_routes(Router& r);                         // /v1/tapeouts
void add_purchase_routes(Router& r);                        // /v1/purchases, /v1/enterprises/{uscc}/purchases
void add_award_routes(Router& r);                           // /v1/other-awards
void add_claim_routes(Router& r);                           // /v1/claims...
// `policy`: the objection deadline (serve --objection-days).
void add_objection_routes(Router& r, const store::ObjectionPolicy& policy);  // objections (异议), /v1/recoveries (追回)
// `urls`: which webhook URLs may be registered (serve --webhook-allow-http-host).
void add_notification_routes(Router& r, const WebhookUrlPolicy& urls);  // GET /v1/events, /v1/webhooks/...
void add_entitlement_routes(Router& r);                     // /v1/entitlements... (免申即享)
void add_clause_fact_routes(Router& r);                     // the other clauses' facts (rd-declarations ...)
void add_audit_routes(Router& r);                           // /v1/audit
void add_list_routes(Router& r);                            // GET /v1/enterprises, products, tapeouts, purchases
void add_import_routes(Router& r);                          // /v1/imports/purchases
void add_web_routes(Router& r);                             // /, /assets/... (the web app)
// `signer` may be null (no log key): checkpoint and key then answer 503.
void add_log_routes(Router& r, std::shared_ptr<const tlog::NoteSigner> signer);  // /v1/log/...

}  // namespace chipreg::api::routes
