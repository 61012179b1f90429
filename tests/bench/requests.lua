-- wrk script of `make bench-http`: replays a file of prepared requests in a loop and reports
-- one machine-readable line.
--
-- BENCH_REQUESTS names a file with one request per line, fields separated by tabs:
--   METHOD <tab> PATH <tab> BEARER TOKEN (or empty) <tab> JSON BODY (or empty)
-- In a body, "{n}" becomes a value unique to this wrk run (BENCH_RUN), thread and request, so
-- creates can send a fresh numero every time. Lines without "{n}" are formatted once, up front.
--
-- wrk counts only status >= 400 as errors; response() counts everything outside 2xx. Each wrk
-- thread has its own Lua state, so done() sums the per-thread counters through thread:get().

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  non2xx = 0
  first_bad = ""
  local run = os.getenv("BENCH_RUN") or "run"
  prefix = run .. "-" .. tostring(tid) .. "-"
  counter = 0
  reqs = {}
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {}
    if token ~= "" then headers["Authorization"] = "Bearer " .. token end
    if body == "" then
      body = nil
    else
      headers["Content-Type"] = "application/json"
    end
    if body and body:find("{n}", 1, true) then
      table.insert(reqs, { method = method, path = path, headers = headers, body = body })
    else
      table.insert(reqs, wrk.format(method, path, headers, body))
    end
  end
  nreqs = #reqs
  -- Threads start at different places of the list, so they do not send the same request together.
  -- (setup() ran in another Lua state: the thread count comes from the environment.)
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  index = math.floor((tid - 1) * nreqs / nthreads) % nreqs
end

function request()
  index = index % nreqs + 1
  local r = reqs[index]
  if type(r) == "string" then return r end
  counter = counter + 1
  local body = r.body:gsub("{n}", prefix .. counter)
  return wrk.format(r.method, r.path, r.headers, body)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_bad == "" then first_bad = tostring(status) end
  end
end

function done(summary, latency, requests)
  local bad, first = 0, ""
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non2xx") or 0)
    if first == "" then first = t:get("first_bad") or "" end
  end
  local e = summary.errors
  io.write(string.format(
    "wrk-result: requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "mean_us=%.0f non2xx=%d connect=%d read=%d write=%d timeout=%d first_non2xx=%s\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, bad, e.connect, e.read, e.write, e.timeout,
    first == "" and "-" or first))
end
