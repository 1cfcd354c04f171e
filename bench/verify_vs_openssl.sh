#!/usr/bin/env bash
# Envelope verification (bench/verify_bench) beside `openssl speed` verify rates for the
# same algorithms, measured in the same run on the same machine. Prints a Markdown table
# for docs/BENCHMARKS.md.
#
# usage: bench/verify_vs_openssl.sh [BUILD_DIR]   (default build-bench; needs CHIPREG_BENCH=ON)
set -euo pipefail
build=${1:-build-bench}
bench="$build/bench/verify_bench"
[[ -x $bench ]] || { echo "missing $bench: cmake -S . -B $build -DCHIPREG_BENCH=ON && cmake --build $build --target verify_bench" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Interleave the two so load from elsewhere on the machine hits both alike.
openssl speed -seconds 3 ed25519 ecdsap256 sm2 >"$tmp/speed1.txt" 2>/dev/null
"$bench" --benchmark_filter='BM_VerifyEnvelope/' --benchmark_format=json >"$tmp/bench.json"
openssl speed -seconds 3 ed25519 ecdsap256 sm2 >"$tmp/speed2.txt" 2>/dev/null

python3 - "$tmp" <<'PY'
import json, re, sys, os
tmp = sys.argv[1]
def speed(path):
    rates = {}
    for line in open(path):
        for alg, pat in (("ed25519", r"EdDSA \(Ed25519\)"), ("ecdsa-p256", r"ecdsa \(nistp256\)"), ("sm2", r"SM2 \(CurveSM2\)")):
            if re.search(pat, line):
                rates[alg] = float(line.split()[-1])  # verify/s is the last column
    return rates
s1, s2 = speed(os.path.join(tmp, "speed1.txt")), speed(os.path.join(tmp, "speed2.txt"))
bench = json.load(open(os.path.join(tmp, "bench.json")))
names = {"ed25519": "ed25519", "ecdsa_p256": "ecdsa-p256", "sm2": "sm2"}
ours = {}
for b in bench["benchmarks"]:
    alg = names[b["name"].split("/")[1]]
    ours[alg] = b["items_per_second"]
print("| algorithm | chipreg envelope verify/s | openssl speed verify/s (mean of 2) | ratio |")
print("|---|---:|---:|---:|")
for alg in ("ed25519", "ecdsa-p256", "sm2"):
    base = (s1[alg] + s2[alg]) / 2
    print(f"| {alg} | {ours[alg]:.0f} | {base:.0f} ({s1[alg]:.0f}, {s2[alg]:.0f}) | {ours[alg] / base:.2f} |")
PY
