/*
 * route: the table that maps "METHOD /path" to a function, with API Gateway
 * HTTP API semantics (spec/lambda-protocols.md §4).
 *
 * A route spec is "METHOD /seg/{var}/{rest+}" or "$default".  METHOD is an
 * HTTP token or ANY.  A greedy {name+} may only be the last segment.
 * Priority when several routes match a request:
 *   static segment > {var} > greedy {name+} > $default,
 * compared segment by segment from the left, and at the matching node a
 * specific method beats ANY.  Lookup walks a segment trie whose static
 * children are kept in a hash table, so its cost depends on the depth of the
 * path, not on the number of routes.
 *
 * The module is pure (no I/O, no libuv) and is tested directly.
 */
#ifndef LAMBDAD_ROUTE_H
#define LAMBDAD_ROUTE_H

#include <stddef.h>

#define ROUTE_MAX_PARAMS 16

struct route_table;

struct route_param {
	const char	*name;		/* points into the table; NUL-terminated */
	const char	*value;		/* points into the looked-up path, not NUL-terminated */
	size_t		 value_len;	/* greedy values bind without the leading slash */
};

struct route_match {
	void		*target;	/* what route_add was given */
	const char	*route_key;	/* the spec as normalised, "GET /pets/{id}" or "$default" */
	const char	*resource;	/* the path template, "/pets/{id}" ("$default" for $default) */
	size_t		 nparams;
	struct route_param params[ROUTE_MAX_PARAMS];
};

struct route_table *route_table_new(void);
void	route_table_free(struct route_table *rt);	/* NULL-safe */

/*
 * Check the syntax of a spec without adding it.  0 or -EINVAL, with a
 * human-readable reason in *why (a static string) on error.
 */
int	route_parse(const char *spec, const char **why);

/*
 * Add a route.  0, -EINVAL (bad spec; *why says why), -EEXIST (the same
 * method and path template, up to parameter names, is already there), or
 * -ENOMEM.  target is not owned.
 */
int	route_add(struct route_table *rt, const char *spec, void *target,
	    const char **why);

/*
 * Find the route for method and path (path without query; not decoded;
 * path_len bytes).  Returns 0 and fills *m, or -ENOENT.
 */
int	route_lookup(const struct route_table *rt, const char *method,
	    const char *path, size_t path_len, struct route_match *m);

#endif
