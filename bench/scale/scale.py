#!/usr/bin/env python3
"""bench/scale's driver (run it through bench/scale/run). At each size: generate the district
(gen.py), import every kind through `chipreg import` against sqlite3 .import of the same CSV
into a table with the same indexes, then through `chipreg serve`: file and re-evaluate
linkage claims of 1,000 and 50,000 lines, POST purchases with wrk, file one 200,000-line
claim, and read the server's peak RSS; affiliation queries through the store
(scale_affiliation). Raw results: OUT/results-SIZE.json; the table: OUT/table.md and stdout.
"""
import argparse, http.client, json, os, re, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = ["enterprises", "persons", "family", "equity", "products", "tapeouts", "purchases-bg", "purchases-claims", "purchases-200k"]
# sqlite3 baselines: the CSV's columns, with the indexes chipreg keeps on the same columns
# (registry/store/schema.cpp). Tape-outs have none: their cost is the signature check.
BASE = {
    "enterprises": "CREATE TABLE t (uscc TEXT PRIMARY KEY, name TEXT, in_district TEXT, roles TEXT) WITHOUT ROWID;",
    "persons": "CREATE TABLE t (id TEXT PRIMARY KEY, name TEXT) WITHOUT ROWID;",
    "family": "CREATE TABLE t (a TEXT, b TEXT, relation TEXT, UNIQUE (a, b)); CREATE INDEX t_b ON t(b);",
    # chipreg writes each edge into held's index and one edge index (schema migration 21).
    "equity": "CREATE TABLE t (holder TEXT, held TEXT, pct TEXT, vfrom TEXT, vto TEXT);"
              "CREATE INDEX t_held ON t(held); CREATE INDEX t_edge ON t(holder, held, vfrom);",
    "products": "CREATE TABLE t (id TEXT PRIMARY KEY, kind TEXT, owner TEXT, self TEXT, market TEXT, focus TEXT,"
                " model TEXT, UNIQUE (owner, model)) WITHOUT ROWID; CREATE INDEX t_owner ON t(owner, id);",
    "purchases": "CREATE TABLE t (invoice TEXT, line INTEGER, date TEXT, buyer TEXT, seller TEXT, product TEXT,"
                 " amount_fen INTEGER, tax_fen INTEGER, rinv TEXT, rline INTEGER, UNIQUE (invoice, line));"
                 "CREATE INDEX t_bd ON t(buyer, date); CREATE INDEX t_ps ON t(product, seller);"
                 "CREATE INDEX t_rev ON t(rinv, rline) WHERE rinv IS NOT NULL;",
}


def timed(cmd, **kw):
    """Runs cmd under /usr/bin/time -v; returns (wall s, cpu s, peak KiB, stdout)."""
    tf = tempfile.NamedTemporaryFile(delete=False)
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name] + cmd, capture_output=True, text=True, **kw)
    wall = time.monotonic() - t0
    rep = open(tf.name).read()
    os.unlink(tf.name)
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", rep))
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", rep).group(1))
    return wall, cpu, peak, p


def rows_of(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f) - (0 if path.endswith(".jsonl") else 1)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] if xs else None


class Client:
    def __init__(self, port):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def call(self, method, path, token, body=None):
        h = {"Authorization": f"Bearer {token}"}
        if body is not None:
            h["Content-Type"] = "application/json"
        t0 = time.monotonic()
        try:
            self.c.request(method, path, body=body, headers=h)
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # The server closed the idle keep-alive connection (its idle timeout, while wrk
            # ran): a new connection, and the clock starts again.
            self.c = http.client.HTTPConnection(self.c.host, self.c.port, timeout=600)
            t0 = time.monotonic()
            self.c.request(method, path, body=body, headers=h)
        r = self.c.getresponse()
        data = r.read()
        return r.status, data, time.monotonic() - t0


