/*
 * route: the route table.  See route.h for the contract.
 *
 * Routes live in a trie of path segments.  Each node keeps its static
 * children in an open-addressing hash table (so 10,000 sibling routes cost
 * the same per lookup as 10), plus at most one {var} child and one greedy
 * {name+} child.  Parameter names are not part of the trie: "/pets/{id}"
 * and "/pets/{name}" share a node, and the names live in the route entry, so
 * two specs that differ only in parameter names are duplicates.
 *
 * Paths are split after the leading '/' on every '/': "/" is [""], "/a" is
 * ["a"], "/a/" is ["a", ""].  So a trailing slash is significant: "GET /a/"
 * and "GET /a" are different routes, as on API Gateway, where "/a/" does not
 * reach a route for "/a".  Empty segments elsewhere in a spec ("/a//b") are
 * rejected; in a request they only ever match a static empty segment, never
 * a {var}.  A greedy {name+} needs at least one byte of path after its
 * parent, so "/{proxy+}" takes "/a" and "/a/b" but not "/" (API Gateway
 * does the same); its value is the rest of the path without the leading
 * slash ("cat/1").
 *
 * Lookup compares segment by segment: a static child first, then {var},
 * then greedy, backtracking when a branch finds no route for the method.  A
 * node sits at a fixed segment depth, so each node is visited at most once
 * per lookup and backtracking cannot blow up.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

#define NODE_MIN_SLOTS	4

/* One route: method + template, ending at a trie node. */
struct route_entry {
	struct route_entry *next;	/* other methods at the same node */
	char		*method;	/* "GET", ..., or "ANY" */
	char		*route_key;	/* "GET /pets/{id}" */
	char		*resource;	/* "/pets/{id}" */
	size_t		 nnames;
	char		*names[ROUTE_MAX_PARAMS];	/* {var} names, left to right */
	void		*target;
};

struct route_node {
	char		*seg;		/* static segment text (NUL-terminated) */
	size_t		 seg_len;
	uint32_t	 hash;
	struct route_node **slots;	/* static children, open addressing */
	size_t		 nslots;	/* 0 or a power of two */
	size_t		 nstatic;
	struct route_node *var;		/* {var} child */
	struct route_node *greedy;	/* {name+} child; always a leaf */
	struct route_entry *entries;
};

struct route_table {
	struct route_node root;
	struct route_entry *dflt;	/* $default */
};

/* A parsed spec: segments point into the spec string. */
enum seg_kind { SEG_STATIC, SEG_VAR, SEG_GREEDY };

struct spec_seg {
	enum seg_kind	 kind;
	const char	*p;		/* text, or the name for VAR/GREEDY */
	size_t		 len;
};

struct spec {
	bool		 dflt;
	const char	*method;
	size_t		 method_len;
	const char	*path;
	size_t		 path_len;
	size_t		 nsegs;
	struct spec_seg	*segs;		/* caller frees */
	size_t		 nparams;
};

