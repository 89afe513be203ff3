/*
 * conf: the INI configuration (libinih): a main file and a drop-in directory
 * of function files.  Every error names the file and line at fault; unknown
 * sections, unknown keys and bad values are errors, never ignored.
 *
 *   [lambdad]
 *   listen = 127.0.0.1:8080
 *   functions = /etc/lambdad/functions.d    ; *.conf, read in name order
 *   invoke_api = off                         ; on: serve the AWS Invoke API
 *   user = lambdad          state_dir = /var/lib/lambdad    grace = 10
 *   admin_socket = /run/lambdad/admin.sock    admin_group = NAME
 *   access_key = ID:SECRET  (repeatable)      metrics_listen = 127.0.0.1:9100
 *   worker_uids = 61000-61999
 *   event_retry_delay = 60    event_queue_max = 10000
 *   code_storage = 76800 (MB of zips the control plane keeps)
 *   dynamodb_listen = 127.0.0.1:8000 (off when absent)
 *   tables_dir = STATE_DIR/tables     tables_sync = full | normal
 *   tables_backend = http://HOST:PORT (off)  tables_backend_key = ID:SECRET
 *   tables_backend_region = us-east-1
 *   s3_listen = 127.0.0.1:9000 (off when absent)   buckets_dir = DIR
 *   buckets_max_bytes = 10G (0: no cap)     (conf_buckets.c)
 *   max_connections = 0 (from RLIMIT_NOFILE)    busy_poll = off
 *   header_timeout = 10   body_timeout = 10 (s; slow clients get 408)
 *   send_timeout = 30 (s; a client that stops reading a streamed reply)
 *   throttle_rate = R (req/s, 3 decimals; every route's default, 0 = none)
 *   throttle_burst = N
 *   stage = $default    stage_variable = KEY=VALUE (repeatable)
 *   access_log = FILE | journal   access_log_format = $context...
 *   (conf_stage.c)
 *   docs_path = /docs (off when absent: the public API reference)
 *
 *   [cors]                                  ; HTTP API corsConfiguration
 *   allow_origins = https://app.example *   ; (conf_apigw.c)
 *   allow_methods = GET POST   allow_headers = content-type   max_age = 300
 *   expose_headers = x-id      allow_credentials = on | off
 *
 *   [function hello]
 *   bootstrap = /srv/fn/hello/bootstrap     ; relative paths are taken
 *   route = GET /hello/{name}               ;   from the file's directory
 *   opt = DIR (read-only on /opt: the Layers; a missing bootstrap then
 *   runs /opt/bootstrap)
 *   memory = 128            timeout = 3     min_idle = 0   max_workers = 4
 *   idle_timeout = 300      max_invocations = 0 (unlimited)
 *   max_concurrency = 1 (1..64 invocations at once per worker)
 *   queue_depth = 64        queue_timeout = 10
 *   env = KEY=VALUE         payload = 2.0 | 1.0
 *   seccomp = default | exec | log
 *   network = none | host   auth = none | aws_iam | AUTHORIZER
 *   scopes = SCOPE ... (repeatable; with a jwt authorizer)
 *   tmp = 64 (MB)           pids = 64       cpu = 100 (% of one core)
 *   event_retries = 2 (0..2)   event_max_age = 21600 (60..21600 s)
 *   sandbox = full | basic | none
 *   tables = TABLE[:read] ... (repeatable; * for every table)
 *   buckets = BUCKET[:read] ... (repeatable; * for every bucket)
 *   on_object = BUCKET EVENT... [prefix=P] [suffix=S] (conf_onobject.c)
 *   throttle_rate, throttle_burst, cors = on | off, and the [cors] keys
 *   description = TEXT      request_schema = FILE   response_schema = FILE
 *   validate = off | on     (conf_docs.c: the API's documentation)
 *
 *   [authorizer NAME]                       ; conf_auth.c, main file only
 *   type = jwt     issuer = URL     audience = AUD (repeatable)
 *   jwks = FILE | secret = FILE     leeway = 0 (s)
 *   identity_source = $request.header.Authorization
 *
 *   [usage_plan NAME]                       ; conf_plan.c, main file only
 *   rate = R (req/s, 3 decimals)   burst = N   quota = N/day|week|month
 *
 *   [function NAME]   api_key = required | off (the default)
 *
 *   [websocket NAME]                        ; conf_ws.c, main file only
 *   path = /ws      route_selection = $request.body.action
 *   ws_route = KEY FUNCTION (repeatable; $connect $disconnect $default)
 *   auth = AUTHORIZER (on $connect)   idle_timeout = 600   max_lifetime = 7200
 *   max_message = 131072   max_frame = 32768
 *
 *   [site NAME]                             ; conf_site.c, main file only
 *   bucket = BUCKET   route = GET /path/{proxy+} (repeatable)
 *   index = index.html   error_document = KEY   cache_max_age = SECONDS
 *   [schedule NAME]                         ; conf_sched.c, main file only
 *   function = NAME[:VERSION|:ALIAS]   expression = rate() | cron() | at()
 *   timezone = UTC   input = JSON   retries = N   max_age = S
 *   catch_up = off | on
 */
