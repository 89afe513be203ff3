// invoke_stream.js URL FUNCTION PAYLOAD [LogType]: InvokeWithResponseStream
// through @aws-sdk/client-lambda, read as a stream.  Prints one JSON line
// per event as it arrives ({"chunk":TEXT} or {"complete":{...}}), then
// {"status":N,"version":V,"type":CT}.  Exit 0 unless the call failed.
const { LambdaClient, InvokeWithResponseStreamCommand } =
	require('@aws-sdk/client-lambda');

async function main() {
	const [url, fn, payload, logType] = process.argv.slice(2);
	const client = new LambdaClient({
		endpoint: url, region: 'us-east-1', maxAttempts: 1,
		credentials: { accessKeyId: 'anything', secretAccessKey: 'anything' },
	});
	const out = await client.send(new InvokeWithResponseStreamCommand({
		FunctionName: fn, Payload: Buffer.from(payload),
		LogType: logType || 'None',
	}));
	for await (const ev of out.EventStream) {
		if (ev.PayloadChunk)
			console.log(JSON.stringify({ chunk:
			    Buffer.from(ev.PayloadChunk.Payload).toString() }));
		else if (ev.InvokeComplete)
			console.log(JSON.stringify({ complete: ev.InvokeComplete }));
	}
	console.log(JSON.stringify({ status: out.StatusCode,
	    version: out.ExecutedVersion, type: out.ResponseStreamContentType }));
}
main().catch((e) => { console.log(JSON.stringify({ error: e.name,
    message: e.message })); process.exit(1); });
