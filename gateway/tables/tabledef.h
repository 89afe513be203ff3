/*
 * tabledef: a table's definition from CreateTable and UpdateTable
 * requests, checked as DynamoDB checks it, in the stored form the catalog
 * keeps (tabledef.c).  For ops_table.c; not for use outside
 * gateway/tables/.
 */
#ifndef LAMBDAD_TABLES_TABLEDEF_H
#define LAMBDAD_TABLES_TABLEDEF_H

#include "engine_int.h"

#define TDEF_GSI_MAX	20
#define TDEF_TAGS_MAX	50

/* What an UpdateTable changed besides the description: the GSIs to
 * register and backfill, and those to drop (names point into the request
 * and into the old description). */
struct tdef_change {
	const char	*created[TDEF_GSI_MAX + 1], *deleted[TDEF_GSI_MAX + 1];
	size_t		 ncreated, ndeleted;
	bool		 pt_changed;
};

/* CreateTable's request (TableName name already checked) as the stored
 * description: a new tree, or NULL with DynamoDB's ValidationException. */
cJSON	*tdef_create(const cJSON *req, const struct tables_call *call,
	    const char *name, struct ddb_err *err);
/* Apply UpdateTable's request to nd, a copy of t's description.  0 or
 * -1 (nd is then partly changed: throw it away). */
int	tdef_update(const cJSON *req, const struct tbl *t,
	    const struct tables_call *call, cJSON *nd, struct tdef_change *ch,
	    struct ddb_err *err);
/* Tags [{Key, Value}]: at most 50, Key 1-128, Value 0-256 characters. */
int	tdef_tags_check(const cJSON *tags, const char *field,
	    struct ddb_err *err);
/* "1 validation error detected: Value null at 'FIELD' ... must not be
 * null"; -1. */
int	tdef_not_null(struct ddb_err *err, const char *field);

#endif