#ifndef LAMBDAD_CONF_H
#define LAMBDAD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum conf_seccomp {
	CONF_SECCOMP_DEFAULT,	/* tight allowlist for native handlers */
	CONF_SECCOMP_EXEC,	/* also exec/fork, for script runtimes */
	CONF_SECCOMP_LOG,	/* log what would be denied, deny nothing */
};

enum conf_network {
	CONF_NETWORK_NONE,	/* loopback only, in the function's own netns */
	CONF_NETWORK_HOST,	/* the host's network */
};

enum conf_sandbox {
	CONF_SANDBOX_FULL,	/* every layer: namespaces, uid, rlimits, seccomp */
	CONF_SANDBOX_BASIC,	/* rlimits and seccomp only */
	CONF_SANDBOX_NONE,	/* nothing: benchmarks and debugging only */
};

enum conf_auth {
	CONF_AUTH_NONE,		/* routes are public */
	CONF_AUTH_AWS_IAM,	/* routes need a SigV4 signature (access_key) */
	CONF_AUTH_AUTHORIZER,	/* an [authorizer NAME] decides (authz) */
};

struct jwt_keyset;
struct jwt_authorizer;
struct cJSON;

enum conf_authz_type {
	CONF_AUTHZ_UNSET,	/* no type = line (an error at the section end) */
	CONF_AUTHZ_JWT,		/* HTTP API JWT authorizer (apigw/jwt.h) */
	CONF_AUTHZ_FUNCTION,	/* a Lambda authorizer (apigw/lambda_authz.h) */
};

/* Where an authorizer finds its token: a header or a query parameter;
 * a Lambda authorizer also takes $context variables. */
enum conf_ident {
	CONF_IDENT_HEADER,
	CONF_IDENT_QUERY,
	CONF_IDENT_CONTEXT,
};

/* One identity source of a Lambda authorizer. */
struct conf_ident_src {
	enum conf_ident	 kind;
	char		*text;		/* "$request.header.X-Token" */
	const char	*name;		/* into text: "X-Token", "routeKey" */
};

/* A Lambda authorizer's reply format (enableSimpleResponses or not). */
enum conf_authz_response {
	CONF_AUTHZ_SIMPLE,	/* {"isAuthorized": bool, "context": {...}} */
	CONF_AUTHZ_IAM,		/* {"principalId", "policyDocument", "context"} */
};

/* One ws_route = KEY FUNCTION line of a [websocket NAME] section. */
struct conf_ws_route {
	char		*key;		/* "$connect", "$default", "sendmessage" */
	char		*function;
	size_t		 fn_index;	/* into struct conf's fns, once resolved */
	int		 line;
};

