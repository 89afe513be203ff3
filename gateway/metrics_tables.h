/*
 * metrics_tables: the Tables store's series, kept in the daemon's metrics
 * registry (metrics.h: metrics_tables() gives this part of it) and written
 * in the same exposition.  A leaf like the rest of metrics: the door
 * (tables/door.c) reports each call and each sample of the store's counts
 * here (for tables_backend too, with the engine's error types); nothing
 * here calls out.
 *
 *   lambdad_tables_requests_total{table,op}          counter
 *   lambdad_tables_errors_total{table,op,type}       counter, type = the
 *                                                    short __type
 *   lambdad_tables_request_seconds{table,op}         histogram, from the
 *                                                    request's parse to
 *                                                    its reply (a write:
 *                                                    once durable)
 *   lambdad_tables_items{table}, _bytes{table}       gauges, the last
 *                                                    sample of the store
 *   lambdad_function_table_calls_total{function,table,op}
 *
 * Tables are made by users, so their number is capped: at most
 * METRICS_MAX_TABLES tables get series of their own, and calls to any
 * other (and their sizes, summed) count under table="(other)".  A call
 * that names no table (ListTables, DescribeLimits, a request without a
 * valid table name) counts under table="-"; a call that names several (a
 * batch, a transaction, PartiQL) counts once for each.  The series of a
 * table that a sample no longer finds in the store (deleted, or never
 * made: a call naming an unknown table) are dropped then, so the cap
 * counts tables that exist.
 */
#ifndef LAMBDAD_METRICS_TABLES_H
#define LAMBDAD_METRICS_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define METRICS_MAX_TABLES	1000
#define METRICS_TABLE_OTHER	"(other)"	/* not a valid table name */
#define METRICS_TABLE_NONE	"-"
/* Distinct error types and operations per table (DynamoDB has fewer). */
#define METRICS_TABLE_ERRS	16
#define METRICS_TABLE_OPS	32
#define METRICS_TABLES_NBUCKETS	16
extern const double metrics_tables_buckets[METRICS_TABLES_NBUCKETS];

struct metrics_tables;

struct metrics_tables *metrics_tables_new(void);	/* NULL on ENOMEM */
void	metrics_tables_free(struct metrics_tables *t);	/* NULL-safe */

/*
 * One call of op on table (NULL: none), made by function fn (NULL: the
 * operator's dynamodb_listen), answered after ns with error type err
 * ("ValidationException"; NULL: success).  No-op when t is NULL.
 */
void	metrics_table_call(struct metrics_tables *t, const char *table,
	    const char *op, const char *fn, const char *err, uint64_t ns);

struct metrics_table_size {
	const char	*table;
	uint64_t	 items, bytes;
};
/* A sample of the store's counts begins: its number, for _sized. */
uint64_t metrics_tables_sample(struct metrics_tables *t);
/*
 * The counts of sample number `sample` (v[0..n): every table in the
 * store): they replace every gauge, and the tables tracked before the
 * sample began that it does not list lose their series.
 */
void	metrics_tables_sized(struct metrics_tables *t, uint64_t sample,
	    const struct metrics_table_size *v, size_t n);
/* Tables with series of their own (the cap's count), for the tests. */
size_t	metrics_tables_count(const struct metrics_tables *t);

/* Append the families above (metrics_render calls it). */
void	metrics_tables_render(const struct metrics_tables *t, struct buf *b);

#endif
