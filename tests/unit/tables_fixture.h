/*
 * tables_fixture: what the unit tests of the Tables engine share.  A real
 * SQLite file with the engine's schema in a fresh directory, one open
 * transaction for the whole test, and calls run as the store runs them:
 * each inside a SAVEPOINT, rolled back when it fails.  db and err are the
 * test's; requests are written with a stand-in quote (' or `) for ".
 */
#ifndef LAMBDAD_TEST_TABLES_FIXTURE_H
#define LAMBDAD_TEST_TABLES_FIXTURE_H

#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tables/engine.h"
#include "tables_wire.h"
#include "tmpdir.h"

static char tf_dir[PATH_MAX];
static sqlite3 *db;
static struct ddb_err err;

static inline void
tf_open(const char *name)
{
	char path[PATH_MAX + 16];

	tmpdir_make(name, tf_dir);
	snprintf(path, sizeof(path), "%s/t.db", tf_dir);
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, tables_schema, NULL, NULL, NULL),
	    SQLITE_OK, "%s", sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
}

static inline void
tf_close(void)
{
	ddb_err_clear(&err);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	tmpdir_remove(tf_dir);
}

/* Run op on text (freed here), quote standing for ": the reply, or NULL
 * with err set. */
static inline cJSON *
tf_exec(enum tables_op op, char *text, char quote,
    const struct tables_call *call)
{
	cJSON *req, *resp = NULL;
	char *p;
	int rc;

	for (p = text; *p != '\0'; p++)
		if (*p == quote)
			*p = '"';
	req = cJSON_Parse(text);
	cr_assert_not_null(req, "bad test JSON: %s", text);
	ddb_err_clear(&err);
	sqlite3_exec(db, "SAVEPOINT call", NULL, NULL, NULL);
	rc = tables_exec(db, op, req, call, &resp, &err);
	sqlite3_exec(db, rc == 0 ? "RELEASE call" :
	    "ROLLBACK TO call; RELEASE call", NULL, NULL, NULL);
	cJSON_Delete(req);
	free(text);
	return rc == 0 ? tf_wire(resp) : NULL;
}

static inline cJSON *
ok(cJSON *resp)
{
	cr_assert_not_null(resp, "call failed: %s %s",
	    ddb_err_name(err.type), err.msg);
	return resp;
}

static inline void
fails(cJSON *resp, enum ddb_errtype type, const char *msg_part)
{
	cr_assert_null(resp, "call should have failed");
	cr_expect_eq(err.type, type, "type %s: %s", ddb_err_name(err.type),
	    err.msg);
	if (msg_part != NULL)
		cr_expect(strstr(err.msg, msg_part) != NULL, "message: %s",
		    err.msg);
}

#endif
