#!/usr/bin/env bash
# HTTP benchmark: wrk against `chipreg serve` and, in the same run on the same machine,
# against nginx (Debian nginx-light) serving a static 50-byte JSON file.
#   bench/http_bench.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
# Reports requests/s and p99 latency for
#   GET /healthz                      chipreg vs nginx's static file (target: >= 70 % of nginx)
#   GET /v1/claims/{id}               a linkage claim with 1,000 purchase lines (token-checked,
#                                     read from SQLite, ~1,000-line evaluation in the body)
# chipreg runs with --access-log off (the log line is a syscall per request).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
secs=${2:-10}
conns=${3:-64}
threads=$(nproc)
scripts/bootstrap bench >/dev/null
if [ ! -x "$build/chipreg" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j"$threads" --target chipreg >/dev/null
fi
chipreg=$(realpath "$build/chipreg")

work=$(mktemp -d /tmp/chipreg-http-bench.XXXXXX)
chmod 755 "$work"
serve_pid="" nginx_pid=""
cleanup() {
  [ -n "$serve_pid" ] && kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true
  [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# ---- chipreg with demo data plus one claim of 1,000 lines ----
admin=$("$chipreg" init --db "$work/b.db" | sed -n 's/.*"admin_token":"\([0-9a-f]*\)".*/\1/p')
"$chipreg" serve --db "$work/b.db" --listen 127.0.0.1:0 --threads "$threads" --access-log off \
  >"$work/serve.out" 2>"$work/serve.err" &
serve_pid=$!
for _ in $(seq 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*:\([0-9]*\)".*/\1/p' "$work/serve.out")
base="http://127.0.0.1:$port"
CHIPREG="$chipreg" scripts/demo-data "$base" "$admin" "$work" >/dev/null
. "$work/tokens.env"
. "$work/ids.env"
# 1,000 purchase lines of the second terminal maker, bulk-imported (same checks as the API).
awk -v b="$OTHER_USCC" -v s="$DESIGN_USCC" 'BEGIN {
  for (i = 1; i <= 1000; i++)
    printf "{\"invoice\":\"2433200000%010d\",\"line\":1,\"date\":\"2025-04-01\",\"buyer\":\"%s\",\"seller\":\"%s\",\"product\":\"BJ-MCU-01\",\"amount_fen\":%d,\"tax_fen\":0,\"reverses\":null}\n", i, b, s, 100000 + i
}' >"$work/lines.jsonl"
"$chipreg" import --db "$work/b.db" purchases "$work/lines.jsonl" >/dev/null
claim=$(curl -sS -X POST -H "Authorization: Bearer $OTHER" -H 'Content-Type: application/json' -d '{"rule":"linkage","year":2025,"group":"chip_module"}' \
          "$base/v1/claims" | sed -n 's/^{"id":"\([^"]*\)".*/\1/p')
claim_bytes=$(curl -sS -H "Authorization: Bearer $OTHER" "$base/v1/claims/$claim" | wc -c)
lines=$(curl -sS -H "Authorization: Bearer $OTHER" "$base/v1/claims/$claim" | grep -o '"qualifies"' | wc -l)

# ---- nginx serving a static 50-byte JSON ----
mkdir -p "$work/www"
printf '{"status":"ok","server":"nginx","pad":"xxxxxxxxx"}' >"$work/www/healthz.json"
nport=$((port + 1))
cat >"$work/nginx.conf" <<CONF
worker_processes $threads;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server {
    listen 127.0.0.1:$nport;
    location = /healthz { alias $work/www/healthz.json; }
  }
}
CONF
mkdir -p "$work/tmp"
nginx -c "$work/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 50); do curl -s "http://127.0.0.1:$nport/healthz" >/dev/null && break; sleep 0.1; done

# run NAME URL [HEADER] -> "rps p99"
run() {
  local out
  if [ -n "${3:-}" ]; then
    out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -H "$3" "$2")
  else
    out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "$2")
  fi
  local rps p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  echo "$rps $p99"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)"
echo "wrk -t2 -c$conns -d${secs}s; chipreg --threads $threads; nginx worker_processes $threads"
read -r n_rps n_p99 < <(run nginx "http://127.0.0.1:$nport/healthz")
read -r h_rps h_p99 < <(run chipreg "$base/healthz")
read -r c_rps c_p99 < <(run claim "$base/v1/claims/$claim" "Authorization: Bearer $OTHER")
ratio=$(awk -v a="$h_rps" -v b="$n_rps" 'BEGIN { printf "%.0f", 100 * a / b }')
printf '| endpoint | requests/s | p99 |\n|---|---|---|\n'
printf '| nginx static 50-byte JSON | %s | %s |\n' "$n_rps" "$n_p99"
printf '| chipreg GET /healthz | %s | %s |\n' "$h_rps" "$h_p99"
printf '| chipreg GET /v1/claims/{id} (%s lines, %s bytes) | %s | %s |\n' "$lines" "$claim_bytes" "$c_rps" "$c_p99"
echo "chipreg /healthz = ${ratio}% of nginx (target >= 70%)"
