#!/usr/bin/python3
"""boto3_suite.py ENDPOINT: the Tables store through boto3 (Debian's
python3-boto3), as an application would use it.  Prints TAP lines (the plan
last).  Each check names what it proves; a failure prints both sides.
"""
import decimal
import json
import sys
import time

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

EP = sys.argv[1]
N = 0
FAILS = 0


def check(cond, what, got=None, want=None):
    global N, FAILS
    N += 1
    if cond:
        print("ok %d - %s" % (N, what))
    else:
        FAILS += 1
        print("not ok %d - %s" % (N, what))
        print("#   got:  %r" % (got,))
        print("#   want: %r" % (want,))
    sys.stdout.flush()


def eq(got, want, what):
    check(got == want, what, got, want)


def err_code(fn, *a, **kw):
    try:
        fn(*a, **kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", ""), e.response
    return None, "", None


session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test",
                                region_name="us-east-1")
client = session.client("dynamodb", endpoint_url=EP)
ddb = session.resource("dynamodb", endpoint_url=EP)

# ---- tables ------------------------------------------------------------------
client.create_table(
    TableName="b3_orders",
    AttributeDefinitions=[{"AttributeName": "cust", "AttributeType": "S"},
                          {"AttributeName": "ts", "AttributeType": "N"},
                          {"AttributeName": "status", "AttributeType": "S"}],
    KeySchema=[{"AttributeName": "cust", "KeyType": "HASH"},
               {"AttributeName": "ts", "KeyType": "RANGE"}],
    GlobalSecondaryIndexes=[{
        "IndexName": "by_status",
        "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                      {"AttributeName": "ts", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"}}],
    BillingMode="PAY_PER_REQUEST")
client.get_waiter("table_exists").wait(TableName="b3_orders",
                                       WaiterConfig={"Delay": 1, "MaxAttempts": 5})
