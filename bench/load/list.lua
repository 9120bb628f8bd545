-- wrk: the first page of GET /api/v1/placements.
local token = os.getenv("TOKEN")
request = function()
  return wrk.format("GET", "/api/v1/placements?limit=50", { ["Authorization"] = "Bearer " .. token })
end
