// sdk_suite.mjs ENDPOINT KEY SECRET: Buckets through the AWS SDK for
// JavaScript v3 (client-s3, lib-storage's Upload, s3-request-presigner),
// path-style on lambdad's s3_listen, signed with KEY and SECRET.  Prints
// TAP lines, the plan last.
import { createRequire } from 'node:module';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
const require = createRequire(process.env.SDK_DIR + '/');
const s3 = require('@aws-sdk/client-s3');
const { Upload } = require('@aws-sdk/lib-storage');
const { getSignedUrl } = require('@aws-sdk/s3-request-presigner');

const [ep, accessKeyId, secretAccessKey] = process.argv.slice(2);
let n = 0;
function check(cond, what, got, want) {
	n++;
	if (cond) { console.log(`ok ${n} - ${what}`); return; }
	console.log(`not ok ${n} - ${what}`);
	console.log(`#   got:  ${JSON.stringify(got)}`);
	console.log(`#   want: ${JSON.stringify(want)}`);
}
const eq = (got, want, what) => check(JSON.stringify(got) === JSON.stringify(want), what, got, want);
// fails(PROMISE): the error it rejects with, as "Name STATUS" (or "none").
async function fails(p) {
	try { await p; return 'none'; } catch (e) { return `${e.name} ${e.$metadata?.httpStatusCode}`; }
}
// A 304 has no body to name the error by: S3's own is, to this SDK, a
// service exception of that status (named "Unknown"), not a parse failure.
async function notModified(p) {
	try { await p; return 'none'; } catch (e) {
		return `${e instanceof s3.S3ServiceException ? 'S3ServiceException' : e.name} ${e.$metadata?.httpStatusCode} ${e.$fault}`;
	}
}
const md5 = (b) => '"' + createHash('md5').update(b).digest('hex') + '"';
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