d = client.describe_table(TableName="b3_orders")["Table"]
eq(d["TableStatus"], "ACTIVE", "create-table: the waiter sees it ACTIVE")
eq([k["AttributeName"] for k in d["KeySchema"]], ["cust", "ts"], "describe: key schema")
eq(d["GlobalSecondaryIndexes"][0]["IndexName"], "by_status", "describe: the GSI")
eq(d["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST", "describe: billing mode")
check(d["TableArn"].endswith(":table/b3_orders"), "describe: the table ARN", d["TableArn"])
code, _, _ = err_code(client.create_table, TableName="b3_orders",
                      AttributeDefinitions=[{"AttributeName": "cust", "AttributeType": "S"}],
                      KeySchema=[{"AttributeName": "cust", "KeyType": "HASH"}],
                      BillingMode="PAY_PER_REQUEST")
eq(code, "ResourceInUseException", "create-table twice: ResourceInUseException")
code, msg, _ = err_code(client.describe_table, TableName="b3_nope")
eq(code, "ResourceNotFoundException", "describe of a missing table: ResourceNotFoundException")
names = client.list_tables()["TableNames"]
check("b3_orders" in names, "list-tables names it", names)

# ---- items: the data model -----------------------------------------------------
t = ddb.Table("b3_orders")
item = {"cust": "ann", "ts": 1, "status": "open",
        "total": decimal.Decimal("12345678901234567890.123456789012345678"),
        "neg": decimal.Decimal("-0.5"), "flag": True, "nothing": None,
        "tags": {"a", "b"}, "nums": {1, 2, 3}, "blob": b"\x00\xffbytes",
        "lines": [{"sku": "x", "n": 2}, "free text", 7],
        "addr": {"city": "Oslo", "zip": "0150"}, "empty": ""}
t.put_item(Item=item)
got = t.get_item(Key={"cust": "ann", "ts": 1}, ConsistentRead=True)["Item"]
eq(got["total"], decimal.Decimal("12345678901234567890.123456789012345678"),
   "38 significant digits come back exact")
eq(got["neg"], decimal.Decimal("-0.5"), "a negative fraction round-trips")
eq(got["tags"], {"a", "b"}, "a string set round-trips")
eq(got["nums"], {1, 2, 3}, "a number set round-trips")
eq(bytes(got["blob"]), b"\x00\xffbytes", "binary round-trips")
eq(got["lines"][0]["n"], 2, "a map inside a list round-trips")
eq(got["nothing"], None, "NULL round-trips")
eq(got["flag"], True, "BOOL round-trips")
eq(got["empty"], "", "an empty non-key string is allowed")
# boto3's resource layer refuses 39 digits itself (decimal.Inexact); the
# low-level client sends them, so the server's refusal is what is tested.
code, msg, _ = err_code(client.put_item, TableName="b3_orders",
                        Item={"cust": {"S": "ann"}, "ts": {"N": "2"},
                              "n": {"N": "1" * 39}})
eq(code, "ValidationException", "39 significant digits: ValidationException")
check("38 significant digits" in msg, "the message names the 38-digit limit", msg)
code, msg, _ = err_code(t.put_item, Item={"cust": "", "ts": 2})
eq(code, "ValidationException", "an empty key string: ValidationException")
code, msg, _ = err_code(t.put_item, Item={"cust": "ann", "ts": "x"})
eq(code, "ValidationException", "a key of the wrong type: ValidationException")
code, msg, _ = err_code(t.put_item, Item={"cust": "big", "ts": 1, "s": "x" * 409600})
eq(code, "ValidationException", "an item over 400 KB: ValidationException")
check("Item size has exceeded" in msg, "the message says the item size", msg)
t.put_item(Item={"cust": "big", "ts": 1, "s": "x" * 400000})
eq(len(t.get_item(Key={"cust": "big", "ts": 1})["Item"]["s"]), 400000,
   "a 400,000-byte attribute is stored")

# ---- conditions and updates ---------------------------------------------------
# Debian 12's botocore (1.29) predates ReturnValuesOnConditionCheckFailure
# and refuses it as a parameter; where it is unknown, the member is added
# to the serialized request instead (before it is signed).
def put_rvoccf(**kw):
    shape = client.meta.service_model.operation_model("PutItem").input_shape
    if "ReturnValuesOnConditionCheckFailure" in shape.members:
        return t.put_item(ReturnValuesOnConditionCheckFailure="ALL_OLD", **kw)

    def add(params, **_):
        body = json.loads(params["body"])
        body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        params["body"] = json.dumps(body).encode()
    # ... and its error shape has no Item, which it would drop: take it
    # from the reply's body.
    def keep(http_response, parsed, **_):
        body = json.loads(http_response.content or b"{}")
        if "Item" in body:
            parsed["Item"] = body["Item"]
    ev = ddb.meta.client.meta.events
    ev.register("before-call.dynamodb.PutItem", add)
    ev.register("after-call.dynamodb.PutItem", keep)
    try:
        return t.put_item(**kw)
    finally:
        ev.unregister("before-call.dynamodb.PutItem", add)
        ev.unregister("after-call.dynamodb.PutItem", keep)


code, _, resp = err_code(put_rvoccf, Item={"cust": "ann", "ts": 1},
                         ConditionExpression="attribute_not_exists(cust)")
eq(code, "ConditionalCheckFailedException", "put over an existing item with attribute_not_exists")
check(resp is not None and resp.get("Item", {}).get("status") == {"S": "open"},
      "ReturnValuesOnConditionCheckFailure=ALL_OLD carries the item",
      resp and resp.get("Item"))
r = t.update_item(Key={"cust": "ann", "ts": 1},
                  UpdateExpression="SET #s = :s, #t = #t + :d, addr.city = :c "
                                   "REMOVE neg ADD nums :more DELETE tags :a",
                  ConditionExpression="#s = :open",
                  ExpressionAttributeNames={"#s": "status", "#t": "total"},
                  ExpressionAttributeValues={":s": "paid", ":d": decimal.Decimal("0.000000000000000001"),
                                             ":c": "Bergen", ":more": {4}, ":a": {"a"},
                                             ":open": "open"},
                  ReturnValues="ALL_NEW")["Attributes"]
eq(r["status"], "paid", "update: SET through a name placeholder (status is reserved)")
eq(r["total"], decimal.Decimal("12345678901234567890.123456789012345679"),
   "update: exact decimal addition at 38 digits")
eq(r["addr"]["city"], "Bergen", "update: SET a nested path")
check("neg" not in r, "update: REMOVE", sorted(r))
eq(r["nums"], {1, 2, 3, 4}, "update: ADD to a number set")
eq(r["tags"], {"b"}, "update: DELETE from a string set")
code, msg, _ = err_code(t.update_item, Key={"cust": "ann", "ts": 1},
                        UpdateExpression="SET status = :s",
                        ExpressionAttributeValues={":s": "x"})
eq(code, "ValidationException", "a reserved word used bare: ValidationException")
check("reserved keyword" in msg, "the message names the reserved keyword", msg)
code, msg, _ = err_code(t.update_item, Key={"cust": "ann", "ts": 1},
                        UpdateExpression="SET cust = :s", ExpressionAttributeValues={":s": "x"})
eq(code, "ValidationException", "updating a key attribute is refused")
code, msg, _ = err_code(t.update_item, Key={"cust": "ann", "ts": 1},
                        UpdateExpression="SET a = :a", ExpressionAttributeValues={":a": 1, ":b": 2})
eq(code, "ValidationException", "an unused value placeholder is refused")
r = t.update_item(Key={"cust": "cnt", "ts": 0}, UpdateExpression="ADD hits :one",
                  ExpressionAttributeValues={":one": 1}, ReturnValues="UPDATED_NEW")
eq(r["Attributes"], {"hits": 1}, "update of a missing item creates it (a counter)")
for _ in range(4):
    t.update_item(Key={"cust": "cnt", "ts": 0}, UpdateExpression="ADD hits :one",
                  ExpressionAttributeValues={":one": 1})
eq(t.get_item(Key={"cust": "cnt", "ts": 0})["Item"]["hits"], 5, "the counter counts to 5")
r = t.delete_item(Key={"cust": "cnt", "ts": 0}, ReturnValues="ALL_OLD")
eq(r["Attributes"]["hits"], 5, "delete-item ReturnValues ALL_OLD")
check("Item" not in t.get_item(Key={"cust": "cnt", "ts": 0}), "the deleted item is gone")

# ---- query, scan, indexes -----------------------------------------------------
with t.batch_writer() as bw:
    for i in range(250):
        bw.put_item(Item={"cust": "bob", "ts": i, "status": "open" if i % 2 else "done",
                          "pad": "p" * 5000})
r = t.query(KeyConditionExpression=Key("cust").eq("bob") & Key("ts").between(10, 19))
eq([x["ts"] for x in r["Items"]], list(range(10, 20)), "query: BETWEEN on the sort key, in order")
r = t.query(KeyConditionExpression=Key("cust").eq("bob") & Key("ts").lt(5), ScanIndexForward=False)
eq([x["ts"] for x in r["Items"]], [4, 3, 2, 1, 0], "query: backwards")
# COUNT pages at 1 MB read as any Query does: sum the pages.
counts, start = [0, 0], None
while True:
    kw = {"KeyConditionExpression": Key("cust").eq("bob"),
          "FilterExpression": Attr("status").eq("done"), "Select": "COUNT"}
    if start:
        kw["ExclusiveStartKey"] = start
    r = t.query(**kw)
    counts[0] += r["Count"]
    counts[1] += r["ScannedCount"]
    start = r.get("LastEvaluatedKey")
    if not start:
        break
eq(tuple(counts), (125, 250), "query: a filter counts after the read")
seen, start, pages = [], None, 0
while True:
    kw = {"KeyConditionExpression": Key("cust").eq("bob"), "Limit": 60}
    if start:
        kw["ExclusiveStartKey"] = start
    r = t.query(**kw)
    seen += [x["ts"] for x in r["Items"]]
    pages += 1
    start = r.get("LastEvaluatedKey")
    if not start:
        break
eq(seen, list(range(250)), "query: paging with Limit returns every item once, in order")
check(pages >= 5, "query: Limit 60 over 250 items takes at least 5 pages", pages)
r = t.query(KeyConditionExpression=Key("cust").eq("bob"))
check(len(r["Items"]) < 250 and "LastEvaluatedKey" in r,
      "query: a page stops at 1 MB (250 items of 5 KB)", len(r["Items"]))
r = t.query(IndexName="by_status", KeyConditionExpression=Key("status").eq("open") & Key("ts").gte(240))
eq([x["ts"] for x in r["Items"]], [241, 243, 245, 247, 249], "query on the GSI")
t.update_item(Key={"cust": "bob", "ts": 241}, UpdateExpression="SET #s = :d",
              ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":d": "done"})
