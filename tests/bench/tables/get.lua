-- GetItem of one of the preloaded keys g0 .. g999 (ConsistentRead off).
local n = 0
wrk.method = "POST"
wrk.path = "/"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.GetItem"
wrk.headers["X-Amz-Date"] = "20261206T120000Z"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=bench/20261206/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000"
function request()
	n = (n + 7) % 1000
	local body = '{"TableName":"bench","Key":{"pk":{"S":"g' .. n ..
	    '"},"sk":{"N":"0"}}}'
	return wrk.format(nil, nil, nil, body)
end
