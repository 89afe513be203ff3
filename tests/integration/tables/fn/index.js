/*
 * A cart function as a user would write it for AWS Lambda: the SDK's
 * DocumentClient with no endpoint or credentials in the code.  The event
 * (through an HTTP route) names an action; the reply says what the store
 * answered, errors included by name, so the test sees the grants at work.
 */
'use strict';
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient, PutCommand, GetCommand, UpdateCommand } =
    require('@aws-sdk/lib-dynamodb');

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));

async function run(e) {
	switch (e.action) {
	case 'add':
		return doc.send(new UpdateCommand({ TableName: 'carts', Key: { id: e.id },
		    UpdateExpression: 'ADD #items :i SET updated = :t',
		    ExpressionAttributeNames: { '#items': 'items' },
		    ExpressionAttributeValues: { ':i': new Set([e.item]), ':t': e.t },
		    ReturnValues: 'ALL_NEW' }));
	case 'get':
		return doc.send(new GetCommand({ TableName: e.table || 'carts', Key: { id: e.id } }));
	case 'put':
		return doc.send(new PutCommand({ TableName: e.table, Item: { id: e.id, v: 1 } }));
	default:
		throw new Error('unknown action ' + e.action);
	}
}

exports.handler = async (event) => {
	const e = typeof event.body === 'string' ? JSON.parse(event.body) : event;
	try {
		const r = await run(e);
		const out = r.Attributes || r.Item || null;
		if (out && out.items instanceof Set)
			out.items = [...out.items].sort();
		return { ok: true, item: out, endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB || null };
	} catch (err) {
		return { ok: false, error: err.name, message: err.message };
	}
};
