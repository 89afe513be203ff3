/*
 * cache: the response cache and its stage.  See cache.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/sha.h>

#include "apigw/cache.h"
#include "buf.h"
#include "conf.h"
#include "event.h"
#include "http.h"
#include "metrics.h"

#define CACHE_SLOTS_MIN	64

struct cache_ent {
	struct cache_ent *hnext;		/* hash chain */
	struct cache_ent *prev, *next;	/* LRU: head is the most recent */
	uint64_t	 hash;
	struct metrics_fn *mf;
	struct apigw_cache_entry e;
	size_t		 keylen;
	char		*key;		/* into mem */
	char		 mem[];		/* key, body, header names and values,
					   the ETag, then the header array */
};

struct apigw_cache {
	struct cache_ent **slot;
	size_t		 nslots, count, bytes, max_bytes;
	struct cache_ent *head, *tail;
	uint64_t	 gen;		/* bumped by each configure */
};

struct apigw_cache_pending {
	struct apigw_cache *ca;
	struct metrics_fn *mf;
	uint64_t	 gen, ttl_ms;
	size_t		 keylen;
	char		 key[];
};

/* ---- helpers ------------------------------------------------------------ */

static uint64_t
hash_key(const char *key, size_t len)
{
	uint64_t h = 14695981039346656037ull;	/* FNV-1a 64 */
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * 1099511628211ull;
	return h;
}

void
apigw_cache_etag(const char *body, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t i;

	SHA256((const unsigned char *)(body != NULL ? body : ""), len, md);
	out[0] = '"';
	for (i = 0; i < 16; i++) {
		out[1 + 2 * i] = hex[md[i] >> 4];
		out[2 + 2 * i] = hex[md[i] & 15];
	}
	out[33] = '"';
	out[34] = '\0';
}

bool
apigw_cache_inm_match(const char *v, size_t len, const char *etag)
{
	const char *e = v + len, *s, *t;
	size_t elen = strlen(etag);

	for (s = v; s < e; s = t + 1) {
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if ((t = memchr(s, ',', (size_t)(e - s))) == NULL)
			t = e;
		len = (size_t)(t - s);
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		/* If-None-Match compares weakly (RFC 9110 13.1.2). */
		if (len > 2 && s[0] == 'W' && s[1] == '/') {
			s += 2;
			len -= 2;
		}
		if ((len == 1 && *s == '*') ||
		    (len == elen && memcmp(s, etag, elen) == 0))
			return true;
	}
	return false;
}

bool
apigw_cache_max_age0(const char *v, size_t len)
{
	const char *e = v + len, *s;

	for (s = v; (size_t)(e - s) >= 9; s++) {
		if (strncasecmp(s, "max-age=0", 9) != 0)
			continue;
		if ((s == v || s[-1] == ',' || s[-1] == ' ' || s[-1] == '\t') &&
		    (s + 9 == e || !isdigit((unsigned char)s[9])))
			return true;
	}
	return false;
}

/* ---- the store ---------------------------------------------------------- */

struct apigw_cache *
apigw_cache_new(size_t max_bytes)
{
	struct apigw_cache *ca = calloc(1, sizeof(*ca));

	if (ca == NULL)
		return NULL;
	if ((ca->slot = calloc(CACHE_SLOTS_MIN, sizeof(*ca->slot))) == NULL) {
		free(ca);
		return NULL;
	}
	ca->nslots = CACHE_SLOTS_MIN;
	ca->max_bytes = max_bytes;
	return ca;
}

void
apigw_cache_free(struct apigw_cache *ca)
{
	struct cache_ent *x, *next;

	if (ca == NULL)
		return;
	/* No metrics here: the registry may be gone at shutdown. */
	for (x = ca->head; x != NULL; x = next) {
		next = x->next;
		free(x);
	}
	free(ca->slot);
	free(ca);
}

size_t
apigw_cache_bytes(const struct apigw_cache *ca)
{
	return ca->bytes;
}

size_t
apigw_cache_count(const struct apigw_cache *ca)
{
	return ca->count;
}

static void
lru_unlink(struct apigw_cache *ca, struct cache_ent *x)
{
	if (x->prev != NULL)
		x->prev->next = x->next;
	else
		ca->head = x->next;
	if (x->next != NULL)
		x->next->prev = x->prev;
	else
		ca->tail = x->prev;
	x->prev = x->next = NULL;
}

