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

// Migration 17 (assigned to the eligibility work, issue #21; 15 and 16 belong to other
// branches: NOTE for the merge, until they land this is the 15th entry of kMigrations and
// a database reports user_version 15 after it; put it after 15 and 16 when they exist):
// 免申即享, store/entitlements.hpp. What each enterprise's facts qualify for, per year and
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

// NOTE(merge): kMigration17 goes after the lead's 15 and the objection branch's 16.
constexpr std::array<const char*, 15> kMigrations = {kMigration1,  kMigration2,  kMigration3,  kMigration4, kMigration5,
                                                     kMigration6,  kMigration7,  kMigration8,  kMigration9, kMigration10,
                                                     kMigration11, kMigration12, kMigration13, kMigration14,
                                                     kMigration17};

// Migrations that rebuild a table other tables reference: they run with foreign keys off
// (a DROP of the old table would otherwise delete-check every referencing row), and
// PRAGMA foreign_key_check must find nothing before they commit. 1-based numbers.
bool needs_foreign_keys_off(int migration) { return migration == 8; }

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
