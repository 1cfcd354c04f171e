#include "registry/store/schema.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "registry/log/fact_rows.hpp"

namespace chipreg::store {
namespace {

// Dates are ISO 'YYYY-MM-DD' text (validated before insert; the CHECKs below catch shape
// errors). Money is INTEGER fen. Percentages are INTEGER units of 0.0001 % (25 % = 250000).
// Timestamps are ISO 8601 UTC text.
constexpr const char* kMigration1 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE enterprises (
  uscc        TEXT PRIMARY KEY CHECK (length(uscc) = 18),
  name        TEXT NOT NULL CHECK (length(name) > 0),
  in_district INTEGER NOT NULL CHECK (in_district IN (0, 1)),
  created_at  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE enterprise_roles (
  uscc TEXT NOT NULL REFERENCES enterprises(uscc),
  role TEXT NOT NULL CHECK (role IN ('oem', 'system_integrator', 'ic_design', 'ic_equipment',
                                     'ic_material', 'ic_packaging', 'foundry', 'other')),
  PRIMARY KEY (uscc, role)
) WITHOUT ROWID;

CREATE TABLE persons (
  id         TEXT PRIMARY KEY CHECK (length(id) > 0),
  name       TEXT NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE family_links (
  id       INTEGER PRIMARY KEY,
  a        TEXT NOT NULL REFERENCES persons(id),
  b        TEXT NOT NULL REFERENCES persons(id),
  relation TEXT NOT NULL CHECK (relation IN ('spouse', 'parent_child', 'sibling', 'dependant')),
  CHECK (a <> b),
  UNIQUE (a, b)
);

-- Exactly one of holder_enterprise / holder_person is set.
CREATE TABLE equity (
  id                INTEGER PRIMARY KEY,
  holder_enterprise TEXT REFERENCES enterprises(uscc),
  holder_person     TEXT REFERENCES persons(id),
  held              TEXT NOT NULL REFERENCES enterprises(uscc),
  pct_units         INTEGER NOT NULL CHECK (pct_units > 0 AND pct_units <= 1000000),
  valid_from        TEXT NOT NULL CHECK (valid_from GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  valid_to          TEXT CHECK (valid_to IS NULL OR valid_to >= valid_from),
  CHECK ((holder_enterprise IS NULL) <> (holder_person IS NULL)),
  CHECK (holder_enterprise IS NULL OR holder_enterprise <> held)
);
CREATE INDEX equity_by_held ON equity(held);
CREATE INDEX equity_by_holder_enterprise ON equity(holder_enterprise);
CREATE INDEX equity_by_holder_person ON equity(holder_person);

CREATE TABLE manual_affiliations (
  id         INTEGER PRIMARY KEY,
  a          TEXT NOT NULL REFERENCES enterprises(uscc),
  b          TEXT NOT NULL REFERENCES enterprises(uscc),
  valid_from TEXT NOT NULL,
  valid_to   TEXT CHECK (valid_to IS NULL OR valid_to >= valid_from),
  basis      TEXT NOT NULL CHECK (length(basis) > 0),
  CHECK (a <> b)
);

CREATE TABLE products (
  id                TEXT PRIMARY KEY CHECK (length(id) > 0),
  kind              TEXT NOT NULL CHECK (kind IN ('chip', 'module', 'device', 'material')),
  owner             TEXT NOT NULL REFERENCES enterprises(uscc),
  self_developed    INTEGER NOT NULL CHECK (self_developed IN (0, 1)),
  first_market_date TEXT,
  focus_area        TEXT NOT NULL DEFAULT '',
  model             TEXT,
  created_at        TEXT NOT NULL,
  UNIQUE (owner, model)
) WITHOUT ROWID;

CREATE TABLE foundry_keys (
  keyid          TEXT PRIMARY KEY CHECK (length(keyid) = 64),
  foundry        TEXT NOT NULL REFERENCES enterprises(uscc),
  alg            TEXT NOT NULL CHECK (alg IN ('ed25519', 'ecdsa-p256', 'sm2')),
  public_key_pem TEXT NOT NULL,
  valid_from     TEXT NOT NULL,
  valid_to       TEXT CHECK (valid_to IS NULL OR valid_to >= valid_from),
  revoked_from   TEXT,
  created_at     TEXT NOT NULL
) WITHOUT ROWID;

-- One row per accepted attestation; the envelope is kept verbatim.
CREATE TABLE tapeouts (
  id                TEXT PRIMARY KEY,
  envelope          TEXT NOT NULL,
  envelope_sha256   TEXT NOT NULL UNIQUE CHECK (length(envelope_sha256) = 64),
  keyid             TEXT NOT NULL REFERENCES foundry_keys(keyid),
  product           TEXT NOT NULL REFERENCES products(id),
  foundry           TEXT NOT NULL REFERENCES enterprises(uscc),
  design_owner      TEXT NOT NULL REFERENCES enterprises(uscc),
  date              TEXT NOT NULL,
  kind              TEXT NOT NULL CHECK (kind IN ('mpw', 'engineering', 'production')),
  design_digest     TEXT NOT NULL,
  mask_set_id       TEXT,
  process_node      TEXT,
  wafer_size_mm     INTEGER,
  cost_fen          INTEGER NOT NULL CHECK (cost_fen >= 0),
  mask_set_conflict INTEGER NOT NULL DEFAULT 0 CHECK (mask_set_conflict IN (0, 1)),
  log_index         INTEGER,
  created_at        TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX tapeouts_by_product ON tapeouts(product, date);
CREATE INDEX tapeouts_by_digest ON tapeouts(design_digest, date);
CREATE INDEX tapeouts_by_mask_set ON tapeouts(mask_set_id);

-- Invoice lines. A red-letter line has a negative amount and names the line it reverses.
CREATE TABLE purchases (
  id               INTEGER PRIMARY KEY,
  invoice          TEXT NOT NULL CHECK (length(invoice) > 0),
  line             INTEGER NOT NULL CHECK (line >= 1),
  date             TEXT NOT NULL,
  buyer            TEXT NOT NULL REFERENCES enterprises(uscc),
  seller           TEXT NOT NULL REFERENCES enterprises(uscc),
  product          TEXT NOT NULL REFERENCES products(id),
  amount_fen       INTEGER NOT NULL,
  tax_fen          INTEGER NOT NULL,
  reverses_invoice TEXT,
  reverses_line    INTEGER,
  log_index        INTEGER,
  created_at       TEXT NOT NULL,
  UNIQUE (invoice, line),
  FOREIGN KEY (reverses_invoice, reverses_line) REFERENCES purchases(invoice, line),
  CHECK ((reverses_invoice IS NULL) = (reverses_line IS NULL)),
  CHECK (reverses_invoice IS NOT NULL OR (amount_fen >= 0 AND tax_fen >= 0)),
  CHECK (reverses_invoice IS NULL OR amount_fen <= 0),
  CHECK (buyer <> seller)
);
CREATE INDEX purchases_by_buyer_date ON purchases(buyer, date);
-- Only red-letter lines are indexed by what they reverse (the sums of reversals and the
-- red-letter checks look them up); blue lines, nearly all rows, carry no entry here.
CREATE INDEX purchases_by_reverses ON purchases(reverses_invoice, reverses_line)
  WHERE reverses_invoice IS NOT NULL;

CREATE TABLE claims (
  id           TEXT PRIMARY KEY,
  rule         TEXT NOT NULL CHECK (rule IN ('linkage', 'tapeout')),
  claimant     TEXT NOT NULL REFERENCES enterprises(uscc),
  year         INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 9999),
  grp          TEXT CHECK (grp IN ('device_material', 'chip_module')),
  tapeout      TEXT REFERENCES tapeouts(id),
  branch       TEXT CHECK (branch IN ('small', 'large')),
  status       TEXT NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'approved', 'rejected')),
  eligible     INTEGER NOT NULL DEFAULT 0 CHECK (eligible IN (0, 1)),
  award_fen    INTEGER NOT NULL DEFAULT 0 CHECK (award_fen >= 0),
  computed_fen INTEGER NOT NULL DEFAULT 0 CHECK (computed_fen >= 0),
  evaluation   TEXT NOT NULL,
  log_index    INTEGER,
  created_at   TEXT NOT NULL,
  evaluated_at TEXT NOT NULL,
  CHECK ((rule = 'linkage' AND grp IS NOT NULL AND tapeout IS NULL) OR
         (rule = 'tapeout' AND tapeout IS NOT NULL AND grp IS NULL))
) WITHOUT ROWID;
CREATE INDEX claims_by_claimant ON claims(claimant, year, rule, grp);
CREATE INDEX claims_by_status ON claims(status);

-- The purchase lines a claim's evaluation counted. Once the claim is approved its lines
-- are 'locked': the partial unique index makes the database refuse a second lock.
CREATE TABLE claim_lines (
  claim    TEXT NOT NULL REFERENCES claims(id),
  purchase INTEGER NOT NULL REFERENCES purchases(id),
  locked   INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
  PRIMARY KEY (claim, purchase)
) WITHOUT ROWID;
CREATE UNIQUE INDEX claim_lines_locked_once ON claim_lines(purchase) WHERE locked = 1;

CREATE TABLE decisions (
  claim       TEXT PRIMARY KEY REFERENCES claims(id),
  outcome     TEXT NOT NULL CHECK (outcome IN ('approved', 'rejected')),
  approve_fen INTEGER NOT NULL CHECK (approve_fen >= 0),
  note        TEXT NOT NULL DEFAULT '',
  reviewer    TEXT NOT NULL,
  decided_at  TEXT NOT NULL,
  log_index   INTEGER,
  CHECK (outcome = 'approved' OR approve_fen = 0)
) WITHOUT ROWID;

CREATE TABLE other_awards (
  id         INTEGER PRIMARY KEY,
  claim      TEXT NOT NULL REFERENCES claims(id),
  level      TEXT NOT NULL CHECK (length(level) > 0),
  amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
  source     TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);
CREATE INDEX other_awards_by_claim ON other_awards(claim);

-- Bearer tokens, stored as SHA-256 of the secret. admin and reviewer act for the bureau;
-- foundry and enterprise tokens act for exactly one enterprise.
CREATE TABLE tokens (
  id         INTEGER PRIMARY KEY,
  token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  role       TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'foundry', 'enterprise')),
  enterprise TEXT REFERENCES enterprises(uscc),
  label      TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  CHECK ((role IN ('admin', 'reviewer') AND enterprise IS NULL) OR
         (role IN ('foundry', 'enterprise') AND enterprise IS NOT NULL))
);

-- The transparency log. Leaves are 0-based; log_nodes holds the hash of every complete
-- subtree: (level L, index i) covers leaves [i·2^L, (i+1)·2^L).
CREATE TABLE log_entries (
  idx        INTEGER PRIMARY KEY CHECK (idx >= 0),
  kind       TEXT NOT NULL CHECK (kind IN ('tapeout', 'purchase', 'claim', 'decision')),
  ref        TEXT NOT NULL,
  entry      BLOB NOT NULL,
  created_at TEXT NOT NULL
);
-- No index on (kind, ref): nothing looks a leaf up by its ref (the audit reads the leaves
-- in one ordered pass), and every append would pay for one more B-tree insert.
CREATE TABLE log_nodes (
  level INTEGER NOT NULL CHECK (level >= 0),
  idx   INTEGER NOT NULL CHECK (idx >= 0),
  hash  BLOB NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;

CREATE TABLE audit (
  id      INTEGER PRIMARY KEY,
  at      TEXT NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail  TEXT NOT NULL DEFAULT '{}'
);
)sql";

// Migration 2: the leaf hash moves into log_entries, and log_nodes keeps only subtrees of
// kStoredLevel (4) and up: an append then writes one row, plus a subtree row for one append
// in 16, instead of two rows on average. Subtrees below level 4 are folded from at most 16
// leaf hashes read in one range scan (store_log.hpp). A leaf without its level-0 hash (a
// corrupt log) fails the NOT NULL and so the migration. The kind CHECK is spelled with OR:
// SQLite evaluates an IN list of more than two values through a temporary index built
// for every row inserted, which cost more than the rest of the insert.
constexpr const char* kMigration2 = R"sql(
CREATE TABLE log_entries_v2 (
  idx        INTEGER PRIMARY KEY CHECK (idx >= 0),
  kind       TEXT NOT NULL CHECK (kind = 'tapeout' OR kind = 'purchase' OR kind = 'claim' OR kind = 'decision'),
  ref        TEXT NOT NULL,
  entry      BLOB NOT NULL,
  leaf_hash  BLOB NOT NULL CHECK (length(leaf_hash) = 32),
  created_at TEXT NOT NULL
);
INSERT INTO log_entries_v2(idx, kind, ref, entry, leaf_hash, created_at)
  SELECT e.idx, e.kind, e.ref, e.entry, n.hash, e.created_at
  FROM log_entries e LEFT JOIN log_nodes n ON n.level = 0 AND n.idx = e.idx
  ORDER BY e.idx;
DROP TABLE log_entries;
ALTER TABLE log_entries_v2 RENAME TO log_entries;
DELETE FROM log_nodes WHERE level < 4;
)sql";

