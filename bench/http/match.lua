-- wrk script: single-hash POST /v1/match, rotating through the query list.
local token = os.getenv("VIGIE_TOKEN")
local queries = {}
for line in io.lines(os.getenv("QUERIES")) do
  queries[#queries + 1] = line
end
local counter = 0
request = function()
  counter = counter + 1
  local hash = queries[(counter % #queries) + 1]
  local body = '{"queries":[{"type":"pdq","value":"' .. hash .. '"}]}'
  return wrk.format("POST", "/v1/match", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
response = function(status, headers, body)
  if status ~= 200 then
    print("unexpected status " .. status .. ": " .. body)
    wrk.thread:stop()
  end
end
