-- wrk script: POST /v1/match/media with one image, hashed and matched by the server.
local token = os.getenv("VIGIE_TOKEN")
local file = io.open(os.getenv("IMAGE"), "rb")
local image = file:read("*all")
file:close()
local boundary = "vigiebenchboundary"
-- EXACT_ONLY=true: the image's own PDQ hash only, as before edited copies were looked for.
local exact_only = ""
if os.getenv("EXACT_ONLY") == "true" then
  exact_only = "--" .. boundary .. '\r\nContent-Disposition: form-data; name="exact_only"\r\n\r\ntrue\r\n'
end
local body = exact_only .. "--" .. boundary .. "\r\n"
  .. 'Content-Disposition: form-data; name="file"; filename="image.jpg"\r\n'
  .. "Content-Type: image/jpeg\r\n\r\n" .. image .. "\r\n--" .. boundary .. "--\r\n"
request = function()
  return wrk.format("POST", "/v1/match/media", {
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
response = function(status, headers, body)
  if status ~= 200 then
    print("unexpected status " .. status .. ": " .. body)
    wrk.thread:stop()
  end
end