// Migration 3: a purchase is its own log entry. The log_entries row that every purchase
// used to add is one more B-tree page in the WAL at each commit, next to the purchase
// row's three (the row and its two indexes): about a quarter of a one-purchase transaction.
// A purchase logged from now on keeps its leaf hash in its own row and takes id =
// log_index + 1 (the CHECK), so the log finds leaf i as row i + 1 without an index; its
// leaf bytes are rebuilt from the row (tlog::purchase_entry, a frozen format). Purchases
// logged before keep their ids, their log_entries rows and leaf_hash NULL: their leaf
// indexes all lie below every new one (a purchase's leaf comes after every earlier
// purchase's, so id - 1 <= log_index), so no new id can meet an old one.
constexpr const char* kMigration3 = R"sql(
ALTER TABLE purchases ADD COLUMN leaf_hash BLOB
  CHECK (leaf_hash IS NULL OR (length(leaf_hash) = 32 AND log_index IS NOT NULL AND id = log_index + 1));
)sql";

// Migration 4: what the registry learns about invoices after registering them, and the
// facts behind each claim.
// - voids: an invoice the platform later shows as 作废. A fact of its own (logged as a
//   'void' leaf), never an edit of the purchase rows.
// - invoice_status: the platform's 发票状态 of a registered invoice as last imported
//   (已红冲-部分 ...); absent means 正常. Logged as 'invoice_status' leaves.
// - claim_facts: the scenario each claim's current evaluation was computed on (what
//   GET /v1/claims/{id}/facts serves), with its RFC 8785 SHA-256, which the claim's log
//   leaf carries as facts_sha256. A rowid table: the bundle is large and must not sit in
//   the claims record that every claim_lines foreign-key check reads.
// - claims.stale: a fact that changes a counted line (a void, a red line, a status, a new
//   line of the year) arrived after the evaluation; claims.overpaid_fen: for an approved
//   claim, what the current facts no longer support (追回).
// - The log's kind CHECK is rebuilt as a plain shape check (kinds are validated in code):
//   each new fact kind would otherwise rebuild log_entries again.
// - Indexes the claim-facts builder's local reads need (family links by b, manual
//   affiliations by pair).
constexpr const char* kMigration4 = R"sql(
CREATE TABLE voids (
  invoice    TEXT PRIMARY KEY CHECK (length(invoice) > 0),
  date       TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  source     TEXT NOT NULL CHECK (length(source) > 0),
  actor      TEXT NOT NULL,
  log_index  INTEGER NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE invoice_status (
  invoice    TEXT PRIMARY KEY CHECK (length(invoice) > 0),
  status     TEXT NOT NULL CHECK (length(status) > 0),
  source     TEXT NOT NULL,
  log_index  INTEGER NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE claim_facts (
  id           INTEGER PRIMARY KEY,
  claim        TEXT NOT NULL UNIQUE REFERENCES claims(id),
  facts_sha256 TEXT NOT NULL CHECK (length(facts_sha256) = 64),
  facts        TEXT NOT NULL
);
ALTER TABLE claims ADD COLUMN stale INTEGER NOT NULL DEFAULT 0 CHECK (stale IN (0, 1));
ALTER TABLE claims ADD COLUMN overpaid_fen INTEGER NOT NULL DEFAULT 0 CHECK (overpaid_fen >= 0);
CREATE INDEX family_links_by_b ON family_links(b);
CREATE INDEX manual_affiliations_by_pair ON manual_affiliations(a, b);
CREATE TABLE log_entries_v4 (
  idx        INTEGER PRIMARY KEY CHECK (idx >= 0),
  kind       TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 32),
  ref        TEXT NOT NULL,
  entry      BLOB NOT NULL,
  leaf_hash  BLOB NOT NULL CHECK (length(leaf_hash) = 32),
  created_at TEXT NOT NULL
);
INSERT INTO log_entries_v4(idx, kind, ref, entry, leaf_hash, created_at)
  SELECT idx, kind, ref, entry, leaf_hash, created_at FROM log_entries ORDER BY idx;
DROP TABLE log_entries;
ALTER TABLE log_entries_v4 RENAME TO log_entries;
)sql";

