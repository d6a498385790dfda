-- The mixed load of scripts/soak, for wrk with one connection per thread (wrk -tN -cN), so
-- that each response answers the request made just before it. Each thread walks referrals
-- through their life, one request at a time, with random reads in between:
--   a partner refers someone (with an Idempotency-Key, then replays it), the supervisor
--   reads, accepts, matches and assigns it to the thread's own specialist, patches the
--   participant with If-Match (then again with the stale ETag: 412), the specialist sets
--   a goal, patches it, patches their own profile, records progress, writes a note,
--   patches it, signs it with If-Match (a PATCH after that is 409), adds an addendum, the
--   supervisor co-signs (with a stale If-Match first: 412, then the addendum's ETag) and
--   completes the referral (the specialist then gets 404), and a walk-in is
--   recorded; plus a 422, a 401 (a token signed with another key) and a 403.
-- The reads: lists (following next_cursor now and then) and single records of
-- organizations (with If-None-Match: 304), specialists, certifications, participants,
-- referrals, goals, progress, session notes, reports, audit events and an export,
-- /metrics, and bad ones (404, 400).
-- Every answer is counted by status; one the script did not expect is counted and a few
-- are kept. done() prints the counts and writes them to $SOAK_SUMMARY.
--
-- Environment (scripts/soak sets it): SOAK_ADMIN, SOAK_SUPERVISOR, SOAK_PARTNER,
-- SOAK_REPORTER, SOAK_SEED_SPECIALIST, SOAK_FORGED (tokens) and SOAK_SPECIALISTS
-- ("id=token id=token ...", one specialist of the provider per thread).

local PROVIDER = "11111111-1111-4111-8111-111111111111"
local WA_PROVIDER = "33333333-3333-4333-8333-333333333333"
local SEED = {
	certification = "55555555-5555-4555-8555-555555555501",
	participant = "77777777-7777-4777-8777-777777777702",
	referral = "88888888-8888-4888-8888-888888888801",
	goal = "99999999-9999-4999-8999-999999999901",
	progress = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaa01",
}
local NOBODY = "00000000-0000-4000-8000-000000000000"

-- Main state: one entry per thread, for done().
local threads = {}

function setup(thread)
	table.insert(threads, thread)
	thread:set("index", #threads)
end

-- Thread state.
local tokens = {}
local me = {}           -- this thread's specialist: id, token
local ctx = {}          -- the referral being walked through
local last = {}         -- ids of the previous walk, for reads
local cursors = {}      -- next_cursor of a list, by label
local step = 1
local reads_left = 0
local pending
local organization_etag
counts = {}             -- status -> n (read back by done())
labels = {}             -- "label status" -> n
unexpected = {}         -- "label status" -> n, when the status was not expected
samples = {}            -- a few unexpected answers
walks = 0               -- referrals walked to the end

function init(args)
	tokens.admin = os.getenv("SOAK_ADMIN")
	tokens.supervisor = os.getenv("SOAK_SUPERVISOR")
	tokens.partner = os.getenv("SOAK_PARTNER")
	tokens.reporter = os.getenv("SOAK_REPORTER")
	tokens.seed_specialist = os.getenv("SOAK_SEED_SPECIALIST")
	tokens.forged = os.getenv("SOAK_FORGED")
	local i = 0
	for id, token in string.gmatch(os.getenv("SOAK_SPECIALISTS") or "", "([%x-]+)=(%S+)") do
		i = i + 1
		if i == index then
			me.id, me.token = id, token
		end
	end
	assert(me.id, "SOAK_SPECIALISTS has no specialist for thread " .. tostring(index))
	math.randomseed(os.time() * 100 + index)
end

local function yesterday()
	return os.date("!%Y-%m-%d", os.time() - 86400)
end

-- The walk's note is of a session just held: it may not predate the referral the walk
-- submitted moments before (sql/020).
local function just_now()
	return os.date("!%Y-%m-%dT%H:%M:%SZ", os.time())
end

-- A request: method, path, token, body (a JSON text), the statuses expected, and for a
-- step of the walk what to keep from the answer.
local function req(label, method, path, token, body, expect, keep)
	return {label = label, method = method, path = path, token = token, body = body,
		expect = expect or {[200] = true}, keep = keep, headers = {}}
end

local function with_header(r, name, value)
	r.headers[name] = value
	return r
end

local function field(body, name)
	return string.match(body, '"' .. name .. '":"([^"]*)"')
end

local function header(headers, name)
	for key, value in pairs(headers) do
		if string.lower(key) == name then
			return value
		end
	end
end

local function referral_body()
	return string.format('{"provider_organization_id":"%s","service_type":"peer",'
		.. '"participant":{"given_name":"Riley","family_name":"Soak%d","county":"Multnomah",'
		.. '"preferred_language":"en"},"reason":"Soak: discharged, wants a peer.",'
		.. '"needs":["social","occupational"],"urgency":"routine","substance_use":%s,'
		.. '"consent":{"obtained":true,"part2":%s}}',
		PROVIDER, index, ctx.substance and "true" or "false",
		ctx.substance and "true" or "false")
end

local function patch(label, path, token, etag, body, expect)
	local r = req(label, "PATCH", path, token, body, expect)
	r.headers["Content-Type"] = "application/merge-patch+json"
	if etag then
		r.headers["If-Match"] = etag
	end
	return r
end

-- The walk, one function per step; each returns the request to send.
local WALK = {
	function()
		ctx = {key = string.format("soak-%d-%d-%d", index, os.time(), math.random(1e9)),
		       substance = math.random(2) == 1}
		ctx.body = referral_body()
		return with_header(req("POST /v1/referrals (partner)", "POST", "/v1/referrals",
			tokens.partner, ctx.body, {[201] = true},
			function(_, body) ctx.referral = field(body, "id") end),
			"Idempotency-Key", ctx.key)
	end,
	function()
		return with_header(req("POST /v1/referrals (replay)", "POST", "/v1/referrals",
			tokens.partner, ctx.body, {[201] = true}), "Idempotency-Key", ctx.key)
	end,
	function()
		return req("GET /v1/referrals/{id}", "GET", "/v1/referrals/" .. ctx.referral,
			tokens.supervisor, nil, nil,
			function(_, body) ctx.participant = field(body, "participant_id") end)
	end,
	function()
		return req("POST transitions accepted", "POST",
			"/v1/referrals/" .. ctx.referral .. "/transitions", tokens.supervisor,
			'{"to":"accepted"}')
	end,
	function()
		return req("GET /v1/referrals/{id}/matches", "GET",
			"/v1/referrals/" .. ctx.referral .. "/matches", tokens.supervisor)
	end,
	function()
		return req("POST assignment", "POST", "/v1/referrals/" .. ctx.referral .. "/assignment",
			tokens.supervisor, string.format('{"specialist_id":"%s"}', me.id))
	end,
	function()
		return req("GET /v1/participants/{id} (specialist)", "GET",
			"/v1/participants/" .. ctx.participant, me.token, nil, nil,
			function(headers) ctx.etag = header(headers, "etag") end)
	end,
	function()
		return patch("PATCH /v1/participants/{id} If-Match", "/v1/participants/" .. ctx.participant,
			tokens.supervisor, ctx.etag,
			string.format('{"preferred_name":"R%d","phone":"503-555-01%02d"}', index,
				math.random(0, 99)))
	end,
	function()
		return patch("PATCH /v1/participants/{id} stale If-Match",
			"/v1/participants/" .. ctx.participant, tokens.supervisor, ctx.etag,
			'{"preferred_name":"Stale"}', {[412] = true})
	end,
	function()
		return req("POST /v1/participants/{id}/goals", "POST",
			"/v1/participants/" .. ctx.participant .. "/goals", me.token,
			'{"domain":"social","statement":"Call one friend a week.","strengths":["kind"],'
			.. '"steps":[{"text":"Make a list","done":false}]}', {[201] = true},
			function(_, body)
				ctx.goal = field(body, "id")
				ctx.goal_version = string.match(body, '"version":(%d+)')
			end)
	end,
	function()
		return patch("PATCH /v1/goals/{id} If-Match", "/v1/goals/" .. ctx.goal, me.token,
			'"' .. ctx.goal_version .. '"',
			'{"strengths":["kind","patient"],"steps":[{"text":"Make a list","done":true}]}')
	end,
	function()
		return req("GET /v1/specialists/me", "GET", "/v1/specialists/me", me.token, nil, nil,
			function(headers) ctx.me_etag = header(headers, "etag") end)
	end,
	function()
		return patch("PATCH /v1/specialists/me If-Match", "/v1/specialists/me", me.token,
			ctx.me_etag, string.format('{"bio":"Soak walk %d.","languages":["en","es"]}',
				walks))
	end,
	function()
		return req("POST /v1/goals/{id}/progress", "POST", "/v1/goals/" .. ctx.goal .. "/progress",
			me.token, string.format('{"recorded_on":"%s","rating":%d,"note":"Called a friend."}',
				yesterday(), math.random(0, 10)), {[201] = true})
	end,
	function()
		return req("POST /v1/session-notes", "POST", "/v1/session-notes", me.token,
			string.format('{"participant_id":"%s","occurred_at":"%s","duration_minutes":%d,'
				.. '"modality":"in_person","location":"Community center","goal_ids":["%s"],'
				.. '"summary":"Talked about the week.","response":"Engaged.",'
				.. '"plan":"Meet again Tuesday."}', ctx.participant, just_now(),
				math.random(10, 90), ctx.goal), {[201] = true},
			function(_, body)
				ctx.note = field(body, "id")
				ctx.note_version = string.match(body, '"version":(%d+)')
			end)
	end,
	function()
		local r = patch("PATCH /v1/session-notes/{id} If-Match", "/v1/session-notes/" .. ctx.note,
			me.token, '"' .. ctx.note_version .. '"', '{"plan":"Meet again Thursday."}')
		r.keep = function(headers) ctx.note_etag = header(headers, "etag") end
		return r
	end,
	function()
		-- Signing and co-signing attest to the version read: If-Match is required.
		return with_header(req("POST /v1/session-notes/{id}/sign", "POST",
			"/v1/session-notes/" .. ctx.note .. "/sign", me.token), "If-Match", ctx.note_etag)
	end,
	function()
		return patch("PATCH /v1/session-notes/{id} signed", "/v1/session-notes/" .. ctx.note,
			me.token, nil, '{"plan":"Too late."}', {[409] = true})
	end,
	function()
		return req("POST /v1/session-notes/{id}/addenda", "POST",
			"/v1/session-notes/" .. ctx.note .. "/addenda", me.token,
			'{"text":"Forgot: starts a job Monday."}', {[201] = true},
			function(headers) ctx.note_etag = header(headers, "etag") end)
	end,
	function()
		return with_header(req("POST /v1/session-notes/{id}/cosign stale If-Match", "POST",
			"/v1/session-notes/" .. ctx.note .. "/cosign", tokens.supervisor, nil,
			{[412] = true}), "If-Match", '"1"')
	end,
	function()
		return with_header(req("POST /v1/session-notes/{id}/cosign", "POST",
			"/v1/session-notes/" .. ctx.note .. "/cosign", tokens.supervisor),
			"If-Match", ctx.note_etag)
	end,
	function()
		return req("POST transitions completed", "POST",
			"/v1/referrals/" .. ctx.referral .. "/transitions", tokens.supervisor,
			'{"to":"completed"}')
	end,
	function()
		return req("GET /v1/participants/{id} after the end", "GET",
			"/v1/participants/" .. ctx.participant, me.token, nil, {[404] = true})
	end,
	function()
		return req("POST /v1/participants", "POST", "/v1/participants", tokens.supervisor,
			string.format('{"given_name":"Jordan","family_name":"Walkin%d","county":"Clackamas"}',
				index), {[201] = true})
	end,
	function()
		return req("POST /v1/participants invalid", "POST", "/v1/participants", tokens.supervisor,
			'{"given_name":"","birth_date":"1990-02-30","county":7}', {[422] = true})
	end,
	function()
		return req("GET /v1/referrals forged token", "GET", "/v1/referrals", tokens.forged, nil,
			{[401] = true})
	end,
	function()
		return req("GET /v1/participants (partner)", "GET", "/v1/participants", tokens.partner,
			nil, {[403] = true})
	end,
}

-- A list: follows the next_cursor its last page gave, one time in two.
local function list(label, path, token)
	local r = req(label, "GET", path, token)
	local cursor = cursors[label]
	if cursor and math.random(2) == 1 then
		r.path = path .. (string.find(path, "?", 1, true) and "&" or "?") .. "cursor=" .. cursor
	end
	r.keep_cursor = true
	return r
end

local READS = {
	function() return list("list organizations", "/v1/organizations?limit=2", tokens.admin) end,
	function()
		local r = req("GET /v1/organizations/{id} If-None-Match", "GET",
			"/v1/organizations/" .. PROVIDER, tokens.supervisor, nil,
			{[200] = true, [304] = true},
			function(headers) organization_etag = header(headers, "etag") end)
		if organization_etag then
			r.headers["If-None-Match"] = organization_etag
		end
		return r
	end,
	function() return list("list specialists", "/v1/specialists?limit=3", tokens.supervisor) end,
	function() return list("list specialists ?language", "/v1/specialists?language=es&county=multnomah",
		tokens.supervisor) end,
	function() return req("GET /v1/specialists/{id}", "GET", "/v1/specialists/" .. me.id,
		tokens.supervisor) end,
	function() return req("GET /v1/specialists/me", "GET", "/v1/specialists/me",
		tokens.seed_specialist) end,
	function() return list("list certifications", "/v1/certifications?expiring_within_days=400",
		tokens.supervisor) end,
	function() return req("GET /v1/certifications/{id}", "GET",
		"/v1/certifications/" .. SEED.certification, tokens.supervisor) end,
	function() return list("list participants", "/v1/participants?limit=20", tokens.supervisor) end,
	function() return list("list participants ?q", "/v1/participants?q=soak&limit=5",
		tokens.supervisor) end,
	function() return list("list participants (specialist)", "/v1/participants", me.token) end,
	function() return req("GET /v1/participants/{id} (seed specialist)", "GET",
		"/v1/participants/" .. SEED.participant, tokens.seed_specialist) end,
	function() return list("list referrals", "/v1/referrals?limit=20", tokens.supervisor) end,
	function() return list("list referrals ?status", "/v1/referrals?status=completed&limit=10",
		tokens.supervisor) end,
	function() return list("list referrals (partner)", "/v1/referrals?limit=10", tokens.partner) end,
	function() return req("GET /v1/referrals/{id} (partner)", "GET",
		"/v1/referrals/" .. (last.referral or SEED.referral), tokens.partner) end,
	function() return list("history", "/v1/referrals/" .. (last.referral or SEED.referral)
		.. "/history", tokens.partner) end,
	function() return list("list goals", "/v1/participants/" .. SEED.participant .. "/goals",
		tokens.seed_specialist) end,
	function() return req("GET /v1/goals/{id}", "GET", "/v1/goals/" .. (last.goal or SEED.goal),
		tokens.supervisor) end,
	function() return list("list progress", "/v1/goals/" .. SEED.goal .. "/progress",
		tokens.supervisor) end,
	function() return req("GET /v1/goals/{id}/progress/{id}", "GET",
		"/v1/goals/" .. SEED.goal .. "/progress/" .. SEED.progress, tokens.seed_specialist) end,
	function() return list("list session notes", "/v1/session-notes?limit=20", tokens.supervisor) end,
	function() return list("list session notes ?cosigned", "/v1/session-notes?cosigned=false&limit=10",
		tokens.supervisor) end,
	function() return list("list session notes (specialist)", "/v1/session-notes?limit=10",
		me.token) end,
	function()
		if not last.note then
			return req("GET /healthz", "GET", "/healthz")
		end
		return req("GET /v1/session-notes/{id}", "GET", "/v1/session-notes/" .. last.note,
			tokens.supervisor)
	end,
	function() return req("report summary", "GET", "/v1/reports/summary", tokens.reporter) end,
	function() return req("report caseloads", "GET", "/v1/reports/caseloads", tokens.supervisor) end,
	function() return req("report certifications", "GET",
		"/v1/reports/certifications?expiring_within_days=90", tokens.reporter) end,
	function() return list("list audit events", "/v1/audit-events?limit=20", tokens.admin) end,
	-- Every connection exports the same organization, which streams two at once (429 past).
	function() return req("export (small organization)", "GET",
		"/v1/exports/session-notes?organization_id=" .. WA_PROVIDER, tokens.admin, nil,
		{[200] = true, [429] = true}) end,
	function() return req("GET /metrics", "GET", "/metrics") end,
	function() return req("GET /readyz", "GET", "/readyz") end,
	function() return req("GET /v1/referrals/{id} unknown", "GET", "/v1/referrals/" .. NOBODY,
		tokens.supervisor, nil, {[404] = true}) end,
	function() return req("GET /v1/goals/{id} malformed", "GET", "/v1/goals/not-a-uuid",
		tokens.supervisor, nil, {[404] = true}) end,
	function() return req("GET no such route", "GET", "/v1/nowhere", tokens.supervisor, nil,
		{[404] = true}) end,
	function() return req("list participants ?unknown", "GET", "/v1/participants?countee=x",
		tokens.supervisor, nil, {[400] = true}) end,
}

local function count(table_, key)
	table_[key] = (table_[key] or 0) + 1
end

function request()
	if reads_left > 0 then
		reads_left = reads_left - 1
		pending = READS[math.random(#READS)]()
	else
		pending = WALK[step]()
		pending.walk = true
	end
	local headers = pending.headers
	if pending.token then
		headers["Authorization"] = "Bearer " .. pending.token
	end
	if pending.body and not headers["Content-Type"] then
		headers["Content-Type"] = "application/json"
	end
	return wrk.format(pending.method, pending.path, headers, pending.body)
end

function response(status, headers, body)
	local r = pending
	if not r then
		return
	end
	pending = nil
	count(counts, status)
	count(labels, r.label .. " " .. status)
	if not r.expect[status] then
		count(unexpected, r.label .. " " .. status)
		if #samples < 5 then
			table.insert(samples, string.format("%s %s -> %d %s", r.method, r.path, status,
				string.sub(body or "", 1, 300)))
		end
		if r.walk then
			step = 1 -- start a new referral
		end
		return
	end
	if r.keep_cursor then
		cursors[r.label] = status == 200 and field(body, "next_cursor") or nil
	end
	if r.keep then
		r.keep(headers, body)
	end
	if r.walk then
		step = step + 1
		if step > #WALK then
			step = 1
			walks = walks + 1
			last = {referral = ctx.referral, goal = ctx.goal, note = ctx.note}
		end
		reads_left = math.random(0, 4)
	end
end

local function merge(into, from)
	for key, n in pairs(from or {}) do
		into[key] = (into[key] or 0) + n
	end
end

local function sorted_keys(t)
	local keys = {}
	for key in pairs(t) do
		table.insert(keys, key)
	end
	table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
	return keys
end

function done(summary, latency, requests)
	local all = {counts = {}, labels = {}, unexpected = {}, samples = {}, walks = 0}
	for _, thread in ipairs(threads) do
		merge(all.counts, thread:get("counts"))
		merge(all.labels, thread:get("labels"))
		merge(all.unexpected, thread:get("unexpected"))
		all.walks = all.walks + (thread:get("walks") or 0)
		for _, sample in ipairs(thread:get("samples") or {}) do
			table.insert(all.samples, sample)
		end
	end
	local classes, answered, unexpected_total = {}, 0, 0
	for status, n in pairs(all.counts) do
		local class = math.floor(status / 100) .. "xx"
		classes[class] = (classes[class] or 0) + n
		answered = answered + n
	end
	for _, n in pairs(all.unexpected) do
		unexpected_total = unexpected_total + n
	end
	local errors = summary.errors
	local lines = {
		string.format("requests %d", answered),
		string.format("walks %d", all.walks),
		string.format("unexpected %d", unexpected_total),
		string.format("socket_errors %d", errors.connect + errors.read + errors.write + errors.timeout),
		string.format("timeouts %d", errors.timeout),
		string.format("p50_ms %.1f", latency:percentile(50) / 1000),
		string.format("p99_ms %.1f", latency:percentile(99) / 1000),
	}
	for _, class in ipairs({"1xx", "2xx", "3xx", "4xx", "5xx"}) do
		table.insert(lines, string.format("class_%s %d", class, classes[class] or 0))
	end
	for _, status in ipairs(sorted_keys(all.counts)) do
		table.insert(lines, string.format("status_%d %d", status, all.counts[status]))
	end
	local path = os.getenv("SOAK_SUMMARY")
	if path then
		local file = assert(io.open(path, "w"))
		file:write(table.concat(lines, "\n"), "\n")
		file:close()
	end
	io.write(string.format("\n%d answers in %.0f s (%.0f/s), %d referrals walked to the end; "
		.. "latency p50 %.1f ms, p99 %.1f ms\n", answered, summary.duration / 1e6,
		answered / (summary.duration / 1e6), all.walks, latency:percentile(50) / 1000,
		latency:percentile(99) / 1000))
	io.write("answers by request and status:\n")
	for _, key in ipairs(sorted_keys(all.labels)) do
		io.write(string.format("  %8d  %s\n", all.labels[key], key))
	end
	if unexpected_total > 0 then
		io.write("NOT EXPECTED:\n")
		for _, key in ipairs(sorted_keys(all.unexpected)) do
			io.write(string.format("  %8d  %s\n", all.unexpected[key], key))
		end
		for _, sample in ipairs(all.samples) do
			io.write("  e.g. ", sample, "\n")
		end
	end
end