static void
lru_push(struct apigw_cache *ca, struct cache_ent *x)
{
	x->prev = NULL;
	x->next = ca->head;
	if (ca->head != NULL)
		ca->head->prev = x;
	ca->head = x;
	if (ca->tail == NULL)
		ca->tail = x;
}

/* Take x out of the cache and free it; evicted: to make room. */
static void
ent_drop(struct apigw_cache *ca, struct cache_ent *x, bool evicted)
{
	struct cache_ent **pp = &ca->slot[x->hash & (ca->nslots - 1)];

	while (*pp != x)
		pp = &(*pp)->hnext;
	*pp = x->hnext;
	lru_unlink(ca, x);
	ca->count--;
	ca->bytes -= x->e.size;
	metrics_cache_bytes(x->mf, -(int64_t)x->e.size);
	if (evicted)
		metrics_cache(x->mf, METRICS_CACHE_EVICTION);
	free(x);
}

static struct cache_ent *
ent_find(const struct apigw_cache *ca, const char *key, size_t keylen,
    uint64_t h)
{
	struct cache_ent *x;

	for (x = ca->slot[h & (ca->nslots - 1)]; x != NULL; x = x->hnext)
		if (x->hash == h && x->keylen == keylen &&
		    memcmp(x->key, key, keylen) == 0)
			return x;
	return NULL;
}

/* Twice the chains once they are as many as the entries. */
static void
grow(struct apigw_cache *ca)
{
	struct cache_ent **ns, *x;
	size_t n = ca->nslots * 2, i;

	if ((ns = calloc(n, sizeof(*ns))) == NULL)
		return;		/* longer chains, still correct */
	for (x = ca->head; x != NULL; x = x->next) {
		i = x->hash & (n - 1);
		x->hnext = ns[i];
		ns[i] = x;
	}
	free(ca->slot);
	ca->slot = ns;
	ca->nslots = n;
}

void
apigw_cache_resize(struct apigw_cache *ca, size_t max_bytes)
{
	ca->max_bytes = max_bytes;
	while (ca->bytes > ca->max_bytes && ca->tail != NULL)
		ent_drop(ca, ca->tail, true);
}

const struct apigw_cache_entry *
apigw_cache_get(struct apigw_cache *ca, const char *key, size_t keylen,
    uint64_t now_ms)
{
	struct cache_ent *x = ent_find(ca, key, keylen, hash_key(key, keylen));

	if (x == NULL)
		return NULL;
	/* A clock that went back (it should not: uv_now is monotonic) does
	 * not make an entry younger than zero. */
	if (now_ms >= x->e.stored_ms + x->e.ttl_ms) {
		ent_drop(ca, x, false);
		return NULL;
	}
	lru_unlink(ca, x);
	lru_push(ca, x);
	return &x->e;
}