r = t.query(IndexName="by_status", KeyConditionExpression=Key("status").eq("open") & Key("ts").gte(240))
eq([x["ts"] for x in r["Items"]], [243, 245, 247, 249], "the GSI follows an update of its key")
total = 0
for seg in range(3):
    start = None
    while True:
        kw = {"Segment": seg, "TotalSegments": 3, "Select": "COUNT"}
        if start:
            kw["ExclusiveStartKey"] = start
        r = t.scan(**kw)
        total += r["Count"]
        start = r.get("LastEvaluatedKey")
        if not start:
            break
all_items = 0
start = None
while True:
    kw = {"Select": "COUNT"}
    if start:
        kw["ExclusiveStartKey"] = start
    r = t.scan(**kw)
    all_items += r["Count"]
    start = r.get("LastEvaluatedKey")
    if not start:
        break
eq(total, all_items, "parallel scan: three segments cover the table exactly")
r = t.scan(FilterExpression=Attr("status").eq("paid"), ProjectionExpression="cust, addr.city")
eq(r["Items"], [{"cust": "ann", "addr": {"city": "Bergen"}}], "scan with a filter and a nested projection")

# ---- batches and transactions ---------------------------------------------------
r = client.batch_get_item(RequestItems={"b3_orders": {
    "Keys": [{"cust": {"S": "bob"}, "ts": {"N": str(i)}} for i in range(5)],
    "ProjectionExpression": "ts"}})
