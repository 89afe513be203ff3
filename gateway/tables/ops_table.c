/* ops_table.c: in progress (the link needs the symbols). */
#include "engine_int.h"

int
op_CreateTable(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "CreateTable is not implemented yet");
}

int
op_DescribeTable(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "DescribeTable is not implemented yet");
}

int
op_ListTables(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "ListTables is not implemented yet");
}

int
op_UpdateTable(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "UpdateTable is not implemented yet");
}

int
op_DeleteTable(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "DeleteTable is not implemented yet");
}

int
op_UpdateTimeToLive(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "UpdateTimeToLive is not implemented yet");
}

int
op_DescribeTimeToLive(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "DescribeTimeToLive is not implemented yet");
}

int
op_TagResource(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "TagResource is not implemented yet");
}

int
op_UntagResource(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "UntagResource is not implemented yet");
}

int
op_ListTagsOfResource(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "ListTagsOfResource is not implemented yet");
}

int
op_DescribeEndpoints(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "DescribeEndpoints is not implemented yet");
}

int
op_DescribeLimits(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "DescribeLimits is not implemented yet");
}
