/*
 * metrics_tables: the Tables store's counters, histograms and gauges.  See
 * metrics_tables.h for the series and the cap.
 *
 * Tables are kept in an array sorted by name (a binary search per call,
 * and the exposition comes out in name order); each holds its operations
 * in the order first seen, and each operation its error types and its
 * callers.  Everything runs on the loop thread: plain integers.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "metrics_tables.h"

const double metrics_tables_buckets[METRICS_TABLES_NBUCKETS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

struct mt_count {
	char		*key;		/* an error type, or a function */
	uint64_t	 n;
};

struct mt_op {
	char		*op;
	uint64_t	 n;
	struct mt_count	 err[METRICS_TABLE_ERRS];
	size_t		 nerr;
	uint64_t	 err_other;
	struct mt_count	*fns;		/* callers: functions, a bounded set */
	size_t		 nfns;
	uint64_t	 bucket[METRICS_TABLES_NBUCKETS + 1];	/* last: +Inf */
	uint64_t	 count, sum_ns;
};

struct mt_table {
	char		*name;
	bool		 fixed;		/* "(other)" or "-": never dropped */
	uint64_t	 born;		/* the sample number when made */
	bool		 sized;
	uint64_t	 items, bytes;
	struct mt_op	 ops[METRICS_TABLE_OPS];
	size_t		 nops;
};

struct metrics_tables {
	struct mt_table	**tab;		/* sorted by name */
	size_t		 n, cap;
	size_t		 nown;		/* not fixed: what the cap counts */
	uint64_t	 sample;
};

/* ---- the registry ----------------------------------------------------------- */

struct metrics_tables *
metrics_tables_new(void)
{
	return calloc(1, sizeof(struct metrics_tables));
}

static void
mt_free_table(struct mt_table *e)
{
	size_t i, k;

	for (i = 0; i < e->nops; i++) {
		for (k = 0; k < e->ops[i].nerr; k++)
			free(e->ops[i].err[k].key);
		for (k = 0; k < e->ops[i].nfns; k++)
			free(e->ops[i].fns[k].key);
		free(e->ops[i].fns);
		free(e->ops[i].op);
	}
	free(e->name);
	free(e);
}

void
metrics_tables_free(struct metrics_tables *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		mt_free_table(t->tab[i]);
	free(t->tab);
	free(t);
}

size_t
metrics_tables_count(const struct metrics_tables *t)
{
	return t != NULL ? t->nown : 0;
}

/* The index of name, or where it would go (*found false). */
static size_t
mt_search(const struct metrics_tables *t, const char *name, bool *found)
{
	size_t lo = 0, hi = t->n, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(t->tab[mid]->name, name)) == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* The entry of name, made if there is room; else NULL (ENOMEM, or the
 * cap: then the caller counts under "(other)"). */
static struct mt_table *
mt_table(struct metrics_tables *t, const char *name, bool fixed)
{
	struct mt_table *e, **tab;
	bool found;
	size_t i = mt_search(t, name, &found);

	if (found)
		return t->tab[i];
	if (!fixed && t->nown >= METRICS_MAX_TABLES)
		return NULL;
	if (t->n == t->cap) {
		if ((tab = realloc(t->tab, (t->cap * 2 + 16) *
		    sizeof(*tab))) == NULL)
			return NULL;
		t->tab = tab;
		t->cap = t->cap * 2 + 16;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->name = strdup(name)) == NULL) {
		free(e);
		return NULL;
	}
	e->fixed = fixed;
	e->born = t->sample;
	memmove(&t->tab[i + 1], &t->tab[i], (t->n - i) * sizeof(*t->tab));
	t->tab[i] = e;
	t->n++;
	t->nown += !fixed;
	return e;
}

/* The table a call counts under. */
static struct mt_table *
mt_table_for(struct metrics_tables *t, const char *name)
{
	struct mt_table *e;

	if (name == NULL || *name == '\0')
		return mt_table(t, METRICS_TABLE_NONE, true);
	if ((e = mt_table(t, name, false)) != NULL)
		return e;
	return mt_table(t, METRICS_TABLE_OTHER, true);
}

static struct mt_op *
mt_op(struct mt_table *e, const char *op)
{
	struct mt_op *o;
	size_t i;

	for (i = 0; i < e->nops; i++)
		if (strcmp(e->ops[i].op, op) == 0)
			return &e->ops[i];
	if (e->nops == METRICS_TABLE_OPS)
		return NULL;
	o = &e->ops[e->nops];
	if ((o->op = strdup(op)) == NULL)
		return NULL;
	e->nops++;
	return o;
}

