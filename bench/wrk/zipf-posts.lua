-- wrk script: GET /api/posts/{id} with the id drawn by Zipf rank from a file of hot post ids
-- (one per line, hottest first; `ladder seed --ids-out` writes it). The light-weight generator
-- for the ratio to the bare-Jetty baseline, which answers any path with the same bytes.
--
--   BENCH_IDS=hot-ids.txt BENCH_ZIPF=1.0 BENCH_HOT=10000 \
--     wrk -t1 -c64 -d20s -s bench/wrk/zipf-posts.lua http://127.0.0.1:8080
--
-- Settings come from the environment: BENCH_IDS (file; without it every request reads
-- /api/posts/1, which the baseline answers and the service 404s), BENCH_ZIPF (exponent,
-- default 1.0), BENCH_HOT (how many ids to use at most, default 10000), BENCH_SEED.
-- It also counts non-2xx answers per thread and prints them at the end, so a run that measured
-- errors instead of reads says so.

local ids = {}
local cdf = {}
local counters = {}

local function load_ids(path, limit)
  local list = {}
  if path == nil or path == "" then
    return list
  end
  local file = io.open(path, "r")
  if file == nil then
    error("cannot open BENCH_IDS file " .. path)
  end
  for line in file:lines() do
    if #list >= limit then
      break
    end
    local id = line:match("^%s*(%d+)%s*$")
    if id then
      list[#list + 1] = id
    end
  end
  file:close()
  return list
end

local function zipf_table(n, exponent)
  local table_ = {}
  local sum = 0
  for k = 1, n do
    sum = sum + 1 / (k ^ exponent)
    table_[k] = sum
  end
  for k = 1, n do
    table_[k] = table_[k] / sum
  end
  table_[n] = 1.0
  return table_
end

-- The smallest rank whose cumulative share reaches u (binary search, about 14 steps for 10,000).
local function rank(u)
  local low, high = 1, #cdf
  while low < high do
    local middle = math.floor((low + high) / 2)
    if cdf[middle] < u then
      low = middle + 1
    else
      high = middle
    end
  end
  return low
end

function setup(thread)
  table.insert(counters, thread)
end

function init(args)
  local limit = tonumber(os.getenv("BENCH_HOT") or "10000")
  local exponent = tonumber(os.getenv("BENCH_ZIPF") or "1.0")
  ids = load_ids(os.getenv("BENCH_IDS"), limit)
  if #ids == 0 then
    ids = { "1" }
  end
  cdf = zipf_table(#ids, exponent)
  math.randomseed(tonumber(os.getenv("BENCH_SEED") or "1") + (wrk.thread and 0 or 0) + os.time() % 1000)
  non_2xx = 0
end

function request()
  return wrk.format("GET", "/api/posts/" .. ids[rank(math.random())], { ["Accept"] = "application/json" })
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(counters) do
    bad = bad + (thread:get("non_2xx") or 0)
  end
  -- One machine-readable line for scripts/bench.
  io.write(string.format("LADDER_WRK {\"requests\":%d,\"seconds\":%.3f,\"rps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"non2xx\":%d,\"socket_errors\":%d}\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