static uint32_t
route_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* RFC 9110 tchar, minus lower case: methods are case-sensitive and upper. */
static bool
route_is_method_char(char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool
route_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* Bytes a static segment may not hold: braces, blanks, controls, '?' '#'. */
static bool
route_is_bad_static_char(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || c == '{' || c == '}' || c == '?' ||
	    c == '#';
}

static int
spec_parse_seg(const char *p, size_t len, bool last, struct spec_seg *sg,
    const char **why)
{
	size_t i;

	sg->kind = SEG_STATIC;
	sg->p = p;
	sg->len = len;
	if (len == 0 || p[0] != '{') {
		for (i = 0; i < len; i++)
			if (route_is_bad_static_char((unsigned char)p[i])) {
				*why = "bad character in path segment "
				    "(braces must enclose a whole segment)";
				return -EINVAL;
			}
		if (len == 0 && !last) {
			*why = "empty path segment";
			return -EINVAL;
		}
		return 0;
	}
	if (len < 3 || p[len - 1] != '}') {
		*why = "empty or unterminated {parameter}";
		return -EINVAL;
	}
	sg->p = p + 1;
	sg->len = len - 2;
	if (sg->p[sg->len - 1] == '+') {
		sg->kind = SEG_GREEDY;
		sg->len--;
		if (!last) {
			*why = "a greedy {name+} must be the last segment";
			return -EINVAL;
		}
	} else
		sg->kind = SEG_VAR;
	if (sg->len == 0) {
		*why = "empty parameter name";
		return -EINVAL;
	}
	for (i = 0; i < sg->len; i++)
		if (!route_is_name_char(sg->p[i])) {
			*why = "bad character in parameter name";
			return -EINVAL;
		}
	return 0;
}

static bool
spec_name_seen(const struct spec *sp, size_t upto)
{
	const struct spec_seg *a = &sp->segs[upto];
	size_t i;

	for (i = 0; i < upto; i++) {
		const struct spec_seg *b = &sp->segs[i];

		if (b->kind != SEG_STATIC && b->len == a->len &&
		    memcmp(b->p, a->p, a->len) == 0)
			return true;
	}
	return false;
}

static int
spec_parse_path(struct spec *sp, const char **why)
{
	const char *p = sp->path + 1, *end = sp->path + sp->path_len, *slash;
	size_t n = 1, i;
	int rc;

	for (i = 1; i < sp->path_len; i++)
		n += sp->path[i] == '/';
	if ((sp->segs = calloc(n, sizeof(*sp->segs))) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		slash = memchr(p, '/', (size_t)(end - p));
		if (slash == NULL)
			slash = end;
		rc = spec_parse_seg(p, (size_t)(slash - p), i == n - 1,
		    &sp->segs[i], why);
		if (rc != 0)
			return rc;
		if (sp->segs[i].kind != SEG_STATIC) {
			if (spec_name_seen(sp, i)) {
				*why = "parameter name used twice";
				return -EINVAL;
			}
			if (++sp->nparams > ROUTE_MAX_PARAMS) {
				*why = "too many parameters";
				return -EINVAL;
			}
		}
		p = slash + 1;
	}
	sp->nsegs = n;
	return 0;
}

/*
 * Split "METHOD /path" (blanks around and between are tolerated) or
 * "$default".  On success sp->segs must be freed by the caller.
 */
static int
spec_parse(const char *spec, struct spec *sp, const char **why)
{
	const char *s = spec, *e;

	memset(sp, 0, sizeof(*sp));
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if ((size_t)(e - s) == 8 && memcmp(s, "$default", 8) == 0) {
		sp->dflt = true;
		return 0;
	}
	sp->method = s;
	while (s < e && route_is_method_char(*s))
		s++;
	sp->method_len = (size_t)(s - sp->method);
	if (sp->method_len == 0 || s == e || (*s != ' ' && *s != '\t')) {
		*why = "expected \"METHOD /path\" with an upper-case HTTP "
		    "method or ANY, or \"$default\"";
		return -EINVAL;
	}
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	if (s == e || *s != '/') {
		*why = "the path must start with '/'";
		return -EINVAL;
	}
	sp->path = s;
	sp->path_len = (size_t)(e - s);
	return spec_parse_path(sp, why);
}

int
route_parse(const char *spec, const char **why)
{
	struct spec sp;
	const char *dummy;
	int rc;

	if (why == NULL)
		why = &dummy;
	rc = spec_parse(spec, &sp, why);
	free(sp.segs);
	return rc;
}

struct route_table *
route_table_new(void)
{
	return calloc(1, sizeof(struct route_table));
}

static void
route_entry_free(struct route_entry *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nnames; i++)
		free(e->names[i]);
	free(e->method);
	free(e->route_key);
	free(e->resource);
	free(e);
}

static void route_node_free(struct route_node *n);

/* Free what n owns, not n itself (the root is embedded in the table). */
static void
route_node_clear(struct route_node *n)
{
	struct route_entry *e, *next;
	size_t i;

	for (i = 0; i < n->nslots; i++)
		route_node_free(n->slots[i]);
	free(n->slots);
	route_node_free(n->var);
	route_node_free(n->greedy);
	for (e = n->entries; e != NULL; e = next) {
		next = e->next;
		route_entry_free(e);
	}
	free(n->seg);
}

static void
route_node_free(struct route_node *n)
{
	if (n == NULL)
		return;
	route_node_clear(n);
	free(n);
}

void
route_table_free(struct route_table *rt)
{
	if (rt == NULL)
		return;
	route_node_clear(&rt->root);
	route_entry_free(rt->dflt);
	free(rt);
}

