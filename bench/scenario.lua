-- One scenario of bench/run, for wrk:
--   BENCH_PACE_MS=MS wrk -s bench/scenario.lua URL -- REQUESTS [KEYED]
-- REQUESTS is a file of requests, one per line, tab-separated: method, bearer token,
-- path, and a JSON body (or nothing). Each request sent is a line picked at random, so
-- ids and callers vary as they do in real use; the lines are made by bench/requests.
-- KEYED=1 gives every request a fresh Idempotency-Key. BENCH_PACE_MS > 0 waits that long
-- on average between a response and the next request on a connection, to load the server
-- at a chosen rate rather than flat out (wrk then asks delay() before every request, so
-- it is defined only when pacing).
-- done() appends one JSON object (counts, errors, latency percentiles in microseconds)
-- to the file named by $BENCH_RESULT.

local requests = {}
local keyed = false
local pace_ms = tonumber(os.getenv("BENCH_PACE_MS") or "0") or 0
local sequence = 0
local thread_tag

local function split_tabs(line)
	local fields = {}
	for field in (line .. "\t"):gmatch("([^\t]*)\t") do
		fields[#fields + 1] = field
	end
	return fields
end

function setup(thread)
	-- Keys stay unique across threads and runs: a random tag per thread.
	thread:set("tag", string.format("%d-%d", os.time(), math.random(1, 1e9)))
end

function init(args)
	local file = assert(io.open(args[1], "r"), "cannot read " .. tostring(args[1]))
	for line in file:lines() do
		local f = split_tabs(line)
		local headers = {["Authorization"] = "Bearer " .. f[2]}
		local body = f[4] ~= "" and f[4] or nil
		if body then
			headers["Content-Type"] = "application/json"
		end
		requests[#requests + 1] = {method = f[1], path = f[3], headers = headers, body = body,
			ready = wrk.format(f[1], f[3], headers, body)}
	end
	file:close()
	assert(#requests > 0, "no requests in " .. args[1])
	keyed = args[2] == "1"
	thread_tag = tag
	math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
	local r = requests[math.random(#requests)]
	if not keyed then
		return r.ready
	end
	sequence = sequence + 1
	r.headers["Idempotency-Key"] = "bench-" .. thread_tag .. "-" .. sequence
	return wrk.format(r.method, r.path, r.headers, r.body)
end

-- wrk waits whole milliseconds: a mean of, say, 1.3 ms is 1 or 2 ms in the right mix.
if pace_ms > 0 then
	function delay()
		local whole = math.floor(pace_ms)
		if math.random() < pace_ms - whole then
			return whole + 1
		end
		return whole
	end
end

function done(summary, latency, _)
	local out = assert(io.open(os.getenv("BENCH_RESULT"), "a"))
	local e = summary.errors
	out:write(string.format(
		'{"requests":%d,"duration_us":%d,"errors_connect":%d,"errors_read":%d,' ..
		'"errors_write":%d,"errors_status":%d,"errors_timeout":%d,"latency_mean_us":%.1f,' ..
		'"latency_p50_us":%d,"latency_p90_us":%d,"latency_p99_us":%d,"latency_max_us":%d}\n',
		summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
		latency.mean, latency:percentile(50), latency:percentile(90),
		latency:percentile(99), latency.max))
	out:close()
end
