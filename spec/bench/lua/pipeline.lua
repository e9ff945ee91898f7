-- HTTP/1.1 pipelining for wrk (RFC 9112 §9.3.2): each write carries `depth`
-- requests back to back (WRK_PIPELINE, default 16). wrk counts every response;
-- its latency is per batch.
local depth = tonumber(os.getenv("WRK_PIPELINE") or "16")

init = function(args)
  local batch = {}
  for i = 1, depth do
    batch[i] = wrk.format(nil)
  end
  req = table.concat(batch)
end

request = function()
  return req
end
