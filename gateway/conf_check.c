/*
 * conf_check: what conf_load works out and checks once every file is read
 * (routes that clash across files, auth without keys, the bootstrap files
 * as found, the worker uids, the directories each jail hides), and what a
 * reload compares.  See conf.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "conf_int.h"
#include "route.h"

/* ---- checks across files -------------------------------------------------- */

/* Which earlier route does r clash with?  Only run on the error path. */
static const struct conf_route *
conf_route_clash(const struct conf *c, const struct conf_route *r,
    const struct function_conf **owner)
{
	struct route_table *t;
	const char *why;
	size_t i, j;
	int rc;

	for (i = 0; i < c->nfns; i++) {
		for (j = 0; j < c->fns[i].nroutes; j++) {
			const struct conf_route *e = &c->fns[i].routes[j];

			if (e == r || (t = route_table_new()) == NULL)
				return NULL;
			rc = route_add(t, e->spec, NULL, &why);
			if (rc == 0)
				rc = route_add(t, r->spec, NULL, &why);
			route_table_free(t);
			if (rc == -EEXIST) {
				*owner = &c->fns[i];
				return e;
			}
		}
	}
	return NULL;
}

static int
conf_route_error(const struct conf *c, const struct conf_route *r, int rc,
    const char *why, char *err, size_t errlen)
{
	const struct function_conf *owner = NULL;
	const struct conf_route *e;

	if (rc != -EEXIST) {
		snprintf(err, errlen, "%s:%d: route \"%s\": %s", r->file, r->line,
		    r->spec, rc == -ENOMEM ? "out of memory" : why);
		return -1;
	}
	e = conf_route_clash(c, r, &owner);
	if (e == NULL)
		snprintf(err, errlen, "%s:%d: route \"%s\" is defined twice",
		    r->file, r->line, r->spec);
	else
		snprintf(err, errlen, "%s:%d: route \"%s\" is already taken by "
		    "function %s at %s:%d", r->file, r->line, r->spec,
		    owner->name, e->file, e->line);
	return -1;
}

/* Two functions (or one, twice) may not claim the same method and path. */
int
conf_check_routes(const struct conf *c, char *err, size_t errlen)
{
	struct route_table *rt;
	const char *why = "invalid route";
	size_t i, j;
	int rc = 0;

	if ((rt = route_table_new()) == NULL) {
		snprintf(err, errlen, "%s:0: out of memory", c->files[0]);
		return -1;
	}
	for (i = 0; i < c->nfns && rc == 0; i++) {
		for (j = 0; j < c->fns[i].nroutes && rc == 0; j++) {
			const struct conf_route *r = &c->fns[i].routes[j];

			rc = route_add(rt, r->spec, NULL, &why);
			if (rc < 0)
				conf_route_error(c, r, rc, why, err, errlen);
		}
	}
	route_table_free(rt);
	return rc < 0 ? -1 : 0;
}

/*
 * auth = aws_iam on routes verifies signatures against the access_key
 * lines; with none, nobody could ever call those routes.
 */
int
conf_check_auth(const struct conf *c, char *err, size_t errlen)
{
	size_t i;

	if (c->naccess_keys > 0)
		return 0;
	for (i = 0; i < c->nfns; i++) {
		const struct function_conf *fn = &c->fns[i];

		if (fn->auth == CONF_AUTH_AWS_IAM && fn->nroutes > 0) {
			snprintf(err, errlen, "%s:%d: function %s: auth = aws_iam "
			    "needs at least one access_key in [lambdad]",
			    fn->file, fn->line, fn->name);
			return -1;
		}
	}
	return 0;
}

const char *
conf_state_dir(const struct conf *c)
{
	return c->state_dir != NULL ? c->state_dir : CONF_STATE_DIR;
}

/* Note what file the bootstrap is now, for conf_fn_same. */
void
conf_stat_bootstraps(struct conf *c)
{
	struct stat st;
	size_t i;

	for (i = 0; i < c->nfns; i++) {
		struct function_conf *fn = &c->fns[i];

		if (stat(fn->bootstrap, &st) != 0)
			continue;
		fn->boot_dev = st.st_dev;
		fn->boot_ino = st.st_ino;
		fn->boot_size = (unsigned long long)st.st_size;
		fn->boot_mtime_ns = (unsigned long long)st.st_mtim.tv_sec *
		    1000000000ULL + (unsigned long long)st.st_mtim.tv_nsec;
	}
}

/*
 * One worker uid per function from worker_uids, the same for the same
 * config whatever the order of its files, so that files a function wrote
 * under one start keep their owner under the next.  A function starts at
 * first + FNV-1a(name) mod the range's size; when a function earlier in
 * name order holds that uid, it takes the next free one (wrapping).  A
 * range smaller than the number of functions makes the rest share from
 * the start of their probe: there is no uid to give them alone.
 */
