#!/usr/bin/python3
"""Browser tests of the web app: real headless Chromium (Debian's chromium + chromium-driver,
driven by python3-selenium) against the real `chipreg serve`.

    tests/browser/test_webapp.py --chipreg build/chipreg [--screenshots DIR]

Starts `chipreg init` + `chipreg serve --listen 127.0.0.1:0` in a temporary directory, seeds a
small world through the HTTP API (and `chipreg keygen` / `chipreg sign` for the foundry's keys),
then drives the page as each role would. Every flow asserts what the API holds afterwards and
that the browser console logged no error. Exit status 77 (CTest: skipped) when Chromium,
chromedriver or Selenium is missing; scripts/bootstrap browser installs them.

Screenshots of the main pages go to --screenshots (default: a temporary directory);
`CHIPREG_SCREENSHOTS=docs/screenshots` (or the flag) refreshes the committed ones.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover - reported as a skip
    webdriver = None

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# An HTML/script payload stored as an enterprise name and a reviewer's note: it must show as
# text and never run (the page sets window.__xss if it ever does).
PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'

ARGS = None


# ---------------------------------------------------------------- USCCs (GB 32100)

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def org_value(c):
    return ord(c) - ord("0") if c.isdigit() else ord(c) - ord("A") + 10


def uscc(n):
    """A valid USCC in district 330108, distinct for each n (both check characters right)."""
    for k in range(1000):
        prefix = "91330108" + "MA%06d" % (n * 1000 + k)
        c = 11 - sum(org_value(ch) * w for ch, w in zip(prefix[8:16], ORG_WEIGHTS)) % 11
        org = "0" if c == 11 else "X" if c == 10 else str(c)
        code = prefix + org
        if any(ch not in ALPHABET for ch in code):
            continue
        check = (31 - sum(ALPHABET.index(ch) * w for ch, w in zip(code, USCC_WEIGHTS)) % 31) % 31
        return code + ALPHABET[check]
    raise RuntimeError("cannot mint a USCC")


# ---------------------------------------------------------------- server and API

class Server:
    def __init__(self, chipreg, workdir):
        self.chipreg = chipreg
        self.dir = workdir
        self.db = os.path.join(workdir, "reg.db")
        out = subprocess.run([chipreg, "init", "--db", self.db], check=True, capture_output=True, text=True).stdout
        self.admin = json.loads(out)["admin_token"]
        self.log_path = os.path.join(workdir, "access.log")
        self.out = open(os.path.join(workdir, "serve.out"), "w+")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([chipreg, "serve", "--db", self.db, "--listen", "127.0.0.1:0", "--threads", "2"],
                                     stdout=self.out, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            self.out.seek(0)
            m = re.search(r'"listening":"([^"]+)"', self.out.read())
            if m:
                self.base = "http://" + m.group(1)
                return
            if self.proc.poll() is not None:
                raise RuntimeError("chipreg serve exited: " + open(self.log_path).read())
            time.sleep(0.05)
        raise RuntimeError("chipreg serve did not print its address")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.out.close()
        self.log.close()

    def call(self, method, path, body=None, token=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def json(self, method, path, body=None, token=None, want=200, raw=None):
        status, _, data = self.call(method, path, body, token, raw)
        if status != want:
            raise AssertionError("%s %s: wanted %d, got %d: %s" % (method, path, want, status, data[:500]))
        return json.loads(data)


class World:
    """Built through the API: a foundry with two keys, a design house with three chips and two
    signed tape-outs, terminal makers with purchases and claims, and a token per role."""

    def __init__(self, srv):
        a = srv.admin
        self.foundry, self.design, self.oem, self.other, self.third = (uscc(i) for i in (1, 2, 3, 4, 5))
        for code, name, district, roles in [
            (self.foundry, "示例晶圆代工有限公司", False, ["foundry"]),
            (self.design, "示例芯片设计有限公司", True, ["ic_design"]),
            (self.oem, "示例终端制造有限公司", True, ["oem"]),
            (self.other, PAYLOAD, True, ["oem"]),
            (self.third, "第三终端制造有限公司", True, ["oem"]),
        ]:
            srv.json("POST", "/v1/enterprises", {"uscc": code, "name": name, "in_district": district, "roles": roles}, a, 201)
        tok = lambda role, ent=None, label="": srv.json(
            "POST", "/v1/tokens", dict({"role": role, "label": label}, **({"enterprise": ent} if ent else {})), a, 201)["token"]
        self.reviewer = tok("reviewer", label="审核员甲")
        self.foundry_token = tok("foundry", self.foundry, "代工厂")
        self.design_token = tok("enterprise", self.design, "设计公司")
        self.oem_token = tok("enterprise", self.oem, "终端甲")
        self.other_token = tok("enterprise", self.other, "终端乙")
        self.third_token = tok("enterprise", self.third, "终端丙")
        self.tokens = [a, self.reviewer, self.foundry_token, self.design_token, self.oem_token, self.other_token, self.third_token]

        self.keys = {}
        for name in ("k1", "k2"):
            prefix = os.path.join(srv.dir, name)
            subprocess.run([srv.chipreg, "keygen", "--alg", "ed25519", "--out", prefix], check=True, capture_output=True)
            with open(prefix + ".pub") as f:
                pem = f.read()
            keyid = srv.json("POST", "/v1/foundry-keys", {"foundry": self.foundry, "alg": "ed25519", "public_key_pem": pem,
                                                          "valid_from": "2024-01-01"}, a, 201)["keyid"]
            self.keys[name] = (prefix, keyid)
        for pid, model in (("BJ-MCU-01", "BJ-MCU-01"), ("BJ-AI-02", "BJ-AI-02"), ("BJ-RF-03", "BJ-RF-03")):
            srv.json("POST", "/v1/products", {"id": pid, "kind": "chip", "owner": self.design, "self_developed": True,
                                              "first_market_date": "2025-01-10", "focus_area": "chip_design", "model": model},
                     self.design_token, 201)
        # The chip the purchases are of, attested with k1; a second chip attested with k2 (the
        # key the admin revokes); the third chip's envelope is what the foundry submits in the page.
        self.tapeout1 = srv.json("POST", "/v1/tapeouts", None, self.foundry_token, 201,
                                 raw=self.envelope(srv, "k1", "BJ-MCU-01", "MS-001", "a"))["id"]
        self.tapeout2 = srv.json("POST", "/v1/tapeouts", None, self.foundry_token, 201,
                                 raw=self.envelope(srv, "k2", "BJ-AI-02", "MS-002", "b"))["id"]
        self.envelope3 = os.path.join(srv.dir, "envelope3.json")
        with open(self.envelope3, "wb") as f:
            f.write(self.envelope(srv, "k1", "BJ-RF-03", "MS-003", "c"))

        # 3,000,000.00 + 390,000.00 元 tax: 30 % of 3,390,000.00 is 1,017,000.00 元.
        for buyer, token, invoice in ((self.oem, self.oem_token, "24332000000012345678"),
                                      (self.other, self.other_token, "24332000000087654321")):
            for line, amount, tax in ((1, 200000000, 26000000), (2, 100000000, 13000000)):
                srv.json("POST", "/v1/purchases", {"invoice": invoice, "line": line, "date": "2025-03-01", "buyer": buyer,
                                                   "seller": self.design, "product": "BJ-MCU-01", "amount_fen": amount,
                                                   "tax_fen": tax, "reverses": None}, token, 201)
        # The second terminal maker and the design house share an actual controller: its lines
        # are excluded (AFFILIATED) with the proof, and its claim is not eligible.
        srv.json("POST", "/v1/manual-affiliations", {"a": self.other, "b": self.design, "from": "2020-01-01", "to": None,
                                                     "basis": "同一实际控制人"}, a, 201)
        body = {"rule": "linkage", "year": 2025, "group": "chip_module"}
        self.oem_claim = srv.json("POST", "/v1/claims", body, self.oem_token, 201)["id"]
        self.other_claim = srv.json("POST", "/v1/claims", body, self.other_token, 201)["id"]
        self.tapeout_claim = srv.json("POST", "/v1/claims", {"rule": "tapeout", "tapeout": self.tapeout2}, self.design_token, 201)["id"]

    def envelope(self, srv, key, product, mask_set, digest_char):
        statement = {"_type": "https://in-toto.io/Statement/v1",
                     "subject": [{"name": "gds/%s.gds" % product.lower(), "digest": {"sha256": digest_char * 64}}],
                     "predicateType": "urn:chipreg:predicate:tapeout:v1",
                     "predicate": {"foundry": self.foundry, "design_owner": self.design, "product": product,
                                   "date": "2024-09-01", "kind": "mpw", "mask_set_id": mask_set, "process_node": "28nm",
                                   "wafer_size_mm": 300, "cost_fen": 800000000}}
        path = os.path.join(srv.dir, "statement-%s.json" % product)
        with open(path, "w") as f:
            json.dump(statement, f)
        return subprocess.run([srv.chipreg, "sign", "--key", self.keys[key][0] + ".key", "--statement", path],
                              check=True, capture_output=True).stdout


# ---------------------------------------------------------------- the tests

class WebApp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="chipreg-browser-")
        cls.srv = Server(ARGS.chipreg, cls.tmp)
        cls.w = World(cls.srv)
        cls.shots = ARGS.screenshots or os.path.join(cls.tmp, "screenshots")
        os.makedirs(cls.shots, exist_ok=True)
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--lang=zh-CN", "--window-size=1280,900",
                     "--user-data-dir=" + os.path.join(cls.tmp, "profile")):
            opts.add_argument(flag)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        cls.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
        cls.driver.set_script_timeout(30)
        cls.urls = []  # every URL the browser was at or fetched, checked for tokens at the end

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.srv.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # ---- helpers

    def setUp(self):
        self.d = self.driver
        self.d.set_window_size(1280, 900)
        self.d.get(self.srv.base + "/")
        self.d.execute_script("sessionStorage.clear()")
        self.d.get(self.srv.base + "/")
        self.d.get_log("browser")  # start each test with an empty console

    def tearDown(self):
        self.collect_urls()
        errors = [e for e in self.d.get_log("browser") if e["level"] == "SEVERE"]
        self.assertEqual(errors, [], "the browser console logged errors")
        self.assertIsNone(self.d.execute_script("return window.__xss"), "a payload ran")
        unlabelled = self.d.execute_script(
            "return [...document.querySelectorAll('input, select, textarea')]"
            ".filter(e => e.type !== 'hidden' && e.labels.length === 0).map(e => e.name || e.outerHTML)")
        self.assertEqual(unlabelled, [], "every input has a label")

    def collect_urls(self):
        self.urls.append(self.d.current_url)
        self.urls.extend(self.d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)"))

    def wait(self, cond, timeout=30):
        # The page re-renders a view after each action: an element read mid-render is retried.
        from selenium.common.exceptions import StaleElementReferenceException
        return WebDriverWait(self.d, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(cond)

    def css(self, selector):
        return self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, selector)))

    def text_in(self, selector, text):
        self.wait(EC.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text))

    def sign_in(self, token, role_text):
        # From the keyboard: paste the token, press Enter.
        from selenium.webdriver.common.keys import Keys
        self.css("input[name=token]").send_keys(token + Keys.ENTER)
        self.text_in("#who-role", role_text)

    def shot(self, name, height=None):
        if height:
            self.d.set_window_size(1280, height)
        self.d.save_screenshot(os.path.join(self.shots, name + ".png"))

    def capture_downloads(self):
        # The page downloads through blob URLs; keep each Blob so a test can read it back.
        self.d.execute_script("""
            window.__blobs = [];
            const make = URL.createObjectURL.bind(URL);
            URL.createObjectURL = (b) => { window.__blobs.push(b); return make(b); };""")

    def downloaded_text(self):
        self.wait(lambda d: d.execute_script("return (window.__blobs || []).length") > 0)
        return self.d.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "window.__blobs[window.__blobs.length - 1].text().then(done);")

    def claim(self, cid, token):
        return self.srv.json("GET", "/v1/claims/" + cid, token=token or self.w.reviewer)

    # ---- flows

    def test_1_reviewer_opens_claim_from_queue_and_approves_a_lower_amount(self):
        self.shot("signin")
        self.sign_in(self.w.reviewer, "审核员")
        self.text_in("#queue-totals", "件")
        link = self.wait(EC.element_to_be_clickable((By.LINK_TEXT, self.w.oem_claim)))
        self.assertIn(self.w.oem_claim, link.text)
        self.shot("queue")
        link.click()
        self.text_in("#claim-id", self.w.oem_claim)
        self.assertEqual(self.css("#claimant-name").text, "示例终端制造有限公司")
        self.assertEqual(self.css("#award-yuan").text, "1,017,000.00")
        self.assertTrue(self.d.find_elements(By.CSS_SELECTOR, "#trace li"), "the trace is shown")
        self.assertIn("24332000000012345678", self.css("#lines").text)

        # The facts bundle: the scenario holding exactly this claim and its two lines.
        self.capture_downloads()
        self.d.find_element(By.ID, "facts").click()
        bundle = json.loads(self.downloaded_text())
        self.assertEqual([c["id"] for c in bundle["claims"]], [self.w.oem_claim])
        self.assertEqual(len(bundle["purchases"]), 2)

        amount = self.css("input[name=approve_yuan]")
        note = self.css("textarea[name=note]")
        # Above the award: refused in the page, nothing sent.
        amount.clear()
        amount.send_keys("1,017,000.01")
        self.d.find_element(By.XPATH, "//button[text()='核准']").click()
        self.text_in("#decision .err-code", "ABOVE_AWARD")
        self.assertEqual(self.claim(self.w.oem_claim, None)["status"], "submitted")

        amount.clear()
        amount.send_keys("1,000,000.50")
        note.send_keys("部分核准：一张发票待补充材料")
        self.d.find_element(By.XPATH, "//button[text()='核准']").click()
        self.text_in("#confirm-amount", "1,000,000.50")
        self.shot("claim-confirm", 1800)
        self.d.find_element(By.ID, "confirm-yes").click()
        self.text_in("#claim-status", "已核准")
        self.text_in("#approved-yuan", "1,000,000.50")
        self.text_in("#audit", "作出审核结论")

        held = self.claim(self.w.oem_claim, None)
        self.assertEqual(held["status"], "approved")
        self.assertEqual(held["decision"]["approve_fen"], 100000050)
        self.assertEqual(held["decision"]["note"], "部分核准：一张发票待补充材料")

        # The phone layout of the same page.
        self.d.set_window_size(390, 844)
        self.shot("claim-phone")
        # Nothing but the wide tables (which scroll in their own box) is wider than the phone.
        self.assertLessEqual(self.d.execute_script("return document.documentElement.scrollWidth"),
                             self.d.execute_script("return window.innerWidth"))

    def test_2_reviewer_rejects_and_payloads_stay_text(self):
        self.sign_in(self.w.reviewer, "审核员")
        self.wait(EC.element_to_be_clickable((By.LINK_TEXT, self.w.other_claim)))
        # The enterprise name with markup is text in the queue, with no element made from it.
        results = self.css("#queue-results")
        self.assertIn(PAYLOAD, results.text)
        self.assertEqual(results.find_elements(By.CSS_SELECTOR, "img, script"), [])
        self.d.find_element(By.LINK_TEXT, self.w.other_claim).click()
        self.text_in("#claim-id", self.w.other_claim)
        self.assertEqual(self.css("#claimant-name").text, PAYLOAD)
        self.assertEqual(self.d.find_elements(By.CSS_SELECTOR, "#claim img, #claim script"), [])

        # Its lines are excluded for affiliation, with the reason in Chinese and the proof.
        lines = self.css("#lines").text
        self.assertIn("购销双方存在关联关系", lines)
        self.assertIn("AFFILIATED", lines)
        self.assertIn("同一实际控制人", self.css("#claim .proofs").text)
        # Not eligible: approving is refused in the page, whatever the amount.
        self.d.find_element(By.XPATH, "//button[text()='核准']").click()
        self.text_in("#decision .err-code", "NOT_ELIGIBLE")
        self.shot("claim-affiliated", 1400)

        # A rejection needs a note.
        self.d.find_element(By.XPATH, "//button[text()='驳回']").click()
        self.text_in("#decision .err-code", "MISSING_FIELD")
        self.css("textarea[name=note]").send_keys(PAYLOAD)
        self.d.find_element(By.XPATH, "//button[text()='驳回']").click()
        self.css("#confirm")
        self.d.find_element(By.ID, "confirm-yes").click()
        self.text_in("#claim-status", "已驳回")
        self.assertEqual(self.css("#decision-note").text, PAYLOAD)
        self.assertEqual(self.d.find_elements(By.CSS_SELECTOR, "#claim img, #claim script, #audit img"), [])

        held = self.claim(self.w.other_claim, None)
        self.assertEqual(held["status"], "rejected")
        self.assertEqual(held["decision"]["note"], PAYLOAD)

    def test_2b_reviewer_filters_prints_the_sheet_and_lists_payouts(self):
        from selenium.webdriver.support.ui import Select
        self.sign_in(self.w.reviewer, "审核员")
        self.text_in("#queue-totals", "件")
        # The clause filter: only the tape-out claim is left.
        Select(self.css("#queue-filters select[name=rule]")).select_by_value("tapeout")
        Select(self.css("#queue-filters select[name=status]")).select_by_value("")
        self.d.find_element(By.CSS_SELECTOR, "#queue-filters button[type=submit]").click()
        self.wait(lambda d: d.find_elements(By.LINK_TEXT, self.w.tapeout_claim) and
                  not d.find_elements(By.LINK_TEXT, self.w.oem_claim))
        self.assertIn("共 1 件", self.css("#queue-totals").text)
        self.assertIn("2,400,000.00", self.css("#queue-totals").text)

        # The 审核表 in print media: the sheet and its signature lines, no form, no navigation.
        self.d.find_element(By.LINK_TEXT, self.w.tapeout_claim).click()
        self.text_in("#claim-id", self.w.tapeout_claim)
        self.css("#decision")
        self.d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        try:
            self.assertTrue(self.css("#claim").is_displayed())
            self.assertTrue(self.css(".signatures").is_displayed())
            self.assertFalse(self.css("#decision").is_displayed())
            self.assertFalse(self.css("header.top").is_displayed())
        finally:
            self.d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        self.assertFalse(self.css(".signatures").is_displayed())

        # 拨付清单 of 2025: the approved claim with its amount, the rejected one with 0.
        self.d.find_element(By.LINK_TEXT, "拨付清单").click()
        year = self.css("input[name=year]")
        year.clear()
        year.send_keys("2025")
        self.d.find_element(By.XPATH, "//button[text()='生成拨付清单']").click()
        self.css("#payout-csv")
        text = self.css("#payout-results").text
        self.assertIn(self.w.oem_claim, text)
        self.assertIn(self.w.other_claim, text)
        self.assertIn("核准合计 1,000,000.50 元", text)
        self.shot("payout")
        self.capture_downloads()
        self.d.find_element(By.ID, "payout-csv").click()
        csv = self.downloaded_text()
        # (Blob.text() drops the BOM the file starts with.)
        self.assertTrue(csv.lstrip("\ufeff").startswith("申报编号,统一社会信用代码,企业名称"))
        self.assertIn(self.w.oem_claim + "," + self.w.oem + ",示例终端制造有限公司,", csv)
        self.assertIn(',"1,000,000.50",', csv)

    def test_3_enterprise_uploads_its_export_and_files_the_claim_it_previewed(self):
        w = self.w
        export = os.path.join(self.tmp, "全量发票查询导出结果.csv")
        header = "序号,数电发票号码,开票日期,销方识别号,销方名称,购方识别号,购买方名称,规格型号,金额,税额,价税合计,发票状态\n"
        rows = [
            "1,25332000000000000001,2025-04-01 10:00:00,%s,示例芯片设计有限公司,%s,第三终端,BJ-MCU-01,\"2,000,000.00\",\"260,000.00\",\"2,260,000.00\",正常\n" % (w.design, w.third),
            "2,25332000000000000001,2025-04-01 10:00:00,%s,示例芯片设计有限公司,%s,第三终端,BJ-MCU-01,\"1,000,000.00\",\"130,000.00\",\"1,130,000.00\",正常\n" % (w.design, w.third),
            "3,25332000000000000002,2025-05-01,%s,示例芯片设计有限公司,%s,第三终端,BJ-MCU-01,\"500,000.00\",\"65,000.00\",\"565,000.00\",已作废\n" % (w.design, w.third),
            "4,25332000000000000003,2025-05-02,%s,示例芯片设计有限公司,%s,别人,BJ-MCU-01,\"100.00\",\"13.00\",\"113.00\",正常\n" % (w.design, w.oem),
        ]
        with open(export, "w", encoding="utf-8") as f:
            f.write("\ufeff" + header + "".join(rows))

        self.sign_in(w.third_token, "企业")
        self.text_in("#who-enterprise", w.third)
        self.d.find_element(By.LINK_TEXT, "上传发票导出").click()
        self.css("input[name=export]").send_keys(export)
        self.d.find_element(By.CSS_SELECTOR, "#upload button[type=submit]").click()
        self.text_in("#imported", "2")
        self.assertEqual(self.css("#rejected").text, "1")
        report = self.css("#import-report").text
        self.assertIn("VOIDED", report)      # the voided invoice, skipped by reason
        self.assertIn("FORBIDDEN", report)   # another buyer's line, rejected with line and field
        self.assertIn("buyer", report)
        self.shot("upload-report")

        bought = self.srv.json("GET", "/v1/purchases", token=w.third_token)["items"]
        self.assertEqual(sorted((p["invoice"], p["line"]) for p in bought),
                         [("25332000000000000001", 1), ("25332000000000000001", 2)])

        self.d.find_element(By.LINK_TEXT, "我的发票").click()
        self.text_in("#purchase-results", "25332000000000000001")

        self.d.find_element(By.LINK_TEXT, "申报预览与提交").click()
        year = self.css("#file-claim input[name=year]")
        year.clear()
        year.send_keys("2025")
        self.d.find_element(By.ID, "do-preview").click()
        self.wait(EC.element_to_be_clickable((By.ID, "do-file")))
        # The preview shows the award and writes nothing.
        self.assertEqual(self.css("#preview #award-yuan").text, "1,017,000.00")
        self.assertEqual(self.srv.json("GET", "/v1/claims", token=w.third_token)["items"], [])
        self.shot("preview", 1400)
        self.d.find_element(By.ID, "do-file").click()
        self.text_in("#claim-status", "待审核")
        self.assertEqual(self.css("#award-yuan").text, "1,017,000.00")

        mine = self.srv.json("GET", "/v1/claims", token=w.third_token)["items"]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["award_fen"], 101700000)
        self.assertEqual(mine[0]["status"], "submitted")
        self.assertIn(mine[0]["id"], self.d.current_url)

    def test_3b_enterprise_files_a_compute_contract_and_a_clause_6_claim(self):
        w, srv = self.w, self.srv
        # The AI computing centre and a district customer, registered by the bureau.
        center, customer = uscc(20), uscc(21)
        for code, name, roles in ((center, "杭州人工智能计算中心", ["compute_center"]), (customer, "算力客户有限公司", ["other"])):
            srv.json("POST", "/v1/enterprises", {"uscc": code, "name": name, "in_district": True, "roles": roles}, srv.admin, 201)
        token = srv.json("POST", "/v1/tokens", {"role": "enterprise", "enterprise": customer, "label": "算力客户"},
                         srv.admin, 201)["token"]
        self.sign_in(token, "企业")
        self.d.find_element(By.LINK_TEXT, "登记条款事实").click()
        form = self.css("#clause-fact")
        self.assertEqual(self.css("#clause-fact select[name=kind]").get_attribute("value"), "compute-contracts")
        self.assertEqual(self.css("#clause-fact input[name=customer]").get_attribute("value"), customer)
        for name, value in (("id", "K-WEB-1"), ("provider", center), ("amount_fen", "1,600,000.00"),
                            ("voucher_fen", "200,000.00")):
            box = self.css("#clause-fact input[name=%s]" % name)
            box.clear()
            box.send_keys(value)
        self.d.execute_script("document.querySelector('#clause-fact input[name=date]').value = '2025-03-01'")
        self.d.find_element(By.ID, "do-fact").click()
        self.text_in("#fact-result", "已登记")
        # (1,600,000 − 200,000) × 50 % = 700,000.00 元 (RULES.md K1).
        from selenium.webdriver.support.ui import Select
        self.d.find_element(By.LINK_TEXT, "申报预览与提交").click()
        Select(self.css("#file-claim select[name=rule]")).select_by_value("compute")
        year = self.css("#file-claim input[name=year]")
        year.clear()
        year.send_keys("2025")
        self.d.find_element(By.ID, "do-preview").click()
        self.wait(EC.element_to_be_clickable((By.ID, "do-file")))
        self.assertEqual(self.css("#preview #award-yuan").text, "700,000.00")
        self.d.find_element(By.ID, "do-file").click()
        self.text_in("#claim-status", "待审核")
        self.assertEqual(self.css("#award-yuan").text, "700,000.00")
        self.text_in("#items", "K-WEB-1")
        self.text_in("#trace", "第6条")
        mine = srv.json("GET", "/v1/claims", token=token)["items"]
        self.assertEqual([(c["rule"], c["award_fen"]) for c in mine], [("compute", 70000000)])
        cid = mine[0]["id"]
        # The reviewer's queue lists it beside the clause 3 and 12 claims, and its page opens.
        self.d.execute_script("sessionStorage.clear()")
        self.d.get(srv.base + "/")
        self.sign_in(w.reviewer, "审核员")
        link = self.wait(EC.element_to_be_clickable((By.LINK_TEXT, cid)))
        link.click()
        self.text_in("#claim-id", cid)
        self.assertEqual(self.css("#award-yuan").text, "700,000.00")
        self.text_in("#claim", "第六条 算力服务")
        self.shot("clause-6-claim", 1400)

    def test_3c_admin_records_a_platform_recognition_that_a_clause_16_claim_then_uses(self):
        from selenium.webdriver.support.ui import Select
        srv = self.srv
        firm = uscc(22)
        srv.json("POST", "/v1/enterprises", {"uscc": firm, "name": "平台运营有限公司", "in_district": True,
                                             "roles": ["other"]}, srv.admin, 201)
        self.sign_in(srv.admin, "管理员")
        self.d.find_element(By.LINK_TEXT, "条款事实").click()
        kinds = [o.get_attribute("value") for o in self.d.find_elements(By.CSS_SELECTOR, "#clause-fact select[name=kind] option")]
        self.assertEqual(kinds, ["signoff-participants", "platform-recognitions"])  # the bureau's records only
        Select(self.css("#clause-fact select[name=kind]")).select_by_value("platform-recognitions")
        Select(self.css("#clause-fact select[name=level]")).select_by_value("provincial")
        box = self.css("#clause-fact input[name=enterprise]")
        box.clear()
        box.send_keys(firm)
        self.d.execute_script("document.querySelector('#clause-fact input[name=from]').value = '2024-07-01'")
        self.d.find_element(By.ID, "do-fact").click()  # 'to' left empty: still recognised
        self.text_in("#fact-result", "已登记")
        # P1 (RULES.md): a provincial platform spending 7,000,000 元 is paid the 5,000,000.00 元 cap.
        token = srv.json("POST", "/v1/tokens", {"role": "enterprise", "enterprise": firm, "label": "平台"},
                         srv.admin, 201)["token"]
        for date, kind, fen in (("2025-03-01", "venue_rent", 300000000), ("2025-08-01", "construction", 400000000)):
            srv.json("POST", "/v1/platform-expenses", {"enterprise": firm, "date": date, "kind": kind, "amount_fen": fen},
                     token, 201)
        preview = srv.json("POST", "/v1/claims/preview", {"rule": "platform", "year": 2025}, token, 200)
        evaluation = preview.get("evaluation", preview)
        self.assertEqual(evaluation["award_fen"], 500000000)

    def test_4_foundry_submits_an_envelope(self):
        self.sign_in(self.w.foundry_token, "代工厂")
        self.text_in("main", self.w.tapeout1)
        self.shot("foundry-tapeouts")
        self.d.find_element(By.LINK_TEXT, "提交签名信封").click()
        self.css("input[name=envelope]").send_keys(self.w.envelope3)
        self.d.find_element(By.CSS_SELECTOR, "#submit-envelope button[type=submit]").click()
        tid = self.css("#tapeout-id").text
        held = self.srv.json("GET", "/v1/tapeouts/" + tid, token=self.w.foundry_token)
        self.assertEqual(held["product"], "BJ-RF-03")
        self.assertTrue(held["first"])
        listed = [t["id"] for t in self.srv.json("GET", "/v1/tapeouts", token=self.w.foundry_token)["items"]]
        self.assertIn(tid, listed)

    def test_5_admin_revokes_a_key_after_seeing_its_impact(self):
        _, keyid = self.w.keys["k2"]
        self.sign_in(self.srv.admin, "管理员")
        self.d.find_element(By.LINK_TEXT, "代工厂密钥").click()
        self.css("button.revoke-key[data-keyid='%s']" % keyid).click()
        date = self.css("input[name=revoke_from]")
        self.d.execute_script("arguments[0].value = '2024-01-01'", date)
        self.d.find_element(By.ID, "show-impact").click()
        self.text_in("#impact-tapeouts", "1")
        self.assertEqual(self.css("#impact-claims").text, "1")
        summary = self.css("#impact-summary").text
        self.assertIn(self.w.tapeout2, summary)
        self.assertIn(self.w.tapeout_claim, summary)
        self.assertIsNone(self.srv.json("GET", "/v1/foundry-keys/" + keyid, token=self.srv.admin).get("revoked_from"))
        self.shot("admin-revoke-impact", 1400)
        self.d.find_element(By.ID, "confirm-revoke").click()
        self.wait(lambda d: not d.find_elements(By.CSS_SELECTOR, "button.revoke-key[data-keyid='%s']" % keyid))
        key = self.srv.json("GET", "/v1/foundry-keys/" + keyid, token=self.srv.admin)
        self.assertEqual(key["revoked_from"], "2024-01-01")
        self.assertFalse(self.srv.json("GET", "/v1/tapeouts/" + self.w.tapeout2, token=self.srv.admin)["trusted"])
        self.assertTrue(self.srv.json("GET", "/v1/tapeouts/" + self.w.tapeout1, token=self.srv.admin)["trusted"])
        other = self.srv.json("GET", "/v1/foundry-keys/" + self.w.keys["k1"][1], token=self.srv.admin)
        self.assertIsNone(other.get("revoked_from"))

        # The other admin lists render.
        for text, marker in (("企业", "示例芯片设计有限公司"), ("产品", "BJ-MCU-01"), ("令牌", "审核员甲")):
            self.d.find_element(By.LINK_TEXT, text).click()
            self.text_in("main", marker)

        # Create an enterprise, then a token for it with a label, then revoke that token.
        code = uscc(6)
        self.d.find_element(By.LINK_TEXT, "企业").click()
        self.css("#new-enterprise input[name=uscc]").send_keys(code)
        self.css("#new-enterprise input[name=name]").send_keys("新登记集成电路有限公司")
        self.css("#role-ic_design").click()
        self.d.find_element(By.CSS_SELECTOR, "#new-enterprise button[type=submit]").click()
        self.text_in("main", code)
        held = self.srv.json("GET", "/v1/enterprises/" + code, token=self.srv.admin)
        self.assertEqual((held["name"], held["roles"], held["in_district"]), ("新登记集成电路有限公司", ["ic_design"], True))

        self.d.find_element(By.LINK_TEXT, "令牌").click()
        from selenium.webdriver.support.ui import Select
        Select(self.css("#new-token-form select[name=role]")).select_by_value("enterprise")
        self.css("#new-token-form input[name=enterprise]").send_keys(code)
        self.css("#new-token-form input[name=label]").send_keys("新企业申报专员")
        self.d.find_element(By.CSS_SELECTOR, "#new-token-form button[type=submit]").click()
        secret = self.css("#token-secret").text
        self.assertEqual(self.srv.json("GET", "/v1/whoami", token=secret)["enterprise"], code)
        self.w.tokens.append(secret)
        self.d.refresh()
        row = self.wait(EC.presence_of_element_located((By.XPATH, "//tr[td[text()='新企业申报专员']]")))
        row.find_element(By.CSS_SELECTOR, "button.revoke-token").click()
        row.find_element(By.XPATH, ".//button[text()='确认吊销']").click()
        self.wait(lambda d: "已吊销" in d.find_element(By.XPATH, "//tr[td[text()='新企业申报专员']]").text)
        self.assertEqual(self.srv.call("GET", "/v1/whoami", token=secret)[0], 401)

    def test_6_sign_out_forgets_the_token(self):
        self.sign_in(self.w.oem_token, "企业")
        self.assertEqual(self.d.execute_script("return sessionStorage.getItem('chipreg.token')"), self.w.oem_token)
        self.d.find_element(By.ID, "signout").click()
        self.css("input[name=token]")
        self.assertIsNone(self.d.execute_script("return sessionStorage.getItem('chipreg.token')"))
        # A bad token: the Chinese message with its code beside it.
        self.css("input[name=token]").send_keys("not-a-token")
        self.d.find_element(By.CSS_SELECTOR, "#signin button[type=submit]").click()
        self.text_in("#signin .err-code", "UNAUTHENTICATED")
        self.assertIn("令牌", self.css("#signin .err-text").text)
        self.d.get_log("browser")  # the refused whoami (401) is expected here

    def test_7_every_page_has_the_csp_and_no_inline_script(self):
        for path in ("/", "/assets/app.js", "/assets/app.css", "/assets/missing.js", "/assets/index.html"):
            status, headers, body = self.srv.call("GET", path)
            csp = headers.get("Content-Security-Policy", "")
            self.assertIn("default-src 'self'", csp, path)
            self.assertIn("frame-ancestors 'none'", csp, path)
            self.assertEqual(headers.get("X-Content-Type-Options"), "nosniff", path)
        status, headers, body = self.srv.call("GET", "/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        page = body.decode()
        self.assertIn('<html lang="zh-CN">', page)
        self.assertNotRegex(page, r"<script(?![^>]*\bsrc=)[^>]*>", "inline script")
        self.assertNotRegex(page, r"\son[a-z]+=", "inline handler")
        self.assertNotRegex(page, r"https?://", "a resource from outside the service")
        js = self.srv.call("GET", "/assets/app.js")[2].decode()
        for banned in (r"\beval\(", r"new Function", r"\.(innerHTML|outerHTML)\s*=", r"insertAdjacentHTML",
                       r"document\.write", r"parseFloat", r"setTimeout\(\s*['\"]"):
            self.assertIsNone(re.search(banned, js), "app.js uses " + banned)
        etag = headers["ETag"]
        self.assertEqual(self.srv.call("GET", "/", raw=None)[0], 200)
        req = urllib.request.Request(self.srv.base + "/", headers={"If-None-Match": etag})
        try:
            urllib.request.urlopen(req, timeout=10)
            self.fail("expected 304")
        except urllib.error.HTTPError as e:
            self.assertEqual(e.code, 304)

    def test_8_enterprise_objects_and_the_reviewer_answers_with_a_finding_then_records_a_recovery(self):
        from selenium.webdriver.support.ui import Select
        w = self.w
        # The claim whose lines are AFFILIATED (test_2 rejected it): the enterprise objects.
        if self.claim(w.other_claim, None)["status"] == "submitted":
            self.srv.json("POST", "/v1/claims/%s/decision" % w.other_claim, {"reject": True, "note": "关联交易"}, w.reviewer)
        self.sign_in(w.other_token, "企业")
        self.d.get(self.srv.base + "/#/claim/" + w.other_claim)
        self.text_in("#claim-id", w.other_claim)
        self.css("textarea[name=objection_text]").send_keys("2025年起双方已无共同实际控制人")
        for box in self.d.find_elements(By.CSS_SELECTOR, "input[name=objection_line]"):
            box.click()
        self.d.find_element(By.CSS_SELECTOR, "input[name=objection_reason][value=AFFILIATED]").click()
        self.css("input[name=evidence_name]").send_keys("股权变更登记.pdf")
        self.css("input[name=evidence_sha256]").send_keys("ab" * 32)
        self.d.find_element(By.CSS_SELECTOR, "#objection-form button[type=submit]").click()
        self.text_in("#objections", "待答复")
        held = self.srv.json("GET", "/v1/claims/%s/objections" % w.other_claim, token=w.other_token)["items"]
        self.assertEqual(len(held), 1)
        oid = held[0]["id"]
        self.assertEqual(held[0]["against"], "decision")
        self.assertEqual(held[0]["reasons"], ["AFFILIATED"])
        self.assertEqual(len(held[0]["lines"]), 2)
        self.assertEqual(held[0]["evidence"], [{"name": "股权变更登记.pdf", "sha256": "ab" * 32}])
        self.shot("objection-filed", 1600)

        # The reviewer's queue: the finding of non-affiliation, dated, with its basis.
        self.d.find_element(By.ID, "signout").click()
        self.sign_in(w.reviewer, "审核员")
        self.d.find_element(By.LINK_TEXT, "异议处理").click()
        form = self.css("#answer-" + oid)
        Select(form.find_element(By.NAME, "answer")).select_by_value("affiliation_finding")
        form.find_element(By.NAME, "finding_b").send_keys(w.design)
        self.d.execute_script("arguments[0].value = '2025-01-01'", form.find_element(By.NAME, "finding_from"))
        form.find_element(By.NAME, "finding_basis").send_keys("实际控制人已于2024年变更（工商登记）")
        form.find_element(By.NAME, "answer_note").send_keys("经核实，2025年起不存在关联关系")
        self.shot("objection-answer", 1600)
        form.find_element(By.NAME, "answer_submit").click()
        self.text_in("#objection-results", "没有异议")
        answered = self.srv.json("GET", "/v1/objections/" + oid, token=w.reviewer)
        self.assertEqual(answered["status"], "answered")
        self.assertEqual(answered["answer"]["answer"], "affiliation_finding")
        self.assertEqual(answered["answer"]["award_after_fen"], 101700000)  # 3,390,000.00 × 30 %
        self.d.get(self.srv.base + "/#/claim/" + w.other_claim)
        self.text_in("#objections .award-after", "1,017,000.00")
        # The rejected claim stands; filed again, the claim gets the award the finding allows.
        again = self.srv.json("POST", "/v1/claims", {"rule": "linkage", "year": 2025, "group": "chip_module"}, w.other_token, 201)
        self.assertEqual(again["evaluation"]["award_fen"], 101700000)

        # 追回: the approved claim's invoice is voided; the reviewer records the recovery.
        if self.claim(w.oem_claim, None)["status"] == "approved":
            approved = self.claim(w.oem_claim, None)["approved_fen"]
            self.srv.json("POST", "/v1/purchases/24332000000012345678/void", {"date": "2025-09-01", "buyer": w.oem}, self.srv.admin)
            self.d.find_element(By.LINK_TEXT, "追回").click()
            form = self.css("#recovery-form")
            self.assertEqual(form.find_element(By.NAME, "recovery_claim").get_attribute("value"), w.oem_claim)
            self.assertEqual(form.find_element(By.NAME, "recovery_yuan").get_attribute("value"),
                             "%s.%02d" % ("{:,}".format(approved // 100), approved % 100))
            self.d.execute_script("arguments[0].value = arguments[1]", form.find_element(By.NAME, "recovery_date"),
                                  time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600)))
            form.find_element(By.NAME, "recovery_reference").send_keys("滨财追-2025-001")
            self.shot("recoveries", 1200)
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            self.css("#no-recovery-due")
            recorded = self.srv.json("GET", "/v1/recoveries?status=recorded", token=w.reviewer)["items"]
            self.assertEqual([(r["claim"], r["amount_fen"]) for r in recorded], [(w.oem_claim, approved)])

    def test_8b_entitlements_are_listed_owed_filed_with_one_click_and_leave_the_owed_list(self):
        w, srv = self.w, self.srv
        # A fourth terminal maker buys 4,000,000.00 + 520,000.00 元 tax of the attested chip:
        # 30 % of 4,520,000.00 is 1,356,000.00 元. It files nothing; the eligibility job finds it.
        fourth = uscc(30)
        srv.json("POST", "/v1/enterprises", {"uscc": fourth, "name": "第四终端制造有限公司", "in_district": True,
                                             "roles": ["oem"]}, srv.admin, 201)
        token = srv.json("POST", "/v1/tokens", {"role": "enterprise", "enterprise": fourth, "label": "终端丁"}, srv.admin, 201)["token"]
        w.tokens.append(token)
        for line, amount, tax in ((1, 250000000, 32500000), (2, 150000000, 19500000)):
            srv.json("POST", "/v1/purchases", {"invoice": "24332000000055550030", "line": line, "date": "2025-05-01",
                                               "buyer": fourth, "seller": w.design, "product": "BJ-MCU-01",
                                               "amount_fen": amount, "tax_fen": tax, "reverses": None}, token, 201)
        subprocess.run([srv.chipreg, "eligibility", "--db", srv.db, "--year", "2025", "--quiet"], check=True,
                       capture_output=True)
        owed = srv.json("GET", "/v1/entitlements?year=2025&claimed=false&enterprise=" + fourth, token=w.reviewer)["items"]
        self.assertEqual([(e["rule"], e["award_fen"]) for e in owed], [("linkage", 135600000)])

        def owed_row():
            rows = self.d.find_elements(By.XPATH, "//div[@id='owed-results']//tr[.//code[text()='%s']]" % fourth)
            return rows[0].text if rows else None

        def show_owed():
            self.d.find_element(By.LINK_TEXT, "应享未申报").click()
            year = self.css("#owed-filters input[name=year]")
            year.clear()
            year.send_keys("2025")
            self.d.find_element(By.CSS_SELECTOR, "#owed-filters button[type=submit]").click()
            self.text_in("#owed-totals", "项")

        # The reviewer's 应享未申报 lists it with the exact amount.
        self.sign_in(w.reviewer, "审核员")
        show_owed()
        self.wait(lambda d: owed_row() is not None)
        self.assertIn("1,356,000.00", owed_row())
        self.assertIn("第四终端制造有限公司", owed_row())
        self.shot("owed", 1000)

        # The enterprise sees it among its 应享政策 and files it with 申报.
        self.d.find_element(By.ID, "signout").click()
        self.sign_in(token, "企业")
        self.d.find_element(By.LINK_TEXT, "应享政策").click()
        year = self.css("#entitlement-filters input[name=year]")
        year.clear()
        year.send_keys("2025")
        self.d.find_element(By.CSS_SELECTOR, "#entitlement-filters button[type=submit]").click()
        button = self.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, "#entitlement-results button.file-entitlement")))
        row = button.find_element(By.XPATH, "./ancestor::tr")
        self.assertIn("1,356,000.00", row.text)
        self.assertIn("芯机联动", row.text)
        self.shot("entitlements", 1000)
        button.click()
        self.wait(lambda d: "#/claim/C" in d.current_url)
        cid = self.d.current_url.rsplit("/", 1)[1]
        self.text_in("#award-yuan", "1,356,000.00")
        filed = self.claim(cid, token)
        self.assertEqual(filed["claimant"], fourth)
        self.assertEqual(filed["status"], "submitted")
        self.assertEqual(filed["award_fen"], 135600000)
        self.assertFalse(filed["proactive"])
        # Its 通知 page shows the entitlement the job found; a plain-http webhook is refused here
        # (this server allows no http host).
        self.d.find_element(By.LINK_TEXT, "通知").click()
        self.text_in("tr.notification[data-kind=entitlement]", "1,356,000.00")
        self.css("#webhook-form input[name=webhook_url]").send_keys("http://127.0.0.1:9/hook")
        self.d.find_element(By.CSS_SELECTOR, "#webhook-form button[type=submit]").click()
        self.text_in("#webhook-result .err-code", "WEBHOOK_URL_REFUSED")
        self.assertIn("尚未设置推送地址", self.css("#webhook-status").text)
        self.shot("notifications", 1000)
        self.d.get_log("browser")  # the GET of no webhook yet (404) and the refused URL (422) are expected here

        # Filed, it is no longer owed.
        self.d.find_element(By.ID, "signout").click()
        self.sign_in(w.reviewer, "审核员")
        show_owed()
        self.assertIsNone(owed_row())
        owed = srv.json("GET", "/v1/entitlements?year=2025&claimed=false&enterprise=" + fourth, token=w.reviewer)["items"]
        self.assertEqual(owed, [])

    def test_9_no_token_in_any_url_or_log_line(self):
        self.assertGreater(len(self.urls), 5)
        with open(self.srv.log_path) as f:
            log = f.read()
        self.assertIn("/v1/claims", log)  # the log has the page's requests
        for t in self.w.tokens:
            for url in self.urls:
                self.assertNotIn(t, url)
            self.assertNotIn(t, log)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--chipreg", required=True)
    p.add_argument("--screenshots", default=os.environ.get("CHIPREG_SCREENSHOTS"))
    ARGS, rest = p.parse_known_args()
    if webdriver is None or not os.path.exists(CHROMEDRIVER) or not os.path.exists(CHROMIUM):
        print("browser tests skipped: install chromium, chromium-driver and python3-selenium (scripts/bootstrap browser)")
        return 77
    if ARGS.screenshots:
        ARGS.screenshots = os.path.abspath(ARGS.screenshots)
    result = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2).result
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
