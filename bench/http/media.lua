-- wrk script: POST /v1/match/media with one image, hashed and matched by the server.
local token = os.getenv("VIGIE_TOKEN")
local file = io.open(os.getenv("IMAGE"), "rb")
local image = file:read("*all")
file:close()
local boundary = "vigiebenchboundary"
local body = "--" .. boundary .. "\r\n"
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