def vm(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return None


def run_size(args, size):
    E = size
    out = args.out
    work = os.path.join(args.work, f"district-{E}")
    res = {"enterprises": E, "load_before": open("/proc/loadavg").read().split()[:3],
           "date": time.strftime("%Y-%m-%d", time.gmtime())}
    if not os.path.exists(os.path.join(work, "claimants.tsv")):
        t0 = time.monotonic()
        subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), work, str(E)], check=True, stdout=subprocess.DEVNULL)
        res["generate_s"] = round(time.monotonic() - t0, 2)
    chip = args.chipreg
    db = os.path.join(work, "chipreg.db")
    reuse = os.environ.get("SCALE_REUSE_DB") == "1" and os.path.exists(db)  # debugging the server part
    if not reuse:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.unlink(db + suffix)
        subprocess.run([chip, "init", "--db", db], check=True, capture_output=True, text=True)

    # ---- imports, each kind against sqlite3 .import of the same CSV ----
    imports = json.load(open(os.path.join(work, "imports.json"))) if reuse else {}
    for kind in ([] if reuse else KINDS):
        path = os.path.join(work, kind + (".jsonl" if kind == "tapeouts" else ".csv"))
        n = rows_of(path)
        if n == 0:
            continue
        if kind == "tapeouts":
            for line in open(os.path.join(work, "foundry-keys.tsv")):
                foundry, pub = line.split()
                subprocess.run([chip, "key", "add", "--db", db, "--foundry", foundry, "--alg", "ed25519",
                                "--public-key", pub, "--valid-from", "2024-01-01"], check=True, capture_output=True)
        ikind = "purchases" if kind.startswith("purchases") else kind
        wall, cpu, peak, p = timed([chip, "import", "--db", db, ikind, path])
        rep = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else {}
        if rep.get("imported") != n:
            sys.exit(f"import {kind}: {p.stdout[:400]} {p.stderr[:400]}")
        row = {"rows": n, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "rows_per_s": round(n / wall),
               "peak_kb": peak}
        base = BASE.get(ikind)
        if base:
            bdb = os.path.join(work, f"base-{kind}.db")
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(bdb + suffix):
                    os.unlink(bdb + suffix)
            subprocess.run(["sqlite3", bdb, "PRAGMA journal_mode = WAL;" + base], check=True, capture_output=True)
            bw, bc, _, bp = timed(["sqlite3", bdb, "-cmd", "PRAGMA journal_mode = WAL", "-cmd", "PRAGMA synchronous = FULL",
                                   f".import --csv --skip 1 {path} t"])
            got = subprocess.run(["sqlite3", bdb, "SELECT count(*) FROM t"], capture_output=True, text=True).stdout.strip()
            if got != str(n):
                sys.exit(f"sqlite3 .import {kind}: {got} rows of {n}: {bp.stderr[:300]}")
            row.update({"sqlite_wall_s": round(bw, 2), "sqlite_cpu_s": round(bc, 2),
                        "ratio_wall": round(wall / bw, 2), "ratio_cpu": round(cpu / max(bc, 0.01), 2)})
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(bdb + suffix):
                    os.unlink(bdb + suffix)
        imports[kind] = row
        print(f"  [{E}] import {kind}: {row}", file=sys.stderr, flush=True)
    res["imports"] = imports
    with open(os.path.join(work, "imports.json"), "w") as f:
        json.dump(imports, f)

    # ---- 免申即享: the eligibility job, every enterprise, then incremental (issue 21) ----
    if not reuse and not args.skip_eligibility:
        elig = {}
        wall, cpu, peak, p = timed([chip, "eligibility", "--db", db, "--year", "2025", "--full", "--quiet"])
        rep = json.loads(p.stdout.strip().splitlines()[-1]) if p.returncode == 0 and p.stdout.strip() else {"error": p.stderr[:300]}
        elig["full"] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_kb": peak,
                        "enterprises": rep.get("enterprises"), "evaluations": rep.get("evaluations"),
                        "eligible": rep.get("eligible"), "owed_unclaimed_fen": rep.get("owed_unclaimed_fen")}
        # A day's new facts: 100 new lines for 20 enterprises, then the incremental run.
        ents_all = [l.split(",") for l in open(os.path.join(work, "enterprises.csv")).read().split("\n")[1:] if l]
        sellers = [l.split(",") for l in open(os.path.join(work, "products.csv")).read().split("\n")[1:101] if l]
        day = os.path.join(work, "purchases-day.csv")
        with open(day, "w") as f:
            f.write("invoice,line,date,buyer,seller,product,amount_fen,tax_fen,reverses_invoice,reverses_line\n")
            buyers = [e[0] for e in ents_all if e[3].startswith("oem")][100:120]
            for n in range(100):
                pr = sellers[n % len(sellers)]
                f.write(f"{26332000000000000000 + n},1,2025-11-{1 + n % 28:02d},{buyers[n % len(buyers)]},{pr[2]},{pr[0]},"
                        f"{500000 + n},{65000},,\n")
        subprocess.run([chip, "import", "--db", db, "purchases", day], check=True, capture_output=True)
        wall, cpu, peak, p = timed([chip, "eligibility", "--db", db, "--year", "2025", "--quiet"])
        rep = json.loads(p.stdout.strip().splitlines()[-1]) if p.returncode == 0 and p.stdout.strip() else {"error": p.stderr[:300]}
        elig["incremental"] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_kb": peak,
                               "enterprises": rep.get("enterprises"), "evaluations": rep.get("evaluations")}
        res["eligibility"] = elig
        print(f"  [{E}] eligibility: {elig}", file=sys.stderr, flush=True)

    # ---- affiliation queries through the store ----
    if args.affiliation:
        p = subprocess.run([args.affiliation, db, str(E), "2000"], capture_output=True, text=True)
        res["affiliation"] = json.loads(p.stdout) if p.returncode == 0 else {"error": p.stderr[:300]}
        print(f"  [{E}] affiliation: {res['affiliation']}", file=sys.stderr, flush=True)

    # ---- tokens, then the server ----
    claimants = [(int(a), b) for a, b in (l.split("\t") for l in open(os.path.join(work, "claimants.tsv")).read().split("\n") if l)]
    tokens = {}
    for _, u in claimants:
        t = subprocess.run([chip, "token", "create", "--db", db, "--role", "enterprise", "--enterprise", u, "--label", "bench"],
                           check=True, capture_output=True, text=True).stdout
        tokens[u] = json.loads(t)["token"]
    # A purchase POST buyer that files no claim: an OEM after the claimants.
    ents = [l.split(",") for l in open(os.path.join(work, "enterprises.csv")).read().split("\n")[1:] if l]
    claimant_set = {u for _, u in claimants}
    post_buyer = next(e[0] for e in ents if e[3].startswith("oem") and e[0] not in claimant_set)
    prod = open(os.path.join(work, "products.csv")).read().split("\n")[1].split(",")
    writer = json.loads(subprocess.run([chip, "token", "create", "--db", db, "--role", "enterprise", "--enterprise",
                                        post_buyer, "--label", "bench"], check=True, capture_output=True, text=True).stdout)["token"]
    # The steps above wrote gigabytes at 1M (the imports, the eligibility run); their
    # writeback by the kernel would run beside the timed requests and slow the server's
    # CPU-bound work up to 3x (seen: the same claim's facts bundle in 3.3 ms and 11.5 ms).
    # The server's own writes (its WAL, its checkpoints) stay in what is timed.
    os.sync()
    time.sleep(2)
    serve_out = open(os.path.join(work, "serve.out"), "w")
    srv = subprocess.Popen([chip, "serve", "--db", db, "--listen", "127.0.0.1:0", "--access-log", "off",
                            "--enterprise-writes-per-minute", "0"], stdout=serve_out, stderr=subprocess.STDOUT)
    try:
        port = None
        for _ in range(600):
            m = re.search(r":(\d+)\"", open(os.path.join(work, "serve.out")).read())
            if m:
                port = int(m.group(1))
                break
            time.sleep(0.1)
        if port is None:
            sys.exit("serve did not start: " + open(os.path.join(work, "serve.out")).read()[:400])
        res["rss_idle_kb"] = vm(srv.pid, "VmRSS")
        cl = Client(port)
        body = json.dumps({"rule": "linkage", "year": 2025, "group": "chip_module"})
        claims = {}
        for lines in (1000, 50000):
            file_s, re_s, ids = [], [], []
            for n, u in claimants:
                if n != lines:
                    continue
                st, data, dt = cl.call("POST", "/v1/claims", tokens[u], body)
                if st != 201:
                    sys.exit(f"file claim: {st} {data[:300]}")
                doc = json.loads(data)
                file_s.append(dt)
                ids.append((doc["id"], u))
            reps = 5 if lines == 1000 else 2
            for _ in range(reps):
                for cid, u in ids:
                    st, data, dt = cl.call("POST", f"/v1/claims/{cid}/evaluate", tokens[u], "{}")
                    if st != 200:
                        sys.exit(f"re-evaluate: {st} {data[:300]}")
                    re_s.append(dt)
            # The summary view and the first page of lines (what a client reads of a large claim).
            cid, u = ids[0]
            st, data, sum_dt = cl.call("GET", f"/v1/claims/{cid}?view=summary", tokens[u])
            st2, data2, page_dt = cl.call("GET", f"/v1/claims/{cid}/lines?limit=100", tokens[u])
            claims[lines] = {"claims": len(ids), "file_ms": [round(x * 1000, 1) for x in file_s],
                             "file_p50_ms": round(pct(file_s, .5) * 1000, 1), "file_p99_ms": round(pct(file_s, .99) * 1000, 1),
                             "reevaluate_p50_ms": round(pct(re_s, .5) * 1000, 1),
                             "reevaluate_p99_ms": round(pct(re_s, .99) * 1000, 1), "reevaluations": len(re_s),
                             "summary_ms": round(sum_dt * 1000, 1), "lines_page_ms": round(page_dt * 1000, 1),
                             "rss_peak_kb_after": vm(srv.pid, "VmHWM")}
            print(f"  [{E}] claims {lines}: {claims[lines]}", file=sys.stderr, flush=True)
        res["claims"] = claims

        # ---- purchase POST throughput (wrk, bench/load/mix.lua with purchases only) ----
        env = dict(os.environ, LT_RUN=f"{26}{E % 97:02d}{int(time.time()) % 10000:04d}", LT_CLAIM="none", LT_READER=writer,
                   LT_WRITER=writer, LT_BUYER=post_buyer, LT_SELLER=prod[2], LT_PRODUCT=prod[0], LT_MIX="0,0,0,100",
                   LT_OUT=os.path.join(work, "wrk.json"))
        subprocess.run(["wrk", "-t2", "-c16", f"-d{args.post_seconds}s", "--latency", "-s",
                        os.path.join(HERE, "..", "load", "mix.lua"), f"http://127.0.0.1:{port}"], env=env,
                       capture_output=True, check=True)
        w = json.load(open(os.path.join(work, "wrk.json")))
        res["purchase_post"] = {"rps": w["rps"], "p50_ms": w["p50_ms"], "p99_ms": w["p99_ms"], "statuses": w["statuses"],
                                "acked": w["acked_purchases"]}
        print(f"  [{E}] purchase POST: {res['purchase_post']}", file=sys.stderr, flush=True)
        res["rss_peak_kb_before_200k"] = vm(srv.pid, "VmHWM")

        # ---- the 200,000-line claim against the import of its lines ----
        big = [u for n, u in claimants if n == 200000]
        if big:
            u = big[0]
            st, data, dt = cl.call("POST", "/v1/claims", tokens[u], body)
            if st != 201:
                sys.exit(f"file 200k claim: {st} {data[:300]}")
            big_imp = res["imports"].get("purchases-200k")
            res["claim_200k"] = {"file_s": round(dt, 2), "import_s": big_imp["wall_s"] if big_imp else None,
                                 "ratio": round(dt / big_imp["wall_s"], 2) if big_imp else None,
                                 "response_bytes": len(data)}
            print(f"  [{E}] claim 200k: {res['claim_200k']}", file=sys.stderr, flush=True)
        res["rss_peak_kb"] = vm(srv.pid, "VmHWM")
    finally:
        srv.terminate()
        srv.wait()
    res["load_after"] = open("/proc/loadavg").read().split()[:3]
    with open(os.path.join(out, f"results-{E}.json"), "w") as f:
        json.dump(res, f, indent=1)
    return res


