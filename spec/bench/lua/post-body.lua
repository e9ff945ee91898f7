-- POST of a fixed-size body (WRK_BODY_BYTES, default 1 MiB) with Content-Length:
-- exercises the request-body path of an echo endpoint.
local size = tonumber(os.getenv("WRK_BODY_BYTES") or "1048576")
wrk.method = "POST"
wrk.body = string.rep("x", size)
wrk.headers["Content-Type"] = "application/octet-stream"