// Migration 5: the list endpoints (GET /v1/products, /v1/tapeouts; store/lists.hpp) page an
// owner's products and a foundry's or design owner's tape-outs by id on an index.
constexpr const char* kMigration5 = R"sql(
CREATE INDEX IF NOT EXISTS products_by_owner ON products(owner, id);
CREATE INDEX IF NOT EXISTS tapeouts_by_foundry ON tapeouts(foundry, id);
CREATE INDEX IF NOT EXISTS tapeouts_by_design_owner ON tapeouts(design_owner, id);
)sql";

// Migration 6: the facts of the other clauses (RULES.md "The other clauses of the seed"),
// one table each. The fact itself is kept as its canonical scenario JSON (`fact`, parsed
// back by fact_json.hpp: one parser of the shape for the scenario, HTTP, import and the
// store); the columns beside it are what the claim loader (load_clause_facts.cpp) selects
// and joins on, each with the index its query uses. enterprise_roles is rebuilt for the
// roles eda, compute_center and data_exchange (nothing references it). The product kind
// eda_tool is not storable yet: widening the products CHECK needs a rebuild of a table
// that purchases and tape-outs reference.
constexpr const char* kMigration6 = R"sql(
CREATE TABLE enterprise_roles_v4 (
  uscc TEXT NOT NULL REFERENCES enterprises(uscc),
  role TEXT NOT NULL CHECK (role IN ('oem', 'system_integrator', 'ic_design', 'ic_equipment',
                                     'ic_material', 'ic_packaging', 'foundry', 'other',
                                     'eda', 'compute_center', 'data_exchange')),
  PRIMARY KEY (uscc, role)
) WITHOUT ROWID;
INSERT INTO enterprise_roles_v4(uscc, role) SELECT uscc, role FROM enterprise_roles;
DROP TABLE enterprise_roles;
ALTER TABLE enterprise_roles_v4 RENAME TO enterprise_roles;

-- A later declaration of the same (enterprise, year, field) replaces the earlier one: the
-- loader takes them in id order, the last wins; all stay.
CREATE TABLE rd_declarations (
  id         INTEGER PRIMARY KEY,
  enterprise TEXT NOT NULL REFERENCES enterprises(uscc),
  year       INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 9999),
  field      TEXT NOT NULL CHECK (field = 'eda' OR field = 'equipment_material'),
  fact       TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX rd_declarations_by_key ON rd_declarations(enterprise, year, field);

