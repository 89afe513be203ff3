/*
 * A function as a user would write it for AWS Lambda with S3: the SDK's
 * S3Client with no endpoint, region or credentials in the code (lambdad's
 * AWS_ENDPOINT_URL_S3 is an IP, so the SDK goes path-style by itself).
 * The event (through an HTTP route) names an action; the reply says what
 * the store answered, errors by name, so the test sees the grants at work.
 */
'use strict';
const { S3Client, PutObjectCommand, GetObjectCommand, paginateListObjectsV2 } =
    require('@aws-sdk/client-s3');
const { Upload } = require('@aws-sdk/lib-storage');

const s3 = new S3Client({});

async function list(Bucket, Prefix) {
	const keys = [];
	for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket, Prefix }))
		keys.push(...(page.Contents || []).map((c) => c.Key));
	return { keys };
}

async function run(e) {
	const { bucket: Bucket, key: Key } = e;
	switch (e.action) {
	case 'put': {
		const r = await s3.send(new PutObjectCommand({ Bucket, Key, Body: e.body,
		    ContentType: 'text/plain', Metadata: { by: 'function' } }));
		return { etag: r.ETag };
	}
	case 'get': {
		const r = await s3.send(new GetObjectCommand({ Bucket, Key }));
		return { body: await r.Body.transformToString(), by: r.Metadata.by || null };
	}
	case 'list':
		return list(Bucket, e.prefix);
	case 'upload': {
		const body = Buffer.alloc(e.size, 'x');
		const r = await new Upload({ client: s3, partSize: 5 * 1024 * 1024,
		    params: { Bucket, Key, Body: body } }).done();
		return { etag: r.ETag };
	}
	default:
		throw new Error('unknown action ' + e.action);
	}
}

exports.handler = async (event) => {
	const e = typeof event.body === 'string' ? JSON.parse(event.body) : event;
	const endpoint = process.env.AWS_ENDPOINT_URL_S3 || null;
	try {
		return { ok: true, endpoint, ...(await run(e)) };
	} catch (err) {
		return { ok: false, endpoint, error: err.name, status: err.$metadata?.httpStatusCode };
	}
};
