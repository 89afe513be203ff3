// sdk_do.mjs ENDPOINT KEY SECRET OP BUCKET [KEY [BODY]]: one request through
// the AWS SDK for JavaScript v3 on s3_listen, for a test to check what a
// function did.  OP is mb, put or get; prints a JSON line with what S3
// answered ({ok, body, by} or {ok: false, error}).
import { createRequire } from 'node:module';
const require = createRequire(process.env.SDK_DIR + '/');
const s3 = require('@aws-sdk/client-s3');

const [ep, accessKeyId, secretAccessKey, op, Bucket, Key, body] = process.argv.slice(2);
const client = new s3.S3Client({ endpoint: ep, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });

async function run() {
	switch (op) {
	case 'mb':
		await client.send(new s3.CreateBucketCommand({ Bucket }));
		return {};
	case 'put':
		return { etag: (await client.send(new s3.PutObjectCommand({ Bucket, Key, Body: body }))).ETag };
	case 'get': {
		const r = await client.send(new s3.GetObjectCommand({ Bucket, Key }));
		return { body: await r.Body.transformToString(), by: r.Metadata.by || null };
	}
	default:
		throw new Error('unknown op ' + op);
	}
}
try {
	console.log(JSON.stringify({ ok: true, ...(await run()) }));
} catch (e) {
	console.log(JSON.stringify({ ok: false, error: e.name }));
}