CREATE TABLE signoff_participants (
  id         INTEGER PRIMARY KEY,
  enterprise TEXT NOT NULL REFERENCES enterprises(uscc),
  fact       TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX signoff_participants_by_enterprise ON signoff_participants(enterprise);

CREATE TABLE compute_contracts (
  id         TEXT PRIMARY KEY CHECK (length(id) > 0),
  customer   TEXT NOT NULL REFERENCES enterprises(uscc),
  provider   TEXT NOT NULL REFERENCES enterprises(uscc),
  date       TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  fact       TEXT NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX compute_contracts_by_customer ON compute_contracts(customer, date);

CREATE TABLE data_trades (
  id         TEXT PRIMARY KEY CHECK (length(id) > 0),
  platform   TEXT NOT NULL REFERENCES enterprises(uscc),
  buyer      TEXT NOT NULL REFERENCES enterprises(uscc),
  seller     TEXT NOT NULL REFERENCES enterprises(uscc),
  date       TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  fact       TEXT NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX data_trades_by_platform ON data_trades(platform, date);

CREATE TABLE datasets (
  id         TEXT PRIMARY KEY CHECK (length(id) > 0),
  owner      TEXT NOT NULL REFERENCES enterprises(uscc),
  fact       TEXT NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE dataset_calls (
  id         TEXT PRIMARY KEY CHECK (length(id) > 0),
  dataset    TEXT NOT NULL REFERENCES datasets(id),
  caller     TEXT NOT NULL REFERENCES enterprises(uscc),
  date       TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  fact       TEXT NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX dataset_calls_by_dataset ON dataset_calls(dataset, date);

CREATE TABLE platform_recognitions (
  id         INTEGER PRIMARY KEY,
  enterprise TEXT NOT NULL REFERENCES enterprises(uscc),
  fact       TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX platform_recognitions_by_enterprise ON platform_recognitions(enterprise);

-- An expense's id is optional (the contract names none); when given it is unique.
CREATE TABLE platform_expenses (
  row        INTEGER PRIMARY KEY,
  id         TEXT UNIQUE CHECK (id IS NULL OR length(id) > 0),
  enterprise TEXT NOT NULL REFERENCES enterprises(uscc),
  date       TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  fact       TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX platform_expenses_by_enterprise ON platform_expenses(enterprise, date);

CREATE TABLE events (
  id         TEXT PRIMARY KEY CHECK (length(id) > 0),
  organizer  TEXT NOT NULL REFERENCES enterprises(uscc),
  start      TEXT NOT NULL CHECK (start GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  fact       TEXT NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Migration 7: an equity import's duplicate check (repository.cpp, insert_equity) is one
// indexed lookup per row, whichever kind the holder is and however many edges it holds.
constexpr const char* kMigration7 = R"sql(
CREATE INDEX IF NOT EXISTS equity_by_enterprise_edge ON equity(holder_enterprise, held, valid_from);
CREATE INDEX IF NOT EXISTS equity_by_person_edge ON equity(holder_person, held, valid_from);
)sql";

// Migration 8: the other clauses' claims and EDA tools become storable. Both tables are
// rebuilt the SQLite way (CREATE the new table, copy, DROP, RENAME; sqlite.org/lang_altertable
// "Making Other Kinds Of Table Schema Changes"), which needs foreign keys off: purchases and
// tape-outs reference products, and claim_lines, decisions, other_awards and claim_facts
// reference claims. migrate() turns them off around it and runs PRAGMA foreign_key_check
// before committing (kNeedsForeignKeysOff).
// - products.kind gains eda_tool (clause 2b).
// - claims.rule gains every rule of the vocabulary, with the columns that name a series:
//   dataset (rule dataset) and event (rule event); the CHECK keeps each rule's shape.
// - The other clauses' fact tables gain log_index: each fact is a log leaf.
constexpr const char* kMigration8 = R"sql(
CREATE TABLE products_v8 (
  id                TEXT PRIMARY KEY CHECK (length(id) > 0),
  kind              TEXT NOT NULL CHECK (kind IN ('chip', 'module', 'device', 'material', 'eda_tool')),
  owner             TEXT NOT NULL REFERENCES enterprises(uscc),
  self_developed    INTEGER NOT NULL CHECK (self_developed IN (0, 1)),
  first_market_date TEXT,
  focus_area        TEXT NOT NULL DEFAULT '',
  model             TEXT,
  created_at        TEXT NOT NULL,
  UNIQUE (owner, model)
) WITHOUT ROWID;
INSERT INTO products_v8(id, kind, owner, self_developed, first_market_date, focus_area, model, created_at)
  SELECT id, kind, owner, self_developed, first_market_date, focus_area, model, created_at FROM products;
DROP TABLE products;
ALTER TABLE products_v8 RENAME TO products;
CREATE INDEX products_by_owner ON products(owner, id);

CREATE TABLE claims_v8 (
  id           TEXT PRIMARY KEY,
  rule         TEXT NOT NULL CHECK (rule IN ('linkage', 'tapeout', 'eda_rd', 'eda_purchase', 'equipment_rd',
                                             'compute', 'data_platform', 'dataset', 'platform', 'event')),
  claimant     TEXT NOT NULL REFERENCES enterprises(uscc),
  year         INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 9999),
  grp          TEXT CHECK (grp IN ('device_material', 'chip_module')),
  tapeout      TEXT REFERENCES tapeouts(id),
  branch       TEXT CHECK (branch IN ('small', 'large')),
  status       TEXT NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'approved', 'rejected')),
  eligible     INTEGER NOT NULL DEFAULT 0 CHECK (eligible IN (0, 1)),
  award_fen    INTEGER NOT NULL DEFAULT 0 CHECK (award_fen >= 0),
  computed_fen INTEGER NOT NULL DEFAULT 0 CHECK (computed_fen >= 0),
  evaluation   TEXT NOT NULL,
  log_index    INTEGER,
  created_at   TEXT NOT NULL,
  evaluated_at TEXT NOT NULL,
  stale        INTEGER NOT NULL DEFAULT 0 CHECK (stale IN (0, 1)),
  overpaid_fen INTEGER NOT NULL DEFAULT 0 CHECK (overpaid_fen >= 0),
  dataset      TEXT REFERENCES datasets(id),
  event        TEXT REFERENCES events(id),
  CHECK ((rule = 'linkage') = (grp IS NOT NULL)),
  CHECK ((rule = 'tapeout') = (tapeout IS NOT NULL)),
  CHECK ((rule = 'dataset') = (dataset IS NOT NULL)),
  CHECK ((rule = 'event') = (event IS NOT NULL)),
  CHECK (rule = 'tapeout' OR branch IS NULL)
) WITHOUT ROWID;
INSERT INTO claims_v8(id, rule, claimant, year, grp, tapeout, branch, status, eligible, award_fen, computed_fen,
                      evaluation, log_index, created_at, evaluated_at, stale, overpaid_fen)
  SELECT id, rule, claimant, year, grp, tapeout, branch, status, eligible, award_fen, computed_fen,
         evaluation, log_index, created_at, evaluated_at, stale, overpaid_fen FROM claims;
DROP TABLE claims;
ALTER TABLE claims_v8 RENAME TO claims;
CREATE INDEX claims_by_claimant ON claims(claimant, year, rule, grp);
CREATE INDEX claims_by_status ON claims(status);

-- Each of the other clauses' facts is a log leaf (registry/log/entries.hpp).
ALTER TABLE rd_declarations ADD COLUMN log_index INTEGER;
ALTER TABLE signoff_participants ADD COLUMN log_index INTEGER;
ALTER TABLE compute_contracts ADD COLUMN log_index INTEGER;
ALTER TABLE data_trades ADD COLUMN log_index INTEGER;
ALTER TABLE datasets ADD COLUMN log_index INTEGER;
ALTER TABLE dataset_calls ADD COLUMN log_index INTEGER;
ALTER TABLE platform_recognitions ADD COLUMN log_index INTEGER;
ALTER TABLE platform_expenses ADD COLUMN log_index INTEGER;
ALTER TABLE events ADD COLUMN log_index INTEGER;
)sql";

// Migration 9: leaves of private facts become salted commitments (leaf version 2,
// registry/log/log.hpp, docs/LOG.md "Leaf versions"). A leaf's row keeps the fact's bytes
// (the opening: log_entries.entry, or the purchase row itself) and gains its salt and, in
// log_entries, the parties who may read the opening. Leaves logged before keep salt NULL:
// they stay version 1, with their bytes as they were hashed. Constant time: no row is
// rewritten.
constexpr const char* kMigration9 = R"sql(
ALTER TABLE log_entries ADD COLUMN salt BLOB CHECK (salt IS NULL OR length(salt) = 32);
ALTER TABLE log_entries ADD COLUMN parties TEXT;
ALTER TABLE purchases ADD COLUMN salt BLOB CHECK (salt IS NULL OR length(salt) = 32);
)sql";

// Migration 10: a claim's evaluation is also kept in two parts, so that it can be read
// without its per-line array (GET /v1/claims/{id}?view=summary) and its lines in pages
// (GET /v1/claims/{id}/lines), each an indexed read that does not grow with the claim.
// - claim_line_verdicts: evaluation.lines[seq] as serialized in claims.evaluation, keyed
//   by (claim, seq): a page is one range of the primary key.
// - claim_summaries: the evaluation without "lines", and how many lines it had.
// Neither references claims: a foreign-key check would read the claims record, which
// holds the whole evaluation (store_evaluation writes all three together). Claims
// evaluated before this migration are split here by SQLite's JSON functions, whose text
// for an object is the stored text of it.
constexpr const char* kMigration10 = R"sql(
CREATE TABLE claim_line_verdicts (
  claim TEXT NOT NULL,
  seq   INTEGER NOT NULL CHECK (seq >= 0),
  line  TEXT NOT NULL,
  PRIMARY KEY (claim, seq)
) WITHOUT ROWID;
CREATE TABLE claim_summaries (
  claim      TEXT PRIMARY KEY,
  evaluation TEXT NOT NULL,
  line_count INTEGER NOT NULL CHECK (line_count >= 0)
) WITHOUT ROWID;
INSERT INTO claim_line_verdicts(claim, seq, line)
  SELECT c.id, j.key, j.value FROM claims c, json_each(c.evaluation, '$.lines') j;
INSERT INTO claim_summaries(claim, evaluation, line_count)
  SELECT id, json_remove(evaluation, '$.lines'), coalesce(json_array_length(evaluation, '$.lines'), 0) FROM claims;
)sql";

// Migration 11: every reference fact is a log leaf (registry/log/fact_rows.hpp): each
// table gains the index of its row's leaf, foundry keys also that of their revocation.
// migrate() then logs every existing row (log_unlogged_fact_rows), one leaf each, and
// reports how many (MigrationNotes).
constexpr const char* kMigration11 = R"sql(
ALTER TABLE enterprises ADD COLUMN log_index INTEGER;
ALTER TABLE persons ADD COLUMN log_index INTEGER;
ALTER TABLE family_links ADD COLUMN log_index INTEGER;
ALTER TABLE equity ADD COLUMN log_index INTEGER;
ALTER TABLE manual_affiliations ADD COLUMN log_index INTEGER;
ALTER TABLE products ADD COLUMN log_index INTEGER;
ALTER TABLE foundry_keys ADD COLUMN log_index INTEGER;
ALTER TABLE foundry_keys ADD COLUMN revocation_log_index INTEGER;
ALTER TABLE other_awards ADD COLUMN log_index INTEGER;
)sql";
constexpr int kReferenceLeavesMigration = 11;

// Migration 12: the audit trail is read by subject, by actor and by time
// (GET /v1/audit?subject=&actor=&from=&to=, store/audit.hpp), each one indexed range.
constexpr const char* kMigration12 = R"sql(
CREATE INDEX audit_by_subject ON audit(subject, id);
CREATE INDEX audit_by_actor ON audit(actor, id);
CREATE INDEX audit_by_at ON audit(at, id);
)sql";