/* [websocket NAME]: an API Gateway WebSocket API (apigw/ws.h). */
struct conf_websocket {
	char		*name;
	char		*path;		/* "/ws" on the public listener */
	char		*route_selection;	/* "$request.body.action" */
	const char	*selection;	/* into route_selection: "action" */
	struct conf_ws_route *routes;
	size_t		 nroutes;
	char		*auth;		/* an [authorizer NAME] for $connect */
	const struct conf_authorizer *authz;	/* resolved, or NULL */
	int		 auth_line;
	unsigned	 idle_timeout_s;	/* 600, API Gateway's 10 minutes */
	unsigned	 max_lifetime_s;	/* 7200, its 2 hours */
	unsigned	 max_message;	/* 131072 bytes (128 KB) */
	unsigned	 max_frame;	/* 32768 bytes (32 KB) */
	const char	*file;		/* where the section starts */
	int		 line;
};

/* [schedule NAME]: a function invoked on a timetable (sched/sched.h). */
struct conf_schedule {
	char		*name;		/* [A-Za-z0-9_.-]{1,64} */
	char		*function;	/* "NAME", "NAME:VERSION", "NAME:ALIAS" */
	char		*expression;	/* checked by cron_parse (sched/cron.h) */
	char		*timezone;	/* an IANA zone, or NULL: UTC */
	char		*input;		/* compact JSON, or NULL: the default event */
	unsigned	 retries;	/* CONF_UNSET: the function's event_retries */
	unsigned	 max_age_s;	/* CONF_UNSET: its event_max_age */
	int		 catch_up;	/* 0 */
	const char	*file;		/* where the section starts */
	int		 line;
};

/* [authorizer NAME]: who may call the routes of functions that name it. */
struct conf_authorizer {
	char		*name;		/* as a function name; not none/aws_iam */
	enum conf_authz_type type;
	char		*issuer;
	char		**audiences;	/* one or more */
	size_t		 naudiences;
	char		*jwks;		/* absolute path, or NULL */
	char		*secret;	/* absolute path (HS256), or NULL */
	char		*identity_source;	/* "$request.header.Authorization" */
	enum conf_ident	 ident;
	const char	*ident_name;	/* into identity_source: "Authorization" */
	unsigned	 leeway_s;	/* 0 */
	/* Built from jwks or secret when the section ends: a reload reads
	 * the file again, a request never does. */
	struct jwt_keyset *keys;
	struct jwt_authorizer *jwt;	/* what jwt_authorize takes */
	/* type = function: the function (resolved to its index in struct
	 * conf's fns once every file is read), the identity sources in
	 * order, the reply format and the cache's lifetime (0: off). */
	char		*function;
	size_t		 fn_index;
	struct conf_ident_src *srcs;
	size_t		 nsrcs;
	enum conf_authz_response response;	/* simple */
	unsigned	 cache_ttl_s;	/* 300, as API Gateway; 0..3600 */
	int		 jwt_keys_set;	/* a jwt-only key was given */
	const char	*file;		/* where the section starts */
	int		 line;
	int		 keys_line;	/* the jwks = or secret = line */
};

/* A quota's period, as API Gateway's usage plans count them (UTC). */
enum conf_quota_period {
	CONF_QUOTA_NONE,	/* no quota */
	CONF_QUOTA_DAY,
	CONF_QUOTA_WEEK,	/* ISO week: from Monday 00:00 UTC */
	CONF_QUOTA_MONTH,
};

/* [usage_plan NAME]: what an API key bound to it may do (apigw/apikey.h). */
struct conf_plan {
	char		*name;		/* as a function name */
	unsigned	 mrate;		/* milli-requests/s per key; 0: no limit */
	unsigned	 burst;		/* the key's bucket (>= 1 with a rate) */
	unsigned	 quota;		/* requests a period; 0 with no period */
	enum conf_quota_period period;
	const char	*file;		/* where the section starts */
	int		 line;
	int		 burst_line;	/* 0: no burst = line */
};

struct conf_route {
	char		*spec;		/* "GET /hello/{name}", validated by route_parse */
	const char	*file;		/* points into struct conf's file list */
	int		 line;
};

/* One entry of a tables = or buckets = line: a table or bucket ("*":
 * every one) the function may call, and whether only for reads. */
