#!/usr/bin/env python3
"""A synthetic district for bench/scale: E enterprises in ownership groups, E/4 persons,
3 equity edges per enterprise, 100k products, 10k signed tape-outs, and purchases (the
claimants' lines plus about 5 per enterprise, at most 5M in all). No real taxpayer data:
every USCC is a serial number with valid GB 32100-2015 check characters.

    gen.py OUT_DIR ENTERPRISES [--products N] [--tapeouts N] [--max-purchases N]

Writes enterprises.csv persons.csv family.csv equity.csv products.csv tapeouts.jsonl
foundry-keys.tsv (foundry, public key file), purchases-bg.csv (background lines),
purchases-claims.csv (the 1k- and 50k-line claimants), purchases-200k.csv (one claimant's
200,000 lines) and claimants.tsv (size, uscc).

The claimants (why "the same claim" can be filed at every size): they are the district's
first OEMs, and each buys only from its own suppliers, design houses among the first 1,000
enterprises: 40 suppliers for a 1,000-line claim, every such house for the 50,000- and
200,000-line ones (an OEM has tens to hundreds of suppliers, not one per line). Their lines
name the first 10,000 products, which those houses own at every size, so a claim's lines,
sellers and ownership neighbourhood are the same in a 1,000-enterprise district as in a
1,000,000-enterprise one; only the registry around them grows. The background lines buy any
product of any house.

The shape (why the claim's neighbourhood stays bounded, as in a real district): enterprises
come in groups of 20. A group's head is held by three natural persons; every other member
is held 51 % by its head, 10 % by the member before it (the first member: 5 % by the head
of the previous group, a cross holding) and 10 % by a person. So each enterprise has 3
holders and at most 20 enterprise ancestors plus one other group's head.
"""
import argparse, base64, hashlib, json, os, random, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from benchdata import uscc  # noqa: E402

GROUP = 20
CLAIMS = [(1000, 20), (50000, 3), (200000, 1)]  # (lines, claimants)
SMALL = 1000                                    # the enterprises every size holds
SMALL_PRODUCTS = 10_000                         # products owned by design houses < SMALL
SUPPLIERS = 40                                  # suppliers of a 1,000-line claimant
FOUNDRIES = [8, 18, 28, 38]                     # enterprise indices with the foundry role