// Migration 13: a revocation's impact (store/foundry_keys.hpp, revocation_impact) reads
// the key's attestations and the claims on them by index.
constexpr const char* kMigration13 = R"sql(
CREATE INDEX tapeouts_by_keyid ON tapeouts(keyid);
CREATE INDEX claims_by_tapeout ON claims(tapeout);
)sql";

// Migration 14: a revocation's impact on linkage claims: the lines of a chip (product,
// seller) and the claims that counted them, by index.
constexpr const char* kMigration14 = R"sql(
CREATE INDEX IF NOT EXISTS purchases_by_product ON purchases(product, seller);
CREATE INDEX IF NOT EXISTS claim_lines_by_purchase ON claim_lines(purchase);
)sql";

// Migration 15: products are keyed by owner, invoice lines by buyer (docs/SECURITY.md,
// "Keys that name their owner"). Before it a product id and an (invoice, line) were
// global and first-come: one enterprise could register another's product id first, or
// learn from a 409 whether another's invoice line existed.
// - products: PRIMARY KEY (owner, id); products_by_id finds an id across owners (the
//   bureau's reads).
// - tapeouts and purchases name their product by (product_owner, product). A new
//   attestation's product is its design owner's, a new line's its seller's; rows stored
//   before keep the owner their global id resolved to (the only rows whose product_owner
//   may differ). Purchases keep their ids (claim_lines and the log name them).
// - purchases: UNIQUE (buyer, invoice, line); a red line reverses a line of its buyer.
// - voids and invoice_status gain the buyer whose invoice they are about (rows before:
//   the buyer of the invoice's first line) and a flag saying whether their leaf names it
//   (0 for the leaves logged before, whose bytes cannot change).
// - log_entries.ref of products, voids and statuses becomes "OWNER/ID" and
//   "BUYER/INVOICE": the ref is the row's name in the log, not part of any leaf's bytes.
constexpr const char* kMigration15 = R"sql(
CREATE TABLE products_v15 (
  owner             TEXT NOT NULL REFERENCES enterprises(uscc),
  id                TEXT NOT NULL CHECK (length(id) > 0),
  kind              TEXT NOT NULL CHECK (kind IN ('chip', 'module', 'device', 'material', 'eda_tool')),
  self_developed    INTEGER NOT NULL CHECK (self_developed IN (0, 1)),
  first_market_date TEXT,
  focus_area        TEXT NOT NULL DEFAULT '',
  model             TEXT,
  created_at        TEXT NOT NULL,
  log_index         INTEGER,
  PRIMARY KEY (owner, id),
  UNIQUE (owner, model)
) WITHOUT ROWID;
INSERT INTO products_v15(owner, id, kind, self_developed, first_market_date, focus_area, model, created_at, log_index)
  SELECT owner, id, kind, self_developed, first_market_date, focus_area, model, created_at, log_index FROM products;

CREATE TABLE tapeouts_v15 (
  id                TEXT PRIMARY KEY,
  envelope          TEXT NOT NULL,
  envelope_sha256   TEXT NOT NULL UNIQUE CHECK (length(envelope_sha256) = 64),
  keyid             TEXT NOT NULL REFERENCES foundry_keys(keyid),
  product_owner     TEXT NOT NULL,
  product           TEXT NOT NULL,
  foundry           TEXT NOT NULL REFERENCES enterprises(uscc),
  design_owner      TEXT NOT NULL REFERENCES enterprises(uscc),
  date              TEXT NOT NULL,
  kind              TEXT NOT NULL CHECK (kind IN ('mpw', 'engineering', 'production')),
  design_digest     TEXT NOT NULL,
  mask_set_id       TEXT,
  process_node      TEXT,
  wafer_size_mm     INTEGER,
  cost_fen          INTEGER NOT NULL CHECK (cost_fen >= 0),
  mask_set_conflict INTEGER NOT NULL DEFAULT 0 CHECK (mask_set_conflict IN (0, 1)),
  log_index         INTEGER,
  created_at        TEXT NOT NULL,
  FOREIGN KEY (product_owner, product) REFERENCES products_v15(owner, id)
) WITHOUT ROWID;
INSERT INTO tapeouts_v15(id, envelope, envelope_sha256, keyid, product_owner, product, foundry, design_owner, date, kind,
                         design_digest, mask_set_id, process_node, wafer_size_mm, cost_fen, mask_set_conflict,
                         log_index, created_at)
  SELECT t.id, t.envelope, t.envelope_sha256, t.keyid, coalesce((SELECT p.owner FROM products p WHERE p.id = t.product),
         t.design_owner), t.product, t.foundry, t.design_owner, t.date, t.kind, t.design_digest, t.mask_set_id,
         t.process_node, t.wafer_size_mm, t.cost_fen, t.mask_set_conflict, t.log_index, t.created_at FROM tapeouts t;

