-- wrk: the figures a partner reads, in turn: the 2019 key figures with one
-- buyer's filter (live, not the rollups) and a breakdown by month.
local token = os.getenv("TOKEN")
local paths = {
  "/api/v1/stats/key-figures?year=2019&buyer_id=00010000-0000-4000-8000-000000000007",
  "/api/v1/stats/breakdown?year=2019&by=month",
}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[n % #paths + 1], { ["Authorization"] = "Bearer " .. token })
end