int
apigw_cache_put(struct apigw_cache *ca, const char *key, size_t keylen,
    struct metrics_fn *mf, int status, const struct http_header *hdrs,
    size_t nhdrs, const char *body, size_t body_len, uint64_t now_ms,
    uint64_t ttl_ms)
{
	const struct http_header *fe = NULL;
	struct http_header *h;
	struct cache_ent *x, *old;
	size_t size = keylen + body_len, i, hoff, elen = APIGW_ETAG_LEN;
	uint64_t hv = hash_key(key, keylen);
	char *p;

	for (i = 0; i < nhdrs; i++) {
		size += hdrs[i].name_len + hdrs[i].value_len;
		if (hdrs[i].name_len == 4 &&
		    strncasecmp(hdrs[i].name, "ETag", 4) == 0) {
			fe = &hdrs[i];
			elen = fe->value_len;
		}
	}
	if (size > ca->max_bytes)
		return -E2BIG;
	/* The ETag after the rest, then the header array, aligned. */
	hoff = (size + elen + 1 + _Alignof(struct http_header) - 1) &
	    ~(_Alignof(struct http_header) - 1);
	if ((x = calloc(1, sizeof(*x) + hoff + nhdrs * sizeof(*h))) == NULL)
		return -ENOMEM;
	if ((old = ent_find(ca, key, keylen, hv)) != NULL)
		ent_drop(ca, old, false);
	while (ca->bytes + size > ca->max_bytes && ca->tail != NULL)
		ent_drop(ca, ca->tail, true);
	p = x->mem;
	memcpy(p, key, keylen);
	x->key = p;
	x->keylen = keylen;
	p += keylen;
	if (body_len > 0)
		memcpy(p, body, body_len);
	x->e.body = p;
	x->e.body_len = body_len;
	p += body_len;
	h = (struct http_header *)(void *)(x->mem + hoff);
	for (i = 0; i < nhdrs; i++) {
		memcpy(p, hdrs[i].name, hdrs[i].name_len);
		h[i].name = p;
		h[i].name_len = hdrs[i].name_len;
		p += hdrs[i].name_len;
		memcpy(p, hdrs[i].value, hdrs[i].value_len);
		h[i].value = p;
		h[i].value_len = hdrs[i].value_len;
		p += hdrs[i].value_len;
	}
	if (fe != NULL)
		memcpy(p, fe->value, elen);
	else
		apigw_cache_etag(body, body_len, p);
	p[elen] = '\0';
	x->e.etag = p;
	x->e.etag_len = elen;
	x->e.fn_etag = fe != NULL;
	x->e.hdrs = h;
	x->e.nhdrs = nhdrs;
	x->e.status = status;
	x->e.stored_ms = now_ms;
	x->e.ttl_ms = ttl_ms;
	x->e.size = size;
	x->hash = hv;
	x->mf = mf;
	if (ca->count >= ca->nslots)
		grow(ca);
	x->hnext = ca->slot[hv & (ca->nslots - 1)];
	ca->slot[hv & (ca->nslots - 1)] = x;
	lru_push(ca, x);
	ca->count++;
	ca->bytes += size;
	metrics_cache_bytes(mf, (int64_t)size);
	return 0;
}

void
apigw_cache_forget(struct apigw_cache *ca, const char *fn)
{
	struct cache_ent *x, *next;
	size_t n = strlen(fn) + 1;	/* the key starts "NAME\0" */

	for (x = ca->head; x != NULL; x = next) {
		next = x->next;
		if (x->keylen >= n && memcmp(x->key, fn, n) == 0)
			ent_drop(ca, x, false);
	}
}

void
apigw_cache_configure(struct apigw_cache *ca, const struct conf *c)
{
	const struct function_conf *fn;
	struct cache_ent *x, *next;

	ca->gen++;
	for (x = ca->head; x != NULL; x = next) {
		next = x->next;
		/* The key begins with the function's NUL-terminated name. */
		fn = conf_find(c, x->key);
		if (fn == NULL || fn->cache_ttl_s == 0)
			ent_drop(ca, x, false);
	}
	apigw_cache_resize(ca, (size_t)c->cache_size_mb << 20);
}

/* ---- keys --------------------------------------------------------------- */

/* The raw value of query parameter name (the first), or NULL. */
static const char *
query_raw(const struct http_request *req, const char *name, size_t *len)
{
	const char *q = req->query, *end, *amp, *eq;
	size_t nlen = strlen(name);

	if (q == NULL)
		return NULL;
	for (end = q + req->query_len; q < end; q = amp + 1) {
		if ((amp = memchr(q, '&', (size_t)(end - q))) == NULL)
			amp = end;
		if ((eq = memchr(q, '=', (size_t)(amp - q))) == NULL)
			eq = amp;
		if ((size_t)(eq - q) == nlen && memcmp(q, name, nlen) == 0) {
			*len = eq < amp ? (size_t)(amp - eq - 1) : 0;
			return eq < amp ? eq + 1 : eq;
		}
	}
	return NULL;
}

void
apigw_cache_key(const struct function_conf *fn,
    const struct http_request *req, struct buf *out)
{
	const struct conf_cache_key *k;
	const char *v;
	size_t i, n = 0;

	buf_reset(out);
	buf_add(out, fn->name, strlen(fn->name) + 1);
	buf_add(out, req->method, strlen(req->method) + 1);
	buf_add(out, req->path, req->path_len);
	buf_addc(out, '\0');
	for (i = 0; i < fn->ncache_key; i++) {
		k = &fn->cache_key[i];
		v = k->header ? http_header_get(req, k->name, &n) :
		    query_raw(req, k->name, &n);
		/* Present ("=" and the value) or absent ("-"): the part's
		 * place in the list says which it is. */
		buf_addc(out, v != NULL ? '=' : '-');
		if (v != NULL)
			buf_add(out, v, n);
		buf_addc(out, '\0');
	}
}