struct conf_grant {
	char		*table;
	bool		 read_only;
};

/* S3's event types an on_object = line names (CONF_S3EV_*). */
#define CONF_S3EV_PUT		0x01	/* ObjectCreated:Put */
#define CONF_S3EV_POST		0x02	/* ObjectCreated:Post */
#define CONF_S3EV_COPY		0x04	/* ObjectCreated:Copy */
#define CONF_S3EV_CMU		0x08	/* ObjectCreated:CompleteMultipartUpload */
#define CONF_S3EV_CREATED	0x0f	/* ObjectCreated:* */
#define CONF_S3EV_DELETE	0x10	/* ObjectRemoved:Delete */
#define CONF_S3EV_REMOVED	0x10	/* ObjectRemoved:* */

/* One on_object = BUCKET EVENT... [prefix=P] [suffix=S] line. */
struct conf_on_object {
	char		*bucket;
	unsigned	 events;	/* CONF_S3EV_* bits */
	char		*prefix;	/* NULL: any */
	char		*suffix;	/* NULL: any */
	const char	*file;		/* where the line is */
	int		 line;
};

/*
 * A CORS configuration, API Gateway HTTP API corsConfiguration: the
 * [cors] section's, or a function's own (its keys, the rest from [cors]).
 * Lists keep what the file says; the *_hdr strings are the values the
 * gateway sends, joined once at load.
 */
struct conf_cors {
	char		**origins;	/* as written: "*", a scheme wildcard, origins */
	size_t		 norigins;
	char		**methods;	/* upper case, or "*" */
	size_t		 nmethods;
	char		**headers;
	size_t		 nheaders;
	char		**expose;
	size_t		 nexpose;
	int		 max_age;	/* -1: no Access-Control-Max-Age */
	int		 credentials;	/* -1: not set (off), 0, 1 */
	unsigned	 set;		/* CONF_CORS_* bits set in its section */
	char		*methods_hdr, *headers_hdr, *expose_hdr;	/* or NULL */
	const char	*file;		/* the section's, for errors */
	int		 line;
};

#define CONF_UNSET	(~0u)	/* a numeric key not given (for inheritance) */

/* One part of a function's cache_key besides method and path: a query
 * parameter ($request.querystring.NAME) or a header
 * ($request.header.NAME, kept in lower case). */
struct conf_cache_key {
	bool		 header;
	char		*name;
};
#define CONF_CACHE_KEY_MAX	16	/* parts of one cache_key */
#define CONF_CACHE_TTL_MAX	3600	/* s, API Gateway's limit */

