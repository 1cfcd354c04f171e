-- wrk load script for chipreg (driven by scripts/load-test): a mix of reads, claim
-- re-evaluations and purchase writes, each write with an invoice number unique to the run,
-- thread and request. Counts responses per status and keeps the invoice number of every
-- 201 (only purchases answer 201 here), so the driver can check each acknowledged write is
-- in the database afterwards.
--
-- Environment (set by scripts/load-test):
--   LT_RUN        run prefix for invoice numbers      LT_CLAIM   id of a filed claim
--   LT_READER     token of the claimant (reads, re-evaluations)
--   LT_WRITER     token of the buying enterprise      LT_BUYER, LT_SELLER, LT_PRODUCT
--   LT_MIX        percentages "claim_get,healthz,evaluate,purchase" (default 40,20,10,30)
--   LT_OUT        file the summary JSON is written to
--   LT_ACKED      file the acknowledged invoice numbers are written to, one a line

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local run, claim, reader, writer = os.getenv("LT_RUN"), os.getenv("LT_CLAIM"), os.getenv("LT_READER"), os.getenv("LT_WRITER")
local buyer, seller, product = os.getenv("LT_BUYER"), os.getenv("LT_SELLER"), os.getenv("LT_PRODUCT")
local mix = {}
for n in string.gmatch(os.getenv("LT_MIX") or "40,20,10,30", "%d+") do table.insert(mix, tonumber(n)) end
local cut1, cut2, cut3 = mix[1], mix[1] + mix[2], mix[1] + mix[2] + mix[3]

function init(args)
  seq = 0
  statuses = {}
  acked = {}
  math.randomseed(tid * 7919)
end

local function json_headers(token)
  return {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end

function request()
  local r = math.random(100)
  if r <= cut1 then
    return wrk.format("GET", "/v1/claims/" .. claim, {["Authorization"] = "Bearer " .. reader})
  elseif r <= cut2 then
    return wrk.format("GET", "/healthz")
  elseif r <= cut3 then
    return wrk.format("POST", "/v1/claims/" .. claim .. "/evaluate", json_headers(reader), "{}")
  end
  seq = seq + 1
  local invoice = string.format("%s%02d%010d", run, tid, seq)
  local body = string.format(
    '{"invoice":"%s","line":1,"date":"2025-06-01","buyer":"%s","seller":"%s","product":"%s",' ..
    '"amount_fen":100000,"tax_fen":13000,"reverses":null}', invoice, buyer, seller, product)
  return wrk.format("POST", "/v1/purchases", json_headers(writer), body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 then acked[#acked + 1] = string.match(body, '"invoice": *"([^"]*)"') or "?" end
end

function done(summary, latency, requests)
  local by_status, all_acked, fivexx = {}, {}, 0
  for _, t in ipairs(threads) do
    for _, inv in ipairs(t:get("acked")) do all_acked[#all_acked + 1] = inv end
    for code, n in pairs(t:get("statuses")) do
      by_status[code] = (by_status[code] or 0) + n
      if code >= 500 then fivexx = fivexx + n end
    end
  end
  local parts = {}
  for code, n in pairs(by_status) do table.insert(parts, string.format('"%d": %d', code, n)) end
  local e = summary.errors
  local out = string.format(
    '{"requests": %d, "duration_s": %.2f, "rps": %.1f, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, ' ..
    '"max_ms": %.3f, "statuses": {%s}, "5xx": %d, "acked_purchases": %d, "socket_errors": ' ..
    '{"connect": %d, "read": %d, "write": %d, "timeout": %d}}',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, table.concat(parts, ", "), fivexx, #all_acked,
    e.connect, e.read, e.write, e.timeout)
  print(out)
  local path = os.getenv("LT_OUT")
  if path then
    local f = io.open(path, "w")
    f:write(out, "\n")
    f:close()
  end
  path = os.getenv("LT_ACKED")
  if path then
    local f = io.open(path, "w")
    f:write(table.concat(all_acked, "\n"), "\n")
    f:close()
  end
end