/* ---- the stage ---------------------------------------------------------- */

void
apigw_cache_pending_free(struct apigw_cache_pending *p)
{
	free(p);
}

static bool
may_invalidate(const struct apigw_call *c)
{
	const char *v;
	size_t n;

	if ((v = http_header_get(c->req, "Cache-Control", &n)) == NULL ||
	    !apigw_cache_max_age0(v, n))
		return false;
	/* The stages before this one have checked the route's auth. */
	return c->fn->cache_invalidate_anyone || c->fn->auth != CONF_AUTH_NONE;
}

/* A hit: the entry's reply, or 304 to a matching If-None-Match. */
static int
hit(struct apigw_call *c, const struct apigw_cache_entry *e)
{
	char age[24];
	const char *v;
	size_t n;

	snprintf(age, sizeof(age), "%llu",
	    (unsigned long long)((c->now_ms - e->stored_ms) / 1000));
	apigw_reply_add(c, "Age", age, strlen(age));
	c->own_answer = true;
	if ((v = http_header_get(c->req, "If-None-Match", &n)) != NULL &&
	    apigw_cache_inm_match(v, n, e->etag)) {
		apigw_reply_add(c, "ETag", e->etag, e->etag_len);
		c->status = 304;
		return APIGW_ANSWER;
	}
	if (!e->fn_etag)
		apigw_reply_add(c, "ETag", e->etag, e->etag_len);
	c->status = e->status;
	c->hdrs = e->hdrs;
	c->nhdrs = e->nhdrs;
	c->body = e->body;
	c->body_len = e->body_len;
	return APIGW_ANSWER;
}

int
apigw_cache(struct apigw_call *c)
{
	struct apigw_cache *ca;
	struct apigw_cache_pending *p;
	const struct apigw_cache_entry *e;
	struct buf key;

	if (c->fn == NULL || c->fn->cache_ttl_s == 0 ||
	    (strcmp(c->req->method, "GET") != 0 &&
	    strcmp(c->req->method, "HEAD") != 0))
		return APIGW_PASS;
	ca = apigw_cache_of(c->gw);
	buf_init(&key);
	apigw_cache_key(c->fn, c->req, &key);
	if (!may_invalidate(c) &&
	    (e = apigw_cache_get(ca, key.data, key.len, c->now_ms)) != NULL) {
		buf_free(&key);
		metrics_cache(c->mf, METRICS_CACHE_HIT);
		return hit(c, e);
	}
	metrics_cache(c->mf, METRICS_CACHE_MISS);
	/* No memory for the mark: served, just not stored. */
	if ((p = malloc(sizeof(*p) + key.len)) != NULL) {
		p->ca = ca;
		p->mf = c->mf;
		p->gen = ca->gen;
		p->ttl_ms = (uint64_t)c->fn->cache_ttl_s * 1000;
		p->keylen = key.len;
		memcpy(p->key, key.data, key.len);
		apigw_cache_pending_free(apigw_reply_of(c)->cache_store);
		c->reply->cache_store = p;
	}
	buf_free(&key);
	return APIGW_PASS;
}

void
apigw_cache_store(struct apigw_reply *x, const struct event_reply *r,
    uint64_t now_ms)
{
	struct apigw_cache_pending *p;
	const struct apigw_cache_entry *e;

	if (x == NULL || (p = x->cache_store) == NULL || r->status != 200)
		return;
	/* A reload came between: the function may be gone or changed. */
	if (p->gen != p->ca->gen)
		return;
	if (apigw_cache_put(p->ca, p->key, p->keylen, p->mf, r->status,
	    r->headers, r->nheaders, r->body, r->body_len, now_ms,
	    p->ttl_ms) != 0)
		return;
	/* What was just stored is the most recent entry. */
	e = &p->ca->head->e;
	if (!e->fn_etag)
		apigw_reply_put(x, "ETag", e->etag, e->etag_len);
}