struct function_conf {
	char		*name;		/* [A-Za-z0-9_-]{1,64} */
	char		*bootstrap;	/* absolute path (existence is checked at spawn) */
	char		*task_root;	/* directory of bootstrap */
	char		*opt_dir;	/* opt = DIR: on /opt in the jail (the
					   control plane's Layers); NULL = none */
	struct conf_route *routes;
	size_t		 nroutes;
	unsigned	 memory_mb;	/* 128; 16..10240 */
	unsigned	 timeout_s;	/* 3; 1..900 */
	unsigned	 min_idle;	/* 0 */
	unsigned	 max_workers;	/* 4; >= 1, >= min_idle */
	unsigned	 idle_timeout_s;	/* 300; 0 = never reap */
	unsigned	 max_invocations;	/* 0 = unlimited */
	unsigned	 max_concurrency;	/* 1; 1..64 invocations a worker
					   holds at once */
	unsigned	 queue_depth;	/* 64 */
	unsigned	 queue_timeout_s;	/* 10 */
	unsigned	 log_rate;	/* 10000 log lines/s a worker may write;
					   past it dropped, counted; 0 = all */
	char		**env;		/* "KEY=VALUE"; total <= 4 KiB */
	size_t		 nenv;
	int		 payload;	/* 2 or 1 */
	enum conf_seccomp seccomp;
	enum conf_network network;	/* none */
	enum conf_auth	 auth;		/* none */
	/* auth = NAME: the authorizer, resolved once every file is read,
	 * and where the line is; authz points into struct conf's list. */
	char		*authorizer;
	const struct conf_authorizer *authz;
	int		 auth_line;
	/* scopes = lines: any one of them must be in the token's scope or
	 * scp (a JWT authorizer), else 403.  None: no scope check. */
	char		**scopes;
	size_t		 nscopes;
	int		 scopes_line;
	unsigned	 tmp_mb;	/* 64: private /tmp size */
	unsigned	 pids;		/* 64: processes (pids.max / RLIMIT_NPROC) */
	unsigned	 cpu_pct;	/* 100: cpu.max, % of one core */
	unsigned	 event_retries;	/* 2: retries of a failed Event (0..2) */
	unsigned	 event_max_age_s;	/* 21600: oldest Event still run */
	enum conf_sandbox sandbox;	/* full */
	/* tables = lines (conf_tables.c); none: every Tables call is denied
	 * and the workers get no AWS_ENDPOINT_URL_DYNAMODB. */
	struct conf_grant *tables;
	size_t		 ntables;
	/* buckets = lines (conf_buckets.c), the same for Buckets' S3 API
	 * and AWS_ENDPOINT_URL_S3. */
	struct conf_grant *buckets;
	size_t		 nbuckets;
	/* on_object = lines (conf_onobject.c): S3 events of Buckets that
	 * invoke the function through the Event queue (buckets/notify.h). */
	struct conf_on_object *on_object;
	size_t		 non_object;
	/* A [websocket] section exists: the workers get
	 * AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI (their private endpoint
	 * serves @connections), as tables = gives them DynamoDB's. */
	int		 ws_endpoint;
	/* The API gateway's stages (conf_apigw.c).  cors is what applies,
	 * NULL: CORS off (the function's own CORS headers pass untouched);
	 * it points to cors_own or to the [cors] section's. */
	const struct conf_cors *cors;
	struct conf_cors *cors_own;	/* keys set in the section, or NULL */
	int		 cors_on;	/* cors = on (1, the default) | off */
	unsigned	 throttle_mrate;	/* milli-requests/s per route; 0: none */
	unsigned	 throttle_burst;	/* bucket size (>= 1 with a rate) */
	/* The API's documentation and validation (conf_docs.c): the schema
	 * files are read and parsed at load and at every reload, so a
	 * request never touches the disk. */
	char		*description;	/* NULL: none */
	char		*request_schema, *response_schema;	/* paths, or NULL */
	struct cJSON	*request_doc, *response_doc;	/* their JSON */
	int		 validate;	/* 1: bodies checked against request_doc */
	int		 validate_line;
	int		 api_key;	/* api_key = required (1) | off (0) */
	int		 api_key_line;
	/* Caching (apigw/cache.h): cache_ttl in seconds, 0 = off; the key's
	 * parts besides method and path; cache_invalidate = anyone (1) or
	 * authorized (0, the default: only a request that passed its auth
	 * may refresh an entry with Cache-Control: max-age=0). */
	unsigned	 cache_ttl_s;
	struct conf_cache_key *cache_key;
	size_t		 ncache_key;
	int		 cache_invalidate_anyone;
	/* From worker_uids (conf_load): first + FNV-1a(name) mod the range's
	 * size, on to the next free one past a function earlier in name
	 * order; 0 = no range configured. */
	unsigned	 worker_uid;
	/* The other functions' directories (conf_load): the jail covers
	 * them, NULL-terminated; they point into their own function_conf.
	 * One that holds this function's directory is not listed. */
	const char	**others;
	/* The bootstrap file as loaded (all 0 if missing): a redeploy that
	 * replaces the file in place still counts as a change. */
	unsigned long long boot_dev, boot_ino, boot_size, boot_mtime_ns;
	const char	*file;		/* where the section starts */
	int		 line;
};

