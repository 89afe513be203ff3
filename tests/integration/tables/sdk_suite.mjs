// sdk_suite.mjs ENDPOINT: the Tables store through the AWS SDK for
// JavaScript v3 (client-dynamodb and lib-dynamodb's DocumentClient, from
// npm).  Prints TAP lines, the plan last.
import { createRequire } from 'node:module';
const require = createRequire(process.env.SDK_DIR + '/');
const ddb = require('@aws-sdk/client-dynamodb');
const lib = require('@aws-sdk/lib-dynamodb');

const ep = process.argv[2];
let n = 0, fails = 0;
function check(cond, what, got, want) {
	n++;
	if (cond) { console.log(`ok ${n} - ${what}`); return; }
	fails++;
	console.log(`not ok ${n} - ${what}`);
	console.log(`#   got:  ${JSON.stringify(got)}`);
	console.log(`#   want: ${JSON.stringify(want)}`);
}
const eq = (got, want, what) => check(JSON.stringify(got) === JSON.stringify(want), what, got, want);
async function errName(p) { try { await p; return null; } catch (e) { return e.name; } }

const client = new ddb.DynamoDBClient({ endpoint: ep, region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
const doc = lib.DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

await client.send(new ddb.CreateTableCommand({ TableName: 'js_sessions',
    AttributeDefinitions: [{ AttributeName: 'sid', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'sid', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
const w = await ddb.waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 1 }, { TableName: 'js_sessions' });
eq(w.state, 'SUCCESS', 'waitUntilTableExists');

await doc.send(new lib.PutCommand({ TableName: 'js_sessions',
    Item: { sid: 's1', user: 'ann', n: 1, roles: new Set(['a', 'b']), prefs: { dark: true, langs: ['no', 'en'] } } }));
const g = await doc.send(new lib.GetCommand({ TableName: 'js_sessions', Key: { sid: 's1' } }));
eq(g.Item.user, 'ann', 'DocumentClient: put then get');
eq([...g.Item.roles].sort(), ['a', 'b'], 'DocumentClient: a string set comes back a Set');
eq(g.Item.prefs, { dark: true, langs: ['no', 'en'] }, 'DocumentClient: nested map and list');
const u = await doc.send(new lib.UpdateCommand({ TableName: 'js_sessions', Key: { sid: 's1' },
    UpdateExpression: 'SET n = n + :one, prefs.langs[2] = :l', ExpressionAttributeValues: { ':one': 1, ':l': 'de' },
    ReturnValues: 'ALL_NEW' }));
eq([u.Attributes.n, u.Attributes.prefs.langs], [2, ['no', 'en', 'de']], 'DocumentClient: update with arithmetic and a list index');
eq(await errName(doc.send(new lib.PutCommand({ TableName: 'js_sessions', Item: { sid: 's1' },
    ConditionExpression: 'attribute_not_exists(sid)' }))), 'ConditionalCheckFailedException',
    'a failed condition is ConditionalCheckFailedException');
eq(await errName(doc.send(new lib.GetCommand({ TableName: 'js_nope', Key: { sid: 'x' } }))),
    'ResourceNotFoundException', 'a missing table is ResourceNotFoundException');
await doc.send(new lib.BatchWriteCommand({ RequestItems: { js_sessions:
    Array.from({ length: 20 }, (_, i) => ({ PutRequest: { Item: { sid: 'b' + i, i } } })) } }));
const bg = await doc.send(new lib.BatchGetCommand({ RequestItems: { js_sessions:
    { Keys: Array.from({ length: 20 }, (_, i) => ({ sid: 'b' + i })) } } }));
eq(bg.Responses.js_sessions.length, 20, 'batch write then batch get of 20');
let count = 0;
for await (const page of lib.paginateScan({ client: doc, pageSize: 7 }, { TableName: 'js_sessions' }))
	count += page.Items.length;
eq(count, 21, 'paginateScan with pageSize 7 sees every item once');
const tx = await errName(doc.send(new lib.TransactWriteCommand({ TransactItems: [
    { Put: { TableName: 'js_sessions', Item: { sid: 't1' } } },
    { Update: { TableName: 'js_sessions', Key: { sid: 's1' }, UpdateExpression: 'SET n = :z',
        ConditionExpression: 'n = :wrong', ExpressionAttributeValues: { ':z': 0, ':wrong': 99 } } }] })));
eq(tx, 'TransactionCanceledException', 'a transaction with a failing condition is cancelled');
const t1 = await doc.send(new lib.GetCommand({ TableName: 'js_sessions', Key: { sid: 't1' } }));
eq(t1.Item, undefined, 'and wrote nothing');
const q = await doc.send(new lib.ExecuteStatementCommand({
    Statement: 'SELECT * FROM "js_sessions" WHERE sid = ?', Parameters: ['s1'] }));
eq(q.Items.map((x) => x.n), [2], 'PartiQL through the DocumentClient');
await client.send(new ddb.DeleteTableCommand({ TableName: 'js_sessions' }));
eq(await errName(client.send(new ddb.DescribeTableCommand({ TableName: 'js_sessions' }))),
    'ResourceNotFoundException', 'delete-table');
console.log(`1..${n}`);