const client = new s3.S3Client({ endpoint: ep, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
// The headers of the last request as signed and sent.
let sent = {};
client.middlewareStack.add((next) => async (args) => { sent = { ...args.request.headers }; return next(args); },
    { step: 'deserialize', name: 'lambdadSeen' });
// send('PutObject', {...}): one command by its name.
const send = (name, input) => client.send(new s3[name + 'Command'](input));
const Bucket = 'jsbucket';
const bytes = async (o) => Buffer.from(await o.Body.transformToByteArray());

// ---- buckets, objects --------------------------------------------------------
const cb = await send('CreateBucket', { Bucket });
eq(cb.$metadata.httpStatusCode, 200, 'CreateBucket');
eq(await fails(send('CreateBucket', { Bucket })), 'BucketAlreadyOwnedByYou 409',
    'a second CreateBucket: BucketAlreadyOwnedByYou');
eq((await send('HeadBucket', { Bucket })).$metadata.httpStatusCode, 200, 'HeadBucket');

const text = 'hello from the JS SDK\n';
const p1 = await send('PutObject', { Bucket, Key: 'str.txt', Body: text,
    ContentType: 'text/plain; charset=utf-8', Metadata: { color: 'blue', 'two-words': 'a b' } });
eq(p1.ETag, md5(text), 'PutObject of a string: the ETag is its MD5');
const bin = Buffer.alloc(70000);
for (let i = 0; i < bin.length; i++) bin[i] = (i * 7) & 0xff;
const p2 = await send('PutObject', { Bucket, Key: 'bin/data.bin', Body: bin,
    ContentType: 'application/x-test', Metadata: { kind: 'binary' } });
eq(p2.ETag, md5(bin), 'PutObject of a Buffer (with NUL bytes): its MD5');

const h = await send('HeadObject', { Bucket, Key: 'str.txt' });
eq([h.ContentType, h.ContentLength, h.ETag], ['text/plain; charset=utf-8', Buffer.byteLength(text), md5(text)],
    'HeadObject: Content-Type, Content-Length, ETag');
eq(h.Metadata, { color: 'blue', 'two-words': 'a b' }, 'HeadObject: the user metadata');
check(h.LastModified instanceof Date && Math.abs(h.LastModified - Date.now()) < 120000,
    'HeadObject: LastModified is a recent Date', h.LastModified, 'now');
const g1 = await send('GetObject', { Bucket, Key: 'str.txt' });
eq(await g1.Body.transformToString(), text, 'GetObject: the string comes back');
const g2 = await send('GetObject', { Bucket, Key: 'bin/data.bin' });
eq([g2.ContentType, g2.Metadata.kind], ['application/x-test', 'binary'], 'GetObject: Content-Type and metadata');
const got = await bytes(g2);
check(got.equals(bin), 'GetObject: the Buffer comes back byte for byte', got.length, bin.length);

const uni = 'unicode/æøå é+%&=.txt';
await send('PutObject', { Bucket, Key: uni, Body: 'odd key' });
eq(await (await send('GetObject', { Bucket, Key: uni })).Body.transformToString(), 'odd key',
    'a key with non-ASCII, space, + % & = (the SDK\'s URI encoding signs)');

// ---- checksums: headers, an aws-chunked trailer, ChecksumMode --------------------
const b64 = (alg, b) => createHash(alg).update(b).digest('base64');
const ck = await send('PutObject', { Bucket, Key: 'ck/sha.bin', Body: bin, ChecksumAlgorithm: 'SHA256' });
eq(ck.ChecksumSHA256, b64('sha256', bin), 'PutObject ChecksumAlgorithm SHA256: checked and echoed');
const gk = await send('GetObject', { Bucket, Key: 'ck/sha.bin', ChecksumMode: 'ENABLED' });
eq([gk.ChecksumSHA256, (await bytes(gk)).equals(bin)], [b64('sha256', bin), true],
    'GetObject ChecksumMode ENABLED: the stored SHA256, and the SDK validates the body against it');
const chunks = [];
for (let i = 0; i < 20; i++) chunks.push(bin.subarray(i * 3000, (i + 1) * 3000));
const streamed = Buffer.concat(chunks);
const ps = await send('PutObject', { Bucket, Key: 'ck/streamed.bin', Body: Readable.from(chunks),
    ContentLength: streamed.length, ChecksumAlgorithm: 'CRC32' });
eq([sent['content-encoding'], sent['x-amz-trailer'], /^STREAMING-.*TRAILER$/.test(sent['x-amz-content-sha256'])],
    ['aws-chunked', 'x-amz-checksum-crc32', true], 'PutObject of a stream is sent aws-chunked with a CRC32 trailer');
eq([ps.ETag, ps.ChecksumCRC32 === undefined], [md5(streamed), false], 'and stored decoded, its CRC32 echoed');
const gsk = await send('GetObject', { Bucket, Key: 'ck/streamed.bin', ChecksumMode: 'ENABLED' });
eq([gsk.ChecksumCRC32, (await bytes(gsk)).equals(streamed)], [ps.ChecksumCRC32, true],
    'GetObject of it: the trailer\'s CRC32 kept, the bytes whole');
eq(await fails(send('PutObject', { Bucket, Key: 'ck/bad.bin', Body: bin, ChecksumSHA256: b64('sha256', 'other') })),
    'BadDigest 400', 'a wrong ChecksumSHA256: BadDigest');

// ---- ranges, conditionals, errors --------------------------------------------------
const r = await send('GetObject', { Bucket, Key: 'bin/data.bin', Range: 'bytes=1000-1999' });
eq([r.$metadata.httpStatusCode, r.ContentRange, r.ContentLength], [206, 'bytes 1000-1999/70000', 1000],
    'a ranged GET: 206, Content-Range, Content-Length');
check((await bytes(r)).equals(bin.subarray(1000, 2000)), 'a ranged GET: the bytes of the range', '', '');
const rs = await send('GetObject', { Bucket, Key: 'bin/data.bin', Range: 'bytes=-10' });
check((await bytes(rs)).equals(bin.subarray(-10)), 'a suffix range: the last 10 bytes', rs.ContentRange, '');
eq(await fails(send('GetObject', { Bucket, Key: 'str.txt', Range: 'bytes=5000-' })), 'InvalidRange 416',
    'a range past the end: InvalidRange');
const nm = 'S3ServiceException 304 client';
let e = null;
try { await send('GetObject', { Bucket, Key: 'str.txt', IfNoneMatch: md5(text) }); } catch (x) { e = x; }
eq(e?.$response?.headers?.etag, md5(text), 'the 304 carries the ETag');
eq(await notModified(send('GetObject', { Bucket, Key: 'str.txt', IfNoneMatch: md5(text) })), nm,
    'GetObject IfNoneMatch the ETag: a 304 service exception, as S3\'s');
eq(await notModified(send('HeadObject', { Bucket, Key: 'str.txt', IfNoneMatch: md5(text) })), nm,
    'HeadObject IfNoneMatch the ETag: the same 304');
const fresh = await send('GetObject', { Bucket, Key: 'str.txt', IfNoneMatch: '"0123"' });
eq(fresh.$metadata.httpStatusCode, 200, 'IfNoneMatch another ETag: 200');
await fresh.Body.transformToString();
eq(await fails(send('GetObject', { Bucket, Key: 'str.txt', IfMatch: '"0123"' })), 'PreconditionFailed 412',
    'IfMatch another ETag: PreconditionFailed');
eq(await notModified(send('GetObject', { Bucket, Key: 'str.txt', IfModifiedSince: new Date(Date.now() + 86400000) })),
    nm, 'IfModifiedSince tomorrow: 304');
eq(await fails(send('GetObject', { Bucket, Key: 'str.txt', IfUnmodifiedSince: new Date(Date.UTC(2001, 0, 1)) })),
    'PreconditionFailed 412', 'IfUnmodifiedSince 2001: PreconditionFailed');
e = null;
try { await send('GetObject', { Bucket, Key: 'nothere' }); } catch (x) { e = x; }
check(e instanceof s3.NoSuchKey && e.name === 'NoSuchKey' && e.$metadata.httpStatusCode === 404,
    'GetObject of a missing key: a NoSuchKey error, 404', e && [e.name, e.$metadata?.httpStatusCode], 'NoSuchKey 404');
eq(await fails(send('HeadObject', { Bucket, Key: 'nothere' })), 'NotFound 404', 'HeadObject of a missing key: NotFound');
eq(await fails(send('GetObject', { Bucket: 'js-nobucket', Key: 'x' })), 'NoSuchBucket 404',
    'a missing bucket: NoSuchBucket');

// ---- listings ------------------------------------------------------------------
for (const k of ['list/a/1', 'list/a/2', 'list/b/1', 'list/c.txt', 'list/d.txt'])
	await send('PutObject', { Bucket, Key: k, Body: k });
const l = await send('ListObjectsV2', { Bucket, Prefix: 'list/', Delimiter: '/' });
eq([(l.CommonPrefixes || []).map((p) => p.Prefix), (l.Contents || []).map((c) => c.Key), l.KeyCount],
    [['list/a/', 'list/b/'], ['list/c.txt', 'list/d.txt'], 4], 'ListObjectsV2 Prefix and Delimiter');
eq([l.Contents[0].Size, l.Contents[0].ETag], [10, md5('list/c.txt')], 'a listed object\'s Size and ETag');
const keys = [];
for (let i = 0; i < 11; i++) keys.push(`page/k${String(i).padStart(2, '0')}`);
await Promise.all(keys.map((Key) => send('PutObject', { Bucket, Key, Body: Key })));
const seen = [], tokens = [];
for await (const page of s3.paginateListObjectsV2({ client, pageSize: 3 }, { Bucket, Prefix: 'page/' })) {
	seen.push(...(page.Contents || []).map((c) => c.Key));
	tokens.push(page.IsTruncated ? !!page.NextContinuationToken : 'end');
}
eq(seen, keys, 'paginateListObjectsV2 with MaxKeys 3 sees every key once, in order');
eq(tokens, [true, true, true, 'end'], 'four pages, each but the last truncated with a ContinuationToken');
const mixed = [];
for await (const page of s3.paginateListObjectsV2({ client, pageSize: 1 }, { Bucket, Prefix: 'list/', Delimiter: '/' }))
	mixed.push(...(page.CommonPrefixes || []).map((p) => p.Prefix), ...(page.Contents || []).map((c) => c.Key));
eq(mixed.sort(), ['list/a/', 'list/b/', 'list/c.txt', 'list/d.txt'],
    'paginating a delimited listing one entry a page: each prefix and key once');
const sa = await send('ListObjectsV2', { Bucket, Prefix: 'page/', StartAfter: 'page/k08' });
eq(sa.Contents.map((c) => c.Key), ['page/k09', 'page/k10'], 'ListObjectsV2 StartAfter');

// ---- copy, delete --------------------------------------------------------------
const c1 = await send('CopyObject', { Bucket, Key: 'copy/str.txt', CopySource: `${Bucket}/str.txt` });
eq(c1.CopyObjectResult.ETag, md5(text), 'CopyObject: CopyObjectResult has the ETag');
const hc = await send('HeadObject', { Bucket, Key: 'copy/str.txt' });
eq([hc.ContentType, hc.Metadata.color], ['text/plain; charset=utf-8', 'blue'], 'the copy keeps type and metadata');
await send('CopyObject', { Bucket, Key: 'copy/uni.txt', CopySource: `${Bucket}/${encodeURIComponent(uni)}`,
    MetadataDirective: 'REPLACE', ContentType: 'text/x-new', Metadata: { fresh: 'yes' } });
const hu = await send('HeadObject', { Bucket, Key: 'copy/uni.txt' });
eq([hu.ContentType, hu.Metadata], ['text/x-new', { fresh: 'yes' }],
    'CopyObject of an encoded CopySource with REPLACE: the request\'s type and metadata');
const d = await send('DeleteObjects', { Bucket, Delete: { Objects: [{ Key: 'copy/str.txt' },
    { Key: 'copy/uni.txt' }, { Key: 'copy/never' }] } });
eq([(d.Deleted || []).map((x) => x.Key).sort(), d.Errors || []],
    [['copy/never', 'copy/str.txt', 'copy/uni.txt'], []], 'DeleteObjects: three deleted, no errors');
eq(await fails(send('HeadObject', { Bucket, Key: 'copy/str.txt' })), 'NotFound 404', 'and they are gone');
const dq = await send('DeleteObjects', { Bucket, Delete: { Quiet: true, Objects: keys.map((Key) => ({ Key })) } });
eq([dq.Deleted || [], dq.Errors || []], [[], []], 'DeleteObjects Quiet: nothing reported');
eq((await send('ListObjectsV2', { Bucket, Prefix: 'page/' })).KeyCount, 0, 'and the eleven are gone');
eq((await send('DeleteObject', { Bucket, Key: 'list/d.txt' })).$metadata.httpStatusCode, 204, 'DeleteObject: 204');

// ---- multipart -------------------------------------------------------------------
const big = randomBytes(12 * 1024 * 1024 + 12345);
const parts = new Set();
const up = new Upload({ client, partSize: 5 * 1024 * 1024, queueSize: 2,
    params: { Bucket, Key: 'big/upload.bin', Body: big, ContentType: 'application/x-big', Metadata: { via: 'lib-storage' } } });
up.on('httpUploadProgress', (p) => { if (p.part) parts.add(p.part); });
const ur = await up.done();
check(/^"[0-9a-f]{32}-3"$/.test(ur.ETag), 'lib-storage Upload of 12 MiB, partSize 5 MiB: a 3-part multipart ETag', ur.ETag, '"...-3"');
eq([...parts].sort(), [1, 2, 3], 'and it reported progress for parts 1 to 3');
const gb = await send('GetObject', { Bucket, Key: 'big/upload.bin' });
eq([gb.ContentLength, gb.ContentType, gb.Metadata.via], [big.length, 'application/x-big', 'lib-storage'],
    'GetObject of it: length, type and metadata');
eq(sha256(await bytes(gb)), sha256(big), 'and its sha256 is the upload\'s');
const gr = await send('GetObject', { Bucket, Key: 'big/upload.bin', Range: 'bytes=5242870-5242889' });
check((await bytes(gr)).equals(big.subarray(5242870, 5242890)), 'a range across the first part boundary', '', '');

const streamedBig = [];
for (let i = 0; i < 176; i++) streamedBig.push(randomBytes(65536));
const sbig = Buffer.concat(streamedBig);
const us = await new Upload({ client, partSize: 5 * 1024 * 1024,
    params: { Bucket, Key: 'big/streamed.bin', Body: Readable.from(streamedBig) } }).done();
const gs = await send('GetObject', { Bucket, Key: 'big/streamed.bin' });
check(/-3"$/.test(us.ETag) && sha256(await bytes(gs)) === sha256(sbig),
    'lib-storage Upload of an 11 MiB stream of unknown length: 3 parts, the same sha256', us.ETag, '"...-3"');

const cm = await send('CreateMultipartUpload', { Bucket, Key: 'big/aborted.bin' });
const UploadId = cm.UploadId;
const pu = await send('UploadPart', { Bucket, Key: 'big/aborted.bin', UploadId, PartNumber: 1,
    Body: big.subarray(0, 5 * 1024 * 1024) });
eq(pu.ETag, md5(big.subarray(0, 5 * 1024 * 1024)), 'UploadPart: the part\'s MD5');
const lp = await send('ListParts', { Bucket, Key: 'big/aborted.bin', UploadId });
eq(lp.Parts.map((p) => [p.PartNumber, p.Size]), [[1, 5242880]], 'ListParts');
const lu = await send('ListMultipartUploads', { Bucket });
eq((lu.Uploads || []).map((u) => [u.Key, u.UploadId]), [['big/aborted.bin', UploadId]], 'ListMultipartUploads');
eq((await send('AbortMultipartUpload', { Bucket, Key: 'big/aborted.bin', UploadId })).$metadata.httpStatusCode,
    204, 'AbortMultipartUpload: 204');
eq(await fails(send('ListParts', { Bucket, Key: 'big/aborted.bin', UploadId })), 'NoSuchUpload 404',
    'after the abort: ListParts is NoSuchUpload');
eq(await fails(send('UploadPart', { Bucket, Key: 'big/aborted.bin', UploadId, PartNumber: 2, Body: 'x' })),
    'NoSuchUpload 404', 'and UploadPart is NoSuchUpload');
eq([(await send('ListMultipartUploads', { Bucket })).Uploads || [],
    await fails(send('HeadObject', { Bucket, Key: 'big/aborted.bin' }))], [[], 'NotFound 404'],
    'no upload is left and no object made');

// ---- presigned URLs ----------------------------------------------------------------
const url = await getSignedUrl(client, new s3.GetObjectCommand({ Bucket, Key: 'str.txt' }), { expiresIn: 60 });
const f1 = await fetch(url);
eq([f1.status, await f1.text()], [200, text], 'a presigned GET URL (getSignedUrl) fetched');
const bad = url.replace(/(X-Amz-Signature=)([0-9a-f])/, (m, a, c) => a + (c === '0' ? '1' : '0'));
check(bad !== url, 'the tampered URL differs', bad, url);
const f2 = await fetch(bad);
const b2 = await f2.text();
eq([f2.status, /<Code>SignatureDoesNotMatch<\/Code>/.test(b2)], [403, true],
    'a presigned URL with a tampered signature: 403 SignatureDoesNotMatch');
const short = await getSignedUrl(client, new s3.GetObjectCommand({ Bucket, Key: 'str.txt' }), { expiresIn: 1 });
await new Promise((res) => setTimeout(res, 2200));
const f4 = await fetch(short);
eq([f4.status, /<Code>AccessDenied<\/Code>.*expired/s.test(await f4.text())], [403, true],
    'a presigned URL past its expiry: 403 AccessDenied, expired');
const other = url.replace('str.txt', 'bin/data.bin');
eq((await fetch(other)).status, 403, 'the signature of one key does not open another');
const purl = await getSignedUrl(client, new s3.PutObjectCommand({ Bucket, Key: 'signed/put.txt' }), { expiresIn: 60 });
const f3 = await fetch(purl, { method: 'PUT', body: 'put by url' });
eq([f3.status, await (await send('GetObject', { Bucket, Key: 'signed/put.txt' })).Body.transformToString()],
    [200, 'put by url'], 'a presigned PUT URL');

// ---- what is not served is refused, never taken for something else ---------------------
const nf = 'MethodNotAllowed 405';
eq(await fails(send('GetObjectAttributes', { Bucket, Key: 'str.txt', ObjectAttributes: ['ETag'] })), nf,
    'GetObjectAttributes: MethodNotAllowed (it was GetObject, the bytes an XML parse error)');
eq(await fails(send('GetBucketEncryption', { Bucket })), nf, 'GetBucketEncryption: MethodNotAllowed (not a listing)');
eq(await fails(send('ListObjectVersions', { Bucket })), nf, 'ListObjectVersions: MethodNotAllowed (not an empty list)');
eq([await fails(send('PutBucketVersioning', { Bucket: 'js-never', VersioningConfiguration: { Status: 'Enabled' } })),
    await fails(send('HeadBucket', { Bucket: 'js-never' }))], [nf, 'NotFound 404'],
    'PutBucketVersioning: MethodNotAllowed, and no bucket made');

// ---- the end -------------------------------------------------------------------------
eq(await fails(send('DeleteBucket', { Bucket })), 'BucketNotEmpty 409', 'DeleteBucket of a full bucket: BucketNotEmpty');
for await (const page of s3.paginateListObjectsV2({ client }, { Bucket }))
	if (page.Contents) await send('DeleteObjects', { Bucket, Delete: { Objects: page.Contents.map((c) => ({ Key: c.Key })) } });
eq([await fails(send('DeleteBucketCors', { Bucket })), (await send('HeadBucket', { Bucket })).$metadata.httpStatusCode],
    [nf, 200], 'DeleteBucketCors of the empty bucket: MethodNotAllowed, and the bucket stays');
eq((await send('DeleteBucket', { Bucket })).$metadata.httpStatusCode, 204, 'emptied, DeleteBucket: 204');
console.log(`1..${n}`);
