/*
 * conf_tables: the configuration keys of the Tables store (the embedded
 * DynamoDB-compatible store, gateway/tables/), kept out of conf.c, which
 * only calls these from its key table:
 *
 *   [lambdad]   dynamodb_listen = HOST:PORT   tables_dir = DIR
 *               tables_sync = full | normal
 *               tables_backend = http://HOST:PORT   (another engine, no store)
 *               tables_backend_key = ID:SECRET     tables_backend_region = R
 *   [function]  tables = TABLE[:read] ...     (repeatable, "*" = all)
 *
 * A grant names a table as DynamoDB spells table names (3 to 255 of
 * A-Z a-z 0-9 _ . -), so that a typo is an error at load time rather than
 * a grant that can never match.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_int.h"
#include "tables/backend.h"

#define GRANT_READ	":read"

static bool
table_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 1 && s[0] == '*')
		return true;
	if (len < 3 || len > 255)
		return false;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') &&
		    !(ch >= '0' && ch <= '9') && ch != '_' && ch != '.' &&
		    ch != '-')
			return false;
	}
	return true;
}

/* One word of a grant line into *list: "NAME" or "NAME:read". */
static int
grant_add(struct conf_grant **list, size_t *n, const char *w, size_t len,
    bool (*name_ok)(const char *, size_t), const char *noun,
    const char *rules, char *why, size_t whylen)
{
	const char *colon = memchr(w, ':', len);
	size_t nlen = colon != NULL ? (size_t)(colon - w) : len, i;
	struct conf_grant *g;

	if (colon != NULL && (len - nlen != strlen(GRANT_READ) ||
	    memcmp(colon, GRANT_READ, strlen(GRANT_READ)) != 0)) {
		snprintf(why, whylen, "\"%.*s\": the only suffix is :read",
		    (int)len, w);
		return -1;
	}
	if (!name_ok(w, nlen)) {
		snprintf(why, whylen, "\"%.*s\" is not a %s name (%s)",
		    (int)nlen, w, noun, rules);
		return -1;
	}
	for (i = 0; i < *n; i++)
		if (strlen((*list)[i].table) == nlen &&
		    memcmp((*list)[i].table, w, nlen) == 0) {
			snprintf(why, whylen, "%s %.*s is granted twice", noun,
			    (int)nlen, w);
			return -1;
		}
	if ((g = reallocarray(*list, *n + 1, sizeof(*g))) == NULL)
		goto nomem;
	*list = g;
	g = &(*list)[*n];
	if ((g->table = strndup(w, nlen)) == NULL)
		goto nomem;
	g->read_only = colon != NULL;
	(*n)++;
	return 0;
nomem:
	snprintf(why, whylen, "out of memory");
	return -1;
}

int
conf_grant_line(struct conf_grant **list, size_t *n, const char *v,
    bool (*name_ok)(const char *, size_t), const char *noun,
    const char *rules, char *why, size_t whylen)
{
	const char *p = v, *s;
	size_t before = *n, i, len;
	char up[16];

	while ((s = conf_word_next(&p, &len)) != NULL)
		if (grant_add(list, n, s, len, name_ok, noun, rules, why,
		    whylen) != 0)
			return -1;
	if (*n == before) {
		for (i = 0; noun[i] != '\0' && i < sizeof(up) - 1; i++)
			up[i] = (char)toupper((unsigned char)noun[i]);
		up[i] = '\0';
		snprintf(why, whylen, "expected one or more %s or %s:read, "
		    "or *", up, up);
		return -1;
	}
	return 0;
}

int
conf_tables_grant(struct function_conf *fn, const char *v, char *why,
    size_t whylen)
{
	return conf_grant_line(&fn->tables, &fn->ntables, v, table_name_ok,
	    "table", "3 to 255 of A-Z a-z 0-9 _ . -, or *", why, whylen);
}

int
conf_tables_listen(struct conf *c, const char *v, char *why, size_t whylen)
{
	char *host;
	int port, rc;

	if ((rc = conf_parse_hostport(v, &host, &port)) != 0) {
		snprintf(why, whylen, rc == -ENOMEM ? "out of memory" :
		    "expected host:port (127.0.0.1:8000), not \"%s\"", v);
		return -1;
	}
	free(c->dynamodb_host);
	c->dynamodb_host = host;
	c->dynamodb_port = port;
	return 0;
}

/* tables_backend, tables_backend_key, tables_backend_region. */
int
conf_tables_backend(struct conf *c, const char *key, const char *v,
    char *why, size_t whylen)
{
	const char *colon = strchr(v, ':');
	char **field;

	if (strcmp(key, "tables_backend") == 0) {
		if (tables_backend_url_ok(v, why, whylen) != 0)
			return -1;
		field = &c->tables_backend;
	} else if (strcmp(key, "tables_backend_key") == 0) {
		if (colon == NULL || colon == v || colon[1] == '\0' ||
		    strpbrk(v, " \t") != NULL) {
			snprintf(why, whylen, "expected ID:SECRET");
			return -1;
		}
		field = &c->tables_backend_key;
	} else {
		if (*v == '\0' || strpbrk(v, " \t/") != NULL) {
			snprintf(why, whylen, "expected a region (us-east-1)");
			return -1;
		}
		field = &c->tables_backend_region;
	}
	free(*field);
	if ((*field = strdup(v)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

void
conf_grants_free(struct conf_grant **list, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free((*list)[i].table);
	free(*list);
	*list = NULL;
	*n = 0;
}

void
conf_tables_free(struct function_conf *fn)
{
	conf_grants_free(&fn->tables, &fn->ntables);
	conf_grants_free(&fn->buckets, &fn->nbuckets);
}

bool
conf_grant_allows(const struct conf_grant *list, size_t n, const char *name,
    bool write)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct conf_grant *g = &list[i];

		if ((strcmp(g->table, "*") == 0 || strcmp(g->table, name) == 0)
		    && (!write || !g->read_only))
			return true;
	}
	return false;
}

bool
conf_table_allowed(const struct function_conf *fn, const char *table,
    bool write)
{
	return conf_grant_allows(fn->tables, fn->ntables, table, write);
}

int
conf_tables_dir(const struct conf *c, char *out, size_t outlen)
{
	int n;

	if (c->tables_dir != NULL)
		n = snprintf(out, outlen, "%s", c->tables_dir);
	else
		n = snprintf(out, outlen, "%s/tables", conf_state_dir(c));
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}