static struct route_node *
node_find_static(const struct route_node *n, const char *s, size_t len,
    uint32_t h)
{
	size_t mask, i;
	struct route_node *c;

	if (n->nslots == 0)
		return NULL;
	mask = n->nslots - 1;
	for (i = h & mask; (c = n->slots[i]) != NULL; i = (i + 1) & mask)
		if (c->hash == h && c->seg_len == len &&
		    memcmp(c->seg, s, len) == 0)
			return c;
	return NULL;
}

static void
node_slot_put(struct route_node **slots, size_t nslots, struct route_node *c)
{
	size_t mask = nslots - 1, i;

	for (i = c->hash & mask; slots[i] != NULL; i = (i + 1) & mask)
		;
	slots[i] = c;
}

/* Keep the load factor under 1/2 so probe chains stay short. */
static int
node_grow(struct route_node *n)
{
	struct route_node **slots;
	size_t nslots, i;

	if ((n->nstatic + 1) * 2 <= n->nslots)
		return 0;
	nslots = n->nslots ? n->nslots * 2 : NODE_MIN_SLOTS;
	if ((slots = calloc(nslots, sizeof(*slots))) == NULL)
		return -ENOMEM;
	for (i = 0; i < n->nslots; i++)
		if (n->slots[i] != NULL)
			node_slot_put(slots, nslots, n->slots[i]);
	free(n->slots);
	n->slots = slots;
	n->nslots = nslots;
	return 0;
}

static struct route_node *
node_add_static(struct route_node *n, const char *s, size_t len)
{
	uint32_t h = route_hash(s, len);
	struct route_node *c;

	if ((c = node_find_static(n, s, len, h)) != NULL)
		return c;
	if (node_grow(n) != 0 || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->seg = strndup(s, len)) == NULL) {
		free(c);
		return NULL;
	}
	c->seg_len = len;
	c->hash = h;
	node_slot_put(n->slots, n->nslots, c);
	n->nstatic++;
	return c;
}

/* Walk or create the node chain for a spec's segments. */
static struct route_node *
node_descend(struct route_node *n, const struct spec *sp)
{
	struct route_node **slot;
	size_t i;

	for (i = 0; i < sp->nsegs && n != NULL; i++) {
		const struct spec_seg *sg = &sp->segs[i];

		if (sg->kind == SEG_STATIC) {
			n = node_add_static(n, sg->p, sg->len);
			continue;
		}
		slot = sg->kind == SEG_VAR ? &n->var : &n->greedy;
		if (*slot == NULL)
			*slot = calloc(1, sizeof(**slot));
		n = *slot;
	}
	return n;
}

static struct route_entry *
entry_new(const struct spec *sp, void *target)
{
	struct route_entry *e;
	size_t i, klen;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->target = target;
	if (sp->dflt) {
		e->method = strdup("ANY");
		e->route_key = strdup("$default");
		e->resource = strdup("$default");
	} else {
		e->method = strndup(sp->method, sp->method_len);
		e->resource = strndup(sp->path, sp->path_len);
		klen = sp->method_len + 1 + sp->path_len;
		if ((e->route_key = malloc(klen + 1)) != NULL) {
			memcpy(e->route_key, sp->method, sp->method_len);
			e->route_key[sp->method_len] = ' ';
			memcpy(e->route_key + sp->method_len + 1, sp->path,
			    sp->path_len);
			e->route_key[klen] = '\0';
		}
	}
	for (i = 0; i < sp->nsegs; i++)
		if (sp->segs[i].kind != SEG_STATIC &&
		    (e->names[e->nnames++] = strndup(sp->segs[i].p,
		    sp->segs[i].len)) == NULL)
			break;
	if (e->method == NULL || e->route_key == NULL || e->resource == NULL ||
	    i < sp->nsegs) {
		route_entry_free(e);
		return NULL;
	}
	return e;
}

static struct route_entry *
node_entry(const struct route_node *n, const char *method, size_t len)
{
	struct route_entry *e;

	for (e = n->entries; e != NULL; e = e->next)
		if (strlen(e->method) == len && memcmp(e->method, method,
		    len) == 0)
			return e;
	return NULL;
}

static int
route_add_spec(struct route_table *rt, const struct spec *sp, void *target)
{
	struct route_node *n;
	struct route_entry *e;

	if (sp->dflt) {
		if (rt->dflt != NULL)
			return -EEXIST;
		if ((rt->dflt = entry_new(sp, target)) == NULL)
			return -ENOMEM;
		return 0;
	}
	/* Nodes made before an allocation failure stay, empty: harmless. */
	if ((n = node_descend(&rt->root, sp)) == NULL)
		return -ENOMEM;
	if (node_entry(n, sp->method, sp->method_len) != NULL)
		return -EEXIST;
	if ((e = entry_new(sp, target)) == NULL)
		return -ENOMEM;
	e->next = n->entries;
	n->entries = e;
	return 0;
}

