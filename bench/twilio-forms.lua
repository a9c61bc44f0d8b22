-- wrk script: POSTs pre-signed Twilio forms, a different one (different MessageSid) per request.
-- Args (after --): <file> <first line> <count>. Each line of the file: "<signature>\t<urlencoded body>".
-- Counts 2xx and non-2xx responses and prints one "BENCH {json}" line when done.
local sigs, bodies, n, i = {}, {}, 0, 0
ok, non2xx = 0, 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local file, first, count = args[1], tonumber(args[2]), tonumber(args[3])
  local line_no = 0
  for line in io.lines(file) do
    line_no = line_no + 1
    if line_no >= first then
      if n >= count then break end
      local tab = line:find("\t", 1, true)
      n = n + 1
      sigs[n] = line:sub(1, tab - 1)
      bodies[n] = line:sub(tab + 1)
    end
  end
  distinct = n
end

function request()
  i = i + 1
  generated = i
  local k = (i - 1) % n + 1
  return wrk.format("POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded", ["X-Twilio-Signature"] = sigs[k] }, bodies[k])
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local t = threads[1]
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"ok":%d,"non2xx":%d,"generated":%d,"distinct":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, t:get("ok"), t:get("non2xx"), t:get("generated") or 0, t:get("distinct") or 0,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout))
end
