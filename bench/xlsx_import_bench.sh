#!/usr/bin/env bash
# Workbook import benchmark: `chipreg import purchases` of one generated e-invoice export
# (全量发票查询, N lines) as the downloaded .xlsx (sheet 信息汇总表, shared strings, numbers as
# Apache POI writes them: "1.2345678E7") against the same rows as CSV UTF-8 ("12,345,678.00"),
# both through the e-invoice mapper into fresh registries. Like a real export the file is
# newest first: one invoice in 20 has a red invoice (是否正数发票 = 否, the blue one named in
# 备注) that comes before it, so the importer defers those lines and resolves them after
# the blue ones. Reports wall and CPU seconds, the xlsx/CSV ratios (target: <= 1.5) and peak
# RSS of each (/usr/bin/time; flat RSS means the 1M-line workbook peaks near the small
# one), and user CPU seconds last. Both imports must store identical rows (chipreg export).
#
#   bench/xlsx_import_bench.sh [CHIPREG_BINARY] [LINES...]     default: build/chipreg 100000 1000000
#   bench/xlsx_import_bench.sh --callgrind [CHIPREG_BINARY] [LINES]   default LINES: 50000
#
# --callgrind counts the instructions (valgrind --tool=callgrind, every thread) of the
# two imports instead: a measure of CPU work that does not move when the machine is
# loaded, as the times do. It prints both counts and their ratio; with CALLGRIND_DIR set
# the callgrind.out files are kept there (callgrind_annotate them to profile).
#
# Needs: python3, bc, /usr/bin/time, valgrind for --callgrind (scripts/bootstrap bench).
set -euo pipefail

