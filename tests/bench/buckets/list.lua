-- ListObjectsV2 of one page: the 1,000 keys preloaded under list/.
request = function()
	return wrk.format("GET", "/bench?list-type=2&prefix=list/")
end
