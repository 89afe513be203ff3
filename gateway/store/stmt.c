/*
 * stmt: the prepared statements of a store thread's connection, kept.
 *
 * Preparing a statement (tokenizing, parsing, planning) costs more than
 * running the primary-key lookups most requests are, so each store thread
 * keeps what its jobs prepared, keyed by the SQL text, for as long as the
 * thread runs.  The cache is thread-local and bound to the one connection
 * the thread owns: on any other connection (a backup's target, the unit
 * tests' own) store_stmt prepares and store_stmt_done finalizes, as
 * sqlite3_prepare_v2 / sqlite3_finalize would.
 *
 * A statement handed out is busy until store_stmt_done resets it (and
 * clears its bindings); asking again for the same text meanwhile (a nested
 * use) gets a fresh statement of its own.  When every slot is taken, the
 * least recently used idle one is finalized.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stmt.h"

#define STMT_SLOTS	48

struct stmt_slot {
	char		*sql;		/* NULL: free */
	uint32_t	 hash;
	sqlite3_stmt	*st;
	bool		 busy;
	uint64_t	 used;		/* tick of the last hand-out */
};

struct stmt_cache {
	sqlite3		*db;
	uint64_t	 tick;
	struct stmt_slot slot[STMT_SLOTS];
	void		*memo;
	void		(*memo_free)(void *);
};

static __thread struct stmt_cache *tls;

static uint32_t
stmt_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void
store_stmt_attach(sqlite3 *db)
{
	store_stmt_detach();
	if ((tls = calloc(1, sizeof(*tls))) != NULL)
		tls->db = db;
}

void
store_stmt_detach(void)
{
	size_t i;

	if (tls == NULL)
		return;
	if (tls->memo_free != NULL)
		tls->memo_free(tls->memo);
	for (i = 0; i < STMT_SLOTS; i++) {
		sqlite3_finalize(tls->slot[i].st);
		free(tls->slot[i].sql);
	}
	free(tls);
	tls = NULL;
}

/* The slot to fill: a free one, else the least recently used idle one
 * (finalized), else NULL. */
static struct stmt_slot *
stmt_victim(struct stmt_cache *c)
{
	struct stmt_slot *v = NULL;
	size_t i;

	for (i = 0; i < STMT_SLOTS; i++) {
		if (c->slot[i].sql == NULL)
			return &c->slot[i];
		if (!c->slot[i].busy && (v == NULL || c->slot[i].used < v->used))
			v = &c->slot[i];
	}
	if (v != NULL) {
		sqlite3_finalize(v->st);
		free(v->sql);
		memset(v, 0, sizeof(*v));
	}
	return v;
}

int
store_stmt(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	struct stmt_cache *c = tls;
	struct stmt_slot *v;
	uint32_t h;
	size_t i;
	int rc;

	*st = NULL;
	if (c == NULL || c->db != db)
		return sqlite3_prepare_v2(db, sql, -1, st, NULL);
	h = stmt_hash(sql);
	for (i = 0; i < STMT_SLOTS; i++) {
		v = &c->slot[i];
		if (v->sql != NULL && !v->busy && v->hash == h &&
		    strcmp(v->sql, sql) == 0) {
			v->busy = true;
			v->used = ++c->tick;
			*st = v->st;
			return SQLITE_OK;
		}
	}
	if ((v = stmt_victim(c)) == NULL || (v->sql = strdup(sql)) == NULL)
		return sqlite3_prepare_v2(db, sql, -1, st, NULL);
	rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &v->st,
	    NULL);
	if (rc != SQLITE_OK || v->st == NULL) {
		sqlite3_finalize(v->st);
		free(v->sql);
		memset(v, 0, sizeof(*v));
		return rc != SQLITE_OK ? rc : sqlite3_prepare_v2(db, sql, -1,
		    st, NULL);
	}
	v->hash = h;
	v->busy = true;
	v->used = ++c->tick;
	*st = v->st;
	return SQLITE_OK;
}

void
store_stmt_done(sqlite3_stmt *st)
{
	struct stmt_cache *c = tls;
	size_t i;

	if (st == NULL)
		return;
	if (c != NULL)
		for (i = 0; i < STMT_SLOTS; i++)
			if (c->slot[i].st == st) {
				sqlite3_reset(st);
				sqlite3_clear_bindings(st);
				c->slot[i].busy = false;
				return;
			}
	sqlite3_finalize(st);
}

void *
store_memo(sqlite3 *db)
{
	return tls != NULL && tls->db == db ? tls->memo : NULL;
}

int
store_memo_set(sqlite3 *db, void *v, void (*fr)(void *))
{
	if (tls == NULL || tls->db != db)
		return -1;
	if (tls->memo_free != NULL && tls->memo != v)
		tls->memo_free(tls->memo);
	tls->memo = v;
	tls->memo_free = fr;
	return 0;
}
