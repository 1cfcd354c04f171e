// chipreg web app: the bureau's reviewers, enterprises, foundries and admins work here.
//
// Plain script, no framework, served by `chipreg serve` itself under a CSP that forbids
// inline script and eval. Every piece of data reaches the page through textContent or an
// attribute set by setAttribute, never through innerHTML, so a name or note holding markup
// stays text. The bearer token lives in sessionStorage and travels only in the
// Authorization header; no URL ever holds it. Money is int fen on the wire and 元 with two
// decimals on screen, converted with integer string arithmetic (BigInt), never floats.
'use strict';

(function () {
  const TOKEN_KEY = 'chipreg.token';

  // ---------------------------------------------------------------- words

  const ROLE_NAMES = { admin: '管理员', reviewer: '审核员', foundry: '代工厂', enterprise: '企业' };
  const STATUS_NAMES = { submitted: '待审核', approved: '已核准', rejected: '已驳回' };
  const RULE_NAMES = {
    linkage: '第十二条 芯机联动', tapeout: '第三条 首次流片', eda_rd: '第二条 EDA 研发', eda_purchase: '第二条 EDA 工具采购',
    equipment_rd: '第四条 装备材料研发', compute: '第六条 算力服务', data_platform: '第七条 数据交易平台',
    dataset: '第八条 数据集流通', platform: '第十六条 高能级平台', event: '第十六条 会展活动',
  };
  // What each rule's filing names besides the rule: a year, a dataset, an event.
  const RULE_FIELDS = {
    linkage: ['year', 'group'], tapeout: ['tapeout'], eda_rd: ['year'], eda_purchase: ['year'], equipment_rd: ['year'],
    compute: ['year'], data_platform: ['year'], dataset: ['year', 'dataset'], platform: ['year'], event: ['event'],
  };
  // The other clauses' facts (POST /v1/<path>): each field's label and input kind.
  const CLAUSE_FACTS = {
    'rd-declarations': ['研发投入申报（第二、四条）', [['enterprise', '企业（统一社会信用代码）', 'me'], ['year', '年度', 'int'],
      ['field', '领域', ['eda', 'EDA'], ['equipment_material', '装备材料']], ['rd_fen', '研发投入（元）', 'yuan'],
      ['sales_fen', '实际销售额（元）', 'yuan'], ['audit_ref', '审计报告编号', 'text']]],
    'compute-contracts': ['算力服务合同（第六条）', [['id', '合同编号', 'text'], ['customer', '客户（统一社会信用代码）', 'me'],
      ['provider', '算力中心（统一社会信用代码）', 'text'], ['date', '签订日期', 'date'], ['amount_fen', '合同金额（元）', 'yuan'],
      ['voucher_fen', '抵扣算力券（元）', 'yuan']]],
    'data-trades': ['数据交易（第七条）', [['id', '交易编号', 'text'], ['platform', '交易平台（统一社会信用代码）', 'me'],
      ['buyer', '买方（统一社会信用代码）', 'text'], ['seller', '卖方（统一社会信用代码）', 'text'], ['date', '交易日期', 'date'],
      ['amount_fen', '交易额（元）', 'yuan']]],
    datasets: ['数据集（第八条）', [['id', '数据集编号', 'text'], ['owner', '所有者（统一社会信用代码）', 'me']]],
    'dataset-calls': ['数据集调用（第八条）', [['id', '调用编号', 'text'], ['dataset', '数据集编号', 'text'],
      ['caller', '调用方（统一社会信用代码）', 'text'], ['date', '调用日期', 'date'], ['income_fen', '单次流通收益（元）', 'yuan']]],
    'platform-expenses': ['平台支出（第十六条）', [['enterprise', '平台企业（统一社会信用代码）', 'me'], ['date', '支出日期', 'date'],
      ['kind', '类别', ['venue_rent', '场地租金'], ['construction', '项目建设']], ['amount_fen', '金额（元）', 'yuan']]],
    events: ['会展活动（第十六条）', [['id', '活动编号', 'text'], ['organizer', '主办方（统一社会信用代码）', 'me'],
      ['start', '开始日期', 'date'], ['in_district', '在本区举办', ['true', '是'], ['false', '否']],
      ['focus_area', '主题方向', 'text'], ['approval_date', '事前报批日期', 'date'], ['approval_ref', '报批文号', 'text'],
      ['venue_rent_fen', '场地租金（元）', 'yuan']]],
    // The bureau's own records (admin only): who takes part in a sign-off centre, and a
    // platform's recognition, each valid from a date and, if it ended, to a date.
    'signoff-participants': ['流片签核中心参与单位（第二条，管理员）', [['enterprise', '企业（统一社会信用代码）', 'text'],
      ['level', '级别', ['national', '国家级'], ['provincial', '省级'], ['municipal', '市级']],
      ['from', '有效起始日', 'date'], ['to', '有效截止日（可空）', 'optdate']], 'admin'],
    'platform-recognitions': ['高能级平台认定（第十六条，管理员）', [['enterprise', '平台企业（统一社会信用代码）', 'text'],
      ['level', '级别', ['national', '国家级'], ['provincial', '省级'], ['municipal', '市级']],
      ['from', '有效起始日', 'date'], ['to', '有效截止日（可空）', 'optdate']], 'admin'],
  };
  const GROUP_NAMES = { chip_module: '芯片、模组', device_material: '器件、材料' };
  const ENTERPRISE_ROLES = {
    oem: '整机企业', system_integrator: '系统集成商', ic_design: '芯片设计', ic_equipment: '集成电路装备',
    ic_material: '集成电路材料', ic_packaging: '封装测试', foundry: '晶圆代工', other: '其他',
  };
  const PRODUCT_KINDS = { chip: '芯片', module: '模组', device: '器件', material: '材料', eda_tool: 'EDA 工具' };
  const TAPEOUT_KINDS = { mpw: '多项目晶圆 (MPW)', engineering: '工程批', production: '量产批' };

  // Rule reason codes (RULES.md) and the API's error codes, each with a Chinese message.
  const REASONS = {
    AFFILIATED: '购销双方存在关联关系', ALREADY_CLAIMED: '该发票行已在其他申报中计入',
    BELOW_THRESHOLD: '年度采购额未达到申报门槛', BOUNDARY_AMBIGUOUS: '金额恰在分档边界，按更有利档次计算',
    CALLER_NOT_IN_DISTRICT: '调用方不在本区', CAPPED: '已达年度奖励上限', CHIP_WITHOUT_TAPEOUT: '芯片无经核验的首次流片记录',
    CLAIMANT_NOT_IN_DISTRICT: '申报企业未在本区注册', CLAIMANT_NOT_OEM: '申报企业不是整机企业或系统集成商',
    CLAIMANT_ROLE: '申报企业类型不符', NOT_CLAIMANTS_PURCHASE: '购买方不是申报企业',
    NOT_DESIGNATED_CENTER: '不是认定的中心', NOT_DESIGN_OWNER: '申报企业不是设计所有方',
    NOT_ENOUGH_CALLERS: '调用方数量不足', NOT_FIRST_LISTED: '产品不在首发上市 36 个月内',
    NOT_FIRST_TAPEOUT: '不是该产品的首次流片', NOT_HIGH_LEVEL_PLATFORM: '不是高能级平台', NOT_IN_DISTRICT: '不在本区',
    NOT_KEY_AREA: '产品不属于区重点产业方向', NOT_SELF_DEVELOPED: '产品不是自主研发', NO_ACTUAL_SALES: '无实际销售',
    NO_FIRST_MARKET_DATE: '产品无首次上市日期', NO_PRIOR_APPROVAL: '活动未在开始前事前报批',
    NO_QUALIFYING_ITEMS: '没有符合条件的项目', INVOICE_VOIDED: '发票已作废',
    OTHER_LEVEL_OFFSET: '已扣减其他层级同一项目的奖励（从高不重复）', POLICY_NOT_IN_FORCE: '日期早于政策生效日或不在申报年度',
    PRODUCTION_TAPEOUT: '量产批流片不予支持', PRODUCT_NOT_OWNED_BY_SUPPLIER: '销售方不是该产品的所有方',
    REVERSAL_MISSING: '发票已红冲但红字发票未登记', SELLER_NOT_SIGNOFF_PARTICIPANT: '销售方不是签核参与方',
    SUPPLIER_NOT_IC_ENTERPRISE: '销售方不是集成电路企业', TAPEOUT_AFTER_MARKET: '流片日期晚于首次上市日期',
    VOUCHER_OFFSET: '已扣减券额', VOIDED: '发票已作废', KEY_REVOKED: '签名密钥已吊销',
    KEY_EXPIRED: '签名密钥已过期', KEY_NOT_YET_VALID: '签名密钥尚未生效',
  };
  const ERRORS = {
    UNAUTHENTICATED: '未登录或令牌无效、已吊销',
    FORBIDDEN: '无权执行此操作',
    NOT_FOUND: '未找到',
    BAD_JSON: '请求不是有效的 JSON',
    MALFORMED: '请求格式错误',
    BAD_REQUEST: '请求有误',
    BAD_QUERY: '查询参数有误',
    UNKNOWN_FIELD: '含有未知字段',
    MISSING_FIELD: '缺少必填字段',
    BAD_TYPE: '字段类型错误',
    WRONG_TYPE: '字段类型错误',
    NOT_AN_OBJECT: '请求体应为 JSON 对象',
    DUPLICATE: '记录重复，已存在',
    CONFLICT: '与现有记录冲突',
    ALREADY_DECIDED: '该申报已有审核结论',
    ALREADY_EXISTS: '已存在',
    LINE_LOCKED: '发票行已被其他申报锁定',
    ALREADY_LOCKED: '已锁定',
    BODY_TOO_LARGE: '上传内容过大',
    BUSY: '系统繁忙，请稍后重试',
    DB_ERROR: '数据库错误',
    INTERNAL: '系统内部错误',
    IO_ERROR: '读写错误',
    CORRUPT_ROW: '存储记录损坏',
    BAD_ENVELOPE: '签名信封格式错误',
    WRONG_FOUNDRY: '信封不属于本代工厂',
    CONSTRAINT_VIOLATION: '违反数据约束',
    PENDING_CLAIM: '同一系列已有待审核的申报',
    STALE_EVALUATION: '测算依据已变化，需重新测算后再审核',
    METHOD_NOT_ALLOWED: '不支持的请求方法',
    HEADER_TOO_LARGE: '请求头过大',
    UNAVAILABLE: '服务暂不可用',
    BAD_USCC: '统一社会信用代码无效',
    BAD_DATE: '日期无效（应为 YYYY-MM-DD）',
    BAD_ENUM: '取值不在允许范围内',
    BAD_PERCENT: '比例格式错误',
    BAD_AMOUNT: '金额格式错误',
    BAD_VALUE: '取值无效',
    BAD_REVERSAL: '红字发票不符合冲销规则',
    BAD_SIGNATURE: '签名验证失败',
    UNKNOWN_KEY: '未登记的签名密钥',
    BAD_STATEMENT: '流片声明内容无效',
    UNSUPPORTED_PAYLOAD_TYPE: '不支持的载荷类型',
    BAD_ALG: '不支持的签名算法',
    BAD_KEY: '公钥无效',
    BAD_HEADER: '文件表头不符合要求',
    BAD_CSV: 'CSV 格式错误',
    UNKNOWN_ENTERPRISE: '企业未登记',
    UNKNOWN_PERSON: '自然人未登记',
    UNKNOWN_PRODUCT: '产品未登记',
    UNKNOWN_INVOICE_LINE: '被冲销的发票行不存在',
    UNKNOWN_CLAIM: '申报不存在',
    UNKNOWN_TAPEOUT: '流片记录不存在',
    UNKNOWN_REFERENCE: '引用的记录不存在',
    UNKNOWN_DATASET: '数据集未登记',
    UNKNOWN_EVENT: '活动未登记',
    FUTURE_DATE: '日期晚于今天',
    AMOUNT_TOO_LARGE: '金额超过单笔上限',
    UNKNOWN_PARAMETER: '未知参数',
    BAD_PARAMETER: '参数取值无效',
    MISSING_ENTERPRISE: '该角色须指定企业',
    UNEXPECTED_ENTERPRISE: '该角色不应指定企业',
    NOT_A_FOUNDRY: '该企业未登记为代工厂',
    NOT_FOUNDRY: '不是代工厂',
    ABOVE_AWARD: '核准金额超过测算奖励',
    MONEY_OVERFLOW: '金额超出范围',
    UNSUPPORTED_FORMAT: '暂不支持该文件格式',
    KEY_REVOKED: '签名密钥已吊销',
    KEY_EXPIRED: '签名密钥已过期',
    KEY_NOT_YET_VALID: '签名密钥尚未生效',
    NOT_ELIGIBLE: '该申报不符合条件，只能驳回',
    NOTE_REQUIRED: '须填写审核意见',
    INVOICE_VOIDED: '发票已作废',
    UNKNOWN_INVOICE: '发票不存在',
    NO_FACTS_BUNDLE: '该申报没有事实包',
    REFUSED: '请求被拒绝',
    BAD_NOTE: '审核意见无效',
    CONSTRAINT: '违反数据约束',
    USAGE: '用法有误',
    SCHEMA_TOO_NEW: '数据库版本高于本程序',
    SCHEMA_MISMATCH: '数据库结构不符',
    LOG_CORRUPT: '透明日志损坏',
    BAD_PROOF: '证明无效',
    UNREADABLE_ROW: '记录无法读取',
    WEBHOOK_URL_REFUSED: '不接受该推送地址（明文 http 或内网地址）',
    NOT_SUPPORTED: '暂不支持该功能',
    BAD_URL: '推送地址格式无效',
    NO_ENTITLEMENT: '系统尚未测算出该项应享政策',
    NOT_ENTITLED: '该项政策当前无可申报金额',
    ALREADY_CLAIMED: '该项政策已申报',
    NETWORK: '无法连接服务',
    BAD_RESPONSE: '服务返回了无法识别的内容',
    INPUT: '输入有误',
    OBJECTION_LATE: '已超过异议期限',
    OBJECTION_PENDING: '该申报已有待答复的异议',
    ALREADY_ANSWERED: '该异议已答复',
    UNKNOWN_LINE: '该发票行不在本申报的测算中',
    UNKNOWN_REASON: '本申报的测算没有该原因',
    UNKNOWN_LEAF: '日志序号不是异议之后登记的事实',
    ABOVE_DUE: '追回金额超过应追回金额',
    NOT_APPROVED: '只有已核准的申报才能追回',
  };
  const AUDIT_ACTIONS = {
    'claim.file': '提交申报', 'claim.decide': '作出审核结论', 'claim.evaluate': '重新测算',
    'purchase.create': '登记发票行', 'purchase.import': '导入发票', 'tapeout.submit': '提交流片证明',
    'token.create': '创建令牌', 'token.revoke': '吊销令牌', 'foundry_key.register': '登记密钥',
    'foundry_key.revoke': '吊销密钥', 'enterprise.create': '登记企业', 'product.create': '登记产品',
    'other_award.create': '登记其他层级奖励', 'refused': '被拒绝的写入',
    'objection.file': '提出异议', 'objection.answer': '答复异议', 'recovery.record': '登记追回', 'claim.overpaid': '超拨金额变化',
    'entitlement.file': '从应享政策申报', 'entitlement.auto_file': '主动兑现（自动申报）',
    'entitlement.auto_filing': '设置自动申报', 'eligibility.run': '测算应享政策',
  };
  const ANSWER_NAMES = { fact_corrected: '更正事实', affiliation_finding: '关联关系认定', rejected: '驳回异议' };
  const OBJECTION_STATUS = { open: '待答复', answered: '已答复', rejected: '已驳回' };
  // The audit action's name: import.KIND (命令行导入) and import.KIND.refused included.
  function auditAction(action) {
    if (AUDIT_ACTIONS[action]) return AUDIT_ACTIONS[action];
    const m = /^import\.([a-z_]+)(\.refused)?$/.exec(action || '');
    if (m) return (m[2] ? '命令行导入被拒绝：' : '命令行导入：') + m[1];
    return action;
  }
  // The actor as people know it: the token's label, with the token beside it.
  function auditActor(a) {
    return a.actor_label ? h('span', {}, a.actor_label + ' ', h('code', {}, a.actor)) : h('code', {}, a.actor);
  }

  function errorText(code, message) {
    const zh = ERRORS[code] || REASONS[code] || '操作失败';
    return zh + (message ? '：' + message : '');
  }

  // ---------------------------------------------------------------- DOM

  // h('a', {href: '#/x', class: 'c'}, 'text', child): attributes by setAttribute, listeners
  // for on* keys, children as text nodes or elements. Never parses markup.
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
    append(el, kids);
    return el;
  }
  function append(el, kids) {
    for (const kid of kids.flat(Infinity)) {
      if (kid === undefined || kid === null || kid === false) continue;
      el.appendChild(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return el;
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

  let uid = 0;
  // A labelled control: <div class=field><label for=id>text</label>control</div>.
  function field(label, control, hint) {
    if (!control.id) control.id = 'f' + (++uid);
    return h('div', { class: 'field' }, h('label', { for: control.id }, label), control,
      hint ? h('small', { class: 'hint' }, hint) : null);
  }
  function select(name, options, value) {
    const s = h('select', { name });
    for (const [v, text] of options) {
      const o = h('option', { value: v }, text);
      if (v === value) o.selected = true;
      s.appendChild(o);
    }
    return s;
  }
  function table(headers, rows, caption) {
    return h('div', { class: 'table-wrap' },
      h('table', {}, caption ? h('caption', {}, caption) : null,
        h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, '暂无记录')))));
  }
  function tr(...cells) { return h('tr', {}, cells.map((c) => (c instanceof Node && c.tagName === 'TD' ? c : h('td', {}, c)))); }
  function money(fen) { return h('span', { class: 'money' }, fenToYuan(fen)); }
  function notice(kind, ...text) { return h('div', { class: 'notice ' + kind, role: kind === 'error' ? 'alert' : 'status' }, text); }
  function errorBox(e) {
    const code = e && e.code ? e.code : 'INTERNAL';
    return h('div', { class: 'notice error', role: 'alert' },
      h('span', { class: 'err-text' }, errorText(code, e && e.message)), ' ',
      h('code', { class: 'err-code' }, code));
  }

  // ---------------------------------------------------------------- money and dates

  // "1017000.5" or "1,017,000.50" (at most two decimals) -> BigInt fen, or null.
  function yuanToFen(text) {
    const t = String(text).trim();
    if (!/^(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$/.test(t)) return null;
    const [whole, frac = ''] = t.replace(/,/g, '').split('.');
    const fen = BigInt(whole + frac.padEnd(2, '0'));
    return fen <= BigInt(Number.MAX_SAFE_INTEGER) ? fen : null;
  }
  // int fen (number or BigInt) -> "1,017,000.00".
  function fenToYuan(fen) {
    let n = BigInt(fen);
    const neg = n < 0n;
    if (neg) n = -n;
    const whole = (n / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return (neg ? '-' : '') + whole + '.' + (n % 100n).toString().padStart(2, '0');
  }
  const SHANGHAI = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  });
  // An instant (ISO 8601 with zone) shown in Asia/Shanghai; a plain date stays as it is.
  function when(iso) {
    if (!iso) return '';
    if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
    const d = new Date(iso);
    return isNaN(d) ? String(iso) : SHANGHAI.format(d) + '（北京时间）';
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, code, message, field) { super(message); this.status = status; this.code = code; this.field = field; }
  }
  function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

  // fetch with the bearer token; JSON in and out unless opts.raw. `body` may be a string
  // (sent as is: amounts are written into it as exact integers), an object or an ArrayBuffer.
  async function api(method, path, body, opts = {}) {
    const headers = { Authorization: 'Bearer ' + token() };
    let payload;
    if (body instanceof ArrayBuffer) { payload = body; headers['Content-Type'] = 'application/octet-stream'; }
    else if (typeof body === 'string') { payload = body; headers['Content-Type'] = 'application/json'; }
    else if (body !== undefined) { payload = JSON.stringify(body); headers['Content-Type'] = 'application/json'; }
    let resp;
    try {
      resp = await fetch(path, { method, headers, body: payload, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
    } catch (e) {
      throw new ApiError(0, 'NETWORK', String(e.message || e));
    }
    if (opts.raw && resp.ok) return resp;
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (!resp.ok) {
      const err = data && data.error ? data.error : { code: 'BAD_RESPONSE', message: 'HTTP ' + resp.status };
      throw new ApiError(resp.status, err.code, err.message, err.field);
    }
    if (data === null && text) throw new ApiError(resp.status, 'BAD_RESPONSE', 'HTTP ' + resp.status);
    return data;
  }
  // Every page of a list endpoint (at most `max` pages).
  async function all(path, max = 20) {
    const items = [];
    let after = null;
    for (let i = 0; i < max; i++) {
      const sep = path.includes('?') ? '&' : '?';
      const page = await api('GET', path + sep + 'limit=500' + (after ? '&after=' + encodeURIComponent(after) : ''));
      items.push(...page.items);
      if (!page.next) break;
      after = page.next;
    }
    return items;
  }
  const names = new Map();  // USCC -> enterprise name (or null when unknown to the caller)
  async function enterpriseName(uscc) {
    if (!names.has(uscc)) {
      try { names.set(uscc, (await api('GET', '/v1/enterprises/' + encodeURIComponent(uscc))).name); }
      catch (e) { names.set(uscc, null); }
    }
    return names.get(uscc);
  }
  function download(filename, blob) {
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: filename, class: 'hidden' });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }
  function readFile(file, asText) {
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(r.result);
      r.onerror = () => reject(new ApiError(0, 'IO_ERROR', '无法读取文件'));
      if (asText) r.readAsText(file, 'utf-8'); else r.readAsArrayBuffer(file);
    });
  }

  // ---------------------------------------------------------------- shell

  let me = null;  // {id, role, enterprise}
  const root = h('div', { id: 'app' });
  const main = h('main', { id: 'main', tabindex: '-1' });

  const NAV = {
    reviewer: [
      ['#/queue', '审核队列'], ['#/owed', '应享未申报'], ['#/objections', '异议处理'], ['#/recoveries', '追回'],
      ['#/payout', '拨付清单']
    ],
    enterprise: [
      ['#/purchases', '我的发票'], ['#/upload', '上传发票导出'], ['#/facts', '登记条款事实'],
      ['#/file', '申报预览与提交'], ['#/claims', '我的申报'], ['#/entitlements', '应享政策'],
      ['#/objections', '我的异议'], ['#/recoveries', '追回'], ['#/notifications', '通知']
    ],
    foundry: [['#/tapeouts', '流片证明'], ['#/submit', '提交签名信封']],
    admin: [
      ['#/admin/enterprises', '企业'], ['#/admin/products', '产品'], ['#/admin/keys', '代工厂密钥'],
      ['#/admin/tokens', '令牌'], ['#/facts', '条款事实'], ['#/queue', '申报']
    ],
  };

  function shell() {
    clear(root);
    const header = h('header', { class: 'top' },
      h('div', { class: 'brand' }, h('strong', {}, '集成电路产业扶持'), h('span', {}, '申报与审核')));
    if (me) {
      const who = h('div', { class: 'who', id: 'who' },
        h('span', { id: 'who-role' }, ROLE_NAMES[me.role] || me.role),
        me.enterprise ? h('span', { id: 'who-enterprise' }, ' · ', me.name || '', ' ', h('code', {}, me.enterprise)) : null,
        h('button', { type: 'button', id: 'signout', class: 'link', onclick: signOut }, '退出登录'));
      header.appendChild(who);
      const nav = h('nav', { 'aria-label': '主菜单' },
        h('ul', {}, (NAV[me.role] || []).map(([href, text]) => h('li', {}, h('a', { href }, text)))));
      header.appendChild(nav);
    }
    append(root, [header, main, h('footer', { class: 'foot' }, '日期时间均以北京时间显示 · 金额单位：元')]);
  }

  function signInView(problem) {
    const input = h('input', { type: 'password', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false' });
    const form = h('form', { class: 'card narrow', id: 'signin' },
      h('h1', {}, '登录'),
      h('p', {}, '请粘贴管理部门发放的访问令牌。令牌只保存在本标签页中，关闭标签页或退出登录即清除。'),
      field('访问令牌', input),
      h('button', { type: 'submit', class: 'primary' }, '登录'),
      problem ? errorBox(problem) : null);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      try {
        await start();
      } catch (e) {
        sessionStorage.removeItem(TOKEN_KEY);
        me = null;
        shell();
        main.appendChild(signInView(e));
      }
    });
    setTimeout(() => input.focus(), 0);
    return form;
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem('chipreg.queue');
    me = null;
    names.clear();
    if (location.hash) history.replaceState(null, '', location.pathname);
    shell();
    main.appendChild(signInView());
  }

  async function start() {
    me = await api('GET', '/v1/whoami');
    if (me.enterprise) me.name = await enterpriseName(me.enterprise);
    shell();
    if (!location.hash || location.hash === '#/') location.hash = (NAV[me.role] || [['#/']])[0][0];
    else await route();
  }

  async function route() {
    if (!me) return;
    const hash = decodeURIComponent(location.hash.slice(1));
    const parts = hash.split('/').filter(Boolean);
    clear(main);
    for (const a of document.querySelectorAll('nav a')) {
      if (a.getAttribute('href') === '#/' + parts.slice(0, parts[0] === 'admin' ? 2 : 1).join('/')) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    const views = {
      queue: queueView,
      claim: claimView,
      payout: payoutView,
      purchases: purchasesView,
      upload: uploadView,
      file: fileView,
      facts: factsView,
      claims: myClaimsView,
      tapeouts: tapeoutsView,
      submit: submitView,
      admin: adminView,
      objections: objectionsView,
      recoveries: recoveriesView,
      entitlements: entitlementsView,
      owed: owedView,
      notifications: notificationsView,
    };
    const view = views[parts[0]];
    const box = h('section', { class: 'view' });
    main.appendChild(box);
    if (!view) { box.appendChild(notice('error', '页面不存在')); return; }
    try {
      await view(box, parts.slice(1));
    } catch (e) {
      box.appendChild(errorBox(e));
    }
  }

  // ---------------------------------------------------------------- reviewer: queue

  async function queueView(box) {
    const q = new URLSearchParams(sessionStorage.getItem('chipreg.queue') || 'status=submitted');
    const status = select('status', [['', '全部'], ['submitted', '待审核'], ['approved', '已核准'], ['rejected', '已驳回']], q.get('status') || '');
    const rule = select('rule', [['', '全部条款'], ...Object.entries(RULE_NAMES)], q.get('rule') || '');
    const year = h('input', { name: 'year', type: 'number', min: '1900', max: '9999', inputmode: 'numeric', value: q.get('year') || '' });
    const claimant = h('input', { name: 'claimant', type: 'text', maxlength: '18', value: q.get('claimant') || '', spellcheck: 'false' });
    const results = h('div', { id: 'queue-results' });
    const form = h('form', { class: 'filters', id: 'queue-filters' },
      field('状态', status), field('条款', rule), field('年度', year), field('申报企业（统一社会信用代码）', claimant),
      h('button', { type: 'submit' }, '筛选'));
    append(box, [h('h1', {}, '审核队列'), form, results]);

    async function load() {
      clear(results).appendChild(h('p', { class: 'muted' }, '加载中…'));
      const p = new URLSearchParams();
      if (status.value) p.set('status', status.value);
      if (year.value) p.set('year', year.value);
      if (claimant.value.trim()) p.set('enterprise', claimant.value.trim());
      const saved = new URLSearchParams(p);
      if (rule.value) saved.set('rule', rule.value);
      if (claimant.value.trim()) { saved.delete('enterprise'); saved.set('claimant', claimant.value.trim()); }
      sessionStorage.setItem('chipreg.queue', saved.toString());
      let items;
      try {
        items = await all('/v1/claims' + (p.toString() ? '?' + p : ''));
      } catch (e) {
        clear(results).appendChild(errorBox(e));
        return;
      }
      // The list endpoint filters by status, year and claimant; the clause is filtered here.
      if (rule.value) items = items.filter((c) => c.rule === rule.value);
      let award = 0n; let approved = 0n;
      for (const c of items) {
        award += BigInt(c.award_fen);
        if (c.decision && c.decision.outcome === 'approved') approved += BigInt(c.decision.approve_fen);
      }
      const rows = [];
      for (const c of items) {
        const name = await enterpriseName(c.claimant);
        rows.push(tr(h('a', { href: '#/claim/' + encodeURIComponent(c.id), class: 'claim-link' }, c.id),
          h('span', {}, name || '', ' ', h('code', {}, c.claimant)), RULE_NAMES[c.rule] || c.rule,
          c.year, h('span', { class: 'status ' + c.status }, STATUS_NAMES[c.status] || c.status),
          c.eligible ? '是' : '否', money(c.award_fen),
          c.decision && c.decision.outcome === 'approved' ? money(c.decision.approve_fen) : '—', when(c.created_at)));
      }
      clear(results);
      results.appendChild(h('p', { class: 'totals', id: 'queue-totals' },
        '共 ', h('strong', {}, String(items.length)), ' 件；测算奖励合计 ', h('strong', {}, fenToYuan(award)),
        ' 元；已核准合计 ', h('strong', {}, fenToYuan(approved)), ' 元'));
      results.appendChild(table(['申报编号', '申报企业', '条款', '年度', '状态', '符合条件', '测算奖励（元）', '核准金额（元）', '提交时间'], rows));
    }
    form.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
    await load();
  }

  // ---------------------------------------------------------------- claim page

  const LINES_PER_PAGE = 20;

  function reasonItem(r) {
    const extra = Object.entries(r).filter(([k]) => k !== 'code');
    return h('li', {}, h('span', {}, REASONS[r.code] || r.code), ' ', h('code', {}, r.code),
      extra.length ? h('div', { class: 'detail' }, extra.map(([k, v]) => h('div', {}, k, '：', typeof v === 'object' ? JSON.stringify(v) : String(v)))) : null);
  }

  function evaluationBlock(ev, claim) {
    const out = h('div', { class: 'evaluation' });
    const facts = [
      ['是否符合条件', ev.eligible ? '符合' : '不符合'],
      ['测算奖励', h('span', { id: 'award-yuan' }, money(ev.award_fen)), '元'],
      ['规则计算额（上限与扣减前）', money(ev.computed_fen), '元'],
    ];
    if (ev.qualifying_fen !== undefined) facts.push(['计入的年度采购额', money(ev.qualifying_fen), '元']);
    if (ev.basis_fen !== undefined) facts.push(['计算基数', h('span', { id: 'basis-yuan' }, money(ev.basis_fen)), '元']);
    if (ev.cap_fen !== undefined) facts.push(['年度上限', money(ev.cap_fen), '元']);
    if (ev.prior_approved_fen) facts.push(['本系列此前已核准', money(ev.prior_approved_fen), '元']);
    if (ev.other_levels_fen) facts.push(['其他层级已奖励', money(ev.other_levels_fen), '元']);
    if (claim && claim.decision && claim.decision.outcome === 'approved') {
      facts.push(['核准金额', h('span', { id: 'approved-yuan' }, money(claim.decision.approve_fen)), '元']);
    }
    out.appendChild(h('dl', { class: 'facts' }, facts.map(([k, ...v]) => [h('dt', {}, k), h('dd', {}, v.map((x) => [x, ' ']))])));
    if ((ev.reasons || []).length) {
      out.appendChild(h('h3', {}, '适用的原因代码'));
      out.appendChild(h('ul', { class: 'reasons' }, ev.reasons.map(reasonItem)));
    }
    out.appendChild(h('h3', {}, '测算过程'));
    out.appendChild(h('ol', { class: 'trace', id: 'trace' }, (ev.trace || []).map((t) => h('li', {}, t))));
    if (ev.lines) out.appendChild(linesBlock(ev.lines));
    if (ev.items) out.appendChild(itemsBlock(ev.items));
    const chains = (ev.reasons || []).filter((r) => r.code === 'AFFILIATED' && r.chain);
    const proofs = (ev.lines || []).filter((l) => l.affiliation);
    if (proofs.length || chains.length) {
      out.appendChild(h('h3', {}, '关联关系证明'));
      out.appendChild(h('ul', { class: 'proofs' },
        proofs.map((l) => h('li', {}, '发票 ', h('code', {}, l.invoice + ' #' + l.line), '：', l.affiliation)),
        chains.map((r) => h('li', {}, JSON.stringify(r.chain)))));
    }
    return out;
  }

  function linesBlock(lines) {
    const box = h('div', { class: 'lines', id: 'lines' });
    let page = 0;
    const pages = Math.max(1, Math.ceil(lines.length / LINES_PER_PAGE));
    function draw() {
      clear(box);
      box.appendChild(h('h3', {}, '发票行（共 ' + lines.length + ' 行）'));
      const rows = lines.slice(page * LINES_PER_PAGE, (page + 1) * LINES_PER_PAGE).map((l) =>
        tr(h('code', {}, l.invoice), l.line, l.date || '', l.product || '',
          l.amount_fen !== undefined ? money(l.amount_fen) : '', l.qualifies ? '计入' : '不计入',
          h('span', {}, (l.codes || []).map((c) => h('span', { class: 'code-reason' }, REASONS[c] || c, ' ', h('code', {}, c))))));
      box.appendChild(table(['发票号码', '行', '开票日期', '产品', '金额（元）', '结果', '排除原因'], rows));
      if (pages > 1) {
        box.appendChild(h('div', { class: 'pager' },
          h('button', { type: 'button', disabled: page === 0, onclick: () => { page--; draw(); } }, '上一页'),
          h('span', {}, '第 ' + (page + 1) + ' / ' + pages + ' 页'),
          h('button', { type: 'button', disabled: page >= pages - 1, onclick: () => { page++; draw(); } }, '下一页')));
      }
    }
    draw();
    return box;
  }

  // The items a rule of the other clauses counted or excluded (contracts, trades, calls...).
  function itemsBlock(items) {
    const rows = items.map((it) =>
      tr(h('code', {}, it.id || (it.invoice ? it.invoice + ' #' + it.line : '')), it.date || '',
        it.amount_fen !== undefined ? money(it.amount_fen) : '', it.qualifies ? '计入' : '不计入',
        h('span', {}, (it.codes || []).map((c) => h('span', { class: 'code-reason' }, REASONS[c] || c, ' ', h('code', {}, c))))));
    return h('div', { class: 'lines', id: 'items' }, h('h3', {}, '计入项目（共 ' + items.length + ' 项）'),
      table(['编号', '日期', '金额（元）', '结果', '原因'], rows));
  }

  async function claimView(box, parts) {
    const id = parts.join('/');
    const claim = await api('GET', '/v1/claims/' + encodeURIComponent(id));
    const name = await enterpriseName(claim.claimant);
    const ev = claim.evaluation || {};
    const flags = [];
    const stale = claim.stale || ev.stale;
    const overpaid = claim.overpaid_fen || ev.overpaid_fen;
    if (stale) flags.push(h('span', { class: 'flag warn', id: 'flag-stale' }, '测算依据已变化（需重新测算）'));
    if (overpaid) flags.push(h('span', { class: 'flag warn', id: 'flag-overpaid' }, '超拨 ', fenToYuan(overpaid), ' 元'));

    const sheet = h('article', { class: 'sheet', id: 'claim' },
      h('h1', {}, '审核表 · 申报 ', h('code', { id: 'claim-id' }, claim.id)),
      flags.length ? h('p', { class: 'flags' }, flags) : null,
      h('dl', { class: 'facts' },
        h('dt', {}, '申报企业'), h('dd', { id: 'claimant-name' }, name || '（名称不可见）'),
        h('dt', {}, '统一社会信用代码'), h('dd', {}, h('code', {}, claim.claimant)),
        h('dt', {}, '条款'), h('dd', {}, RULE_NAMES[claim.rule] || claim.rule),
        claim.group ? [h('dt', {}, '组别'), h('dd', {}, GROUP_NAMES[claim.group] || claim.group)] : null,
        claim.tapeout ? [h('dt', {}, '流片'), h('dd', {}, h('code', {}, claim.tapeout))] : null,
        claim.dataset ? [h('dt', {}, '数据集'), h('dd', {}, h('code', {}, claim.dataset))] : null,
        claim.event ? [h('dt', {}, '活动'), h('dd', {}, h('code', {}, claim.event))] : null,
        h('dt', {}, '年度'), h('dd', {}, String(claim.year)),
        h('dt', {}, '状态'), h('dd', { id: 'claim-status' }, STATUS_NAMES[claim.status] || claim.status),
        h('dt', {}, '提交时间'), h('dd', {}, when(claim.created_at)),
        claim.decision ? [h('dt', {}, '审核意见'), h('dd', { id: 'decision-note' }, claim.decision.note || '—'),
          h('dt', {}, '审核人 / 时间'), h('dd', {}, claim.decision.reviewer, ' · ', when(claim.decision.decided_at))] : null),
      evaluationBlock(ev, claim),
      h('div', { class: 'signatures print-only' }, h('p', {}, '审核人签字：________________'), h('p', {}, '日期：________________')));
    box.appendChild(sheet);

    const tools = h('div', { class: 'tools no-print' },
      h('button', { type: 'button', id: 'print', onclick: () => window.print() }, '打印审核表'),
      h('button', { type: 'button', id: 'facts', onclick: async () => {
        try {
          const resp = await api('GET', '/v1/claims/' + encodeURIComponent(claim.id) + '/facts', undefined, { raw: true });
          download('claim-' + claim.id + '-facts.json', await resp.blob());
        } catch (e) { tools.appendChild(errorBox(e)); }
      } }, '下载事实包'));
    if (stale && claim.status === 'submitted') {
      tools.appendChild(h('button', { type: 'button', id: 'reevaluate', onclick: async () => {
        try {
          await api('POST', '/v1/claims/' + encodeURIComponent(claim.id) + '/evaluate');
          await route();
        } catch (e) { tools.appendChild(errorBox(e)); }
      } }, '按现有事实重新测算'));
    }
    box.appendChild(tools);

    if (me.role === 'reviewer' && claim.status === 'submitted') box.appendChild(decisionForm(claim));
    box.appendChild(await objectionsBlock(claim));
    if (me.role === 'enterprise') box.appendChild(objectionForm(claim));
    if (me.role === 'reviewer' || me.role === 'admin') box.appendChild(await auditBlock(claim.id));
  }

  // ---------------------------------------------------------------- objections (异议)

  function objectionRows(items, withClaim) {
    return items.map((o) => tr(
      h('code', { class: 'objection-id' }, o.id),
      withClaim ? h('a', { href: '#/claim/' + encodeURIComponent(o.claim), class: 'claim-link' }, o.claim) : null,
      h('span', { class: 'status ' + o.status }, OBJECTION_STATUS[o.status] || o.status),
      o.against === 'decision' ? '审核结论' : '测算结果',
      h('span', { class: 'quote' }, o.text),
      (o.lines || []).map((l) => l.invoice + '#' + l.line).join('，') || '—',
      (o.reasons || []).join('，') || '—',
      (o.evidence || []).map((e) => e.name).join('，') || '—',
      o.answer ? h('span', {}, ANSWER_NAMES[o.answer.answer] || o.answer.answer, '：', o.answer.note,
        o.answer.answer !== 'rejected' ? ['（奖励 ', fenToYuan(o.answer.award_before_fen), ' → ', h('strong', { class: 'award-after' }, fenToYuan(o.answer.award_after_fen)), ' 元）'] : null) : '—'));
  }
  const OBJECTION_HEADERS = ['异议编号', '状态', '对象', '异议内容', '争议发票行', '争议原因', '证据', '答复'];

  async function objectionsBlock(claim) {
    const box = h('section', { class: 'card no-print', id: 'objections' }, h('h2', {}, '异议'));
    try {
      const items = await all('/v1/claims/' + encodeURIComponent(claim.id) + '/objections', 5);
      if (!items.length) box.appendChild(h('p', { class: 'muted' }, '暂无异议'));
      else box.appendChild(table(OBJECTION_HEADERS, objectionRows(items, false)));
    } catch (e) { box.appendChild(errorBox(e)); }
    return box;
  }

  // The enterprise's objection: text, the excluded lines and the reasons it disputes, and
  // evidence by name and SHA-256 (computed here from the chosen file when the browser can).
  function objectionForm(claim) {
    const ev = claim.evaluation || {};
    const text = h('textarea', { name: 'objection_text', rows: '4', required: true });
    const lineBoxes = (ev.lines || []).filter((l) => !l.qualifies).map((l) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'objection_line', value: JSON.stringify({ invoice: l.invoice, line: l.line }) }),
        ' ', l.invoice, ' 第 ', String(l.line), ' 行（', (l.codes || []).map((c) => REASONS[c] || c).join('、'), '）'));
    const reasonBoxes = (ev.reasons || []).map((r) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'objection_reason', value: r.code }), ' ', REASONS[r.code] || r.code, ' ', h('code', {}, r.code)));
    const evName = h('input', { name: 'evidence_name', type: 'text' });
    const evSha = h('input', { name: 'evidence_sha256', type: 'text', maxlength: '64', spellcheck: 'false' });
    const evFile = h('input', { name: 'evidence_file', type: 'file' });
    evFile.addEventListener('change', async () => {
      const f = evFile.files && evFile.files[0];
      if (!f) return;
      evName.value = f.name;
      if (window.crypto && crypto.subtle) {
        const digest = await crypto.subtle.digest('SHA-256', await f.arrayBuffer());
        evSha.value = Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, '0')).join('');
      }
    });
    const msg = h('div', { class: 'msg', 'aria-live': 'polite' });
    const form = h('form', { class: 'card no-print', id: 'objection-form' },
      h('h2', {}, '提出异议'),
      h('p', { class: 'muted' }, claim.status === 'submitted' ? '审核结论作出前可随时提出异议。' : '审核结论作出之日起 15 日内可提出异议。'),
      field('异议内容', text, '说明对测算或审核结论有异议的理由'),
      lineBoxes.length ? h('fieldset', {}, h('legend', {}, '争议的发票行'), lineBoxes) : null,
      reasonBoxes.length ? h('fieldset', {}, h('legend', {}, '争议的原因'), reasonBoxes) : null,
      field('证据文件', evFile, '文件不上传，只记录文件名和 SHA-256'), field('证据名称', evName), field('证据 SHA-256', evSha),
      h('button', { type: 'submit', class: 'primary', name: 'object' }, '提交异议'), msg);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clear(msg);
      if (!text.value.trim()) return msg.appendChild(errorBox({ code: 'MISSING_FIELD', message: '请填写异议内容' }));
      const body = { text: text.value.trim() };
      const lines = Array.from(form.querySelectorAll('input[name=objection_line]:checked')).map((i) => JSON.parse(i.value));
      const reasons = Array.from(form.querySelectorAll('input[name=objection_reason]:checked')).map((i) => i.value);
      if (lines.length) body.lines = lines;
      if (reasons.length) body.reasons = reasons;
      if (evName.value.trim() || evSha.value.trim()) body.evidence = [{ name: evName.value.trim(), sha256: evSha.value.trim().toLowerCase() }];
      try {
        const o = await api('POST', '/v1/claims/' + encodeURIComponent(claim.id) + '/objections', body);
        clear(msg).appendChild(notice('ok', '异议已提交，编号 ', h('code', { id: 'objection-created' }, o.id)));
        await route();
      } catch (err) { clear(msg).appendChild(errorBox(err)); }
    });
    return form;
  }

  // The reviewer's queue: each open objection with the three answers.
  async function objectionsView(box) {
    const reviewer = me.role === 'reviewer';
    const status = select('status', [['open', '待答复'], ['answered', '已答复'], ['rejected', '已驳回'], ['', '全部']], reviewer ? 'open' : '');
    const results = h('div', { id: 'objection-results' });
    const form = h('form', { class: 'filters' }, field('状态', status), h('button', { type: 'submit' }, '筛选'));
    append(box, [h('h1', {}, reviewer ? '异议处理' : '我的异议'), form, results]);
    async function load() {
      clear(results);
      let items;
      try { items = await all('/v1/objections' + (status.value ? '?status=' + status.value : '')); } catch (e) { return results.appendChild(errorBox(e)); }
      if (!items.length) return results.appendChild(h('p', { class: 'muted' }, '没有异议'));
      results.appendChild(table(['异议编号', '申报', ...OBJECTION_HEADERS.slice(1)], objectionRows(items, true)));
      if (!reviewer) return;
      for (const o of items.filter((x) => x.status === 'open')) results.appendChild(answerForm(o));
    }
    form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
    await load();
  }

  function answerForm(o) {
    const kind = select('answer', [['fact_corrected', ANSWER_NAMES.fact_corrected], ['affiliation_finding', ANSWER_NAMES.affiliation_finding], ['rejected', ANSWER_NAMES.rejected]], 'rejected');
    const note = h('textarea', { name: 'answer_note', rows: '3' });
    const leaf = h('input', { name: 'fact_log_index', type: 'number', min: '0', inputmode: 'numeric' });
    const a = h('input', { name: 'finding_a', type: 'text', maxlength: '18', value: o.claimant, spellcheck: 'false' });
    const b = h('input', { name: 'finding_b', type: 'text', maxlength: '18', spellcheck: 'false' });
    const from = h('input', { name: 'finding_from', type: 'date' });
    const to = h('input', { name: 'finding_to', type: 'date' });
    const basis = h('input', { name: 'finding_basis', type: 'text' });
    const affiliated = select('finding_affiliated', [['false', '不存在关联关系'], ['true', '存在关联关系']], 'false');
    const factPart = h('div', { class: 'part fact' }, field('更正事实的日志序号', leaf, '先通过登记接口写入更正的事实（如作废、股权变更），再填写其日志序号'));
    const findingPart = h('div', { class: 'part finding' }, field('认定', affiliated), field('企业 A', a), field('企业 B', b),
      field('起始日期', from), field('截止日期', to, '可空'), field('依据', basis));
    const msg = h('div', { class: 'msg', 'aria-live': 'polite' });
    const form = h('form', { class: 'card answer', id: 'answer-' + o.id },
      h('h2', {}, '答复异议 ', h('code', {}, o.id), '（申报 ', h('code', {}, o.claim), '）'),
      field('答复方式', kind), factPart, findingPart, field('答复意见', note, '必填：驳回理由或认定说明'),
      h('button', { type: 'submit', class: 'primary', name: 'answer_submit' }, '记录答复'), msg);
    function show() {
      factPart.hidden = kind.value !== 'fact_corrected';
      findingPart.hidden = kind.value !== 'affiliation_finding';
    }
    kind.addEventListener('change', show);
    show();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clear(msg);
      if (!note.value.trim()) return msg.appendChild(errorBox({ code: 'MISSING_FIELD', message: '请填写答复意见' }));
      const body = { answer: kind.value, note: note.value.trim() };
      if (kind.value === 'fact_corrected') body.fact_log_index = Number(leaf.value);
      if (kind.value === 'affiliation_finding') {
        body.finding = { a: a.value.trim(), b: b.value.trim(), from: from.value, to: to.value || null, basis: basis.value.trim(), affiliated: affiliated.value === 'true' };
      }
      try {
        await api('POST', '/v1/objections/' + encodeURIComponent(o.id) + '/answer', body);
        await route();
      } catch (err) { clear(msg).appendChild(errorBox(err)); }
    });
    return form;
  }

  // ---------------------------------------------------------------- recovery (追回)

  async function recoveriesView(box) {
    const reviewer = me.role === 'reviewer' || me.role === 'admin';
    append(box, [h('h1', {}, '追回')]);
    const due = await all('/v1/recoveries?status=due');
    box.appendChild(h('h2', {}, '应追回'));
    if (!due.length) box.appendChild(h('p', { class: 'muted', id: 'no-recovery-due' }, '没有应追回的款项'));
    else {
      box.appendChild(table(['申报', '企业', '条款', '年度', '已核准（元）', '已追回（元）', '现有事实支持（元）', '应追回（元）'], due.map((d) =>
        tr(h('a', { href: '#/claim/' + encodeURIComponent(d.claim), class: 'claim-link' }, d.claim), h('code', {}, d.claimant),
          RULE_NAMES[d.rule] || d.rule, d.year, money(d.approved_fen), money(d.recovered_fen), money(d.supported_fen),
          h('strong', { class: 'due' }, fenToYuan(d.due_fen))))));
    }
    if (reviewer) {
      const claim = h('input', { name: 'recovery_claim', type: 'text', value: due.length ? due[0].claim : '' });
      const amount = h('input', { name: 'recovery_yuan', type: 'text', inputmode: 'decimal', value: due.length ? fenToYuan(due[0].due_fen) : '' });
      const date = h('input', { name: 'recovery_date', type: 'date' });
      const reference = h('input', { name: 'recovery_reference', type: 'text' });
      const note = h('input', { name: 'recovery_note', type: 'text' });
      box.appendChild(formWith('recovery-form', '登记追回', [field('申报编号', claim), field('追回金额（元）', amount), field('到账日期', date),
        field('收款凭证号', reference), field('说明', note)], '登记', async (out) => {
        const fen = yuanToFen(amount.value);
        if (fen === null) return out.appendChild(errorBox({ code: 'BAD_AMOUNT', message: '请输入元为单位、最多两位小数的金额' }));
        const body = '{"claim":' + JSON.stringify(claim.value.trim()) + ',"amount_fen":' + fen.toString() + ',"date":' + JSON.stringify(date.value) +
          ',"reference":' + JSON.stringify(reference.value.trim()) + ',"note":' + JSON.stringify(note.value) + '}';
        await api('POST', '/v1/recoveries', body);
        await route();
      }));
    }
    const recorded = await all('/v1/recoveries?status=recorded');
    box.appendChild(h('h2', {}, '已追回'));
    box.appendChild(table(['编号', '申报', '企业', '金额（元）', '到账日期', '收款凭证号', '说明'], recorded.map((r) =>
      tr(String(r.id), h('a', { href: '#/claim/' + encodeURIComponent(r.claim) }, r.claim), h('code', {}, r.claimant), money(r.amount_fen), r.date, r.reference, r.note || '—'))));
  }

  function decisionForm(claim) {
    const amount = h('input', { name: 'approve_yuan', type: 'text', inputmode: 'decimal', autocomplete: 'off', value: claim.eligible ? fenToYuan(claim.award_fen) : '' });
    const note = h('textarea', { name: 'note', rows: '3' });
    const msg = h('div', { class: 'msg', 'aria-live': 'polite' });
    const form = h('form', { class: 'card decision no-print', id: 'decision' },
      h('h2', {}, '审核结论'),
      field('核准金额（元）', amount, '不超过测算奖励 ' + fenToYuan(claim.award_fen) + ' 元；最多两位小数'),
      field('审核意见', note, '驳回时必填'),
      h('div', { class: 'buttons' },
        h('button', { type: 'submit', name: 'approve', class: 'primary', value: 'approve' }, '核准'),
        h('button', { type: 'button', name: 'reject', class: 'danger', onclick: () => prepare('reject') }, '驳回')),
      msg);
    form.addEventListener('submit', (ev) => { ev.preventDefault(); prepare('approve'); });

    function prepare(kind) {
      clear(msg);
      let body; let summary;
      if (kind === 'approve') {
        if (!claim.eligible) return msg.appendChild(errorBox({ code: 'NOT_ELIGIBLE', message: '只有符合条件的申报才能核准' }));
        const fen = yuanToFen(amount.value);
        if (fen === null) return msg.appendChild(errorBox({ code: 'BAD_AMOUNT', message: '请输入元为单位、最多两位小数的金额，如 1,017,000.00' }));
        if (fen > BigInt(claim.award_fen)) return msg.appendChild(errorBox({ code: 'ABOVE_AWARD', message: '核准金额不得超过 ' + fenToYuan(claim.award_fen) + ' 元' }));
        body = '{"approve_fen":' + fen.toString() + ',"note":' + JSON.stringify(note.value) + '}';
        summary = ['核准 ', h('strong', { id: 'confirm-amount' }, fenToYuan(fen)), ' 元'];
      } else {
        if (!note.value.trim()) return msg.appendChild(errorBox({ code: 'MISSING_FIELD', message: '驳回须填写审核意见' }));
        body = { reject: true, note: note.value };
        summary = [h('strong', {}, '驳回')];
      }
      const confirm = h('div', { class: 'confirm', id: 'confirm', role: 'group', 'aria-label': '确认审核结论' },
        h('p', {}, '将记录：申报 ', h('code', {}, claim.id), '，', summary, '；审核意见：', h('span', { class: 'quote' }, note.value || '（无）')),
        h('p', { class: 'muted' }, '结论一经记录即写入透明日志，不可更改。'),
        h('button', { type: 'button', id: 'confirm-yes', class: kind === 'approve' ? 'primary' : 'danger', onclick: send }, '确认记录'),
        h('button', { type: 'button', id: 'confirm-no', onclick: () => { clear(msg); amount.focus(); } }, '返回修改'));
      msg.appendChild(confirm);
      confirm.querySelector('#confirm-yes').focus();
      async function send() {
        try {
          await api('POST', '/v1/claims/' + encodeURIComponent(claim.id) + '/decision', body);
          await route();
        } catch (e) {
          clear(msg).appendChild(errorBox(e));
        }
      }
    }
    return form;
  }

  async function auditBlock(id) {
    const box = h('section', { class: 'audit no-print', id: 'audit' }, h('h2', {}, '操作记录'));
    try {
      const items = await all('/v1/audit?subject=' + encodeURIComponent(id), 5);
      box.appendChild(table(['时间', '操作人', '操作', '详情'], items.map((a) =>
        tr(when(a.at), auditActor(a), auditAction(a.action),
          h('code', { class: 'detail' }, typeof a.detail === 'string' ? a.detail : JSON.stringify(a.detail))))));
    } catch (e) { box.appendChild(errorBox(e)); }
    return box;
  }

  // ---------------------------------------------------------------- reviewer: payout list

  function csvCell(v) {
    let s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;  // a spreadsheet must not read a cell as a formula
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  async function payoutView(box) {
    const year = h('input', { name: 'year', type: 'number', min: '1900', max: '9999', value: String(new Date().getFullYear() - 1) });
    const rule = select('rule', [['', '全部条款'], ...Object.entries(RULE_NAMES)], '');
    const out = h('div', { id: 'payout-results' });
    const form = h('form', { class: 'filters' }, field('年度', year), field('条款', rule),
      h('button', { type: 'submit' }, '生成拨付清单'));
    append(box, [h('h1', {}, '拨付清单'), h('p', {}, '已作出结论的申报，按年度与条款汇总；导出为 CSV（UTF-8）。'), form, out]);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clear(out);
      try {
        const decided = [];
        for (const status of ['approved', 'rejected']) decided.push(...await all('/v1/claims?status=' + status + '&year=' + encodeURIComponent(year.value)));
        const items = decided.filter((c) => !rule.value || c.rule === rule.value).sort((a, b) => (a.rule + a.id).localeCompare(b.rule + b.id));
        const header = ['申报编号', '统一社会信用代码', '企业名称', '条款', '组别', '年度', '结论', '核准金额（元）', '审核意见', '审核人', '审核时间（北京时间）'];
        const lines = [header.map(csvCell).join(',')];
        const rows = [];
        let total = 0n;
        for (const c of items) {
          const n = await enterpriseName(c.claimant);
          const d = c.decision || {};
          const approved = d.outcome === 'approved' ? BigInt(d.approve_fen) : 0n;
          total += approved;
          const cells = [c.id, c.claimant, n || '', RULE_NAMES[c.rule] || c.rule, GROUP_NAMES[c.group] || '', c.year,
            STATUS_NAMES[c.status] || c.status, fenToYuan(approved), d.note || '', d.reviewer || '', when(d.decided_at)];
          lines.push(cells.map(csvCell).join(','));
          rows.push(tr(...cells.slice(0, 8)));
        }
        out.appendChild(h('p', { class: 'totals' }, '共 ' + items.length + ' 件，核准合计 ', h('strong', {}, fenToYuan(total)), ' 元'));
        out.appendChild(table(header.slice(0, 8), rows));
        const csv = '\ufeff' + lines.join('\r\n') + '\r\n';
        out.appendChild(h('button', { type: 'button', id: 'payout-csv', onclick: () => download('拨付清单-' + year.value + '.csv', new Blob([csv], { type: 'text/csv;charset=utf-8' })) }, '下载 CSV'));
      } catch (e) { out.appendChild(errorBox(e)); }
    });
  }

  // ---------------------------------------------------------------- enterprise

  async function purchasesView(box) {
    const year = h('input', { name: 'year', type: 'number', min: '1900', max: '9999' });
    const invoice = h('input', { name: 'invoice', type: 'text', spellcheck: 'false' });
    const out = h('div', { id: 'purchase-results' });
    const form = h('form', { class: 'filters' }, field('年度', year), field('发票号码', invoice, '按发票号码精确查找'),
      h('button', { type: 'submit' }, '查询'));
    append(box, [h('h1', {}, '我的发票'), form, out]);
    const cursors = [null];
    async function load(i) {
      clear(out);
      const p = new URLSearchParams({ limit: '50' });
      if (invoice.value.trim()) p.set('invoice', invoice.value.trim());
      else if (year.value) p.set('year', year.value);
      if (cursors[i]) p.set('after', cursors[i]);
      try {
        const page = await api('GET', '/v1/purchases?' + p);
        out.appendChild(table(['发票号码', '行', '开票日期', '销售方', '产品', '金额（元）', '税额（元）', '冲销'], page.items.map((x) =>
          tr(h('code', {}, x.invoice), x.line, x.date, h('code', {}, x.seller), x.product, money(x.amount_fen), money(x.tax_fen),
            x.reverses ? x.reverses.invoice + ' #' + x.reverses.line : ''))));
        if (page.next) cursors[i + 1] = page.next;
        out.appendChild(h('div', { class: 'pager' },
          h('button', { type: 'button', disabled: i === 0, onclick: () => load(i - 1) }, '上一页'),
          h('span', {}, '第 ' + (i + 1) + ' 页'),
          h('button', { type: 'button', disabled: !page.next, onclick: () => load(i + 1) }, '下一页')));
      } catch (e) { out.appendChild(errorBox(e)); }
    }
    form.addEventListener('submit', (ev) => { ev.preventDefault(); cursors.length = 1; load(0); });
    await load(0);
  }

  function reportBlock(r) {
    const skipped = {};
    for (const s of r.skipped || []) skipped[s.code] = (skipped[s.code] || 0) + 1;
    return h('div', { class: 'report', id: 'import-report' },
      h('h2', {}, '导入结果'),
      h('p', {}, '已导入 ', h('strong', { id: 'imported' }, String(r.imported)), ' 行；拒绝 ',
        h('strong', { id: 'rejected' }, String(r.rejected)), ' 行；跳过 ', String((r.skipped || []).length), ' 行'),
      Object.keys(skipped).length ? h('ul', {}, Object.entries(skipped).map(([code, n]) =>
        h('li', {}, '跳过 ' + n + ' 行：', REASONS[code] || ERRORS[code] || code, ' ', h('code', {}, code)))) : null,
      (r.errors || []).length ? table(['行号', '字段', '原因', '代码'], r.errors.map((e) =>
        tr(e.line, e.field, errorText(e.code, e.message), h('code', {}, e.code)))) : null);
  }

  async function uploadView(box) {
    const file = h('input', { name: 'export', type: 'file', accept: '.xlsx,.csv,.jsonl', required: true });
    const out = h('div', {});
    const form = h('form', { class: 'card', id: 'upload' },
      field('发票导出文件（全量发票查询导出结果，.csv 或 .xlsx）', file),
      h('button', { type: 'submit', class: 'primary' }, '上传并导入'), out);
    append(box, [h('h1', {}, '上传发票导出'),
      h('p', {}, '从电子发票服务平台“全量发票查询”导出本企业取得的发票后上传。购买方须为本企业；作废发票自动跳过。'), form]);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clear(out);
      if (!file.files.length) return out.appendChild(errorBox({ code: 'INPUT', message: '请选择文件' }));
      try {
        const bytes = await readFile(file.files[0], false);
        out.appendChild(reportBlock(await api('POST', '/v1/imports/purchases', bytes)));
      } catch (e) { out.appendChild(errorBox(e)); }
    });
  }

  async function fileView(box) {
    const rule = select('rule', Object.entries(RULE_NAMES), 'linkage');
    const year = h('input', { name: 'year', type: 'number', min: '1900', max: '9999', value: String(new Date().getFullYear() - 1) });
    const group = select('group', Object.entries(GROUP_NAMES), 'chip_module');
    let tapeouts = [];
    try { tapeouts = await all('/v1/tapeouts', 2); } catch (e) { tapeouts = []; }
    const tapeout = select('tapeout', tapeouts.map((t) => [t.id, t.id + ' · ' + t.product + ' · ' + t.date]), '');
    const dataset = h('input', { name: 'dataset', type: 'text', autocomplete: 'off' });
    const eventId = h('input', { name: 'event', type: 'text', autocomplete: 'off' });
    const rows = { year: field('年度', year), group: field('组别', group), tapeout: field('流片记录', tapeout),
      dataset: field('数据集编号', dataset), event: field('活动编号', eventId) };
    const linkageFields = h('div', {}, Object.values(rows));
    const tapeoutFields = h('div', { hidden: true });
    function show() {
      for (const [k, row] of Object.entries(rows)) row.hidden = !RULE_FIELDS[rule.value].includes(k);
    }
    show();
    const out = h('div', { id: 'preview' });
    const form = h('form', { class: 'card', id: 'file-claim' }, field('条款', rule), linkageFields, tapeoutFields,
      h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary', id: 'do-preview' }, '预览测算')), out);
    rule.addEventListener('change', show);
    append(box, [h('h1', {}, '申报预览与提交'), h('p', {}, '先预览测算结果（不会记录），确认后再正式提交。'), form]);

    function body() {
      const b = { rule: rule.value };
      const want = RULE_FIELDS[rule.value];
      if (want.includes('year')) b.year = Number.parseInt(year.value, 10);
      if (want.includes('group')) b.group = group.value;
      if (want.includes('tapeout')) b.tapeout = tapeout.value;
      if (want.includes('dataset')) b.dataset = dataset.value.trim();
      if (want.includes('event')) b.event = eventId.value.trim();
      return b;
    }
    async function fileIt(b) {
      try {
        const c = await api('POST', '/v1/claims', b);
        location.hash = '#/claim/' + encodeURIComponent(c.id);
      } catch (e) { out.appendChild(errorBox(e)); }
    }
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clear(out);
      const b = body();
      if (b.year !== undefined && !(b.year >= 1900 && b.year <= 9999)) return out.appendChild(errorBox({ code: 'INPUT', message: '请填写年度' }));
      try {
        const ev2 = await api('POST', '/v1/claims/preview', b);
        out.appendChild(h('h2', {}, '预览结果（尚未提交）'));
        out.appendChild(evaluationBlock(ev2.evaluation || ev2, null));
        out.appendChild(h('button', { type: 'button', class: 'primary', id: 'do-file', onclick: () => fileIt(b) }, '按此提交申报'));
      } catch (e) {
        if (e.status === 405 || (e.status === 404 && e.code === 'NOT_FOUND')) {
          // A service without the preview endpoint: file directly.
          out.appendChild(notice('info', '本服务暂不支持预览，可直接提交申报。'));
          out.appendChild(h('button', { type: 'button', class: 'primary', id: 'do-file', onclick: () => fileIt(b) }, '直接提交申报'));
        } else {
          out.appendChild(errorBox(e));
        }
      }
    });
  }

  // The other clauses' facts, one form per kind; the enterprise fields default to the
  // signed-in enterprise (the API refuses facts about another one).
  async function factsView(box) {
    // An enterprise records its own facts; the bureau's records are the admin's.
    const kinds = Object.entries(CLAUSE_FACTS).filter(([, v]) => (v[2] === 'admin') === (me.role === 'admin'));
    const first = kinds.some(([k]) => k === 'compute-contracts') ? 'compute-contracts' : kinds[0][0];
    const kind = select('kind', kinds.map(([k, v]) => [k, v[0]]), first);
    const fields = h('div', { id: 'fact-fields' });
    const out = h('div', { id: 'fact-result' });
    let controls = [];
    function draw() {
      clear(fields);
      controls = CLAUSE_FACTS[kind.value][1].map(([name, label, type, ...options]) => {
        let c;
        if (Array.isArray(type)) c = select(name, [type, ...options], type[0]);
        else c = h('input', { name, type: type === 'date' || type === 'optdate' ? 'date' : 'text', autocomplete: 'off',
          inputmode: type === 'yuan' ? 'decimal' : type === 'int' ? 'numeric' : undefined,
          value: type === 'me' ? (me.enterprise || '') : type === 'yuan' ? '0.00' : '' });
        fields.appendChild(field(label, c));
        return [name, type, c];
      });
    }
    kind.addEventListener('change', draw);
    draw();
    const form = h('form', { class: 'card', id: 'clause-fact' }, field('事实类别', kind), fields,
      h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary', id: 'do-fact' }, '登记')), out);
    append(box, [h('h1', {}, '登记条款事实'), h('p', {}, '第二、四、六、七、八、十六条所需的事实，登记后记入透明日志。'), form]);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clear(out);
      const body = {};
      try {
        for (const [name, type, c] of controls) {
          if (type === 'yuan') {
            const fen = yuanToFen(c.value);
            if (fen === null) throw { code: 'INPUT', message: '金额格式有误（' + name + '）' };
            body[name] = Number(fen);
          }
          else if (type === 'int') body[name] = Number.parseInt(c.value, 10);
          else if (type === 'optdate') body[name] = c.value.trim() === '' ? null : c.value.trim();
          else if (name === 'in_district') body[name] = c.value === 'true';
          else body[name] = c.value.trim();
        }
      } catch (e) { return out.appendChild(errorBox(e)); }
      try {
        await api('POST', '/v1/' + kind.value, body);
        out.appendChild(notice('ok', '已登记：', CLAUSE_FACTS[kind.value][0]));
      } catch (e) { out.appendChild(errorBox(e)); }
    });
  }

  async function myClaimsView(box) {
    const items = await all('/v1/claims');
    append(box, [h('h1', {}, '我的申报'), table(['申报编号', '条款', '年度', '状态', '测算奖励（元）', '核准金额（元）', '提交时间'], items.map((c) =>
      tr(h('a', { href: '#/claim/' + encodeURIComponent(c.id), class: 'claim-link' }, c.id), RULE_NAMES[c.rule] || c.rule, c.year,
        STATUS_NAMES[c.status] || c.status, money(c.award_fen),
        c.decision && c.decision.outcome === 'approved' ? money(c.decision.approve_fen) : '—', when(c.created_at))))]);
  }

  // ---------------------------------------------------------------- 免申即享

  // The series an entitlement names besides its rule: a group, tape-out, dataset or event.
  function subjectText(e) {
    if (e.group) return GROUP_NAMES[e.group] || e.group;
    return e.tapeout || e.dataset || e.event || '—';
  }
  function missingList(e) {
    if (!e.missing || !e.missing.length) return '—';
    return h('ul', { class: 'missing' }, e.missing.map((m) => h('li', {}, m)));
  }
  function yearForm(id, onLoad) {
    const year = h('input', { name: 'year', type: 'number', min: '1900', max: '9999', inputmode: 'numeric',
      value: sessionStorage.getItem('chipreg.entitlement_year') || String(new Date().getFullYear() - 1) });
    const form = h('form', { class: 'filters', id }, field('年度', year), h('button', { type: 'submit' }, '查询'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      sessionStorage.setItem('chipreg.entitlement_year', year.value);
      onLoad(year.value);
    });
    return [form, year];
  }

  // An enterprise's entitlements: what its facts qualify for, what is missing, and 申报.
  async function entitlementsView(box) {
    const results = h('div', { id: 'entitlement-results' });
    const [form, year] = yearForm('entitlement-filters', load);
    append(box, [h('h1', {}, '应享政策（免申即享）'),
      h('p', { class: 'muted' }, '根据已登记的发票、流片等事实，系统测算贵单位已符合或尚未符合的扶持政策。'), form, results]);
    async function load(y) {
      clear(results).appendChild(h('p', { class: 'muted' }, '加载中…'));
      let items;
      try {
        items = await all('/v1/entitlements?year=' + encodeURIComponent(y) + '&eligible=all');
      } catch (e) {
        clear(results).appendChild(errorBox(e));
        return;
      }
      clear(results);
      if (!items.length) { results.appendChild(notice('info', '该年度暂无测算结果')); return; }
      const rows = items.map((e) => {
        const cell = h('td', {});
        if (e.claimed) {
          cell.appendChild(e.claim ? h('a', { href: '#/claim/' + encodeURIComponent(e.claim), class: 'claim-link' }, '已申报 ' + e.claim) : h('span', {}, '已申报'));
        } else if (e.eligible && e.award_fen > 0) {
          const button = h('button', { type: 'button', class: 'file-entitlement' }, '申报');
          button.addEventListener('click', async () => {
            button.disabled = true;
            const body = { year: e.year, rule: e.rule };
            for (const k of ['group', 'tapeout', 'dataset', 'event']) if (e[k]) body[k] = e[k];
            try {
              const c = await api('POST', '/v1/entitlements/file', body);
              location.hash = '#/claim/' + encodeURIComponent(c.id);
            } catch (err) {
              button.disabled = false;
              cell.appendChild(errorBox(err));
            }
          });
          cell.appendChild(button);
        } else {
          cell.appendChild(h('span', { class: 'muted' }, '暂不符合'));
        }
        return tr(RULE_NAMES[e.rule] || e.rule, subjectText(e), e.eligible ? '是' : '否', money(e.award_fen), missingList(e), cell);
      });
      results.appendChild(table(['条款', '类别或项目', '符合条件', '可申报奖励（元）', '尚缺条件', '操作'], rows));
    }
    await load(year.value);
  }

  // The reviewer's list: enterprises owed money that have not claimed.
  async function owedView(box) {
    const results = h('div', { id: 'owed-results' });
    const [form, year] = yearForm('owed-filters', load);
    append(box, [h('h1', {}, '应享未申报企业'), form, results]);
    async function load(y) {
      clear(results).appendChild(h('p', { class: 'muted' }, '加载中…'));
      let items;
      try {
        items = await all('/v1/entitlements?year=' + encodeURIComponent(y) + '&claimed=false');
      } catch (e) {
        clear(results).appendChild(errorBox(e));
        return;
      }
      let total = 0n;
      const rows = [];
      for (const e of items) {
        total += BigInt(e.award_fen);
        const name = await enterpriseName(e.enterprise);
        rows.push(tr(h('span', {}, name || '', ' ', h('code', {}, e.enterprise)), RULE_NAMES[e.rule] || e.rule, subjectText(e),
          money(e.award_fen), missingList(e)));
      }
      clear(results);
      results.appendChild(h('p', { class: 'totals', id: 'owed-totals' },
        '共 ', h('strong', {}, String(items.length)), ' 项；应享奖励合计 ', h('strong', {}, fenToYuan(total)), ' 元'));
      results.appendChild(table(['企业', '条款', '类别或项目', '应享奖励（元）', '尚缺条件'], rows));
    }
    await load(year.value);
  }

  // ---------------------------------------------------------------- 通知

  const NOTIFICATION_KINDS = {
    entitlement: '新的应享政策',
    decision: '审核结果',
    objection_filed: '异议已提交',
    objection_answered: '异议已答复',
    claim_stale: '申报需重新测算',
    recovery: '追回登记',
  };
  const OUTCOME_NAMES = {
    approved: '核准',
    rejected: '驳回'
  };

  // One line of what an event says, from its payload (the enterprise's own facts).
  function notificationText(n) {
    const p = n.payload || {};
    const claim =
        p.claim ? h('a', {href: '#/claim/' + encodeURIComponent(p.claim), class: 'claim-link'}, p.claim) : null;
    switch (n.kind) {
      case 'entitlement':
        return [p.year + ' 年度 ', RULE_NAMES[p.rule] || p.rule, '：可申报 ', money(p.award_fen), ' 元'];
      case 'decision':
        return [
          '申报 ', claim, ' ', OUTCOME_NAMES[p.outcome] || p.outcome,
          p.outcome === 'approved' ? ['，核准 ', money(p.approve_fen), ' 元'] : null,
          p.note ? '（' + p.note + '）' : null
        ];
      case 'objection_filed':
        return [
          '对申报 ', claim, ' 的异议 ', p.objection, ' 已提交', p.deadline ? '（异议期至 ' + p.deadline + '）' : null
        ];
      case 'objection_answered':
        return [
          '异议 ', p.objection, '：', ANSWER_NAMES[p.answer] || p.answer, '，奖励 ', money(p.award_before_fen), ' → ',
          money(p.award_after_fen), ' 元', p.note ? '（' + p.note + '）' : null
        ];
      case 'claim_stale':
        return ['申报 ', claim, ' 所依据的事实已变化，待重新测算'];
      case 'recovery':
        return ['申报 ', claim, ' 追回 ', money(p.amount_fen), ' 元（', p.reference, '）'];
      default:
        return JSON.stringify(p);
    }
  }

  // An enterprise's event feed and its webhook (推送地址).
  async function notificationsView(box) {
    const items = await all('/v1/events');
    items.reverse();  // newest first
    append(box, [
      h('h1', {}, '通知'),
      items.length ? table(
                         ['编号', '时间', '类型', '内容'],
                         items.map(
                             (n) =>
                                 h('tr', {class: 'notification', 'data-kind': n.kind},
                                   [
                                     h('td', {}, String(n.id)), h('td', {}, when(n.created_at)),
                                     h('td', {}, NOTIFICATION_KINDS[n.kind] || n.kind), h('td', {}, notificationText(n))
                                   ])),
                         '本企业的通知') :
                     notice('info', '暂无通知')
    ]);
    if (!me.enterprise) return;
    const hookPath = '/v1/webhooks/' + encodeURIComponent(me.enterprise);
    const status = h('div', {id: 'webhook-status'});
    const url =
        h('input', {name: 'webhook_url', type: 'url', size: '60', placeholder: 'https://hooks.example.com/chipreg'});
    const form =
        h('form', {id: 'webhook-form'},
          field('推送地址（Webhook）', url, '每条通知以 HTTP POST 推送，带 HMAC-SHA256 签名'),
          h('button', {type: 'submit'}, '保存推送地址'));
    const out = h('div', {id: 'webhook-result'});
    append(box, [h('h2', {}, '推送设置'), status, form, out]);
    async function refresh() {
      clear(status);
      let hook = null;
      try {
        hook = await api('GET', hookPath);
      } catch (e) {
        if (e.status !== 404) {
          status.appendChild(errorBox(e));
          return;
        }
      }
      if (!hook) {
        status.appendChild(notice('info', '尚未设置推送地址'));
        return;
      }
      url.value = hook.url;
      const dead = await api('GET', hookPath + '/deliveries?state=dead');
      const del = h('button', {type: 'button', id: 'webhook-delete'}, '删除推送地址');
      del.addEventListener('click', async () => {
        try {
          await api('DELETE', hookPath);
          clear(out);
          await refresh();
        } catch (e) {
          out.appendChild(errorBox(e));
        }
      });
      const parts = [h('p', {}, '当前推送地址：', h('code', {id: 'webhook-url'}, hook.url)), del];
      if (dead.items.length) {
        const again =
            h('button', {type: 'button', id: 'webhook-requeue'}, '重新推送失败的 ' + dead.items.length + ' 条');
        again.addEventListener('click', async () => {
          try {
            await api('POST', hookPath + '/requeue', {});
            await refresh();
          } catch (e) {
            out.appendChild(errorBox(e));
          }
        });
        parts.push(
            h('p', {class: 'notice error'}, '推送失败（已停止重试）：', String(dead.items.length), ' 条 '), again);
      }
      append(status, parts);
    }
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clear(out);
      try {
        const hook = await api('PUT', hookPath, {url: url.value.trim()});
        out.appendChild(
            notice('ok', '已保存。签名密钥只显示这一次，请妥善保存：', h('code', {id: 'webhook-secret'}, hook.secret)));
        await refresh();
      } catch (e) {
        out.appendChild(errorBox(e));
      }
    });
    await refresh();
  }

  // ---------------------------------------------------------------- foundry

  // The trust state of an attestation from its "trusted", "first" and "key_status" (the
  // store's "valid" / "revoked from R (...)").
  function trustText(t) {
    const m = /revoked from (\d{4}-\d{2}-\d{2})/.exec(t.key_status || '');
    if (t.trusted === false) return '不可信（签名密钥自 ' + (m ? m[1] : '?') + ' 起吊销）';
    const base = t.first ? '可信 · 首次流片' : '可信';
    return m ? base + '（密钥于登记后自 ' + m[1] + ' 起吊销）' : base;
  }

  async function tapeoutsView(box) {
    const items = await all('/v1/tapeouts');
    append(box, [h('h1', {}, '流片证明'), table(['编号', '产品', '设计所有方', '流片日期', '类型', '费用（元）', '可信状态', '密钥', '日志序号'], items.map((t) =>
      tr(h('code', {}, t.id), t.product, h('code', {}, t.design_owner), t.date, TAPEOUT_KINDS[t.kind] || t.kind,
        t.cost_fen !== undefined ? money(t.cost_fen) : '', h('span', { class: 'trust' }, trustText(t)),
        h('code', { class: 'keyid' }, (t.keyid || '').slice(0, 12)), t.log_index)))]);
  }

  async function submitView(box) {
    const file = h('input', { name: 'envelope', type: 'file', accept: '.json,application/json', required: true });
    const out = h('div', {});
    const form = h('form', { class: 'card', id: 'submit-envelope' }, field('签名信封文件（DSSE JSON）', file),
      h('button', { type: 'submit', class: 'primary' }, '提交'), out);
    append(box, [h('h1', {}, '提交签名信封'), h('p', {}, '用 chipreg sign 生成的流片声明信封，须由本代工厂已登记的密钥签名。'), form]);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clear(out);
      if (!file.files.length) return out.appendChild(errorBox({ code: 'INPUT', message: '请选择文件' }));
      try {
        const text = await readFile(file.files[0], true);
        const r = await api('POST', '/v1/tapeouts', text);
        out.appendChild(notice('ok', '已接收：编号 ', h('code', { id: 'tapeout-id' }, r.id), r.first ? '（首次流片）' : '（非首次）', '，日志序号 ', String(r.log_index)));
      } catch (e) { out.appendChild(errorBox(e)); }
    });
  }

  // ---------------------------------------------------------------- admin

  async function adminView(box, parts) {
    const views = { enterprises: adminEnterprises, products: adminProducts, keys: adminKeys, tokens: adminTokens };
    const v = views[parts[0]];
    if (!v) return box.appendChild(notice('error', '页面不存在'));
    await v(box);
  }

  function formWith(id, title, fields, submitText, onSubmit) {
    const out = h('div', { class: 'msg' });
    const form = h('form', { class: 'card', id }, h('h2', {}, title), fields, h('button', { type: 'submit', class: 'primary' }, submitText), out);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clear(out);
      try { await onSubmit(out); } catch (e) { out.appendChild(errorBox(e)); }
    });
    return form;
  }

  async function adminEnterprises(box) {
    const items = await all('/v1/enterprises');
    const uscc = h('input', { name: 'uscc', type: 'text', maxlength: '18', required: true, spellcheck: 'false' });
    const name = h('input', { name: 'name', type: 'text', required: true });
    const inDistrict = h('input', { name: 'in_district', type: 'checkbox', checked: true });
    const roles = Object.entries(ENTERPRISE_ROLES).map(([v, t]) => {
      const c = h('input', { type: 'checkbox', name: 'roles', value: v, id: 'role-' + v });
      return h('span', { class: 'check' }, c, h('label', { for: c.id }, t));
    });
    append(box, [h('h1', {}, '企业'),
      table(['统一社会信用代码', '名称', '在本区', '类型'], items.map((e) =>
        tr(h('code', {}, e.uscc), h('span', { class: 'ent-name' }, e.name), e.in_district ? '是' : '否', (e.roles || []).map((r) => ENTERPRISE_ROLES[r] || r).join('、')))),
      formWith('new-enterprise', '登记企业', [field('统一社会信用代码', uscc), field('名称', name), field('在本区注册', inDistrict),
        h('fieldset', {}, h('legend', {}, '企业类型'), roles)], '登记', async () => {
        await api('POST', '/v1/enterprises', {
          uscc: uscc.value.trim(), name: name.value, in_district: inDistrict.checked,
          roles: [...box.querySelectorAll('input[name=roles]:checked')].map((c) => c.value),
        });
        await route();
      })]);
  }

  async function adminProducts(box) {
    const items = await all('/v1/products');
    const id = h('input', { name: 'id', type: 'text', required: true });
    const kind = select('kind', Object.entries(PRODUCT_KINDS), 'chip');
    const owner = h('input', { name: 'owner', type: 'text', maxlength: '18', required: true });
    const self = h('input', { name: 'self_developed', type: 'checkbox', checked: true });
    const market = h('input', { name: 'first_market_date', type: 'date' });
    const focus = h('input', { name: 'focus_area', type: 'text' });
    const model = h('input', { name: 'model', type: 'text' });
    append(box, [h('h1', {}, '产品'),
      table(['编号', '类型', '所有方', '自主研发', '首次上市', '重点方向', '规格型号'], items.map((p) =>
        tr(h('code', {}, p.id), PRODUCT_KINDS[p.kind] || p.kind, h('code', {}, p.owner), p.self_developed ? '是' : '否',
          p.first_market_date || '—', p.focus_area || '', p.model || ''))),
      formWith('new-product', '登记产品', [field('产品编号', id), field('类型', kind), field('所有方（统一社会信用代码）', owner),
        field('自主研发', self), field('首次上市日期', market), field('重点方向', focus), field('规格型号', model)], '登记', async () => {
        const body = { id: id.value.trim(), kind: kind.value, owner: owner.value.trim(), self_developed: self.checked,
          first_market_date: market.value || null, focus_area: focus.value };
        if (model.value.trim()) body.model = model.value.trim();
        await api('POST', '/v1/products', body);
        await route();
      })]);
  }

  async function adminKeys(box) {
    const keys = (await api('GET', '/v1/foundry-keys')).items;
    const foundry = h('input', { name: 'foundry', type: 'text', maxlength: '18', required: true });
    const alg = select('alg', [['ed25519', 'Ed25519'], ['ecdsa-p256', 'ECDSA P-256'], ['sm2', 'SM2']], 'ed25519');
    const pem = h('textarea', { name: 'public_key_pem', rows: '5', required: true, spellcheck: 'false' });
    const from = h('input', { name: 'valid_from', type: 'date', required: true });
    const to = h('input', { name: 'valid_to', type: 'date' });
    const impact = h('div', { id: 'impact' });
    const rows = keys.map((k) => tr(h('code', { class: 'keyid' }, k.keyid), h('code', {}, k.foundry), k.alg, k.valid_from,
      k.valid_to || '—', k.revoked_from ? '自 ' + k.revoked_from + ' 起吊销' : '有效',
      k.revoked_from ? '' : h('button', { type: 'button', class: 'revoke-key', 'data-keyid': k.keyid, onclick: () => revokeStart(k) }, '吊销…')));
    append(box, [h('h1', {}, '代工厂密钥'),
      table(['密钥编号', '代工厂', '算法', '生效', '失效', '状态', '操作'], rows), impact,
      formWith('new-key', '登记密钥', [field('代工厂（统一社会信用代码）', foundry), field('算法', alg), field('公钥（PEM）', pem),
        field('生效日期', from), field('失效日期', to)], '登记', async () => {
        const body = { foundry: foundry.value.trim(), alg: alg.value, public_key_pem: pem.value, valid_from: from.value };
        if (to.value) body.valid_to = to.value;
        await api('POST', '/v1/foundry-keys', body);
        await route();
      })]);

    // Revocation in two steps: the date, then what it affects (computed from the lists:
    // the key's attestations dated on or after it, and the claims on those), then confirm.
    function revokeStart(k) {
      clear(impact);
      const date = h('input', { name: 'revoke_from', type: 'date', required: true, value: new Date().toISOString().slice(0, 10) });
      const out = h('div', {});
      const form = h('form', { class: 'card', id: 'revoke-form' }, h('h2', {}, '吊销密钥 ', h('code', {}, k.keyid.slice(0, 16) + '…')),
        field('吊销起始日期', date), h('button', { type: 'submit', id: 'show-impact' }, '查看影响'), out);
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        clear(out);
        try {
          // The registry's own answer (store::revocation_impact, as the revoke decides it):
          // the attestations that would become untrusted and the claims relying on them.
          const key = encodeURIComponent(k.keyid);
          const p = await api('GET', '/v1/foundry-keys/' + key + '/revocation-impact?from=' + encodeURIComponent(date.value));
          const hit = p.affected.tapeouts;
          const claims = p.affected.claims;
          out.appendChild(h('div', { class: 'impact', id: 'impact-summary' },
            h('p', {}, '自 ' + date.value + '（北京时间）起吊销：将不再可信的流片证明 ', h('strong', { id: 'impact-tapeouts' }, String(hit.length)),
              ' 份（流片日期或登记日期在该日或之后）；依赖这些证明的待审或已核准申报 ', h('strong', { id: 'impact-claims' }, String(claims.length)), ' 件。',
              p.revoked_from ? '（该密钥现自 ' + p.revoked_from + ' 起吊销' + (p.confirm_required ? '，此次提前须确认）' : '）') : ''),
            table(['流片编号'], hit.map((id) => tr(h('code', {}, id)))),
            table(['申报编号', '条款', '依赖的流片证明', '状态'], claims.map((c) =>
              tr(h('a', { href: '#/claim/' + encodeURIComponent(c.id) }, c.id), c.rule === 'tapeout' ? '首次流片（第三条）' : '芯片联动（第十二条）',
                h('code', {}, c.tapeout), STATUS_NAMES[c.status] || c.status))),
            h('button', { type: 'button', class: 'danger', id: 'confirm-revoke', onclick: async () => {
              try {
                await api('POST', '/v1/foundry-keys/' + key + '/revoke', { from: date.value, confirm: p.confirm_required });
                await route();
              } catch (e) { out.appendChild(errorBox(e)); }
            } }, '确认吊销')));
        } catch (e) { out.appendChild(errorBox(e)); }
      });
      impact.appendChild(form);
      date.focus();
    }
  }

  async function adminTokens(box) {
    const items = await all('/v1/tokens');
    const role = select('role', Object.entries(ROLE_NAMES), 'enterprise');
    const enterprise = h('input', { name: 'enterprise', type: 'text', maxlength: '18', spellcheck: 'false' });
    const label = h('input', { name: 'label', type: 'text', required: true });
    const created = h('div', { id: 'new-token' });
    append(box, [h('h1', {}, '令牌'),
      table(['编号', '角色', '企业', '标签', '创建时间', '状态', '操作'], items.map((t) => tr(t.id, ROLE_NAMES[t.role] || t.role,
        t.enterprise ? h('code', {}, t.enterprise) : '—', t.label, when(t.created_at), t.revoked_at ? '已吊销' : '有效',
        t.revoked_at ? '' : h('button', { type: 'button', class: 'revoke-token', onclick: (ev) => {
          const cell = ev.target.parentNode;
          clear(cell).appendChild(h('span', {}, '吊销令牌 ' + t.id + '（' + t.label + '）？ ',
            h('button', { type: 'button', class: 'danger', onclick: async () => {
              try { await api('POST', '/v1/tokens/' + t.id + '/revoke'); await route(); } catch (e) { cell.appendChild(errorBox(e)); }
            } }, '确认吊销')));
        } }, '吊销…')))),
      formWith('new-token-form', '创建令牌', [field('角色', role), field('企业（代工厂或企业令牌必填）', enterprise), field('标签', label)], '创建', async (out) => {
        const body = { role: role.value, label: label.value };
        if (enterprise.value.trim()) body.enterprise = enterprise.value.trim();
        const r = await api('POST', '/v1/tokens', body);
        clear(created).appendChild(notice('ok', '新令牌（只显示这一次，请妥善转交）：', h('code', { id: 'token-secret' }, r.token)));
        out.appendChild(created);
      })]);
  }

  // ---------------------------------------------------------------- boot

  document.addEventListener('DOMContentLoaded', async () => {
    document.body.appendChild(root);
    shell();
    window.addEventListener('hashchange', route);
    if (!token()) { main.appendChild(signInView()); return; }
    try { await start(); } catch (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      me = null;
      shell();
      main.appendChild(signInView(e));
    }
  });
})();
