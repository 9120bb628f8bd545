-- wrk: GET /api/v1/placements/{id} on a random one of the 100,000
-- placements (ids as bench/generate.py makes them).
local token = os.getenv("TOKEN")
math.randomseed(os.time())
request = function()
  local path = string.format("/api/v1/placements/00040000-0000-4000-8000-%012x", math.random(0, 99999))
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end
