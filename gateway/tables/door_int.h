/*
 * door_int: what door.c shares with door_admin.c (the admin requests and
 * the metrics' samples of the store).  Not for use outside gateway/tables/.
 */
#ifndef LAMBDAD_TABLES_DOOR_INT_H
#define LAMBDAD_TABLES_DOOR_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>
#include <uv.h>

#include "ddb.h"
#include "door.h"
#include "engine.h"

struct conf;
struct store;
struct http_server;
struct tables_backend;
struct metrics_tables;

struct tables_door {
	uv_loop_t	*loop;
	const struct conf *conf;
	struct store	*store;		/* NULL until something uses it */
	struct http_server *srv;	/* NULL without dynamodb_listen */
	struct tables_backend *backend;	/* tables_backend: no store then */
	uv_timer_t	 ttl;
	bool		 ttl_busy;	/* a sweep is queued or running */
	bool		 closing;
	uint64_t	 rng[2];
	void		(*close_cb)(void *);
	void		*close_arg;
	/* Metrics (door_admin.c): where calls are reported, and the
	 * sampler of the store's counts. */
	struct metrics_tables *mt;
	bool		 sample_busy;
	uint64_t	 sample_next;	/* loop ms */
};

#define DOOR_SAMPLE_MS	5000	/* the store's counts, at most this often */
#define DOOR_SAMPLE_DUTY 100	/* and a reader busy 1/100 of the time */

/* The store to run an admin job on, or NULL and why not (a sentence). */
struct store *door_store(const struct tables_door *d, const char **why);
/*
 * Report a call of op (request in, NULL if it did not parse) by function
 * fn ("" or NULL: the listener) to the metrics: each table it names,
 * error type (DDB_OK: none), time since t0 (uv_hrtime).
 */
void	door_report(struct tables_door *d, enum tables_op op,
	    const cJSON *in, const char *fn, enum ddb_errtype type,
	    uint64_t t0);
struct door_backend_req;
/*
 * A call for tables_backend: have it reported once r->req is answered
 * (r->done set).  true if so, and the report owns in from now on (freed
 * when done; the caller must not use it after door_backend_submit);
 * false: nothing to report to, in is still the caller's.
 */
bool	door_report_later(struct tables_door *d, struct door_backend_req *r,
	    cJSON *in, const char *fn, uint64_t t0);
/* Sample the store's counts into the metrics if one is due. */
void	door_sample(struct tables_door *d);

#endif
