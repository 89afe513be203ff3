-- PutObject of a BENCH_SIZE-byte body to one of 1,000 keys (overwrites).
local size = tonumber(os.getenv("BENCH_SIZE") or "1024")
local body = string.rep("x", size)
local n = 0
request = function()
	n = n + 1
	return wrk.format("PUT", "/bench/obj-" .. (n % 1000), nil, body)
end