/* ---- hooks ------------------------------------------------------------------ */

static void
mt_count_err(struct mt_op *o, const char *type)
{
	size_t i;

	for (i = 0; i < o->nerr; i++)
		if (strcmp(o->err[i].key, type) == 0) {
			o->err[i].n++;
			return;
		}
	if (o->nerr == METRICS_TABLE_ERRS ||
	    (o->err[o->nerr].key = strdup(type)) == NULL) {
		o->err_other++;
		return;
	}
	o->err[o->nerr++].n = 1;
}

static void
mt_count_fn(struct mt_op *o, const char *fn)
{
	struct mt_count *f;
	size_t i;

	for (i = 0; i < o->nfns; i++)
		if (strcmp(o->fns[i].key, fn) == 0) {
			o->fns[i].n++;
			return;
		}
	if ((f = realloc(o->fns, (o->nfns + 1) * sizeof(*f))) == NULL)
		return;
	o->fns = f;
	if ((f[o->nfns].key = strdup(fn)) == NULL)
		return;
	f[o->nfns++].n = 1;
}

void
metrics_table_call(struct metrics_tables *t, const char *table,
    const char *op, const char *fn, const char *err, uint64_t ns)
{
	struct mt_table *e;
	struct mt_op *o;

	if (t == NULL || (e = mt_table_for(t, table)) == NULL ||
	    (o = mt_op(e, op)) == NULL)
		return;
	o->n++;
	if (err != NULL)
		mt_count_err(o, err);
	if (fn != NULL)
		mt_count_fn(o, fn);
	o->bucket[metrics_bucket(metrics_tables_buckets,
	    METRICS_TABLES_NBUCKETS, (double)ns / 1e9)]++;
	o->count++;
	o->sum_ns += ns;
}

uint64_t
metrics_tables_sample(struct metrics_tables *t)
{
	return t != NULL ? ++t->sample : 0;
}

/* Drop the tables made before sample that it did not see. */
static void
mt_prune(struct metrics_tables *t, uint64_t sample, const bool *seen)
{
	size_t i, k = 0;

	for (i = 0; i < t->n; i++) {
		struct mt_table *e = t->tab[i];

		if (!seen[i] && !e->fixed && e->born < sample) {
			mt_free_table(e);
			t->nown--;
			continue;
		}
		t->tab[k++] = e;
	}
	t->n = k;
}

void
metrics_tables_sized(struct metrics_tables *t, uint64_t sample,
    const struct metrics_table_size *v, size_t n)
{
	struct mt_table *e;
	bool *seen, found;
	size_t i, k;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		t->tab[i]->sized = false, t->tab[i]->items = 0,
		    t->tab[i]->bytes = 0;
	for (i = 0; i < n; i++) {
		if ((e = mt_table(t, v[i].table, false)) == NULL)
			e = mt_table(t, METRICS_TABLE_OTHER, true);
		if (e == NULL)
			continue;
		e->sized = true;
		e->items += v[i].items;
		e->bytes += v[i].bytes;
	}
	if ((seen = calloc(t->n + 1, sizeof(*seen))) == NULL)
		return;
	for (i = 0; i < n; i++)
		if ((k = mt_search(t, v[i].table, &found)), found)
			seen[k] = true;
	mt_prune(t, sample, seen);
	free(seen);
}

/* ---- rendering --------------------------------------------------------------- */

