-- wrk script of bench/http_bench: authenticated, audited reads of Patient/ID, cycling over the
-- ids in $VIGIE_BENCH_IDS (one per line) with the bearer token in $VIGIE_BENCH_TOKEN. Each wrk
-- thread starts at another offset, so that threads do not read the same patients in step.
local thread_count = 0
function setup(thread)
  thread:set("offset", thread_count * 7919)
  thread_count = thread_count + 1
end

local ids = {}
local headers = {}
local next_index = 0

function init()
  for line in io.lines(os.getenv("VIGIE_BENCH_IDS")) do
    ids[#ids + 1] = line
  end
  headers["Authorization"] = "Bearer " .. os.getenv("VIGIE_BENCH_TOKEN")
  next_index = offset % #ids
end

function request()
  next_index = next_index % #ids + 1
  return wrk.format("GET", "/fhir/Patient/" .. ids[next_index], headers)
end