CREATE TABLE purchases_v15 (
  id               INTEGER PRIMARY KEY,
  invoice          TEXT NOT NULL CHECK (length(invoice) > 0),
  line             INTEGER NOT NULL CHECK (line >= 1),
  date             TEXT NOT NULL,
  buyer            TEXT NOT NULL REFERENCES enterprises(uscc),
  seller           TEXT NOT NULL REFERENCES enterprises(uscc),
  product_owner    TEXT NOT NULL,
  product          TEXT NOT NULL,
  amount_fen       INTEGER NOT NULL,
  tax_fen          INTEGER NOT NULL,
  reverses_invoice TEXT,
  reverses_line    INTEGER,
  log_index        INTEGER,
  created_at       TEXT NOT NULL,
  leaf_hash        BLOB
    CHECK (leaf_hash IS NULL OR (length(leaf_hash) = 32 AND log_index IS NOT NULL AND id = log_index + 1)),
  salt             BLOB CHECK (salt IS NULL OR length(salt) = 32),
  UNIQUE (buyer, invoice, line),
  FOREIGN KEY (product_owner, product) REFERENCES products_v15(owner, id),
  FOREIGN KEY (buyer, reverses_invoice, reverses_line) REFERENCES purchases_v15(buyer, invoice, line),
  CHECK ((reverses_invoice IS NULL) = (reverses_line IS NULL)),
  CHECK (reverses_invoice IS NOT NULL OR (amount_fen >= 0 AND tax_fen >= 0)),
  CHECK (reverses_invoice IS NULL OR amount_fen <= 0),
  CHECK (buyer <> seller)
);
INSERT INTO purchases_v15(id, invoice, line, date, buyer, seller, product_owner, product, amount_fen, tax_fen,
                          reverses_invoice, reverses_line, log_index, created_at, leaf_hash, salt)
  SELECT u.id, u.invoice, u.line, u.date, u.buyer, u.seller,
         coalesce((SELECT p.owner FROM products p WHERE p.id = u.product), u.seller), u.product, u.amount_fen,
         u.tax_fen, u.reverses_invoice, u.reverses_line, u.log_index, u.created_at, u.leaf_hash, u.salt
  FROM purchases u ORDER BY u.id;

ALTER TABLE voids ADD COLUMN buyer TEXT;
ALTER TABLE voids ADD COLUMN leaf_names_buyer INTEGER NOT NULL DEFAULT 0 CHECK (leaf_names_buyer IN (0, 1));
UPDATE voids SET buyer = (SELECT u.buyer FROM purchases u WHERE u.invoice = voids.invoice ORDER BY u.line LIMIT 1);
CREATE TABLE voids_v15 (
  buyer            TEXT NOT NULL,
  invoice          TEXT NOT NULL CHECK (length(invoice) > 0),
  date             TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  source           TEXT NOT NULL CHECK (length(source) > 0),
  actor            TEXT NOT NULL,
  log_index        INTEGER NOT NULL,
  created_at       TEXT NOT NULL,
  leaf_names_buyer INTEGER NOT NULL DEFAULT 1 CHECK (leaf_names_buyer IN (0, 1)),
  PRIMARY KEY (buyer, invoice)
) WITHOUT ROWID;
INSERT INTO voids_v15(buyer, invoice, date, source, actor, log_index, created_at, leaf_names_buyer)
  SELECT coalesce(buyer, ''), invoice, date, source, actor, log_index, created_at, 0 FROM voids;
DROP TABLE voids;
ALTER TABLE voids_v15 RENAME TO voids;

ALTER TABLE invoice_status ADD COLUMN buyer TEXT;
UPDATE invoice_status
  SET buyer = (SELECT u.buyer FROM purchases u WHERE u.invoice = invoice_status.invoice ORDER BY u.line LIMIT 1);
CREATE TABLE invoice_status_v15 (
  buyer            TEXT NOT NULL,
  invoice          TEXT NOT NULL CHECK (length(invoice) > 0),
  status           TEXT NOT NULL CHECK (length(status) > 0),
  source           TEXT NOT NULL,
  log_index        INTEGER NOT NULL,
  updated_at       TEXT NOT NULL,
  leaf_names_buyer INTEGER NOT NULL DEFAULT 1 CHECK (leaf_names_buyer IN (0, 1)),
  PRIMARY KEY (buyer, invoice)
) WITHOUT ROWID;
INSERT INTO invoice_status_v15(buyer, invoice, status, source, log_index, updated_at, leaf_names_buyer)
  SELECT coalesce(buyer, ''), invoice, status, source, log_index, updated_at, 0 FROM invoice_status;
DROP TABLE invoice_status;
ALTER TABLE invoice_status_v15 RENAME TO invoice_status;

-- (Only refs still in the old form: migration 11 logs products with the new one.)
UPDATE log_entries SET ref = (SELECT p.owner FROM products p WHERE p.id = log_entries.ref) || '/' || ref
  WHERE kind = 'product' AND ref IN (SELECT id FROM products);
UPDATE log_entries SET ref = (SELECT v.buyer FROM voids v WHERE v.invoice = log_entries.ref) || '/' || ref
  WHERE kind = 'void' AND ref IN (SELECT invoice FROM voids);
UPDATE log_entries SET ref = (SELECT s.buyer FROM invoice_status s WHERE s.invoice = log_entries.ref) || '/' || ref
  WHERE kind = 'invoice_status' AND ref IN (SELECT invoice FROM invoice_status);

DROP TABLE purchases;
DROP TABLE tapeouts;
DROP TABLE products;
ALTER TABLE products_v15 RENAME TO products;
ALTER TABLE tapeouts_v15 RENAME TO tapeouts;
ALTER TABLE purchases_v15 RENAME TO purchases;

CREATE INDEX products_by_id ON products(id);
CREATE INDEX tapeouts_by_product ON tapeouts(product_owner, product, date);
CREATE INDEX tapeouts_by_digest ON tapeouts(design_digest, date);
CREATE INDEX tapeouts_by_mask_set ON tapeouts(mask_set_id);
CREATE INDEX tapeouts_by_foundry ON tapeouts(foundry, id);
CREATE INDEX tapeouts_by_design_owner ON tapeouts(design_owner, id);
CREATE INDEX tapeouts_by_keyid ON tapeouts(keyid);
CREATE INDEX purchases_by_buyer_date ON purchases(buyer, date);
CREATE INDEX purchases_by_reverses ON purchases(buyer, reverses_invoice, reverses_line)
  WHERE reverses_invoice IS NOT NULL;
CREATE INDEX purchases_by_product ON purchases(product_owner, product, seller);
)sql";

// Migration 16: objections (异议) and recovery (追回), registry/store/objections.hpp and
// recoveries.hpp. Every row is a fact and a log leaf (registry/log/fact_rows.hpp) and is
// never rewritten: an objection's answer is a row of its own, the open queue a plain index
// of the objections not yet answered.
constexpr const char* kMigration16 = R"sql(
CREATE TABLE manual_non_affiliations (
  id         INTEGER PRIMARY KEY,
  a          TEXT NOT NULL REFERENCES enterprises(uscc),
  b          TEXT NOT NULL REFERENCES enterprises(uscc),
  valid_from TEXT NOT NULL,
  valid_to   TEXT CHECK (valid_to IS NULL OR valid_to >= valid_from),
  basis      TEXT NOT NULL CHECK (length(basis) > 0),
  objection  TEXT,
  log_index  INTEGER,
  CHECK (a <> b)
);
CREATE INDEX manual_non_affiliations_by_pair ON manual_non_affiliations(a, b);
CREATE TABLE objections (
  id        TEXT PRIMARY KEY CHECK (length(id) > 0),
  claim     TEXT NOT NULL REFERENCES claims(id),
  claimant  TEXT NOT NULL,
  against   TEXT NOT NULL CHECK (against IN ('evaluation', 'decision')),
  text      TEXT NOT NULL CHECK (length(text) > 0),
  lines     TEXT NOT NULL,
  reasons   TEXT NOT NULL,
  evidence  TEXT NOT NULL,
  filed_at  TEXT NOT NULL,
  deadline  TEXT,
  log_index INTEGER
);
CREATE INDEX objections_by_claimant ON objections(claimant, id);
CREATE INDEX objections_by_claim ON objections(claim, id);
CREATE TABLE objection_answers (
  objection        TEXT PRIMARY KEY REFERENCES objections(id),
  answer           TEXT NOT NULL CHECK (answer IN ('fact_corrected', 'affiliation_finding', 'rejected')),
  note             TEXT NOT NULL CHECK (length(note) > 0),
  fact_log_index   INTEGER,
  reviewer         TEXT NOT NULL,
  answered_at      TEXT NOT NULL,
  award_before_fen INTEGER NOT NULL,
  award_after_fen  INTEGER NOT NULL,
  log_index        INTEGER,
  CHECK ((answer = 'rejected') = (fact_log_index IS NULL))
);
CREATE TABLE open_objections (objection TEXT PRIMARY KEY REFERENCES objections(id)) WITHOUT ROWID;
CREATE TABLE recoveries (
  id          INTEGER PRIMARY KEY,
  claim       TEXT NOT NULL REFERENCES claims(id),
  claimant    TEXT NOT NULL,
  amount_fen  INTEGER NOT NULL CHECK (amount_fen > 0),
  date        TEXT NOT NULL,
  reference   TEXT NOT NULL CHECK (length(reference) > 0),
  note        TEXT NOT NULL,
  recorded_by TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  log_index   INTEGER
);
CREATE INDEX recoveries_by_claim ON recoveries(claim);
CREATE INDEX recoveries_by_claimant ON recoveries(claimant, id);
CREATE INDEX claims_overpaid ON claims(id) WHERE overpaid_fen > 0;
)sql";

