/*
 * site_cache: the edge cache of sites (site.h): small answers (a 200 with
 * its body, up to SITE_CACHE_ENTRY bytes) kept in memory, so a hit is
 * answered on the loop without a store lookup or a read.
 *
 * An entry is keyed by the bucket, the key and what the client accepts
 * (the coding chosen follows from those), and remembers the store's write
 * generation (struct buckets' gen) when the lookup that filled it began:
 * any write to the store after that makes it stale, so a changed object
 * is never served from here.  One LRU bounded by SITE_CACHE_BYTES.
 * Everything runs on the loop thread; a reload makes a new cache.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bucket_int.h"

#define SITE_CACHE_SLOTS	4096

struct site_entry {
	struct site_entry *hnext;	/* the slot's chain */
	struct site_entry *prev, *next;	/* LRU: head the most recent */
	char		*key;		/* "bucket/key" */
	unsigned	 accept;
	uint32_t	 hash;
	uint64_t	 gen;
	size_t		 cost;
	struct site_hit	 hit;
};

struct site_cache {
	unsigned	 refs;
	size_t		 bytes, max;
	struct site_entry *head, *tail;
	struct site_entry *slots[SITE_CACHE_SLOTS];
};

static uint32_t
hash(const char *bucket, const char *key, unsigned accept)
{
	uint32_t h = 2166136261u ^ accept;
	const char *p;

	for (p = bucket; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (p = key; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

struct site_cache *
site_cache_new(void)
{
	struct site_cache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		abort();
	c->refs = 1;
	c->max = SITE_CACHE_BYTES;
	return c;
}

struct site_cache *
site_cache_ref(struct site_cache *c)
{
	c->refs++;
	return c;
}

static void
entry_free(struct site_entry *e)
{
	free(e->key);
	free(e->hit.hdrs);
	free(e->hit.body);
	free(e);
}

void
site_cache_unref(struct site_cache *c)
{
	struct site_entry *e, *n;

	if (c == NULL || --c->refs > 0)
		return;
	for (e = c->head; e != NULL; e = n) {
		n = e->next;
		entry_free(e);
	}
	free(c);
}

static struct site_entry **
find(struct site_cache *c, const char *bucket, const char *key,
    unsigned accept)
{
	struct site_entry **pe;
	size_t bl = strlen(bucket);

	pe = &c->slots[hash(bucket, key, accept) % SITE_CACHE_SLOTS];
	for (; *pe != NULL; pe = &(*pe)->hnext)
		if ((*pe)->accept == accept && strncmp((*pe)->key, bucket,
		    bl) == 0 && (*pe)->key[bl] == '/' &&
		    strcmp((*pe)->key + bl + 1, key) == 0)
			break;
	return pe;
}

static void
lru_unlink(struct site_cache *c, struct site_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_front(struct site_cache *c, struct site_entry *e)
{
	e->next = c->head;
	if (c->head != NULL)
		c->head->prev = e;
	c->head = e;
	if (c->tail == NULL)
		c->tail = e;
}

/* Where e's chain points at it. */
static struct site_entry **
chain_of(struct site_cache *c, const struct site_entry *e)
{
	struct site_entry **pe = &c->slots[e->hash % SITE_CACHE_SLOTS];

	while (*pe != e)
		pe = &(*pe)->hnext;
	return pe;
}

/* Take the entry at *pe out and free it. */
static void
drop(struct site_cache *c, struct site_entry **pe)
{
	struct site_entry *e = *pe;

	*pe = e->hnext;
	lru_unlink(c, e);
	c->bytes -= e->cost;
	entry_free(e);
}

const struct site_hit *
site_cache_get(struct site_cache *c, const char *bucket, const char *key,
    unsigned accept, uint64_t gen)
{
	struct site_entry **pe = find(c, bucket, key, accept), *e = *pe;

	if (e == NULL)
		return NULL;
	if (e->gen != gen) {
		drop(c, pe);
		return NULL;
	}
	lru_unlink(c, e);
	lru_front(c, e);
	return &e->hit;
}

static char *
memdup0(const char *p, size_t n)
{
	char *d = malloc(n + 1);

	if (d == NULL)
		abort();
	memcpy(d, p != NULL ? p : "", n);
	d[n] = '\0';
	return d;
}

void
site_cache_put(struct site_cache *c, const char *bucket, const char *key,
    unsigned accept, uint64_t gen, const struct s3_obj *o,
    const struct buf *hdrs, const struct buf *body)
{
	struct site_entry **pe, *e;
	size_t cost = strlen(bucket) + strlen(key) + hdrs->len + body->len +
	    sizeof(*e) + 2;

	if (body->len > SITE_CACHE_ENTRY || cost > c->max)
		return;
	if (*(pe = find(c, bucket, key, accept)) != NULL)
		drop(c, pe);
	while (c->bytes + cost > c->max && c->tail != NULL)
		drop(c, chain_of(c, c->tail));
	if ((e = calloc(1, sizeof(*e))) == NULL)
		abort();
	e->key = malloc(strlen(bucket) + strlen(key) + 2);
	if (e->key == NULL)
		abort();
	strcpy(e->key, bucket);
	strcat(e->key, "/");
	strcat(e->key, key);
	e->accept = accept;
	e->hash = hash(bucket, key, accept);
	e->gen = gen;
	e->cost = cost;
	snprintf(e->hit.etag, sizeof(e->hit.etag), "%s", o->etag);
	e->hit.mtime = o->mtime;
	e->hit.hdrs = memdup0(hdrs->data, hdrs->len);
	e->hit.body = memdup0(body->data, body->len);
	e->hit.body_len = body->len;
	pe = &c->slots[e->hash % SITE_CACHE_SLOTS];
	e->hnext = *pe;
	*pe = e;
	lru_front(c, e);
	c->bytes += cost;
}
