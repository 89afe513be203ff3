/*
 * Handler for lambdad's Node.js RIC conformance test. The RIC loads it as
 * "index.handler" from the bootstrap's directory. Behind an HTTP route the
 * event is an API Gateway event whose body carries the test's JSON; called
 * directly, the event is that JSON. It echoes n so the test can tell
 * invocations apart, and throws when fail is true so the test sees the
 * RIC's real /error request.
 */
'use strict';

exports.handler = async (event) => {
	const e = event && typeof event.body === 'string' ? JSON.parse(event.body) : event;
	console.log('ric handler got n=' + (e ? e.n : undefined));
	if (e && e.fail === true)
		throw new Error('boom');
	return { ok: true, n: e ? e.n : undefined };
};
