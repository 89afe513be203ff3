/* ops_read.c: placeholder until its owner lands it (the link needs the symbols). */
#include "engine_int.h"

int
op_Query(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "Query is not implemented yet");
}

int
op_Scan(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	(void)db; (void)req; (void)call; (void)resp;
	return ddb_fail(err, DDB_UNKNOWN_OPERATION, "Scan is not implemented yet");
}