static uint32_t
conf_fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int
conf_uid_taken(const struct conf *c, const struct function_conf *self,
    unsigned uid)
{
	for (size_t i = 0; i < c->nfns; i++)
		if (&c->fns[i] != self && c->fns[i].worker_uid == uid &&
		    strcmp(c->fns[i].name, self->name) < 0)
			return 1;
	return 0;
}

void
conf_assign_uids(struct conf *c)
{
	unsigned n, first = c->worker_uid_first, tries;
	size_t i, j, done;

	if (first == 0)
		return;
	n = c->worker_uid_last - first + 1;
	/* In name order, so each probe sees every earlier name's choice. */
	for (done = 0; done < c->nfns; done++) {
		struct function_conf *fn = NULL;

		for (j = 0; j < c->nfns; j++)
			if (c->fns[j].worker_uid == 0 && (fn == NULL ||
			    strcmp(c->fns[j].name, fn->name) < 0))
				fn = &c->fns[j];
		i = conf_fnv1a(fn->name) % n;
		for (tries = 0; tries < n &&
		    conf_uid_taken(c, fn, first + (unsigned)i); tries++)
			i = (i + 1) % n;
		if (tries == n)
			i = conf_fnv1a(fn->name) % n;
		fn->worker_uid = first + (unsigned)i;
	}
}

/* Is dir the same as path, or above it? */
static int
conf_dir_holds(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	return strncmp(dir, path, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/' || (n == 1 && dir[0] == '/'));
}

/*
 * For each function, the directories of the others, so that its jail can
 * cover them, and state_dir's layers/ and opt/ (every function's layers:
 * a function sees its own on /opt, bound before they are covered).  A
 * directory that holds this function's own (say, several functions'
 * bootstraps in one directory) cannot be covered and is left out: such
 * functions can read each other's files.
 */
int
conf_list_others(struct conf *c)
{
	size_t i, j, k, n;

	if ((c->layer_dirs[0] = conf_join(conf_state_dir(c), "layers")) == NULL ||
	    (c->layer_dirs[1] = conf_join(conf_state_dir(c), "opt")) == NULL)
		return -1;
	for (i = 0; i < c->nfns; i++) {
		struct function_conf *fn = &c->fns[i];

		if ((fn->others = calloc(c->nfns + 2, sizeof(*fn->others))) ==
		    NULL)
			return -1;
		for (j = n = 0; j < c->nfns; j++) {
			const char *d = c->fns[j].task_root;

			if (j == i || conf_dir_holds(d, fn->task_root))
				continue;
			for (k = 0; k < n && strcmp(fn->others[k], d) != 0; k++)
				;
			if (k == n)
				fn->others[n++] = d;
		}
		for (k = 0; k < 2; k++)
			if (!conf_dir_holds(c->layer_dirs[k], fn->task_root))
				fn->others[n++] = c->layer_dirs[k];
	}
	return 0;
}

int
conf_str_same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int
conf_fn_same(const struct function_conf *a, const struct function_conf *b)
{
	size_t i;

	if (!conf_str_same(a->name, b->name) ||
	    !conf_str_same(a->bootstrap, b->bootstrap) ||
	    !conf_str_same(a->opt_dir, b->opt_dir) ||
	    a->boot_dev != b->boot_dev || a->boot_ino != b->boot_ino ||
	    a->boot_size != b->boot_size ||
	    a->boot_mtime_ns != b->boot_mtime_ns ||
	    a->memory_mb != b->memory_mb || a->timeout_s != b->timeout_s ||
	    a->min_idle != b->min_idle || a->max_workers != b->max_workers ||
	    a->idle_timeout_s != b->idle_timeout_s ||
	    a->max_invocations != b->max_invocations ||
	    a->max_concurrency != b->max_concurrency ||
	    a->queue_depth != b->queue_depth ||
	    a->queue_timeout_s != b->queue_timeout_s ||
	    a->payload != b->payload || a->seccomp != b->seccomp ||
	    a->network != b->network || a->tmp_mb != b->tmp_mb ||
	    a->pids != b->pids || a->cpu_pct != b->cpu_pct ||
	    a->sandbox != b->sandbox || a->worker_uid != b->worker_uid ||
	    a->nenv != b->nenv ||
	    /* Which tables does not count (the door reads the grants at each
	     * call), whether any does: it sets the endpoint variable. */
	    (a->ntables > 0) != (b->ntables > 0) ||
	    (a->nbuckets > 0) != (b->nbuckets > 0) ||
	    a->ws_endpoint != b->ws_endpoint)
		return 0;
	for (i = 0; i < a->nenv; i++)
		if (strcmp(a->env[i], b->env[i]) != 0)
			return 0;
	return 1;
}

struct function_conf *
conf_find(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nfns; i++)
		if (strcmp(c->fns[i].name, name) == 0)
			return &c->fns[i];
	return NULL;
}
