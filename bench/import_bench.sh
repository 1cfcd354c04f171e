#!/usr/bin/env bash
# Import benchmark: `chipreg import purchases` of N generated rows (full validation, the
# transparency-log append per row: each purchase row is its own leaf) against the sqlite3 CLI's `.import` of the same CSV
# into an equivalent table with the same UNIQUE (invoice, line) index, in WAL mode with
# synchronous=FULL (chipreg's setting; the CLI's default too),
# measured in the same run. Reports wall time, the ratio, and peak RSS (/usr/bin/time).
# The last three columns: the same CLI import into tables taking the same writes as
# chipreg (see "A second reference" below), its wall and CPU seconds, and chipreg's CPU
# ratio to it.
#
#   bench/import_bench.sh [CHIPREG_BINARY] [ROWS...]     default: build/chipreg 100000 1000000
#
# Needs: python3, sqlite3, /usr/bin/time (scripts/bootstrap bench).
set -euo pipefail

bin=${1:-build/chipreg}
shift || true
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100000 1000000)
bin=$(realpath "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lib=$(cd "$(dirname "$0")/lib" && pwd)
source "$lib/common.sh"

# Valid USCCs (GB 32100-2015 check characters), 50 buyers and 50 sellers, one product per
# seller; rows spread over 2025. Amounts are exact fen.
PYTHONPATH="$lib" python3 - "$work" "${sizes[@]}" <<'PY'
import sys, random
from benchdata import uscc, write_registry
work, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
buyers = [uscc("913301080%07d" % i) for i in range(50)]
sellers = [uscc("913301080%07d" % (100 + i)) for i in range(50)]
write_registry(work, buyers, sellers, "chip")
rnd = random.Random(7)
for n in sizes:
    with open(f"{work}/purchases-{n}.csv", "w") as f:
        f.write("invoice,line,date,buyer,seller,product,amount_fen,tax_fen,reverses_invoice,reverses_line\n")
        for r in range(n):
            inv, line = 25332000000000000000 + r // 4, r % 4 + 1
            s = rnd.randrange(50)
            amt = rnd.randrange(100, 10_000_000)
            f.write(f"{inv},{line},2025-{1 + r % 12:02d}-{1 + r % 28:02d},{buyers[rnd.randrange(50)]},"
                    f"{sellers[s]},P{s},{amt},{amt * 13 // 100},,\n")
PY

# The baseline's table: chipreg's purchase columns with the same UNIQUE (invoice, line).
purchases_table="CREATE TABLE purchases (invoice TEXT NOT NULL, line INTEGER NOT NULL, date TEXT NOT NULL,
  buyer TEXT NOT NULL, seller TEXT NOT NULL, product TEXT NOT NULL, amount_fen INTEGER NOT NULL,
  tax_fen INTEGER NOT NULL, reverses_invoice TEXT, reverses_line INTEGER, UNIQUE (invoice, line));"

machine_line
printf '%-9s %10s %10s %7s %10s %10s %7s %14s %14s %10s %10s %7s\n' rows chipreg_s sqlite3_s ratio chip_cpu sql_cpu cpu_rat \
  chipreg_rss_kb sqlite3_rss_kb same_w_s same_w_cpu cpu_rat
for n in "${sizes[@]}"; do
  csv="$work/purchases-$n.csv"
  db="$work/chipreg-$n.db"
  registry "$bin" "$db" "$work"
  t0=$(now)
  /usr/bin/time -v -o "$work/chipreg.time" "$bin" import --db "$db" purchases "$csv" >"$work/out.json" 2>/dev/null || true
  t1=$(now)
  grep -q "\"imported\":$n," "$work/out.json" || { echo "chipreg import failed: $(head -c 300 "$work/out.json")" >&2; exit 1; }

  base="$work/sqlite-$n.db"
  sqlite3 "$base" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
$purchases_table
SQL
  t2=$(now)
  # Like for like: chipreg opens every database in WAL mode with synchronous=FULL.
  /usr/bin/time -v -o "$work/sqlite.time" sqlite3 "$base" -cmd "PRAGMA journal_mode = WAL" \
    -cmd "PRAGMA synchronous = FULL" ".import --csv --skip 1 $csv purchases" >/dev/null
  t3=$(now)
  [ "$(sqlite3 "$base" 'SELECT count(*) FROM purchases')" = "$n" ] || { echo "sqlite3 import incomplete" >&2; exit 1; }

  # A second reference: the same CLI import into tables that take the writes chipreg must
  # make for each line, with no validation: the purchase row with chipreg's buyer/date index
  # and the row's log columns (its leaf index and a 32-byte leaf hash, here random), written
  # through a view whose trigger adds them. This is the storage floor of what chipreg
  # writes rather than of the one-table baseline. (chipreg also writes one subtree row per
  # 16 leaves, which the reference leaves out.)
  full="$work/sqlite-full-$n.db"
  sqlite3 "$full" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
$purchases_table
ALTER TABLE purchases ADD COLUMN log_index INTEGER;
ALTER TABLE purchases ADD COLUMN leaf_hash BLOB;
CREATE INDEX purchases_by_buyer_date ON purchases(buyer, date);
CREATE VIEW purchase_lines AS SELECT invoice, line, date, buyer, seller, product, amount_fen, tax_fen,
  reverses_invoice, reverses_line FROM purchases;
CREATE TRIGGER log_line INSTEAD OF INSERT ON purchase_lines BEGIN
  INSERT INTO purchases VALUES (NEW.invoice, NEW.line, NEW.date, NEW.buyer, NEW.seller, NEW.product, NEW.amount_fen,
    NEW.tax_fen, NEW.reverses_invoice, NEW.reverses_line, (SELECT coalesce(max(rowid), 0) FROM purchases), randomblob(32));
END;
SQL
  t4=$(now)
  /usr/bin/time -v -o "$work/full.time" sqlite3 "$full" -cmd "PRAGMA synchronous = FULL" \
    ".import --csv --skip 1 $csv purchase_lines" >/dev/null
  t5=$(now)
  [ "$(sqlite3 "$full" 'SELECT count(*) FROM purchases WHERE length(leaf_hash) = 32')" = "$n" ] ||
    { echo "sqlite3 full import incomplete" >&2; exit 1; }

  c=$(echo "$t1 - $t0" | bc -l); s=$(echo "$t3 - $t2" | bc -l); f=$(echo "$t5 - $t4" | bc -l)
  cc=$(cpu_s "$work/chipreg.time"); sc=$(cpu_s "$work/sqlite.time"); fc=$(cpu_s "$work/full.time")
  printf '%-9s %10.2f %10.2f %7.2f %10s %10s %7.2f %14s %14s %10.2f %10s %7.2f\n' "$n" "$c" "$s" "$(echo "$c / $s" | bc -l)" \
    "$cc" "$sc" "$(echo "$cc / $sc" | bc -l)" "$(peak_kb "$work/chipreg.time")" "$(peak_kb "$work/sqlite.time")" \
    "$f" "$fc" "$(echo "$cc / $fc" | bc -l)"
done