eq(sorted(int(x["ts"]["N"]) for x in r["Responses"]["b3_orders"]), [0, 1, 2, 3, 4],
   "batch-get: five keys")
eq(r["UnprocessedKeys"], {}, "batch-get: nothing unprocessed")
code, msg, _ = err_code(client.batch_write_item, RequestItems={"b3_orders": [
    {"PutRequest": {"Item": {"cust": {"S": "z"}, "ts": {"N": str(i)}}}} for i in range(26)]})
eq(code, "ValidationException", "batch-write of 26: ValidationException")
client.transact_write_items(TransactItems=[
    {"Put": {"TableName": "b3_orders", "Item": {"cust": {"S": "tx"}, "ts": {"N": "1"}, "v": {"N": "1"}}}},
    {"Update": {"TableName": "b3_orders", "Key": {"cust": {"S": "ann"}, "ts": {"N": "1"}},
                "UpdateExpression": "SET txed = :t", "ExpressionAttributeValues": {":t": {"BOOL": True}}}}])
eq(t.get_item(Key={"cust": "tx", "ts": 1}).get("Item", {}).get("v"), 1, "transact-write: the Put is there")
code, msg, resp = err_code(client.transact_write_items, TransactItems=[
    {"Put": {"TableName": "b3_orders", "Item": {"cust": {"S": "tx"}, "ts": {"N": "2"}}}},
    {"ConditionCheck": {"TableName": "b3_orders", "Key": {"cust": {"S": "ann"}, "ts": {"N": "1"}},
                        "ConditionExpression": "attribute_not_exists(cust)"}}])
eq(code, "TransactionCanceledException", "transact-write with a failing check is cancelled")
reasons = [x.get("Code") for x in (resp or {}).get("CancellationReasons", [])]
eq(reasons, ["None", "ConditionalCheckFailed"], "cancellation reasons, in order")
check("Item" not in t.get_item(Key={"cust": "tx", "ts": 2}), "a cancelled transaction wrote nothing")
r = client.transact_get_items(TransactItems=[
    {"Get": {"TableName": "b3_orders", "Key": {"cust": {"S": "tx"}, "ts": {"N": "1"}}}},
    {"Get": {"TableName": "b3_orders", "Key": {"cust": {"S": "ann"}, "ts": {"N": "1"}},
             "ProjectionExpression": "txed"}}])
eq([x.get("Item") for x in r["Responses"]],
   [{"cust": {"S": "tx"}, "ts": {"N": "1"}, "v": {"N": "1"}}, {"txed": {"BOOL": True}}],
   "transact-get: both items, the second projected")

# ---- PartiQL ---------------------------------------------------------------------
client.execute_statement(Statement="INSERT INTO \"b3_orders\" VALUE {'cust': 'pq', 'ts': 1, 'n': 5}")
r = client.execute_statement(Statement="SELECT n FROM \"b3_orders\" WHERE cust = ? AND ts = ?",
                             Parameters=[{"S": "pq"}, {"N": "1"}])