int
route_add(struct route_table *rt, const char *spec, void *target,
    const char **why)
{
	struct spec sp;
	const char *dummy;
	int rc;

	if (why == NULL)
		why = &dummy;
	if ((rc = spec_parse(spec, &sp, why)) == 0) {
		rc = route_add_spec(rt, &sp, target);
		if (rc == -EEXIST)
			*why = "duplicate route";
		else if (rc == -ENOMEM)
			*why = "out of memory";
	}
	free(sp.segs);
	return rc;
}

/* Lookup state: the request and the {var} values bound so far. */
struct lookup {
	const char	*method;
	const char	*path;
	const char	*end;
	size_t		 nvals;
	struct {
		const char *p;
		size_t	 len;
	} vals[ROUTE_MAX_PARAMS];
};

/* The entry for the request method at n, a specific method before ANY. */
static const struct route_entry *
node_pick(const struct route_node *n, const char *method)
{
	const struct route_entry *e = node_entry(n, method, strlen(method));

	return e != NULL ? e : node_entry(n, "ANY", 3);
}

static const struct route_entry *lookup_node(struct lookup *lk,
    const struct route_node *n, const char *seg);

static const struct route_entry *
lookup_var(struct lookup *lk, const struct route_node *n, const char *seg,
    size_t len, const char *next)
{
	const struct route_entry *e;

	if (len == 0 || lk->nvals == ROUTE_MAX_PARAMS)
		return NULL;
	lk->vals[lk->nvals].p = seg;
	lk->vals[lk->nvals].len = len;
	lk->nvals++;
	if ((e = lookup_node(lk, n, next)) == NULL)
		lk->nvals--;
	return e;
}

/*
 * Match the path from seg (just after a '/') below n; seg is NULL once the
 * last segment has been consumed.
 */
static const struct route_entry *
lookup_node(struct lookup *lk, const struct route_node *n, const char *seg)
{
	const struct route_entry *e;
	const struct route_node *c;
	const char *p, *next;
	size_t len;

	if (seg == NULL)
		return node_pick(n, lk->method);
	p = memchr(seg, '/', (size_t)(lk->end - seg));
	len = (size_t)((p != NULL ? p : lk->end) - seg);
	next = p != NULL ? p + 1 : NULL;
	c = node_find_static(n, seg, len, route_hash(seg, len));
	if (c != NULL && (e = lookup_node(lk, c, next)) != NULL)
		return e;
	if (n->var != NULL &&
	    (e = lookup_var(lk, n->var, seg, len, next)) != NULL)
		return e;
	if (n->greedy != NULL && seg < lk->end &&
	    (e = node_pick(n->greedy, lk->method)) != NULL) {
		if (lk->nvals == ROUTE_MAX_PARAMS)
			return NULL;
		lk->vals[lk->nvals].p = seg;
		lk->vals[lk->nvals].len = (size_t)(lk->end - seg);
		lk->nvals++;
		return e;
	}
	return NULL;
}

static void
match_fill(struct route_match *m, const struct route_entry *e,
    const struct lookup *lk)
{
	size_t i;

	m->target = e->target;
	m->route_key = e->route_key;
	m->resource = e->resource;
	m->nparams = e->nnames;
	for (i = 0; i < e->nnames; i++) {
		m->params[i].name = e->names[i];
		m->params[i].value = lk->vals[i].p;
		m->params[i].value_len = lk->vals[i].len;
	}
}

int
route_lookup(const struct route_table *rt, const char *method,
    const char *path, size_t path_len, struct route_match *m)
{
	const struct route_entry *e = NULL;
	struct lookup lk;

	memset(m, 0, sizeof(*m));
	lk.method = method;
	lk.path = path;
	lk.end = path + path_len;
	lk.nvals = 0;
	/* A target that is not a path ("*", "http://...") only gets $default. */
	if (path_len > 0 && path[0] == '/')
		e = lookup_node(&lk, &rt->root, path + 1);
	if (e == NULL)
		e = rt->dflt;
	if (e == NULL)
		return -ENOENT;
	match_fill(m, e, &lk);
	return 0;
}
