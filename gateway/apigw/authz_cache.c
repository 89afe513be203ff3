/*
 * authz_cache: a hash of identity keys to authorizer replies, with an LRU
 * list.  See authz_cache.h.
 */
#include <stdlib.h>
#include <string.h>

#include "apigw/authz_cache.h"

#define AC_NSLOTS	1024

struct ac_entry {
	struct ac_entry *hnext;		/* hash chain */
	struct ac_entry *prev, *next;	/* LRU: head is the newest */
	uint32_t	 hash;
	uint64_t	 expires_ms;
	size_t		 klen, len;
	char		*reply;		/* after key in the same block */
	char		 key[];
};

struct authz_cache {
	struct ac_entry *slot[AC_NSLOTS];
	struct ac_entry *head, *tail;
	size_t		 n, max, bytes;
};

static uint32_t
ac_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

struct authz_cache *
authz_cache_new(size_t max)
{
	struct authz_cache *ac = calloc(1, sizeof(*ac));

	if (ac != NULL)
		ac->max = max > 0 ? max : 1;
	return ac;
}

static void
ac_unlink(struct authz_cache *ac, struct ac_entry *e)
{
	struct ac_entry **pp;

	for (pp = &ac->slot[e->hash % AC_NSLOTS]; *pp != e; pp = &(*pp)->hnext)
		;
	*pp = e->hnext;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		ac->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		ac->tail = e->prev;
	ac->n--;
	ac->bytes -= e->klen + e->len;
	free(e);
}

void
authz_cache_clear(struct authz_cache *ac)
{
	if (ac == NULL)
		return;
	while (ac->head != NULL)
		ac_unlink(ac, ac->head);
}

void
authz_cache_free(struct authz_cache *ac)
{
	authz_cache_clear(ac);
	free(ac);
}

size_t
authz_cache_count(const struct authz_cache *ac)
{
	return ac != NULL ? ac->n : 0;
}

void
authz_cache_key(struct buf *out, const char *authorizer,
    const char *const *vals, const size_t *lens, size_t n)
{
	size_t i;

	buf_reset(out);
	buf_adds(out, authorizer);
	for (i = 0; i < n; i++) {
		buf_printf(out, "\n%zu:", lens[i]);
		buf_add(out, vals[i], lens[i]);
	}
}

static struct ac_entry *
ac_find(struct authz_cache *ac, const char *key, size_t klen, uint32_t h)
{
	struct ac_entry *e;

	for (e = ac->slot[h % AC_NSLOTS]; e != NULL; e = e->hnext)
		if (e->hash == h && e->klen == klen &&
		    memcmp(e->key, key, klen) == 0)
			return e;
	return NULL;
}

const char *
authz_cache_get(struct authz_cache *ac, const char *key, size_t klen,
    uint64_t now_ms, size_t *len)
{
	struct ac_entry *e;

	if (ac == NULL ||
	    (e = ac_find(ac, key, klen, ac_hash(key, klen))) == NULL)
		return NULL;
	if (now_ms >= e->expires_ms) {
		ac_unlink(ac, e);
		return NULL;
	}
	if (e != ac->head) {	/* to the front: the newest use */
		e->prev->next = e->next;
		if (e->next != NULL)
			e->next->prev = e->prev;
		else
			ac->tail = e->prev;
		e->prev = NULL;
		e->next = ac->head;
		ac->head->prev = e;
		ac->head = e;
	}
	*len = e->len;
	return e->reply;
}

void
authz_cache_put(struct authz_cache *ac, const char *key, size_t klen,
    const char *reply, size_t len, uint64_t expires_ms)
{
	uint32_t h = ac_hash(key, klen);
	struct ac_entry *e;

	if (ac == NULL || len > AUTHZ_CACHE_ENTRY_MAX ||
	    klen > AUTHZ_CACHE_ENTRY_MAX)
		return;
	if ((e = ac_find(ac, key, klen, h)) != NULL)
		ac_unlink(ac, e);
	while (ac->tail != NULL && (ac->n >= ac->max ||
	    ac->bytes + klen + len > AUTHZ_CACHE_BYTES))
		ac_unlink(ac, ac->tail);
	if ((e = malloc(sizeof(*e) + klen + len + 1)) == NULL)
		return;		/* not cached: the next request asks again */
	e->hash = h;
	e->expires_ms = expires_ms;
	e->klen = klen;
	e->len = len;
	memcpy(e->key, key, klen);
	e->reply = e->key + klen;
	memcpy(e->reply, reply, len);
	e->reply[len] = '\0';
	e->hnext = ac->slot[h % AC_NSLOTS];
	ac->slot[h % AC_NSLOTS] = e;
	e->prev = NULL;
	e->next = ac->head;
	if (ac->head != NULL)
		ac->head->prev = e;
	ac->head = e;
	if (ac->tail == NULL)
		ac->tail = e;
	ac->n++;
	ac->bytes += klen + len;
}
