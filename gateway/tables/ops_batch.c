/* ops_batch.c: placeholder until its owner lands it (the link needs the symbols). */
#include "engine_int.h"

int
op_BatchGetItem(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "BatchGetItem is not implemented yet");
}

int
op_BatchWriteItem(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "BatchWriteItem is not implemented yet");
}

int
op_TransactWriteItems(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "TransactWriteItems is not implemented yet");
}

int
op_TransactGetItems(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "TransactGetItems is not implemented yet");
}