struct conf {
	char		*listen_host;	/* "127.0.0.1" */
	int		 listen_port;	/* 8080 */
	char		*functions_dir;	/* NULL if none */
	int		 invoke_api;	/* 1: serve /2015-03-31/functions/...; 0 */
	char		*user;		/* NULL: "lambdad", else "nobody" */
	char		*state_dir;	/* NULL: /var/lib/lambdad */
	char		*admin_socket;	/* NULL: /run/lambdad/admin.sock */
	char		*admin_group;	/* NULL: the daemon's group */
	char		**access_keys;	/* "ID:SECRET" */
	size_t		 naccess_keys;
	char		*metrics_host;	/* NULL: no metrics port */
	int		 metrics_port;	/* -1: none */
	unsigned	 grace_s;	/* 10: SIGTERM grace period */
	unsigned	 worker_uid_first;	/* 0: no range */
	unsigned	 worker_uid_last;
	unsigned	 event_retry_delay_s;	/* 60: first Event retry; 2nd twice it */
	unsigned	 event_queue_max;	/* 10000: Event records on disk */
	unsigned	 code_storage_mb;	/* 76800: the control plane's zips */
	char		*dynamodb_host;	/* NULL: no DynamoDB listener */
	int		 dynamodb_port;	/* -1: none */
	char		*tables_dir;	/* NULL: <state_dir>/tables */
	int		 tables_sync_full;	/* 1: synchronous=FULL; 0: NORMAL */
	char		*tables_backend;	/* NULL: the embedded store */
	char		*tables_backend_key;	/* "ID:SECRET", NULL: unsigned */
	char		*tables_backend_region;	/* NULL: from the URL */
	char		*s3_host;	/* NULL: no S3 listener */
	int		 s3_port;	/* -1: none */
	char		*buckets_dir;	/* NULL: <state_dir>/buckets */
	uint64_t	 buckets_max_bytes;	/* 0: no cap on stored bytes */
	unsigned	 max_connections;	/* 0: from RLIMIT_NOFILE (main.c) */
	int		 busy_poll;	/* 0: the loop sleeps when idle; 1: spins */
	unsigned	 header_timeout_s;	/* 10: first byte to end of headers */
	unsigned	 body_timeout_s;	/* 10: longest gap in a body */
	unsigned	 send_timeout_s;	/* 30: longest stall reading a
					   streamed reply */
	unsigned	 throttle_mrate;	/* CONF_UNSET, or milli-requests/s */
	unsigned	 throttle_burst;	/* CONF_UNSET, or the bucket size */
	struct conf_cors *cors;		/* [cors], or NULL */
	char		*stage;		/* NULL: $default */
	char		**stage_vars;	/* "KEY=VALUE" */
	size_t		 nstage_vars;
	char		*access_log;	/* a path, "journal", or NULL: off */
	char		*access_log_format;	/* NULL: the default */
	char		*docs_path;	/* "/docs", or NULL: no public docs */
	int		 docs_line;
	unsigned	 cache_size_mb;	/* 64: the response cache's memory */
	struct function_conf *fns;
	size_t		 nfns;
	/* state_dir's layers/ and opt/, covered in every function's jail
	 * (conf_list_others): others point here. */
	char		*layer_dirs[2];
	struct conf_authorizer *authorizers;
	size_t		 nauthorizers;
	struct conf_plan *plans;	/* [usage_plan NAME] sections */
	size_t		 nplans;
	struct conf_websocket *websockets;	/* [websocket NAME] sections */
	size_t		 nwebsockets;
	struct conf_site *sites;	/* [site NAME] sections */
	size_t		 nsites;
	struct conf_schedule *schedules;	/* [schedule NAME] sections */
	size_t		 nschedules;
	char		**files;	/* every file read, for error messages */
	size_t		 nfiles;
};

/* [site NAME]: a bucket served on the public listener (buckets/site.h). */
struct conf_site {
	char		*name;
	const char	*file;
	int		 line;
	char		*bucket;
	struct conf_route *routes;	/* GET or HEAD only */
	size_t		 nroutes;
	char		*index;		/* "index.html" */
	char		*error_document;	/* a key, or NULL */
	long long	 cache_max_age;	/* seconds; -1: none */
};

