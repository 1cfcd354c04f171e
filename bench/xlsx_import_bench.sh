#!/usr/bin/env bash
# Workbook import benchmark: `chipreg import purchases` of one generated e-invoice export
# (全量发票查询, N lines) as the downloaded .xlsx (sheet 信息汇总表, shared strings, numbers as
# Apache POI writes them: "1.2345678E7") against the same rows as CSV UTF-8 ("12,345,678.00"),
# both through the e-invoice mapper into fresh registries. Reports wall and CPU seconds, the
# xlsx/CSV ratios (target: <= 1.5) and peak RSS of each (/usr/bin/time; flat RSS means the
# 1M-line workbook peaks near the small one). Both imports must store identical rows
# (checked with chipreg export).
#
#   bench/xlsx_import_bench.sh [CHIPREG_BINARY] [LINES...]     default: build/chipreg 100000 1000000
#
# Needs: python3, bc, /usr/bin/time (scripts/bootstrap bench).
set -euo pipefail

bin=${1:-build/chipreg}
shift || true
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100000 1000000)
bin=$(realpath "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT; [ -n "${KEEP_WORK:-}" ] && trap - EXIT && echo "work: $work"

python3 - "$work" "${sizes[@]}" <<'PY'
import sys, random, zipfile
work, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
A = "0123456789ABCDEFGHJKLMNPQRTUWXY"
def org_check(b):
    w = [3, 7, 9, 10, 5, 8, 4, 2]
    v = lambda c: int(c) if c.isdigit() else ord(c) - 55
    c = 11 - sum(v(x) * y for x, y in zip(b, w)) % 11
    return 'X' if c == 10 else ('0' if c == 11 else str(c))
def uscc(p16):
    code = p16 + org_check(p16[8:16])
    s = sum(A.index(c) * pow(3, i, 31) for i, c in enumerate(code))
    return code + A[(31 - s % 31) % 31]
buyer = uscc("9133010800000001")
sellers = [uscc("913301080%07d" % (100 + i)) for i in range(50)]
with open(f"{work}/enterprises.csv", "w") as f:
    f.write("uscc,name,in_district,roles\n")
    f.write(f"{buyer},buyer,true,oem\n")
    for u in sellers: f.write(f"{u},seller {u},true,ic_design\n")
with open(f"{work}/products.csv", "w") as f:
    f.write("id,kind,owner,self_developed,first_market_date,focus_area,model\n")
    for i, u in enumerate(sellers): f.write(f"P{i},module,{u},true,2024-06-01,chip_design,M-{i}\n")
header = ["序号", "发票代码", "发票号码", "数电发票号码", "销方识别号", "销方名称", "购方识别号", "购买方名称", "开票日期",
          "税收分类编码", "特定业务类型", "货物或应税劳务名称", "规格型号", "单位", "数量", "单价", "金额", "税率", "税额",
          "价税合计", "发票来源", "发票票种", "发票状态", "是否正数发票", "发票风险等级", "开票人", "备注"]
def yuan_text(fen):
    return f"{fen // 100:,}.{fen % 100:02d}"
def poi(fen):  # Java Double.toString of fen / 100, exactly
    whole, frac = str(fen // 100), f"{fen % 100:02d}"
    if fen // 100 < 10_000_000:
        f = frac.rstrip("0") or "0"
        return f"{whole}.{f}"
    digits = (whole + frac).rstrip("0")
    return f"{digits[0]}.{digits[1:] or '0'}E{len(whole) - 1}"
def col(i):
    s = ""
    i += 1
    while i: i, r = divmod(i - 1, 26); s = chr(65 + r) + s
    return s
def esc(s): return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
for n in sizes:
    rnd = random.Random(7)
    rows = []
    for r in range(n):
        inv = str(25332000000000000000 + r // 3)
        s = rnd.randrange(50)
        amt = rnd.randrange(100, 3_000_000_000)
        tax = amt * 13 // 100
        rows.append([("n", str(r + 1)), ("s", ""), ("s", ""), ("s", inv), ("s", sellers[s]), ("s", f"销售方{s}有限公司"),
                     ("s", buyer), ("s", "整机厂有限公司"), ("s", f"2025-{1 + r % 12:02d}-{1 + r % 28:02d} 10:20:30"),
                     ("s", "1090000000000000000"), ("s", ""), ("s", "*集成电路*通信模组"), ("s", f"M-{s}"), ("s", "个"),
                     ("n", "1"), ("s", ""), ("a", amt), ("s", "13%"), ("a", tax), ("a", amt + tax),
                     ("s", "电子发票服务平台"), ("s", "数电发票（增值税专用发票）"), ("s", "正常"), ("s", "是"),
                     ("s", "正常"), ("s", "张三"), ("s", "")])
    with open(f"{work}/export-{n}.csv", "w", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            out = []
            for k, v in row:
                t = yuan_text(v) if k == "a" else v
                out.append(f'"{t}"' if "," in t else t)
            f.write(",".join(out) + "\n")
    index = {}
    def si(s):
        if s not in index: index[s] = len(index)
        return index[s]
    with zipfile.ZipFile(f"{work}/export-{n}.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as w:
            w.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            w.write(('<row r="1">' + "".join(f'<c r="{col(i)}1" t="s"><v>{si(h)}</v></c>' for i, h in enumerate(header)) + "</row>").encode())
            for r, row in enumerate(rows, start=2):
                cells = []
                for i, (k, v) in enumerate(row):
                    if k == "s" and v == "": continue
                    ref = f"{col(i)}{r}"
                    if k == "s": cells.append(f'<c r="{ref}" t="s"><v>{si(v)}</v></c>')
                    else: cells.append(f'<c r="{ref}"><v>{poi(v) if k == "a" else v}</v></c>')
                w.write(f'<row r="{r}">{"".join(cells)}</row>'.encode())
            w.write(b"</sheetData></worksheet>")
        sst = "".join(f"<si><t>{esc(s)}</t></si>" for s in index)
        z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(index)}" uniqueCount="{len(index)}">{sst}</sst>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="发票基础信息" sheetId="1" r:id="rId2"/><sheet name="信息汇总表" sheetId="2" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/worksheets/sheet2.xml", '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
PY

peak_kb() { awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$1"; }
cpu_s() { awk -F: '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$1"; }
now() { date +%s.%N; }

registry() {
  "$bin" init --db "$1" >/dev/null
  "$bin" import --db "$1" enterprises "$work/enterprises.csv" >/dev/null
  "$bin" import --db "$1" products "$work/products.csv" >/dev/null
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d), load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %10s %10s %7s %9s %9s %7s %12s %12s %10s\n' lines csv_s xlsx_s ratio csv_cpu xlsx_cpu cpu_rat csv_rss_kb \
  xlsx_rss_kb xlsx_mb
status=0
for n in "${sizes[@]}"; do
  for kind in csv xlsx; do
    db="$work/$kind-$n.db"
    registry "$db"
    t0=$(now)
    /usr/bin/time -v -o "$work/$kind.time" "$bin" import --db "$db" purchases "$work/export-$n.$kind" \
      >"$work/$kind.json" 2>/dev/null || true
    t1=$(now)
    eval "wall_$kind=$(echo "$t1 - $t0" | bc -l)"
    eval "cpu_$kind=$(cpu_s "$work/$kind.time")"
    eval "rss_$kind=$(peak_kb "$work/$kind.time")"
    grep -q "\"imported\":$n," "$work/$kind.json" || { echo "!! $kind import of $n lines: $(head -c 300 "$work/$kind.json")"; status=1; }
    "$bin" export --db "$db" purchases >"$work/$kind.export"
  done
  cmp -s "$work/csv.export" "$work/xlsx.export" || { echo "!! the CSV and xlsx imports of $n lines stored different rows"; status=1; }
  printf '%-9s %10.2f %10.2f %7.2f %9s %9s %7.2f %12s %12s %10.1f\n' "$n" "$wall_csv" "$wall_xlsx" \
    "$(echo "$wall_xlsx / $wall_csv" | bc -l)" "$cpu_csv" "$cpu_xlsx" "$(echo "$cpu_xlsx / ($cpu_csv + 0.001)" | bc -l)" \
    "$rss_csv" "$rss_xlsx" "$(echo "$(stat -c %s "$work/export-$n.xlsx") / 1048576" | bc -l)"
done
exit $status