eq(r["Items"], [{"n": {"N": "5"}}], "PartiQL: INSERT then SELECT with parameters")
code, _, _ = err_code(client.execute_statement,
                      Statement="INSERT INTO \"b3_orders\" VALUE {'cust': 'pq', 'ts': 1}")
eq(code, "DuplicateItemException", "PartiQL: INSERT of an existing key")
client.execute_statement(Statement="UPDATE \"b3_orders\" SET n = n + 1 WHERE cust = 'pq' AND ts = 1")
eq(t.get_item(Key={"cust": "pq", "ts": 1})["Item"]["n"], 6, "PartiQL: UPDATE")
code, _, _ = err_code(client.execute_statement, Statement="SELEC * FROM \"b3_orders\"")
eq(code, "ValidationException", "PartiQL: a malformed statement")

# ---- TTL, tags, deletion -----------------------------------------------------------
client.update_time_to_live(TableName="b3_orders",
                           TimeToLiveSpecification={"AttributeName": "exp", "Enabled": True})
eq(client.describe_time_to_live(TableName="b3_orders")["TimeToLiveDescription"]["TimeToLiveStatus"],
   "ENABLED", "TTL enabled")
t.put_item(Item={"cust": "ttl", "ts": 1, "exp": int(time.time()) - 10})
t.put_item(Item={"cust": "ttl", "ts": 2, "exp": int(time.time()) + 3600})
gone = False
for _ in range(60):
    if "Item" not in t.get_item(Key={"cust": "ttl", "ts": 1}):
        gone = True
        break
    time.sleep(0.5)
check(gone, "the TTL sweeper deletes an expired item")
check("Item" in t.get_item(Key={"cust": "ttl", "ts": 2}), "and keeps an unexpired one")
arn = d["TableArn"]
client.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "shop"}])
eq(client.list_tags_of_resource(ResourceArn=arn)["Tags"], [{"Key": "team", "Value": "shop"}], "tags")
client.delete_table(TableName="b3_orders")
code, _, _ = err_code(client.describe_table, TableName="b3_orders")
eq(code, "ResourceNotFoundException", "delete-table: gone")

# ---- a table's definition changes under the readers ----------------------------------
# The reader threads keep the definitions they loaded; each change of the
# catalog must reach every reader at once.  Several reads after each change
# so that both reader threads have loaded (and cached) the old definition.
def reads(fn, n=6):
    return [fn() for _ in range(n)]


client.create_table(TableName="b3_shape", BillingMode="PAY_PER_REQUEST",
                    AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                    KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])
client.put_item(TableName="b3_shape", Item={"k": {"S": "a"}, "g": {"S": "x"}})
reads(lambda: client.get_item(TableName="b3_shape", Key={"k": {"S": "a"}}))
client.update_table(TableName="b3_shape",
                    AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                    GlobalSecondaryIndexUpdates=[{"Create": {
                        "IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "ALL"}}}])
got = reads(lambda: client.query(TableName="b3_shape", IndexName="by_g",
                                 KeyConditionExpression="g = :g",
                                 ExpressionAttributeValues={":g": {"S": "x"}})["Count"])
eq(got, [1] * 6, "every read after UpdateTable sees the new GSI")
client.delete_table(TableName="b3_shape")
client.create_table(TableName="b3_shape", BillingMode="PAY_PER_REQUEST",
                    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}],
                    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
client.put_item(TableName="b3_shape", Item={"id": {"N": "7"}})
got = reads(lambda: client.get_item(TableName="b3_shape", Key={"id": {"N": "7"}}).get("Item"))
eq(got, [{"id": {"N": "7"}}] * 6, "a table deleted and made again with another key is read with the new key")
code, _, _ = err_code(client.get_item, TableName="b3_shape", Key={"k": {"S": "a"}})
eq(code, "ValidationException", "and the old key is refused")
client.delete_table(TableName="b3_shape")
got = [err_code(client.get_item, TableName="b3_shape", Key={"id": {"N": "7"}})[0] for _ in range(6)]
eq(got, ["ResourceNotFoundException"] * 6, "every read after DeleteTable finds no table")

print("1..%d" % N)
