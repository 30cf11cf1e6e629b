-- Modes (TR_BENCH_MODE): bare (the ceiling app), read (one patient), cohort (patients by
-- stored flag), lab (one lab-result POST), status (one patient's status), status-evaluated
-- (as of TR_BENCH_EVALUATED_AS_OF), mixed; the lean
-- probe's (bench/probe_compare.py): probe-read, probe-lab (ids.probe_patients).
-- Mixed EHR workload: 70 % reads (patient, lab list, status), 30 % writes (lab result,
-- assessment, infusion). Ids come from ids.lua, written by bench/load.py.
local ids = dofile(os.getenv("TR_BENCH_IDS"))
local token = os.getenv("TR_BENCH_TOKEN")
local mode = os.getenv("TR_BENCH_MODE") or "mixed"

function setup(thread)
  thread:set("seed", math.random(1, 1e9))
end

function init(args)
  math.randomseed(seed)
end

local function pick(list) return list[math.random(#list)] end

local function minute_stamp()
  return string.format("2026-11-%02dT%02d:%02d:00Z", math.random(1, 24), math.random(0, 23),
    math.random(0, 59))
end

local function get(path)
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end

local function post(path, body)
  return wrk.format("POST", path, {["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json"}, body)
end

local function lab_body()
  return string.format('{"test":"crp","value":%.2f,"unit":"mg/L","collected_at":"%s"}',
    math.random() * 20, minute_stamp())
end

function request()
  if mode == "bare" then return wrk.format("GET", "/ping") end
  if mode == "read" then return get("/v1/patients/" .. pick(ids.patients)) end
  if mode == "lab" then
    return post("/v1/patients/" .. pick(ids.patients) .. "/lab-results", lab_body())
  end
  if mode == "status" then return get("/v1/patients/" .. pick(ids.patients) .. "/status") end
  if mode == "status-evaluated" then  -- as of another day: no kept document, the rules run
    return get("/v1/patients/" .. pick(ids.patients) .. "/status?as_of="
      .. os.getenv("TR_BENCH_EVALUATED_AS_OF"))
  end
  if mode == "probe-read" then return get("/patients/" .. pick(ids.probe_patients)) end
  if mode == "probe-lab" then
    return post("/patients/" .. pick(ids.probe_patients) .. "/lab-results", lab_body())
  end
  if mode == "cohort" then
    return get("/v1/patients?flag=" .. pick({"refractory", "steroid_dependent", "remission"})
      .. "&flag_status=" .. pick({"met", "not_met", "insufficient_data"}) .. "&limit=50")
  end
  local r = math.random(100)
  local patient = pick(ids.patients)
  if r <= 30 then return get("/v1/patients/" .. patient) end
  if r <= 50 then return get("/v1/patients/" .. patient .. "/lab-results?limit=50") end
  if r <= 70 then return get("/v1/patients/" .. patient .. "/status") end
  if r <= 85 then return post("/v1/patients/" .. patient .. "/lab-results", lab_body()) end
  if r <= 95 then
    return post("/v1/patients/" .. patient .. "/assessments", string.format(
      '{"assessed_at":"%s","tender_joints_28":%d,"swollen_joints_28":%d,"patient_global":%d}',
      minute_stamp(), math.random(0, 28), math.random(0, 28), math.random(0, 100)))
  end
  return post("/v1/regimens/" .. pick(ids.iv_regimens) .. "/infusions", string.format(
    '{"administered_at":"%s","dose_mg":%d,"weight_kg":62,"status":"completed"}',
    minute_stamp(), math.random(450, 520)))
end

function done(summary, latency, requests)
  local parts = {}
  for _, p in ipairs({50, 95, 99}) do
    table.insert(parts, string.format('"p%d": %.3f', p, latency:percentile(p) / 1000))
  end
  io.write(string.format('RESULT {"requests": %d, "seconds": %.3f, "errors": %d, %s}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout + summary.errors.status, table.concat(parts, ", ")))
end
