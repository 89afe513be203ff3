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
 *   dynamodb_listen = 127.0.0.1:8000 (off when absent)
 *   tables_dir = STATE_DIR/tables     tables_sync = full | normal
 *   max_connections = 0 (from RLIMIT_NOFILE)    busy_poll = off
 *
 *   [function hello]
 *   bootstrap = /srv/fn/hello/bootstrap     ; relative paths are taken
 *   route = GET /hello/{name}               ;   from the file's directory
 *   memory = 128            timeout = 3     min_idle = 0   max_workers = 4
 *   idle_timeout = 300      max_invocations = 0 (unlimited)
 *   queue_depth = 64        queue_timeout = 10
 *   env = KEY=VALUE         payload = 2.0 | 1.0
 *   seccomp = default | exec | log
 *   network = none | host   auth = none | aws_iam
 *   tmp = 64 (MB)           pids = 64       cpu = 100 (% of one core)
 *   event_retries = 2 (0..2)   event_max_age = 21600 (60..21600 s)
 *   sandbox = full | basic | none
 *   tables = TABLE[:read] ... (repeatable; * for every table)
 */
#ifndef LAMBDAD_CONF_H
#define LAMBDAD_CONF_H

#include <stdbool.h>
#include <stddef.h>

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
};

struct conf_route {
	char		*spec;		/* "GET /hello/{name}", validated by route_parse */
	const char	*file;		/* points into struct conf's file list */
	int		 line;
};

/* One entry of a tables = line: a table ("*": every table) the function
 * may call, and whether only for reads. */
struct conf_grant {
	char		*table;
	bool		 read_only;
};

struct function_conf {
	char		*name;		/* [A-Za-z0-9_-]{1,64} */
	char		*bootstrap;	/* absolute path (existence is checked at spawn) */
	char		*task_root;	/* directory of bootstrap */
	struct conf_route *routes;
	size_t		 nroutes;
	unsigned	 memory_mb;	/* 128; 16..10240 */
	unsigned	 timeout_s;	/* 3; 1..900 */
	unsigned	 min_idle;	/* 0 */
	unsigned	 max_workers;	/* 4; >= 1, >= min_idle */
	unsigned	 idle_timeout_s;	/* 300; 0 = never reap */
	unsigned	 max_invocations;	/* 0 = unlimited */
	unsigned	 queue_depth;	/* 64 */
	unsigned	 queue_timeout_s;	/* 10 */
	char		**env;		/* "KEY=VALUE"; total <= 4 KiB */
	size_t		 nenv;
	int		 payload;	/* 2 or 1 */
	enum conf_seccomp seccomp;
	enum conf_network network;	/* none */
	enum conf_auth	 auth;		/* none */
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
	char		*dynamodb_host;	/* NULL: no DynamoDB listener */
	int		 dynamodb_port;	/* -1: none */
	char		*tables_dir;	/* NULL: <state_dir>/tables */
	int		 tables_sync_full;	/* 1: synchronous=FULL; 0: NORMAL */
	unsigned	 max_connections;	/* 0: from RLIMIT_NOFILE (main.c) */
	int		 busy_poll;	/* 0: the loop sleeps when idle; 1: spins */
	struct function_conf *fns;
	size_t		 nfns;
	char		**files;	/* every file read, for error messages */
	size_t		 nfiles;
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
/* Two optional strings (NULL: the key's default) are the same setting. */
int	conf_str_same(const char *a, const char *b);
/*
 * Whether fn's tables = lines let it call table (write: to change it): a
 * matching entry, by name or "*", without :read for writes.  The entries
 * add up: "* carts:read" may still write carts through "*".
 */
bool	conf_table_allowed(const struct function_conf *fn, const char *table,
	    bool write);
/* The Tables store's directory: tables_dir, or <state_dir>/tables, into
 * out.  0, or -ENAMETOOLONG. */
int	conf_tables_dir(const struct conf *c, char *out, size_t outlen);
/* The function named name, or NULL. */
struct function_conf *conf_find(const struct conf *c, const char *name);
/*
 * Parse "host:port": an IPv4 address or a name ("localhost:0"), or a
 * bracketed IPv6 literal ("[::1]:8080", *host gets "::1").  The port is
 * 0..65535.  0, -EINVAL, or -ENOMEM; *host is the caller's to free.
 */
int	conf_parse_hostport(const char *s, char **host, int *port);

#endif
