-- GetObject of one of BENCH_KEYS preloaded keys.
local keys = tonumber(os.getenv("BENCH_KEYS") or "100")
local n = 0
request = function()
	n = n + 1
	return wrk.format("GET", "/bench/get-" .. (n % keys))
end
