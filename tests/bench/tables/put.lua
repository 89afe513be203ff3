-- PutItem with a new key per request (a 200-byte item), DynamoDB JSON 1.0.
-- The Authorization header is well formed but not signed: lambdad without
-- access_key lines and dynalite both accept it from loopback.
local n = 0
local pad = string.rep("x", 160)
wrk.method = "POST"
wrk.path = "/"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.PutItem"
wrk.headers["X-Amz-Date"] = "20261206T120000Z"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=bench/20261206/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000"
function init(args)
	n = math.random(1, 1000000000) * 1000
end
function request()
	n = n + 1
	local body = '{"TableName":"bench","Item":{"pk":{"S":"p' .. n ..
	    '"},"sk":{"N":"0"},"v":{"S":"' .. pad .. '"}}}'
	return wrk.format(nil, nil, nil, body)
end
