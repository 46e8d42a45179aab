-- wrk script: cycles through pre-built Track/Identify requests, one per line of a file made by
-- bench/ingest.py ("METHOD<TAB>PATH<TAB>CONTENT-TYPE<TAB>BODY"), so every request is valid and
-- the payloads vary. Optional second argument: a mean delay in milliseconds that each connection
-- waits between its requests, exponentially distributed (Poisson arrivals); the caller sets it to
-- connections / target rate.
-- done() prints one JSON line (latencies in microseconds) for the caller to parse.

local requests = {}
local index = 0

function init(args)
   for line in io.lines(args[1]) do
      local method, path, ctype, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      if ctype ~= "" then headers["Content-Type"] = ctype end
      if body == "" then body = nil end
      requests[#requests + 1] = wrk.format(method, path, headers, body)
   end
   index = math.random(#requests)
   if args[2] then
      local mean_delay_ms = tonumber(args[2])
      -- wrk truncates to whole milliseconds: +0.5 keeps the mean right. Defined only when asked
      -- for, since wrk delays every request once a delay() exists.
      delay = function()
         return -math.log(1 - math.random()) * mean_delay_ms + 0.5
      end
   end
end

function request()
   index = index % #requests + 1
   return requests[index]
end

function done(summary, latency)
   local e = summary.errors
   io.write(string.format(
      '{"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, ' ..
      '"p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d, "mean": %.1f}\n',
      summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.max, latency.mean))
end