def table(results):
    sizes = [r["enterprises"] for r in results]
    rows = []
    def add(name, get, unit=""):
        vals = []
        for r in results:
            try:
                vals.append(get(r))
            except (KeyError, TypeError):
                vals.append(None)
        growth = []
        for a, b in zip(vals, vals[1:]):
            growth.append(f"{b / a:.2f}" if a and b else "—")
        if len(vals) > 2:
            growth.append(f"{vals[-1] / vals[0]:.2f}" if vals[0] and vals[-1] else "—")
        rows.append([name] + ["—" if v is None else f"{v:g}" for v in vals] + growth)
    for k in KINDS:
        add(f"import {k}, rows/s", lambda r, k=k: r["imports"][k]["rows_per_s"])
        add(f"import {k}, ÷ sqlite3 .import (wall)", lambda r, k=k: r["imports"][k]["ratio_wall"])
    for lines in ("1000", "50000"):
        for what in ("file_p50_ms", "file_p99_ms", "reevaluate_p50_ms", "reevaluate_p99_ms"):
            add(f"claim {lines} lines, {what}", lambda r, l=lines, w=what: r["claims"].get(l, r["claims"].get(int(l)))[w])
    add("eligibility, every enterprise (--full), s", lambda r: r["eligibility"]["full"]["wall_s"])
    add("eligibility, every enterprise, evaluations", lambda r: r["eligibility"]["full"]["evaluations"])
    add("eligibility, after 100 new lines (incremental), s", lambda r: r["eligibility"]["incremental"]["wall_s"])
    add("eligibility, incremental, enterprises evaluated", lambda r: r["eligibility"]["incremental"]["enterprises"])
    add("eligibility, --full peak RSS, MB", lambda r: round(r["eligibility"]["full"]["peak_kb"] / 1024, 1))
    add("affiliation through the store, p50 µs", lambda r: r["affiliation"]["p50_us"])
    add("affiliation through the store, p99 µs", lambda r: r["affiliation"]["p99_us"])
    add("purchase POST, requests/s", lambda r: r["purchase_post"]["rps"])
    add("purchase POST, p99 ms", lambda r: r["purchase_post"]["p99_ms"])
    add("claim 200k lines: file s", lambda r: r["claim_200k"]["file_s"])
    add("claim 200k lines: its import s", lambda r: r["claim_200k"]["import_s"])
    add("claim 200k lines: file ÷ import", lambda r: r["claim_200k"]["ratio"])
    add("server peak RSS after the 1k claims, MB", lambda r: round(r["claims"].get("1000", r["claims"].get(1000))["rss_peak_kb_after"] / 1024, 1))
    add("server peak RSS before the 200k claim, MB", lambda r: round(r["rss_peak_kb_before_200k"] / 1024, 1))
    add("server peak RSS, MB", lambda r: round(r["rss_peak_kb"] / 1024, 1))
    head = ["measure"] + [f"E={s:,}" for s in sizes] + [f"×{b // a} growth" for a, b in zip(sizes, sizes[1:])]
    if len(sizes) > 2:
        head.append(f"×{sizes[-1] // sizes[0]:,} growth")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chipreg", required=True)
    ap.add_argument("--affiliation")
    ap.add_argument("--sizes", default="1k,10k,100k,1m")
    ap.add_argument("--out", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--post-seconds", type=int, default=10)
    ap.add_argument("--skip-eligibility", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    sizes = [int(float(s.lower().replace("k", "e3").replace("m", "e6"))) for s in a.sizes.split(",")]
    results = []
    for s in sizes:
        print(f"== size {s}", file=sys.stderr, flush=True)
        results.append(run_size(a, s))
        t = table(results)
        with open(os.path.join(a.out, "table.md"), "w") as f:
            f.write(t + "\n")
    print(table(results))


if __name__ == "__main__":
    main()