/*
 * Load path and its drop-in directory.  Returns 0 and *out, or -1 with
 * "file:line: reason" in err (line 0 when the error is about a whole file).
 * Also checks what spans files: duplicate function names.
 */
int	conf_load(const char *path, struct conf **out, char *err, size_t errlen);
/*
 * How conf_load_io opens the files and directories it reads: a descriptor
 * (O_RDONLY, CLOEXEC; a directory if dir) or -errno.  A reload after the
 * privilege drop opens them through the privileged opener (opener.h).
 */
struct conf_io {
	int	(*open)(void *arg, const char *path, bool dir);
	void	*arg;
};
/* conf_load, reading through io (NULL: open(2) directly). */
int	conf_load_io(const char *path, const struct conf_io *io,
	    struct conf **out, char *err, size_t errlen);
void	conf_free(struct conf *c);	/* NULL-safe */
/*
 * 1 if a and b would run the same workers (same bootstrap file and every
 * setting a worker sees), so a reload can keep a's warm workers for b.
 * Routes, auth and the file:line fields do not count.
 */
int	conf_fn_same(const struct function_conf *a, const struct function_conf *b);
#define CONF_STATE_DIR		"/var/lib/lambdad"
#define CONF_ADMIN_SOCKET	"/run/lambdad/admin.sock"
/* state_dir, or the default.  Functions deployed with lambdactl live in
 * its functions.d (drop-in files, read after `functions =`) and code/. */
const char *conf_state_dir(const struct conf *c);
#define CONF_NAME_MAX		64
/* A function name: 1 to CONF_NAME_MAX of A-Z a-z 0-9 _ -. */
bool	conf_fn_name_ok(const char *s);
/* NAME:N (N a version, 1..9999999999): a version the control plane
 * published; allowed as a section name in drop-ins only. */
bool	conf_version_name_ok(const char *s);
/* Two optional strings (NULL: the key's default) are the same setting. */
int	conf_str_same(const char *a, const char *b);
/*
 * Whether fn's tables = lines let it call table (write: to change it): a
 * matching entry, by name or "*", without :read for writes.  The entries
 * add up: "* carts:read" may still write carts through "*".
 */
bool	conf_table_allowed(const struct function_conf *fn, const char *table,
	    bool write);
/* The same for list[0..n) (tables or buckets) and name. */
bool	conf_grant_allows(const struct conf_grant *list, size_t n,
	    const char *name, bool write);
/* The Tables store's directory: tables_dir, or <state_dir>/tables, into
 * out.  0, or -ENAMETOOLONG. */
int	conf_tables_dir(const struct conf *c, char *out, size_t outlen);
/* Buckets' directory: buckets_dir, or <state_dir>/buckets; the same. */
int	conf_buckets_dir(const struct conf *c, char *out, size_t outlen);
/* The function named name, or NULL. */
struct function_conf *conf_find(const struct conf *c, const char *name);
/* The [authorizer NAME] section named name, or NULL. */
const struct conf_authorizer *conf_find_authorizer(const struct conf *c,
	    const char *name);
/* The [websocket NAME] section named name, or NULL. */
const struct conf_websocket *conf_find_websocket(const struct conf *c,
	    const char *name);
/* The [schedule NAME] section named name, or NULL. */
const struct conf_schedule *conf_find_schedule(const struct conf *c,
	    const char *name);
/* A schedule's name: 1 to CONF_NAME_MAX of A-Z a-z 0-9 _ - . */
bool	conf_sched_name_ok(const char *s);
/* The [usage_plan NAME] section named name, or NULL. */
const struct conf_plan *conf_find_plan(const struct conf *c, const char *name);
/*
 * Parse "host:port": an IPv4 address or a name ("localhost:0"), or a
 * bracketed IPv6 literal ("[::1]:8080", *host gets "::1").  The port is
 * 0..65535.  0, -EINVAL, or -ENOMEM; *host is the caller's to free.
 */
int	conf_parse_hostport(const char *s, char **host, int *port);

#endif
