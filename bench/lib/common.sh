# Shared by the import benchmarks (bench/import_bench.sh, bench/xlsx_import_bench.sh):
# sourced, not run. Needs /usr/bin/time (scripts/bootstrap bench).

# Peak RSS in KiB and CPU seconds (user + system) from a `/usr/bin/time -v -o FILE` report.
# CPU time is robust when other jobs share the machine, unlike wall time.
peak_kb() { awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$1"; }
cpu_s() { awk -F: '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$1"; }
user_s() { awk -F: '/User time/ {printf "%.2f", $2}' "$1"; }
now() { date +%s.%N; }

# One line naming the machine, the date and the load, first in every benchmark's output.
machine_line() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d), load: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# A fresh registry at DB with the enterprises and products the generator wrote in WORK.
#   registry BINARY DB WORK
registry() {
  "$1" init --db "$2" >/dev/null
  "$1" import --db "$2" enterprises "$3/enterprises.csv" >/dev/null
  "$1" import --db "$2" products "$3/products.csv" >/dev/null
}
