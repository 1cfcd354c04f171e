"""Shared by the import benchmarks' generators: valid USCCs and the registry they import."""

A = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def org_check(b):
    """GB 11714 check character of an 8-character organization code body."""
    w = [3, 7, 9, 10, 5, 8, 4, 2]
    v = lambda c: int(c) if c.isdigit() else ord(c) - 55
    c = 11 - sum(v(x) * y for x, y in zip(b, w)) % 11
    return 'X' if c == 10 else ('0' if c == 11 else str(c))


def uscc(p16):
    """A valid USCC (GB 32100-2015) from its first 16 characters."""
    code = p16 + org_check(p16[8:16])
    s = sum(A.index(c) * pow(3, i, 31) for i, c in enumerate(code))
    return code + A[(31 - s % 31) % 31]


def write_registry(work, buyers, sellers, kind, model=lambda i: f"M-{i}"):
    """enterprises.csv (buyers: oem, sellers: ic_design, all in the district) and
    products.csv (one product P<i> of `kind` per seller, model `model(i)`) in `work`."""
    with open(f"{work}/enterprises.csv", "w") as f:
        f.write("uscc,name,in_district,roles\n")
        for u in buyers:
            f.write(f"{u},buyer {u},true,oem\n")
        for u in sellers:
            f.write(f"{u},seller {u},true,ic_design\n")
    with open(f"{work}/products.csv", "w") as f:
        f.write("id,kind,owner,self_developed,first_market_date,focus_area,model\n")
        for i, u in enumerate(sellers):
            f.write(f"P{i},{kind},{u},true,2024-06-01,chip_design,{model(i)}\n")