callgrind=0
[ "${1:-}" = "--callgrind" ] && callgrind=1 && shift
bin=${1:-build/chipreg}
shift || true
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && { [ $callgrind -eq 1 ] && sizes=(50000) || sizes=(100000 1000000); }
bin=$(realpath "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT; [ -n "${KEEP_WORK:-}" ] && trap - EXIT && echo "work: $work"
lib=$(cd "$(dirname "$0")/lib" && pwd)
source "$lib/common.sh"

PYTHONPATH="$lib" python3 - "$work" "${sizes[@]}" <<'PY'
import sys, random, zipfile
from benchdata import uscc, write_registry
work, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
buyer = uscc("9133010800000001")
sellers = [uscc("913301080%07d" % (100 + i)) for i in range(50)]
write_registry(work, [buyer], sellers, "module")
header = ["序号", "发票代码", "发票号码", "数电发票号码", "销方识别号", "销方名称", "购方识别号", "购买方名称", "开票日期",
          "税收分类编码", "特定业务类型", "货物或应税劳务名称", "规格型号", "单位", "数量", "单价", "金额", "税率", "税额",
          "价税合计", "发票来源", "发票票种", "发票状态", "是否正数发票", "发票风险等级", "开票人", "备注"]
def yuan_text(fen):
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"
def poi(fen):  # Java Double.toString of fen / 100, exactly
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    whole, frac = str(fen // 100), f"{fen % 100:02d}"
    if fen // 100 < 10_000_000:
        f = frac.rstrip("0") or "0"
        return f"{sign}{whole}.{f}"
    digits = (whole + frac).rstrip("0")
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{len(whole) - 1}"
def col(i):
    s = ""
    i += 1
    while i: i, r = divmod(i - 1, 26); s = chr(65 + r) + s
    return s
def esc(s): return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
def lines(n):
    """The export's n lines, newest first: 3 lines per blue invoice; before every 20th blue
    invoice, a red invoice of one line reversing a tenth of its first line."""
    rnd = random.Random(7)
    r = k = 0
    while r < n:
        inv = str(25332000000000000000 + k)
        rows = []
        for j in range(3):
            s = rnd.randrange(50)
            amt = rnd.randrange(100, 3_000_000_000)
            rows.append((inv, s, amt, amt * 13 // 100, "是", ""))
        if k % 20 == 0:
            inv0, s0, amt0, _, _, _ = rows[0]
            red = -(amt0 // 10)
            rows.insert(0, (str(25339000000000000000 + k), s0, red, red * 13 // 100, "否", f"被红冲蓝字数电发票号码：{inv0}"))
        date = f"2025-{1 + k % 12:02d}-{1 + k % 28:02d} 10:20:30"  # a red invoice the same day as its blue one
        for inv_, s, amt, tax, positive, remark in rows:
            if r == n: return
            yield [("n", str(r + 1)), ("s", ""), ("s", ""), ("s", inv_), ("s", sellers[s]), ("s", f"销售方{s}有限公司"),
                   ("s", buyer), ("s", "整机厂有限公司"), ("s", date),
                   ("s", "1090000000000000000"), ("s", ""), ("s", "*集成电路*通信模组"), ("s", f"M-{s}"), ("s", "个"),
                   ("n", "1"), ("s", ""), ("a", amt), ("s", "13%"), ("a", tax), ("a", amt + tax),
                   ("s", "电子发票服务平台"), ("s", "数电发票（增值税专用发票）"), ("s", "正常"), ("s", positive),
                   ("s", "正常"), ("s", "张三"), ("s", remark)]
            r += 1
        k += 1
for n in sizes:
    index = {}
    def si(s):
        if s not in index: index[s] = len(index)
        return index[s]
    # Both files from one pass over the lines, so no size is ever held in memory.
    with open(f"{work}/export-{n}.csv", "w", encoding="utf-8") as f, \
         zipfile.ZipFile(f"{work}/export-{n}.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        f.write(",".join(header) + "\n")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as w:
            w.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            w.write(('<row r="1">' + "".join(f'<c r="{col(i)}1" t="s"><v>{si(h)}</v></c>' for i, h in enumerate(header)) + "</row>").encode())
            for r, row in enumerate(lines(n), start=2):
                out, cells = [], []
                for i, (k, v) in enumerate(row):
                    t = yuan_text(v) if k == "a" else v
                    out.append(f'"{t}"' if "," in t else t)
                    if k == "s" and v == "": continue
                    ref = f"{col(i)}{r}"
                    if k == "s": cells.append(f'<c r="{ref}" t="s"><v>{si(v)}</v></c>')
                    else: cells.append(f'<c r="{ref}"><v>{poi(v) if k == "a" else v}</v></c>')
                f.write(",".join(out) + "\n")
                w.write(f'<row r="{r}">{"".join(cells)}</row>'.encode())
            w.write(b"</sheetData></worksheet>")
        sst = "".join(f"<si><t>{esc(s)}</t></si>" for s in index)
        z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(index)}" uniqueCount="{len(index)}">{sst}</sst>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="发票基础信息" sheetId="1" r:id="rId2"/><sheet name="信息汇总表" sheetId="2" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/worksheets/sheet2.xml", '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
PY

machine_line
status=0
# Checks the import of N lines stored all of them, and that both formats stored the same.
check_import() {  # KIND N
  grep -q "\"imported\":$2," "$work/$1.json" || { echo "!! $1 import of $2 lines: $(head -c 300 "$work/$1.json")"; status=1; }
  "$bin" export --db "$work/$1-$2.db" purchases >"$work/$1.export"
}
check_same() {  # N
  cmp -s "$work/csv.export" "$work/xlsx.export" || { echo "!! the CSV and xlsx imports of $1 lines stored different rows"; status=1; }
}

if [ $callgrind -eq 1 ]; then
  out=${CALLGRIND_DIR:-$work}
  mkdir -p "$out"
  printf '%-9s %16s %16s %7s\n' lines csv_Ir xlsx_Ir ratio
  for n in "${sizes[@]}"; do
    for kind in csv xlsx; do
      db="$work/$kind-$n.db"
      registry "$bin" "$db" "$work"
      valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.$kind-$n.out" \
        "$bin" import --db "$db" purchases "$work/export-$n.$kind" >"$work/$kind.json" 2>"$work/$kind.vg" || true
      eval "ir_$kind=$(awk '/^summary:/ {print $2}' "$out/callgrind.$kind-$n.out")"
      check_import "$kind" "$n"
    done
    check_same "$n"
    printf '%-9s %16s %16s %7.3f\n' "$n" "$ir_csv" "$ir_xlsx" "$(echo "$ir_xlsx / $ir_csv" | bc -l)"
  done
  exit $status
fi

printf '%-9s %10s %10s %7s %9s %9s %7s %12s %12s %10s %9s %9s\n' lines csv_s xlsx_s ratio csv_cpu xlsx_cpu cpu_rat csv_rss_kb \
  xlsx_rss_kb xlsx_mb csv_user xlsx_user
for n in "${sizes[@]}"; do
  for kind in csv xlsx; do
    db="$work/$kind-$n.db"
    registry "$bin" "$db" "$work"
    t0=$(now)
    /usr/bin/time -v -o "$work/$kind.time" "$bin" import --db "$db" purchases "$work/export-$n.$kind" \
      >"$work/$kind.json" 2>/dev/null || true
    t1=$(now)
    eval "wall_$kind=$(echo "$t1 - $t0" | bc -l)"
    eval "cpu_$kind=$(cpu_s "$work/$kind.time")"
    eval "user_$kind=$(user_s "$work/$kind.time")"
    eval "rss_$kind=$(peak_kb "$work/$kind.time")"
    check_import "$kind" "$n"
  done
  check_same "$n"
  printf '%-9s %10.2f %10.2f %7.2f %9s %9s %7.2f %12s %12s %10.1f %9s %9s\n' "$n" "$wall_csv" "$wall_xlsx" \
    "$(echo "$wall_xlsx / $wall_csv" | bc -l)" "$cpu_csv" "$cpu_xlsx" "$(echo "$cpu_xlsx / ($cpu_csv + 0.001)" | bc -l)" \
    "$rss_csv" "$rss_xlsx" "$(echo "$(stat -c %s "$work/export-$n.xlsx") / 1048576" | bc -l)" "$user_csv" "$user_xlsx"
done
exit $status