// Migration 17: 免申即享, store/entitlements.hpp. What each enterprise's facts qualify for, per year and
// series, as the eligibility job last evaluated it; the runs and the log size each one saw
// (the watermark of the next incremental run); the rules the bureau files automatically;
// and where a claim came from (filed from an entitlement, or proactively by the job). The
// owners of datasets and the organizers of events are looked up by index.
constexpr const char* kMigration17 = R"sql(
CREATE TABLE entitlements (
  year           INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 9999),
  enterprise     TEXT NOT NULL REFERENCES enterprises(uscc),
  rule           TEXT NOT NULL,
  subject        TEXT NOT NULL DEFAULT '',
  eligible       INTEGER NOT NULL CHECK (eligible IN (0, 1)),
  award_fen      INTEGER NOT NULL CHECK (award_fen >= 0),
  computed_fen   INTEGER NOT NULL CHECK (computed_fen >= 0),
  qualifying_fen INTEGER,
  claimed        INTEGER NOT NULL CHECK (claimed IN (0, 1)),
  claim          TEXT,
  missing        TEXT NOT NULL DEFAULT '[]',
  reasons        TEXT NOT NULL DEFAULT '[]',
  log_size       INTEGER NOT NULL CHECK (log_size >= 0),
  evaluated_at   TEXT NOT NULL,
  PRIMARY KEY (year, enterprise, rule, subject)
) WITHOUT ROWID;
CREATE INDEX entitlements_owed ON entitlements(year, enterprise, rule, subject) WHERE claimed = 0 AND award_fen > 0;
CREATE TABLE eligibility_runs (
  id            INTEGER PRIMARY KEY,
  year          INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 9999),
  mode          TEXT NOT NULL CHECK (mode IN ('full', 'incremental')),
  from_log_size INTEGER,
  log_size      INTEGER NOT NULL CHECK (log_size >= 0),
  enterprises   INTEGER NOT NULL,
  evaluations   INTEGER NOT NULL,
  auto_filed    INTEGER NOT NULL,
  actor         TEXT NOT NULL,
  started_at    TEXT NOT NULL,
  finished_at   TEXT NOT NULL
);
CREATE INDEX eligibility_runs_by_year ON eligibility_runs(year, id);
CREATE TABLE auto_filing (
  rule    TEXT PRIMARY KEY CHECK (rule IN ('linkage', 'tapeout', 'eda_rd', 'eda_purchase', 'equipment_rd',
                                           'compute', 'data_platform', 'dataset', 'platform', 'event')),
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  set_by  TEXT NOT NULL,
  set_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE claim_origins (
  claim  TEXT PRIMARY KEY REFERENCES claims(id),
  origin TEXT NOT NULL CHECK (origin IN ('entitlement', 'proactive')),
  actor  TEXT NOT NULL,
  at     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS datasets_by_owner ON datasets(owner, id);
CREATE INDEX IF NOT EXISTS events_by_organizer ON events(organizer, start);
)sql";

// Migration 18: no table keyed by a claim holds a claim's large texts in its key's b-tree
// (issue 15). `claims` and `claim_summaries` are WITHOUT ROWID: their records are cells of
// an index b-tree, and SQLite compares a search key with a cell whose record overflows by
// reading the whole record. With the whole evaluation in `claims.evaluation` (about 10 MB
// for 50,000 lines), every foreign-key probe of claim_lines into claims read the
// evaluations of the claims beside it: filing a 50,000-line claim took 20 s to 325 s,
// growing with the claims stored. Both texts now live in rowid tables, whose b-tree is
// keyed by the rowid alone and whose claim index holds only (claim, rowid):
// - claim_evaluations: the whole evaluation, as serialized (the claim leaf's bytes);
// - claim_summaries: rebuilt as a rowid table, as it was.
// claims keeps only fixed-size columns. Both reference claims now that its records are
// small. The texts are copied as stored, so every claim leaf still verifies.
constexpr const char* kMigration18 = R"sql(
CREATE TABLE claim_evaluations (
  claim      TEXT PRIMARY KEY REFERENCES claims(id),
  evaluation TEXT NOT NULL
);
INSERT INTO claim_evaluations(claim, evaluation) SELECT id, evaluation FROM claims ORDER BY id;
ALTER TABLE claims DROP COLUMN evaluation;
CREATE TABLE claim_summaries_v18 (
  claim      TEXT PRIMARY KEY REFERENCES claims(id),
  evaluation TEXT NOT NULL,
  line_count INTEGER NOT NULL CHECK (line_count >= 0)
);
INSERT INTO claim_summaries_v18(claim, evaluation, line_count)
  SELECT claim, evaluation, line_count FROM claim_summaries ORDER BY claim;
DROP TABLE claim_summaries;
ALTER TABLE claim_summaries_v18 RENAME TO claim_summaries;
)sql";

// Migration 19: the same for tape-outs (issue 15). `tapeouts` is WITHOUT ROWID and its
// record held the signed envelope (about 900 bytes of base64 and JSON), so a whole record
// passed the 1,002-byte local limit of an index b-tree cell and overflowed: every key search
// of the table (a product's tape-outs, once per chip a claim's lines name) read overflow
// pages of the cells it compared with, a third of a 1,000-line claim's time. The envelope
// now lives in the rowid table tapeout_envelopes, read only where it is served or audited;
// the tape-out rows keep their fixed-size columns. Copied as stored: every tape-out leaf
// still verifies.
constexpr const char* kMigration19 = R"sql(
CREATE TABLE tapeout_envelopes (
  tapeout  TEXT PRIMARY KEY REFERENCES tapeouts(id),
  envelope TEXT NOT NULL
);
INSERT INTO tapeout_envelopes(tapeout, envelope) SELECT id, envelope FROM tapeouts ORDER BY id;
ALTER TABLE tapeouts DROP COLUMN envelope;
)sql";

