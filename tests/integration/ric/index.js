/*
 * Handler for lambdad's Node.js RIC conformance test. The RIC loads it as
 * "index.handler" from the bootstrap's directory. It echoes event.n so the
 * test can tell invocations apart, and throws when event.fail is true so the
 * test sees the RIC's real /error request.
 */
'use strict';

exports.handler = async (event) => {
	if (event && event.fail === true)
		throw new Error('boom');
	return { ok: true, n: event ? event.n : undefined };
};
