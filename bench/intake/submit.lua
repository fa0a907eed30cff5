-- wrk script: POST /v1/submissions with a different submission each time (distinct URLs and
-- references, so every request opens a case), cycling through removal orders, referrals,
-- notices and user reports. Counts answers by status, for the check that every acknowledged
-- submission is stored.
local token = os.getenv("VIGIE_TOKEN")
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  created = 0
  others = 0
  -- Every acknowledged submission's id, to check afterwards that each one is stored.
  acked = io.open(os.getenv("ACKED_DIR") .. "/acked-" .. tid .. ".txt", "w")
end

local kinds = {
  function(n)
    return string.format('{"kind":"removal_order","issuing_authority":"OFAC","member_state":"FR",'
      .. '"reference":"BENCH-%d-%d","issued_at":"2026-12-01T08:00:00Z","urls":["https://video.example.net/watch?v=%d-%d"],'
      .. '"grounds":["a","c"],"statement_of_reasons":"Synthetic load-test order.","cross_border":false,'
      .. '"redress":"Tribunal administratif de Paris, within 48 hours"}', os.time(), n, os.time(), n)
  end,
  function(n)
    return string.format('{"kind":"referral","urls":["https://forum.example.org/t/%d-%d"],'
      .. '"explanation":"Synthetic load-test referral.","deconfliction":"cleared"}', os.time(), n)
  end,
  function(n)
    return string.format('{"kind":"notice","urls":["https://img.example.net/p/%d-%d"],'
      .. '"explanation":"Synthetic load-test notice.","notifier_name":"Load Test",'
      .. '"notifier_email":"load@example.org","good_faith":true}', os.time(), n)
  end,
  function(n)
    return string.format('{"kind":"user_report","category":"propaganda","url":"https://v.example.com/%d-%d",'
      .. '"seen_where":"video_platform"}', os.time(), n)
  end,
}

request = function()
  counter = counter + 1
  local body = kinds[(counter % #kinds) + 1](counter)
  return wrk.format("POST", "/v1/submissions",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end

response = function(status, headers, body)
  if status == 201 then
    created = created + 1
    local id = body:match('"id":"([%x%-]+)"')
    if id then
      acked:write(id, "\n")
      acked:flush()
    end
  else
    others = others + 1
  end
end

done = function(summary, latency, requests)
  local total_created, total_others = 0, 0
  for _, thread in ipairs(threads) do
    total_created = total_created + thread:get("created")
    total_others = total_others + thread:get("others")
  end
  io.write(string.format("status 201: %d\nother statuses: %d\n", total_created, total_others))
  io.write(string.format("p50_ms %.2f\np90_ms %.2f\np99_ms %.2f\nmax_ms %.2f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