// Migration 20: notifications (issue 21), store/notifications.hpp. The event feed of each
// enterprise (GET /v1/events; named notifications here because `events` holds clause-16
// activity facts), its webhook and the delivery queue. Self-contained: it references no
// table another migration adds after 17, so it may be renumbered on a merge.
constexpr const char* kMigrationNotifications = R"sql(
CREATE TABLE notifications (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  enterprise TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('entitlement', 'decision', 'objection_filed', 'objection_answered',
                                           'claim_stale', 'recovery')),
  subject    TEXT NOT NULL,
  created_at TEXT NOT NULL,
  payload    TEXT NOT NULL CHECK (json_valid(payload))
);
CREATE INDEX notifications_by_enterprise ON notifications(enterprise, id);
CREATE TABLE webhooks (
  enterprise TEXT PRIMARY KEY REFERENCES enterprises(uscc),
  url        TEXT NOT NULL CHECK (length(url) > 0),
  secret     TEXT NOT NULL CHECK (length(secret) > 0),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE webhook_deliveries (
  notification    INTEGER PRIMARY KEY REFERENCES notifications(id),
  enterprise      TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts        INTEGER NOT NULL CHECK (attempts >= 0),
  next_attempt_ms INTEGER NOT NULL,
  last_status     INTEGER,
  last_error      TEXT,
  delivered_at    TEXT,
  CHECK ((state = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_ms) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_enterprise ON webhook_deliveries(enterprise, state, notification);
)sql";

// Migration 21: equity keeps two indexes a row, as a table of its reads needs (issue 15).
// Migration 7's edge indexes serve every read by holder as their prefix, so the
// single-column holder indexes of migration 1 only cost each insert two more b-tree writes.
// And a holder is an enterprise or a person, never both: each edge index now holds only
// the rows whose column it leads with (partial, WHERE ... IS NOT NULL), so a row is written
// to held's index and to one edge index, not to both edge indexes with a NULL key in one.
// A lookup `holder_x = ?` implies `holder_x IS NOT NULL` and is planned on the partial
// index (the query-plan tests hold every statement to an index).
constexpr const char* kMigration21 = R"sql(
DROP INDEX IF EXISTS equity_by_holder_enterprise;
DROP INDEX IF EXISTS equity_by_holder_person;
DROP INDEX IF EXISTS equity_by_enterprise_edge;
DROP INDEX IF EXISTS equity_by_person_edge;
CREATE INDEX equity_by_enterprise_edge ON equity(holder_enterprise, held, valid_from) WHERE holder_enterprise IS NOT NULL;
CREATE INDEX equity_by_person_edge ON equity(holder_person, held, valid_from) WHERE holder_person IS NOT NULL;
)sql";

constexpr std::array<const char*, 21> kMigrations = {kMigration1,  kMigration2,  kMigration3,  kMigration4,
                                                     kMigration5,  kMigration6,  kMigration7,  kMigration8,
                                                     kMigration9,  kMigration10, kMigration11, kMigration12,
                                                     kMigration13, kMigration14, kMigration15, kMigration16,
                                                     kMigration17, kMigration18, kMigration19, kMigrationNotifications,
                                                     kMigration21};

// Migrations that rebuild a table other tables reference: they run with foreign keys off
// (a DROP of the old table would otherwise delete-check every referencing row), and
// PRAGMA foreign_key_check must find nothing before they commit. 1-based numbers.
bool needs_foreign_keys_off(int migration) { return migration == 8 || migration == 15; }

Result<int> user_version(Db& db) {
  auto st = db.prepare("PRAGMA user_version");
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  return static_cast<int>(st->int64(0));
}

Result<bool> foreign_keys_on(Db& db) {
  auto st = db.prepare("PRAGMA foreign_keys");
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  return *row && st->int64(0) != 0;
}

// Whether any row references the tables migration 8 rebuilds (with none, the DROPs check
// nothing and foreign keys may stay on: a fresh database created inside a transaction).
bool has_rows_referencing(Db& db) {
  for (const char* sql : {"SELECT 1 FROM products LIMIT 1", "SELECT 1 FROM claims LIMIT 1"}) {
    auto st = db.prepare(sql);
    if (!st) return true;
    auto row = st->step();
    if (!row || *row) return true;
  }
  return false;
}

// Foreign keys off for the scope of one rebuilding migration run in its own transaction,
// back on after it (whatever happened).
class FkOff {
 public:
  FkOff(Db& db, bool active) : db_(db), active_(active) {
    if (active_) (void)db_.exec_script("PRAGMA foreign_keys = OFF");
  }
  ~FkOff() {
    if (active_) (void)db_.exec_script("PRAGMA foreign_keys = ON");
  }
  FkOff(const FkOff&) = delete;
  FkOff& operator=(const FkOff&) = delete;

 private:
  Db& db_;
  bool active_;
};

// After a rebuild with foreign keys off: every reference must still resolve.
Status check_foreign_keys(Db& db, int migration) {
  auto st = db.prepare("PRAGMA foreign_key_check");
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return Status::Ok();
  return Error("FOREIGN_KEY_VIOLATION", "schema migration " + std::to_string(migration) + ": table " + st->text(0) +
                                            " row " + std::to_string(st->int64(1)) + " references a missing " +
                                            st->text(2) + " row");
}

}  // namespace

Result<int> schema_version(Db& db) { return user_version(db); }

int latest_schema_version() { return static_cast<int>(kMigrations.size()); }

Result<int> migrate(Db& db, int up_to, MigrationNotes* notes) {
  const int target = up_to < 0 ? latest_schema_version() : std::min(up_to, latest_schema_version());
  auto found = user_version(db);
  if (!found) return found;
  if (*found > latest_schema_version()) {
    return Error("SCHEMA_TOO_NEW", "database schema version " + std::to_string(*found) +
                                       " is newer than this chipreg supports (" +
                                       std::to_string(latest_schema_version()) + ")");
  }
  // Inside the caller's transaction, all migrations commit or roll back with it;
  // otherwise each migration gets a transaction of its own.
  const bool own_tx = !db.in_transaction();
  for (int v = *found; v < target; ++v) {
    const bool rebuild = needs_foreign_keys_off(v + 1);
    // PRAGMA foreign_keys is a no-op inside a transaction: a caller migrating inside its
    // own must have turned them off first (cmd_init does).
    FkOff fk_off(db, rebuild && own_tx);
    if (rebuild) {
      auto on = foreign_keys_on(db);
      if (!on) return on.error();
      if (*on && has_rows_referencing(db)) {
        return Error("FOREIGN_KEYS_ON",
                     "schema migration " + std::to_string(v + 1) +
                         " rebuilds referenced tables: turn foreign keys off before the transaction");
      }
    }
    std::optional<Tx> tx;
    if (own_tx) {
      auto t = Tx::begin(db);
      if (!t) return t.error();
      tx.emplace(std::move(*t));
    }
    if (auto st = db.exec_script(kMigrations[static_cast<std::size_t>(v)]); !st) return st.error();
    if (v + 1 == kReferenceLeavesMigration) {
      auto logged = tlog::log_unlogged_fact_rows(db);
      if (!logged) return logged.error();
      if (notes) notes->reference_facts_logged += *logged;
    }
    if (rebuild) {
      if (auto st = check_foreign_keys(db, v + 1); !st) return st.error();
    }
    const std::string bump = "PRAGMA user_version = " + std::to_string(v + 1);
    if (auto st = db.exec_script(bump.c_str()); !st) return st.error();
    if (tx) {
      if (auto st = tx->commit(); !st) return st.error();
    }
  }
  return *found;
}

}  // namespace chipreg::store