static void
mt_family(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP %s ", name);
	metrics_escape_help(b, help);
	buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

/* name{k0="v0",k1="v1",...} value, for the pairs whose key is set. */
static void
mt_sample(struct buf *b, const char *name, const char *const kv[][2],
    size_t n, uint64_t value)
{
	size_t i;

	buf_adds(b, name);
	buf_addc(b, '{');
	for (i = 0; i < n; i++) {
		buf_printf(b, "%s%s=\"", i > 0 ? "," : "", kv[i][0]);
		metrics_escape_label(b, kv[i][1]);
		buf_addc(b, '"');
	}
	buf_printf(b, "} %llu\n", (unsigned long long)value);
}

static void
mt_hist(struct buf *b, const char *table, const struct mt_op *o)
{
	const char *kv[3][2] = { { "table", table }, { "op", o->op },
	    { "le", NULL } };
	char le[40], sum[40];
	uint64_t cum = 0;
	size_t i;

	for (i = 0; i <= METRICS_TABLES_NBUCKETS; i++) {
		cum += o->bucket[i];
		metrics_fmt_double(le, sizeof(le), i < METRICS_TABLES_NBUCKETS ?
		    metrics_tables_buckets[i] : INFINITY);
		kv[2][1] = le;
		mt_sample(b, "lambdad_tables_request_seconds_bucket", kv, 3,
		    cum);
	}
	metrics_fmt_double(sum, sizeof(sum), (double)o->sum_ns / 1e9);
	buf_adds(b, "lambdad_tables_request_seconds_sum{table=\"");
	metrics_escape_label(b, table);
	buf_printf(b, "\",op=\"%s\"} %s\n", o->op, sum);
	mt_sample(b, "lambdad_tables_request_seconds_count", kv, 2, o->count);
}

static void
mt_render_calls(const struct metrics_tables *t, struct buf *b)
{
	const char *kv[3][2] = { { "table", NULL }, { "op", NULL },
	    { "type", NULL } };
	const struct mt_table *e;
	const struct mt_op *o;
	size_t i, k, x;

	mt_family(b, "lambdad_tables_requests_total", "counter", "Tables "
	    "calls by table and operation (a call naming several tables "
	    "counts for each; table=\"-\": none).");
	for (i = 0; i < t->n; i++)
		for (e = t->tab[i], k = 0; k < e->nops; k++) {
			kv[0][1] = e->name, kv[1][1] = e->ops[k].op;
			mt_sample(b, "lambdad_tables_requests_total", kv, 2,
			    e->ops[k].n);
		}
	mt_family(b, "lambdad_tables_errors_total", "counter", "Tables calls "
	    "answered with an error, by its type (the __type after #).");
	for (i = 0; i < t->n; i++)
		for (e = t->tab[i], k = 0; k < e->nops; k++) {
			o = &e->ops[k];
			kv[0][1] = e->name, kv[1][1] = o->op;
			for (x = 0; x < o->nerr; x++) {
				kv[2][1] = o->err[x].key;
				mt_sample(b, "lambdad_tables_errors_total", kv,
				    3, o->err[x].n);
			}
			kv[2][1] = "other";
			if (o->err_other > 0)
				mt_sample(b, "lambdad_tables_errors_total", kv,
				    3, o->err_other);
		}
	mt_family(b, "lambdad_tables_request_seconds", "histogram", "Time "
	    "from a Tables call's parse to its reply (a write's: once "
	    "durable), in seconds.");
	for (i = 0; i < t->n; i++)
		for (e = t->tab[i], k = 0; k < e->nops; k++)
			mt_hist(b, e->name, &e->ops[k]);
}

static void
mt_render_sizes(const struct metrics_tables *t, struct buf *b)
{
	const char *kv[1][2] = { { "table", NULL } };
	size_t i;

	mt_family(b, "lambdad_tables_items", "gauge", "Items in each table, "
	    "as last sampled from the store.");
	for (i = 0; i < t->n; i++)
		if (t->tab[i]->sized) {
			kv[0][1] = t->tab[i]->name;
			mt_sample(b, "lambdad_tables_items", kv, 1,
			    t->tab[i]->items);
		}
	mt_family(b, "lambdad_tables_bytes", "gauge", "Bytes of each table's "
	    "items as DynamoDB counts them (TableSizeBytes), as last "
	    "sampled.");
	for (i = 0; i < t->n; i++)
		if (t->tab[i]->sized) {
			kv[0][1] = t->tab[i]->name;
			mt_sample(b, "lambdad_tables_bytes", kv, 1,
			    t->tab[i]->bytes);
		}
}

static void
mt_render_fns(const struct metrics_tables *t, struct buf *b)
{
	const char *kv[3][2] = { { "function", NULL }, { "table", NULL },
	    { "op", NULL } };
	const struct mt_table *e;
	size_t i, k, x;

	mt_family(b, "lambdad_function_table_calls_total", "counter", "Tables "
	    "calls each function made (through its private endpoint), by "
	    "table and operation.");
	for (i = 0; i < t->n; i++)
		for (e = t->tab[i], k = 0; k < e->nops; k++)
			for (x = 0; x < e->ops[k].nfns; x++) {
				kv[0][1] = e->ops[k].fns[x].key;
				kv[1][1] = e->name, kv[2][1] = e->ops[k].op;
				mt_sample(b, "lambdad_function_table_calls_total",
				    kv, 3, e->ops[k].fns[x].n);
			}
}

void
metrics_tables_render(const struct metrics_tables *t, struct buf *b)
{
	if (t == NULL)
		return;
	mt_render_calls(t, b);
	mt_render_sizes(t, b);
	mt_render_fns(t, b);
}