def roles_of(i):
    if i in FOUNDRIES:
        return "foundry"
    r = i % 10
    return {1: "ic_design", 2: "ic_design", 3: "oem", 4: "oem", 5: "oem", 6: "oem|system_integrator",
            7: "system_integrator", 8: "ic_packaging"}.get(r, "other")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("enterprises", type=int)
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--tapeouts", type=int, default=10_000)
    ap.add_argument("--max-purchases", type=int, default=5_000_000)
    a = ap.parse_args()
    out, E = a.out, a.enterprises
    assert E >= 1000 and E % GROUP == 0
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(15)
    codes = [uscc("91330108%08d" % i) for i in range(E)]
    in_district = [i % 13 != 12 for i in range(E)]

    with open(f"{out}/enterprises.csv", "w") as f:
        f.write("uscc,name,in_district,roles\n")
        for i, u in enumerate(codes):
            f.write(f"{u},企业{i}有限公司,{'true' if in_district[i] else 'false'},{roles_of(i)}\n")

    P = E // 4
    with open(f"{out}/persons.csv", "w") as f:
        f.write("id,name\n")
        for p in range(P):
            f.write(f"R{p:07d},自然人{p}\n")
    with open(f"{out}/family.csv", "w") as f:
        f.write("a,b,relation\n")
        for p in range(0, P - 1, 8):  # a quarter of the persons are married to another
            f.write(f"R{p:07d},R{p + 1:07d},spouse\n")

    with open(f"{out}/equity.csv", "w") as f:
        f.write("holder,held,pct,from,to\n")
        for i in range(E):
            head = i - i % GROUP
            person = lambda k: f"R{(i * 3 + k) % P:07d}"
            if i == head:
                edges = [(person(0), 60), (person(1), 25), (person(2), 15)]
            else:
                second = codes[i - 1] if i - 1 > head else codes[(head - GROUP) % E]
                edges = [(codes[head], 51), (second, 10 if i - 1 > head else 5), (person(0), 10)]
            for holder, pct in edges:
                f.write(f"{holder},{codes[i]},{pct},2020-01-01,\n")

    designs = [i for i in range(E) if roles_of(i) == "ic_design" and in_district[i]]
    oems = [i for i in range(E) if roles_of(i).startswith("oem")]
    products = []  # (id, owner index, kind)
    with open(f"{out}/products.csv", "w") as f:
        f.write("id,kind,owner,self_developed,first_market_date,focus_area,model\n")
        small_designs = [i for i in designs if i < SMALL]
        for k in range(a.products):
            owner = small_designs[k % len(small_designs)] if k < SMALL_PRODUCTS else designs[k % len(designs)]
            kind = "module" if k % 4 == 3 else "chip"
            products.append((f"C{k:06d}", owner, kind))
            f.write(f"C{k:06d},{kind},{codes[owner]},true,2024-03-01,chip_design,M{k:06d}\n")

    write_tapeouts(out, a.tapeouts, products, codes)

    # Claimants: the first OEMs of the district, each with its own lines of 2025.
    claimants, serial = [], [0]
    def line_rows(f, buyer, n, year, pool):
        for _ in range(n):
            s = serial[0]
            serial[0] += 1
            pid, owner, _ = products[rnd.randrange(len(pool)) if pool is None else pool[rnd.randrange(len(pool))]]
            amt = rnd.randrange(10_000, 5_000_000)
            f.write(f"{25332000000000000000 + s},1,{year}-{1 + s % 12:02d}-{1 + s % 28:02d},"
                    f"{codes[buyer]},{codes[owner]},{pid},{amt},{amt * 13 // 100},,\n")
    header = "invoice,line,date,buyer,seller,product,amount_fen,tax_fen,reverses_invoice,reverses_line\n"
    every = list(range(len(products)))
    oem_in = [i for i in oems if in_district[i]]
    k = 0
    claim_lines = 0
    with open(f"{out}/purchases-claims.csv", "w") as f, open(f"{out}/purchases-200k.csv", "w") as big:
        f.write(header)
        big.write(header)
        for lines, count in CLAIMS:
            for _ in range(count):
                buyer = oem_in[k]
                k += 1
                claimants.append((lines, codes[buyer]))
                suppliers = set(rnd.sample(small_designs, SUPPLIERS) if lines == 1000 else small_designs)
                pool = [j for j in range(SMALL_PRODUCTS) if products[j][1] in suppliers]
                line_rows(big if lines == 200000 else f, buyer, lines, 2025, pool)
                claim_lines += lines
    others = oems[k:]
    background = max(0, min(5 * E, a.max_purchases - claim_lines))
    with open(f"{out}/purchases-bg.csv", "w") as f:
        f.write(header)
        for _ in range(background):
            line_rows(f, others[rnd.randrange(len(others))], 1, 2024 + rnd.randrange(2), every)
    with open(f"{out}/claimants.tsv", "w") as f:
        for lines, u in claimants:
            f.write(f"{lines}\t{u}\n")
    # The 1,000-line claimants' lines again as a CSV of their own is not needed: the
    # 200k claimant's file is timed alone (its import against its claim).
    print(json.dumps({"enterprises": E, "persons": P, "equity": 3 * E, "products": a.products,
                      "tapeouts": a.tapeouts, "purchases": background + claim_lines}))


def write_tapeouts(out, n, products, codes):
    """Ed25519 foundry keys (PKCS#8 / SPKI PEM) and n DSSE envelopes of tape-out statements,
    signed as `chipreg sign` does: keyid = SHA-256 of the SPKI DER, sig over PAE."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    keys = []
    with open(f"{out}/foundry-keys.tsv", "w") as kf:
        for j, fi in enumerate(FOUNDRIES):
            sk = Ed25519PrivateKey.generate()
            pub = sk.public_key()
            der = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            pem = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            with open(f"{out}/foundry{j}.pub", "wb") as p:
                p.write(pem)
            keys.append((sk, hashlib.sha256(der).hexdigest(), codes[fi]))
            kf.write(f"{codes[fi]}\t{out}/foundry{j}.pub\n")
    ptype = "application/vnd.in-toto+json"
    chips = [p for p in products if p[2] == "chip"]
    with open(f"{out}/tapeouts.jsonl", "w") as f:
        for t in range(min(n, len(chips))):
            pid, owner, _ = chips[t]
            sk, keyid, foundry = keys[t % len(keys)]
            digest = hashlib.sha256(pid.encode()).hexdigest()
            st = {"_type": "https://in-toto.io/Statement/v1",
                  "subject": [{"name": f"gds/{pid}.gds", "digest": {"sha256": digest}}],
                  "predicateType": "urn:chipreg:predicate:tapeout:v1",
                  "predicate": {"foundry": foundry, "design_owner": codes[owner], "product": pid,
                                "date": f"2024-{1 + t % 12:02d}-{1 + t % 28:02d}", "kind": "mpw",
                                "mask_set_id": f"MS{t:06d}", "process_node": "28nm", "wafer_size_mm": 300,
                                "cost_fen": 800000000}}
            payload = json.dumps(st, ensure_ascii=False, separators=(",", ":")).encode()
            pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype.encode(), len(payload), payload)
            env = {"payload": base64.b64encode(payload).decode(), "payloadType": ptype,
                   "signatures": [{"keyid": keyid, "sig": base64.b64encode(sk.sign(pae)).decode()}]}
            f.write(json.dumps(env, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
