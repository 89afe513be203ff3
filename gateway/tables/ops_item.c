/* ops_item.c: in progress (the link needs the symbols). */
#include "engine_int.h"

int
op_PutItem(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "PutItem is not implemented yet");
}

int
op_GetItem(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "GetItem is not implemented yet");
}

int
op_UpdateItem(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "UpdateItem is not implemented yet");
}

int
op_DeleteItem(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "DeleteItem is not implemented yet");
}
