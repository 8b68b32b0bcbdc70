-- wrk script for bench/autosave.py: PUT /api/v1/entretiens/{id}/notes/{key} (save_entretien_note).
-- Each wrk thread writes to its own entretien; each request in flight holds its own note key, and
-- sends the version the last response gave for that key, so honest runs see no conflicts.
-- Arguments (after --): token, entretien ids (comma-separated), note keys (comma-separated).

local threads = {}
local count = 0

function setup(thread)
  count = count + 1
  thread:set("index", count)
  table.insert(threads, thread)
end

function init(args)
  local ids = {}
  for id in string.gmatch(args[2], "[^,]+") do table.insert(ids, id) end
  entretien = ids[((index - 1) % #ids) + 1]
  free, version = {}, {}
  for key in string.gmatch(args[3], "[^,]+") do
    table.insert(free, key)
    version[key] = 0
  end
  headers = {["Authorization"] = "Bearer " .. args[1], ["Content-Type"] = "application/json"}
  saves, conflicts, failures, sent = 0, 0, 0, 0
end

function request()
  -- One request in flight per connection: with more keys than connections one is always free.
  local key = table.remove(free, 1) or "free"
  sent = sent + 1
  local body = string.format(
    '{"text": "Notes de la question %s, saisie %d : le bénéficiaire évoque son parcours.", "base_version": %d}',
    key, sent, version[key])
  return wrk.format("PUT", "/api/v1/entretiens/" .. entretien .. "/notes/" .. key, headers, body)
end

function response(status, headers, body)
  local key = string.match(body, '"key": *"([^"]+)"')
  local v = tonumber(string.match(body, '"version": *(%d+)'))
  if status == 200 then saves = saves + 1
  elseif status == 409 then conflicts = conflicts + 1
  else failures = failures + 1 end
  if key and v then
    version[key] = v
    table.insert(free, key)
  end
end

function done(summary, latency, requests)
  local s, c, f = 0, 0, 0
  for _, t in ipairs(threads) do
    s = s + t:get("saves")
    c = c + t:get("conflicts")
    f = f + t:get("failures")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "saves": %d, "conflicts": %d, "failures": %d, ' ..
    '"socket_errors": %d, "p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, s, c, f, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max))
end
