/*
 * conf_keys: the keys of each section of lambdad.conf, their ranges and
 * words, and the setters that check a value and store it (the API
 * gateway's, the authorizers', the plans', the Tables' and the stage's
 * keys hand off to their conf_*.c files).  conf.c reads the sections and
 * calls these; conf_parse.h is what both share.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "conf.h"
#include "conf_int.h"
#include "conf_parse.h"
#include "route.h"

#define CONF_ENV_MAX	4096	/* bytes of "KEY=VALUE" strings, as Lambda's 4 KB */
#define CONF_LINE_MAX	8192	/* inih line buffer, where it can be raised */
#define CONF_NKEYS_MAX	48
#define CONF_ENOTREG	100000	/* conf_fopen: -CONF_ENOTREG, not a regular file */

/*
 * Debian's libinih turns its compile-time limits into variables; upstream's
 * does not have them.  A weak reference links against both, and where the
 * variable exists we raise the 200-byte line limit so a long env value fits.
 */
extern int ini_max_line;
#pragma weak ini_max_line

static int	conf_set_listen(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_word(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_functions(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_bootstrap(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_route(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_opt(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_uint(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_env(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_path(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_name(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_access_key(struct conf_parser *,
		    const struct conf_key *, const char *);
static int	conf_set_metrics(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_uid_range(struct conf_parser *,
		    const struct conf_key *, const char *);
static int	conf_set_buckets(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_tables(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_apigw(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_auth(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_stage(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_sched(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_ws(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_docs(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_plan(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_site(struct conf_parser *, const struct conf_key *,
		    const char *);

static const struct conf_word conf_onoff[] = {
	{ "on", 1 }, { "off", 0 }, { NULL, 0 } };
static const struct conf_word conf_payloads[] = {
	{ "2.0", 2 }, { "1.0", 1 }, { NULL, 0 } };
static const struct conf_word conf_seccomps[] = {
	{ "default", CONF_SECCOMP_DEFAULT }, { "exec", CONF_SECCOMP_EXEC },
	{ "log", CONF_SECCOMP_LOG }, { NULL, 0 } };
static const struct conf_word conf_networks[] = {
	{ "none", CONF_NETWORK_NONE }, { "host", CONF_NETWORK_HOST },
	{ NULL, 0 } };
static const struct conf_word conf_sandboxes[] = {
	{ "full", CONF_SANDBOX_FULL }, { "basic", CONF_SANDBOX_BASIC },
	{ "none", CONF_SANDBOX_NONE }, { NULL, 0 } };
static const struct conf_word conf_syncs[] = {
	{ "full", 1 }, { "normal", 0 }, { NULL, 0 } };

#define WORD(name, st, field, words) \
	{ name, conf_set_word, offsetof(st, field), 0, 0, false, words }
#define APIGW(name)	{ name, conf_set_apigw, 0, 0, 0, false, NULL }
#define DOCS(name)	{ name, conf_set_docs, 0, 0, 0, false, NULL }

const struct conf_key conf_lambdad_keys[] = {
	{ "listen", conf_set_listen, 0, 0, 0, false, NULL },
	{ "functions", conf_set_functions, 0, 0, 0, false, NULL },
	/* Off by default: the Invoke API reaches every function by name, so
	 * it is something an operator turns on, not something routes imply. */
	WORD("invoke_api", struct conf, invoke_api, conf_onoff),
	{ "user", conf_set_name, offsetof(struct conf, user), 0, 0, false, NULL },
	{ "state_dir", conf_set_path, offsetof(struct conf, state_dir), 0, 0,
	    false, NULL },
	{ "admin_socket", conf_set_path, offsetof(struct conf, admin_socket),
	    0, 0, false, NULL },
	{ "admin_group", conf_set_name, offsetof(struct conf, admin_group),
	    0, 0, false, NULL },
	{ "access_key", conf_set_access_key, 0, 0, 0, true, NULL },
	{ "metrics_listen", conf_set_metrics, 0, 0, 0, false, NULL },
	{ "grace", conf_set_uint, offsetof(struct conf, grace_s), 0, 3600,
	    false, NULL },
	{ "worker_uids", conf_set_uid_range, 0, 0, 0, false, NULL },
	{ "event_retry_delay", conf_set_uint,
	    offsetof(struct conf, event_retry_delay_s), 1, 3600, false, NULL },
	{ "event_queue_max", conf_set_uint,
	    offsetof(struct conf, event_queue_max), 1, 1000000, false, NULL },
	/* MB of zips CreateFunction and UpdateFunctionCode keep (control.h). */
	{ "code_storage", conf_set_uint,
	    offsetof(struct conf, code_storage_mb), 1, 10000000, false, NULL },
	{ "dynamodb_listen", conf_set_tables, 0, 0, 0, false, NULL },
	{ "tables_dir", conf_set_path, offsetof(struct conf, tables_dir), 0, 0,
	    false, NULL },
	WORD("tables_sync", struct conf, tables_sync_full, conf_syncs),
	{ "tables_backend", conf_set_tables, 0, 0, 0, false, NULL },
	{ "tables_backend_key", conf_set_tables, 0, 0, 0, false, NULL },
	{ "tables_backend_region", conf_set_tables, 0, 0, 0, false, NULL },
	{ "s3_listen", conf_set_buckets, 0, 0, 0, false, NULL },
	{ "buckets_dir", conf_set_path, offsetof(struct conf, buckets_dir), 0,
	    0, false, NULL },
	{ "buckets_max_bytes", conf_set_buckets, 0, 0, 0, false, NULL },
	/* 0 (the default): sized from RLIMIT_NOFILE at start (main.c). */
	{ "max_connections", conf_set_uint,
	    offsetof(struct conf, max_connections), 0, 10000000, false, NULL },
	WORD("busy_poll", struct conf, busy_poll, conf_onoff),
	/* Slow clients (slowloris): 408 past these, as nginx's
	 * client_header_timeout and client_body_timeout (http.h). */
	{ "header_timeout", conf_set_uint,
	    offsetof(struct conf, header_timeout_s), 1, 3600, false, NULL },
	{ "body_timeout", conf_set_uint,
	    offsetof(struct conf, body_timeout_s), 1, 3600, false, NULL },
	/* A client that stops reading a streamed reply (nginx's
	 * send_timeout): the connection closes (http.c). */
	{ "send_timeout", conf_set_uint,
	    offsetof(struct conf, send_timeout_s), 1, 3600, false, NULL },
	/* Every route's throttling default (conf_apigw.c). */
	APIGW("throttle_rate"),
	APIGW("throttle_burst"),
	/* The stage and its access log (conf_stage.c). */
	{ "stage", conf_set_stage, 0, 0, 0, false, NULL },
	{ "stage_variable", conf_set_stage, 0, 0, 0, true, NULL },
	{ "access_log", conf_set_stage, 0, 0, 0, false, NULL },
	{ "access_log_format", conf_set_stage, 0, 0, 0, false, NULL },
	DOCS("docs_path"),
	APIGW("cache_size"),
};

/* [cors]: HTTP API corsConfiguration (conf_apigw.c). */
#define CORS_KEYS \
	APIGW("allow_origins"), APIGW("allow_methods"), \
	APIGW("allow_headers"), APIGW("expose_headers"), APIGW("max_age"), \
	APIGW("allow_credentials")
const struct conf_key conf_cors_keys[] = {
	CORS_KEYS,
};

#define FN_UINT(name, field, min, max) \
	{ name, conf_set_uint, offsetof(struct function_conf, field), min, max, \
	    false, NULL }

/* The ranges are documented in lambdad.conf(5); keep the two in step. */
const struct conf_key conf_function_keys[] = {
	{ "bootstrap", conf_set_bootstrap, 0, 0, 0, false, NULL },
	{ "route", conf_set_route, 0, 0, 0, true, NULL },
	{ "opt", conf_set_opt, 0, 0, 0, false, NULL },
	FN_UINT("memory", memory_mb, 16, 10240),
	FN_UINT("timeout", timeout_s, 1, 900),
	FN_UINT("min_idle", min_idle, 0, 1024),
	FN_UINT("max_workers", max_workers, 1, 1024),
	FN_UINT("idle_timeout", idle_timeout_s, 0, 86400),
	FN_UINT("max_invocations", max_invocations, 0, 1000000000),
	FN_UINT("max_concurrency", max_concurrency, 1, 64),
	FN_UINT("queue_depth", queue_depth, 0, 100000),
	FN_UINT("queue_timeout", queue_timeout_s, 1, 3600),
	FN_UINT("log_rate", log_rate, 0, 10000000),
	{ "env", conf_set_env, 0, 0, 0, true, NULL },
	WORD("payload", struct function_conf, payload, conf_payloads),
	WORD("seccomp", struct function_conf, seccomp, conf_seccomps),
	WORD("network", struct function_conf, network, conf_networks),
	{ "auth", conf_set_auth, 0, 0, 0, false, NULL },
	FN_UINT("tmp", tmp_mb, 1, 10240),
	FN_UINT("pids", pids, 1, 100000),
	FN_UINT("cpu", cpu_pct, 1, 10000),
	FN_UINT("event_retries", event_retries, 0, 2),
	FN_UINT("event_max_age", event_max_age_s, 60, 21600),
	WORD("sandbox", struct function_conf, sandbox, conf_sandboxes),
	{ "tables", conf_set_tables, 0, 0, 0, true, NULL },
	{ "buckets", conf_set_buckets, 0, 0, 0, true, NULL },
	{ "on_object", conf_set_buckets, 0, 0, 0, true, NULL },
	/* The function's own CORS and throttling (conf_apigw.c). */
	CORS_KEYS,
	APIGW("cors"),
	APIGW("throttle_rate"),
	APIGW("throttle_burst"),
	APIGW("cache_ttl"),
	APIGW("cache_key"),
	APIGW("cache_invalidate"),
	{ "scopes", conf_set_auth, 0, 0, 0, true, NULL },
	/* The API's documentation and validation (conf_docs.c). */
	DOCS("description"),
	DOCS("request_schema"),
	DOCS("response_schema"),
	DOCS("validate"),
	{ "api_key", conf_set_plan, 0, 0, 0, false, NULL },
};

/* [usage_plan NAME]: conf_plan.c parses every value. */
const struct conf_key conf_plan_keys[] = {
	{ "rate", conf_set_plan, 0, 0, 0, false, NULL },
	{ "burst", conf_set_plan, 0, 0, 0, false, NULL },
	{ "quota", conf_set_plan, 0, 0, 0, false, NULL },
};

/* [authorizer NAME]: conf_auth.c parses every value. */
const struct conf_key conf_authorizer_keys[] = {
	{ "type", conf_set_auth, 0, 0, 0, false, NULL },
	{ "issuer", conf_set_auth, 0, 0, 0, false, NULL },
	{ "audience", conf_set_auth, 0, 0, 0, true, NULL },
	{ "jwks", conf_set_auth, 0, 0, 0, false, NULL },
	{ "secret", conf_set_auth, 0, 0, 0, false, NULL },
	{ "identity_source", conf_set_auth, 0, 0, 0, true, NULL },
	{ "leeway", conf_set_auth, 0, 0, 0, false, NULL },
	{ "function", conf_set_auth, 0, 0, 0, false, NULL },
	{ "response", conf_set_auth, 0, 0, 0, false, NULL },
	{ "cache_ttl", conf_set_auth, 0, 0, 0, false, NULL },
};

const struct conf_key conf_websocket_keys[] = {
	{ "path", conf_set_ws, 0, 0, 0, false, NULL },
	{ "route_selection", conf_set_ws, 0, 0, 0, false, NULL },
	{ "ws_route", conf_set_ws, 0, 0, 0, true, NULL },
	{ "auth", conf_set_ws, 0, 0, 0, false, NULL },
	{ "idle_timeout", conf_set_ws, 0, 0, 0, false, NULL },
	{ "max_lifetime", conf_set_ws, 0, 0, 0, false, NULL },
	{ "max_message", conf_set_ws, 0, 0, 0, false, NULL },
	{ "max_frame", conf_set_ws, 0, 0, 0, false, NULL },
};

/* [site NAME]: conf_site.c parses every value. */
const struct conf_key conf_site_keys[] = {
	{ "bucket", conf_set_site, 0, 0, 0, false, NULL },
	{ "route", conf_set_site, 0, 0, 0, true, NULL },
	{ "index", conf_set_site, 0, 0, 0, false, NULL },
	{ "error_document", conf_set_site, 0, 0, 0, false, NULL },
	{ "cache_max_age", conf_set_site, 0, 0, 0, false, NULL },
};

const struct conf_key conf_schedule_keys[] = {
	{ "function", conf_set_sched, 0, 0, 0, false, NULL },
	{ "expression", conf_set_sched, 0, 0, 0, false, NULL },
	{ "timezone", conf_set_sched, 0, 0, 0, false, NULL },
	{ "input", conf_set_sched, 0, 0, 0, false, NULL },
	{ "retries", conf_set_sched, 0, 0, 0, false, NULL },
	{ "max_age", conf_set_sched, 0, 0, 0, false, NULL },
	{ "catch_up", conf_set_sched, 0, 0, 0, false, NULL },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

const size_t conf_nlambdad_keys = NELEM(conf_lambdad_keys);
const size_t conf_ncors_keys = NELEM(conf_cors_keys);
const size_t conf_nfunction_keys = NELEM(conf_function_keys);
const size_t conf_nplan_keys = NELEM(conf_plan_keys);
const size_t conf_nauthorizer_keys = NELEM(conf_authorizer_keys);
const size_t conf_nwebsocket_keys = NELEM(conf_websocket_keys);
const size_t conf_nsite_keys = NELEM(conf_site_keys);
const size_t conf_nschedule_keys = NELEM(conf_schedule_keys);

/* parser->seen[] has one slot per scalar key of the largest section. */
_Static_assert(NELEM(conf_lambdad_keys) <= CONF_NKEYS_MAX, "CONF_NKEYS_MAX");
_Static_assert(NELEM(conf_function_keys) <= CONF_NKEYS_MAX, "CONF_NKEYS_MAX");
_Static_assert(NELEM(conf_cors_keys) <= CONF_NKEYS_MAX, "CONF_NKEYS_MAX");
_Static_assert(NELEM(conf_plan_keys) <= CONF_NKEYS_MAX, "CONF_NKEYS_MAX");
_Static_assert(NELEM(conf_authorizer_keys) <= CONF_NKEYS_MAX, "CONF_NKEYS_MAX");

/* Variables lambdad sets for every worker; a function may not override them. */
static const char *const reserved_env[] = {
	"AWS_LAMBDA_RUNTIME_API",
	"AWS_LAMBDA_FUNCTION_NAME",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_LAMBDA_INITIALIZATION_TYPE",
	"AWS_LAMBDA_MAX_CONCURRENCY",	/* switches runtimes to other modes */
	"_LAMBDA_TELEMETRY_LOG_FD",
	"_LAMBDA_TELEMETRY_LOG_FD_PROVIDER_SOCKET",
	"LAMBDA_TASK_ROOT",
	"LAMBDA_RUNTIME_DIR",
};

/* ---- keys of either section ---------------------------------------------- */

/* conf_set_word stores through an int: every such field is an int or an
 * enum that the compiler makes int-sized. */
_Static_assert(sizeof(enum conf_seccomp) == sizeof(int) &&
    sizeof(enum conf_network) == sizeof(int) &&
    sizeof(enum conf_auth) == sizeof(int) &&
    sizeof(enum conf_sandbox) == sizeof(int), "enum fields are int-sized");

/* One of a fixed set of words; the error lists them ("a, b or c"). */
static int
conf_set_word(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char *base = p->sect == SECT_LAMBDAD ? (char *)p->c : (char *)conf_fn(p);
	char list[128];
	size_t i, n = 0;

	for (i = 0; k->words[i].word != NULL; i++)
		if (strcmp(v, k->words[i].word) == 0) {
			*(int *)(void *)(base + k->off) = k->words[i].value;
			return 0;
		}
	list[0] = '\0';
	for (i = 0; k->words[i].word != NULL; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		    i == 0 ? "" : k->words[i + 1].word == NULL ? " or " : ", ",
		    k->words[i].word);
	return conf_error(p, p->lineno, "%s: expected %s, not \"%s\"", k->name,
	    list, v);
}

/* ---- [lambdad] ----------------------------------------------------------- */

static int
conf_set_listen(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char *host;
	int port, rc;

	rc = conf_parse_hostport(v, &host, &port);
	if (rc == -ENOMEM)
		return conf_nomem(p);
	if (rc < 0)
		return conf_error(p, p->lineno, "%s: expected host:port "
		    "(127.0.0.1:8080, localhost:0 or [::1]:8080), not \"%s\"",
		    k->name, v);
	free(p->c->listen_host);
	p->c->listen_host = host;
	p->c->listen_port = port;
	return 0;
}

static int
conf_set_functions(struct conf_parser *p, const struct conf_key *k,
    const char *v)
{
	char *dir;

	if (*v == '\0')
		return conf_error(p, p->lineno, "%s: missing directory", k->name);
	dir = v[0] == '/' ? strdup(v) : conf_join(p->dir, v);
	if (dir == NULL)
		return conf_nomem(p);
	p->c->functions_dir = dir;
	p->functions_line = p->lineno;
	return 0;
}

/* A path; relative ones are taken from the file's directory. */
static int
conf_set_path(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char **dst = (char **)(void *)((char *)p->c + k->off), *path;

	if (*v == '\0')
		return conf_error(p, p->lineno, "%s: missing path", k->name);
	path = v[0] == '/' ? strdup(v) : conf_join(p->dir, v);
	if (path == NULL)
		return conf_nomem(p);
	free(*dst);
	*dst = path;
	return 0;
}

/* A user or group name: what getpwnam(3) would take. */
static int
conf_set_name(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char **dst = (char **)(void *)((char *)p->c + k->off);
	const char *s;

	if (*v == '\0' || strlen(v) > 32)
		return conf_error(p, p->lineno, "%s: expected a name of 1 to 32 "
		    "characters", k->name);
	for (s = v; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' &&
		    *s != '.')
			return conf_error(p, p->lineno, "%s: \"%s\" is not a "
			    "user or group name", k->name, v);
	free(*dst);
	if ((*dst = strdup(v)) == NULL)
		return conf_nomem(p);
	return 0;
}

/*
 * "ID:SECRET", an access key the Invoke API verifies SigV4 signatures
 * against.  AWS key ids are 16 to 128 of A-Z 0-9; we take any printable id
 * without ':' or blanks, and a secret of at least 16 characters.
 */
static int
conf_set_access_key(struct conf_parser *p, const struct conf_key *k,
    const char *v)
{
	struct conf *c = p->c;
	const char *colon = strchr(v, ':'), *s;
	size_t i, idlen;

	if (colon == NULL || colon == v || strlen(colon + 1) < 16)
		return conf_error(p, p->lineno, "%s: expected ID:SECRET with a "
		    "secret of at least 16 characters", k->name);
	idlen = (size_t)(colon - v);
	for (s = v; *s != '\0'; s++)
		if (!isgraph((unsigned char)*s))
			return conf_error(p, p->lineno, "%s: blanks and control "
			    "characters are not allowed", k->name);
	for (i = 0; i < c->naccess_keys; i++)
		if (strncmp(c->access_keys[i], v, idlen + 1) == 0)
			return conf_error(p, p->lineno, "%s: key id \"%.*s\" is "
			    "given twice", k->name, (int)idlen, v);
	if (conf_grow(&c->access_keys, c->naccess_keys,
	    sizeof(*c->access_keys)) < 0 ||
	    (c->access_keys[c->naccess_keys] = strdup(v)) == NULL)
		return conf_nomem(p);
	c->naccess_keys++;
	return 0;
}

static int
conf_set_metrics(struct conf_parser *p, const struct conf_key *k,
    const char *v)
{
	char *host;
	int port, rc;

	rc = conf_parse_hostport(v, &host, &port);
	if (rc == -ENOMEM)
		return conf_nomem(p);
	if (rc < 0)
		return conf_error(p, p->lineno, "%s: expected host:port, not "
		    "\"%s\"", k->name, v);
	free(p->c->metrics_host);
	p->c->metrics_host = host;
	p->c->metrics_port = port;
	return 0;
}

/* dynamodb_listen, tables_backend* and tables =: conf_tables.c has them. */
static int
conf_set_tables(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char why[384];
	int rc = p->sect != SECT_LAMBDAD ?
	    conf_tables_grant(conf_fn(p), v, why, sizeof(why)) :
	    strcmp(k->name, "dynamodb_listen") == 0 ?
	    conf_tables_listen(p->c, v, why, sizeof(why)) :
	    conf_tables_backend(p->c, k->name, v, why, sizeof(why));

	return rc == 0 ? 0 : conf_error(p, p->lineno, "%s: %s", k->name, why);
}

/* s3_listen, buckets_max_bytes and buckets =: conf_buckets.c has them;
 * on_object =, conf_onobject.c. */
static int
conf_set_buckets(struct conf_parser *p, const struct conf_key *k,
    const char *v)
{
	char why[384];
	int rc = p->sect == SECT_LAMBDAD ?
	    conf_buckets_key(p->c, k->name, v, why, sizeof(why)) :
	    strcmp(k->name, "on_object") == 0 ?
	    conf_on_object(conf_fn(p), v, p->file, p->lineno, why,
	    sizeof(why)) :
	    conf_buckets_grant(conf_fn(p), v, why, sizeof(why));

	if (rc != 0)
		return conf_error(p, p->lineno, "%s: %s", k->name, why);
	return 0;
}

/* CORS, throttling and caching: conf_apigw.c has them. */
static int
conf_set_apigw(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char why[384];
	int rc = conf_apigw_key(p->c, p->sect == SECT_FUNCTION ? conf_fn(p) :
	    NULL, p->sect == SECT_CORS, k->name, v, why, sizeof(why));

	return rc == 0 ? 0 : conf_error(p, p->lineno, "%s: %s", k->name, why);
}

/* The stage and the access log: conf_stage.c has them. */
static int
conf_set_stage(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char why[384] = "";

	return conf_stage_key(p->c, k->name, v, p->dir, why, sizeof(why)) == 0 ?
	    0 : conf_error(p, p->lineno, "%s: %s", k->name, why);
}

/* [authorizer] keys, and a function's auth = and scopes =: conf_auth.c. */
static int
conf_set_auth(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char why[512];
	int rc;

	if (p->sect == SECT_AUTHORIZER)
		rc = conf_auth_key(&p->c->authorizers[p->authz], k->name, v,
		    p->dir, p->lineno, why, sizeof(why));
	else if (strcmp(k->name, "auth") == 0)
		rc = conf_auth_fn_auth(conf_fn(p), v, p->lineno, why,
		    sizeof(why));
	else
		rc = conf_auth_fn_scopes(conf_fn(p), v, p->lineno, why,
		    sizeof(why));
	return rc == 0 ? 0 : conf_error(p, p->lineno, "%s: %s", k->name, why);
}

/* [websocket] keys: conf_ws.c. */
static int
conf_set_ws(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char why[384];

	return conf_ws_key(&p->c->websockets[p->ws], k->name, v, p->lineno,
	    why, sizeof(why)) == 0 ? 0 :
	    conf_error(p, p->lineno, "%s: %s", k->name, why);
}

/* [site] keys: conf_site.c. */
static int
conf_set_site(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char why[384];

	return conf_site_key(&p->c->sites[p->site], k->name, v, p->file,
	    p->lineno, why, sizeof(why)) == 0 ? 0 :
	    conf_error(p, p->lineno, "%s: %s", k->name, why);
}

/* [schedule] keys: conf_sched.c. */
static int
conf_set_sched(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char why[384];

	return conf_sched_key(&p->c->schedules[p->sched], k->name, v, why,
	    sizeof(why)) == 0 ? 0 :
	    conf_error(p, p->lineno, "[schedule %s]: %s: %s",
	    p->c->schedules[p->sched].name, k->name, why);
}

/* Documentation keys: conf_docs.c. */
static int
conf_set_docs(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char why[512];
	int rc = p->sect == SECT_LAMBDAD ?
	    conf_docs_path(p->c, v, p->lineno, why, sizeof(why)) :
	    conf_docs_fn_key(conf_fn(p), k->name, v, p->dir, p->lineno, why,
	    sizeof(why));

	return rc == 0 ? 0 : conf_error(p, p->lineno, "%s: %s", k->name, why);
}

/* [usage_plan] keys, and a function's api_key =: conf_plan.c. */
static int
conf_set_plan(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char why[384];
	int rc = p->sect == SECT_PLAN ?
	    conf_plan_key(&p->c->plans[p->plan], k->name, v, p->lineno, why,
	    sizeof(why)) :
	    conf_plan_fn_key(conf_fn(p), v, p->lineno, why, sizeof(why));

	return rc == 0 ? 0 : conf_error(p, p->lineno, "%s: %s", k->name, why);
}

/* "FIRST-LAST": the uids handed to functions' workers, one per function. */
static int
conf_set_uid_range(struct conf_parser *p, const struct conf_key *k,
    const char *v)
{
	unsigned long a, b;
	char *end;

	if (!isdigit((unsigned char)v[0]))
		goto bad;
	a = strtoul(v, &end, 10);
	if (*end != '-' || !isdigit((unsigned char)end[1]))
		goto bad;
	b = strtoul(end + 1, &end, 10);
	if (*end != '\0')
		goto bad;
	if (a == 0 || a > b || b >= 0xfffffffeUL)
		return conf_error(p, p->lineno, "%s: %s: expected 0 < FIRST <= "
		    "LAST < 4294967294", k->name, v);
	p->c->worker_uid_first = (unsigned)a;
	p->c->worker_uid_last = (unsigned)b;
	return 0;
bad:
	return conf_error(p, p->lineno, "%s: expected FIRST-LAST (such as "
	    "61000-61999), not \"%s\"", k->name, v);
}

/* ---- [function NAME] ------------------------------------------------------ */

/*
 * The bootstrap need not exist yet (spawn reports that), so only its
 * directory is made canonical, and only when it exists.
 */
static int
conf_set_bootstrap(struct conf_parser *p, const struct conf_key *k,
    const char *v)
{
	struct function_conf *fn = conf_fn(p);
	char *full, *slash, *dir, *real;
	const char *base;

	if (*v == '\0')
		return conf_error(p, p->lineno, "%s: missing path", k->name);
	full = v[0] == '/' ? strdup(v) : conf_join(p->dir, v);
	if (full == NULL)
		return conf_nomem(p);
	slash = strrchr(full, '/');
	base = slash + 1;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		free(full);
		return conf_error(p, p->lineno, "%s: \"%s\" names a directory, "
		    "not an executable", k->name, v);
	}
	dir = slash == full ? strdup("/") : strndup(full, slash - full);
	real = dir != NULL ? realpath(dir, NULL) : NULL;
	if (real != NULL) {
		free(dir);
		dir = real;
	}
	fn->task_root = dir;
	fn->bootstrap = dir != NULL ? conf_join(dir, base) : NULL;
	free(full);
	if (fn->bootstrap == NULL)
		return conf_nomem(p);
	return 0;
}

/*
 * opt = DIR: what the workers see on /opt (the control plane's Layers,
 * unpacked in order).  An absolute path to a directory that is there.
 */
static int
conf_set_opt(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	struct function_conf *fn = conf_fn(p);
	struct stat st;

	if (v[0] != '/')
		return conf_error(p, p->lineno, "%s: \"%s\": an absolute path "
		    "to a directory, please", k->name, v);
	if (stat(v, &st) != 0)
		return conf_error(p, p->lineno, "%s: %s: %s", k->name, v,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return conf_error(p, p->lineno, "%s: %s: not a directory",
		    k->name, v);
	free(fn->opt_dir);
	if ((fn->opt_dir = strdup(v)) == NULL)
		return conf_nomem(p);
	return 0;
}

static int
conf_set_route(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	struct function_conf *fn = conf_fn(p);
	struct conf_route *r;
	const char *why = "invalid route";

	if (route_parse(v, &why) < 0)
		return conf_error(p, p->lineno, "%s: \"%s\": %s", k->name, v, why);
	if (conf_grow(&fn->routes, fn->nroutes, sizeof(*fn->routes)) < 0)
		return conf_nomem(p);
	r = &fn->routes[fn->nroutes];
	if ((r->spec = strdup(v)) == NULL)
		return conf_nomem(p);
	r->file = p->file;
	r->line = p->lineno;
	fn->nroutes++;
	return 0;
}

/* Plain decimal only: "3s", "-1", "+3", " 3" and "" are all mistakes. */
static int
conf_set_uint(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	unsigned long n = 0;
	const char *s;
	char *base;

	if (*v == '\0')
		return conf_error(p, p->lineno, "%s: missing value "
		    "(an integer from %u to %u)", k->name, k->min, k->max);
	for (s = v; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return conf_error(p, p->lineno, "%s: \"%s\" is not a "
			    "plain decimal integer (from %u to %u)", k->name, v,
			    k->min, k->max);
		if (n <= UINT_MAX)
			n = n * 10 + (unsigned long)(*s - '0');
	}
	if (n < k->min || n > k->max)
		return conf_error(p, p->lineno, "%s: %s is out of range "
		    "(%u to %u)", k->name, v, k->min, k->max);
	base = p->sect == SECT_LAMBDAD ? (char *)p->c : (char *)conf_fn(p);
	*(unsigned *)(void *)(base + k->off) = (unsigned)n;
	return 0;
}

static bool
conf_env_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || isdigit((unsigned char)s[0]))
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

static bool
conf_env_has(const struct function_conf *fn, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < fn->nenv; i++)
		if (strncmp(fn->env[i], name, len) == 0 && fn->env[i][len] == '=')
			return true;
	return false;
}

static int
conf_set_env(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	struct function_conf *fn = conf_fn(p);
	const char *eq = strchr(v, '=');
	size_t i, len, total = strlen(v);

	if (eq == NULL)
		return conf_error(p, p->lineno, "%s: expected KEY=VALUE, not "
		    "\"%s\"", k->name, v);
	len = eq - v;
	if (!conf_env_name_ok(v, len))
		return conf_error(p, p->lineno, "%s: \"%.*s\" is not a valid "
		    "variable name", k->name, (int)len, v);
	for (i = 0; i < NELEM(reserved_env); i++)
		if (strlen(reserved_env[i]) == len &&
		    strncmp(reserved_env[i], v, len) == 0)
			return conf_error(p, p->lineno, "%s: %.*s is reserved "
			    "(lambdad sets it)", k->name, (int)len, v);
	if (conf_env_has(fn, v, len))
		return conf_error(p, p->lineno, "%s: %.*s is set twice",
		    k->name, (int)len, v);
	for (i = 0; i < fn->nenv; i++)
		total += strlen(fn->env[i]);
	if (total > CONF_ENV_MAX)
		return conf_error(p, p->lineno, "%s: the environment of function "
		    "%s exceeds %d bytes", k->name, fn->name, CONF_ENV_MAX);
	if (conf_grow(&fn->env, fn->nenv, sizeof(*fn->env)) < 0 ||
	    (fn->env[fn->nenv] = strdup(v)) == NULL)
		return conf_nomem(p);
	fn->nenv++;
	return 0;
}

