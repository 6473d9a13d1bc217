-- wrk script of `make bench`: one POST body per request from the template in BENCH_BODY, where
-- {n} is the request counter (every request distinct), {key} the counter modulo BENCH_KEYS (that many
-- distinct requests, over and over) and {run} BENCH_RUN (distinct per measured run, so one run never
-- hits what an earlier one cached). Stops after BENCH_MAX requests if the time runs out later.
-- done() prints one line, "BENCH_RESULT {json}": requests, duration, latency percentiles (microseconds)
-- and errors, where wrk counts every answer with a status of 400 or more in errors.status.
local template = os.getenv("BENCH_BODY")
local keys = tonumber(os.getenv("BENCH_KEYS") or "0")
local run = os.getenv("BENCH_RUN") or "0"
local max = tonumber(os.getenv("BENCH_MAX") or "0")
local headers = {["Content-Type"] = "application/json"}
local n = 0

request = function()
  n = n + 1
  if max > 0 and n > max then
    wrk.thread:stop()
  end
  local key = keys > 0 and (n % keys) or n
  local body = template:gsub("{n}", tostring(n)):gsub("{key}", tostring(key)):gsub("{run}", run)
  return wrk.format("POST", nil, headers, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d,'
    .. ' "max_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
