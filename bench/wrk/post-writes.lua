-- wrk script: durable writes, POST /api/posts with an 800-1024-byte body and a Bearer token taken
-- in turn from a file of session tokens (one per line; scripts/bench logs seeded users in and
-- writes it). For the write-only plan when JMeter on one core, not the app, would be the limit.
--
--   BENCH_TOKENS=tokens.txt wrk -t1 -c64 -d20s -s bench/wrk/post-writes.lua http://127.0.0.1:8080
--
-- Counts non-2xx answers and prints the same LADDER_WRK line as zipf-posts.lua.

local tokens = {}
local bodies = {}
local counters = {}
local next_request = 0

function setup(thread)
  table.insert(counters, thread)
end

local function text(length)
  local words = { "ladder", "rung", "climb", "scale", "post", "read", "write", "cache", "durable", "commit" }
  local parts, size = {}, 0
  while size < length do
    local word = words[math.random(#words)]
    parts[#parts + 1] = word
    size = size + #word + 1
  end
  return table.concat(parts, " "):sub(1, length)
end

function init(args)
  local path = os.getenv("BENCH_TOKENS")
  if path == nil or path == "" then
    error("BENCH_TOKENS must name a file of session tokens")
  end
  for line in io.lines(path) do
    local token = line:match("^%s*(%S+)%s*$")
    if token then
      tokens[#tokens + 1] = token
    end
  end
  if #tokens == 0 then
    error("no tokens in " .. path)
  end
  math.randomseed(os.time() % 100000)
  -- Bodies are made once: building a 1 KB string per request would make wrk, not the app, the limit.
  for i = 1, 64 do
    bodies[i] = '{"body":"' .. text(800 + math.random(0, 224)) .. '"}'
  end
  non_2xx = 0
end

function request()
  next_request = next_request + 1
  local token = tokens[(next_request % #tokens) + 1]
  local body = bodies[(next_request % #bodies) + 1]
  return wrk.format("POST", "/api/posts", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }, body)
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
  io.write(string.format("LADDER_WRK {\"requests\":%d,\"seconds\":%.3f,\"rps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"non2xx\":%d,\"socket_errors\":%d}\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
