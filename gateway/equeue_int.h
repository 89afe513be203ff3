/*
 * equeue_int: what equeue.c (scheduling) and equeue_file.c (the record
 * files) share.  Not for other modules: equeue.h.
 */
#ifndef LAMBDAD_EQUEUE_INT_H
#define LAMBDAD_EQUEUE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "buf.h"
#include "equeue.h"

#define EQUEUE_MAGIC	"lambdad-event 1"
#define EQUEUE_HEADER_MAX 8192	/* trace id + client context + the rest */

struct equeue;

struct rec {
	struct rec	*prev, *next;
	struct equeue	*q;
	uv_timer_t	 timer;
	char		 id[37];
	char		 fn[EQUEUE_FN_MAX + 1];
	uint64_t	 accepted_ms;	/* epoch */
	unsigned	 attempts;	/* failed runs so far (persisted) */
	unsigned	 throttles;	/* in a row (not persisted) */
	unsigned	 retries;	/* EQUEUE_FN_POLICY: the function's */
	unsigned	 max_age_s;	/* EQUEUE_FN_POLICY: the function's */
	char		*trace_id;
	char		*context;
	char		 qual[EQUEUE_QUAL_MAX + 1];	/* invoked with, or "" */
	char		*on_success;	/* destination ARNs, or NULL */
	char		*on_failure;
	unsigned	 hops;		/* destinations it came through */
	int		 job;		/* a disk job holds it */
};

/* dir/ID.tmp, then renamed to dir/ID.ev: all or nothing.  0 or -errno. */
int	equeue_file_replace(const char *dir, const char *id,
	    const struct buf *b);
/* Unlink dir/ID.ev (gone already is fine) and fsync dir. */
int	equeue_file_remove(const char *dir, const char *id);
/* dir/ID.ev into failed/: durable there first, then gone from dir. */
int	equeue_file_fail(const char *dir, const char *failed, const char *id);
/* r's file: its header, a blank line, payload. */
void	equeue_rec_format(const struct rec *r, const char *payload,
	    size_t len, struct buf *b);
/* The header of data into r; *body gets the payload's offset.  0 or
 * -EINVAL.  Strings it sets in r are r's to free. */
int	equeue_rec_parse(struct rec *r, const struct buf *data, size_t *body);

#endif
