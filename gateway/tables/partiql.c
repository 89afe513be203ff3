/* partiql.c: placeholder until its owner lands it (the link needs the symbols). */
#include "engine_int.h"

int
op_ExecuteStatement(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "ExecuteStatement is not implemented yet");
}

int
op_BatchExecuteStatement(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "BatchExecuteStatement is not implemented yet");
}

int
op_ExecuteTransaction(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "ExecuteTransaction is not implemented yet");
}
