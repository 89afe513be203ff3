/*
 * admin: the operator's API, HTTP/1.1 on a Unix socket (mode 0660, group
 * admin_group), which lambdactl(1) speaks.  Whoever can open the socket can
 * change the daemon; it is the only way to, besides signals and files.
 *
 *   GET    /status                      the daemon: pid, uptime, counts
 *   GET    /functions                   every function, its routes, workers
 *                                       by state and counters
 *   GET    /functions/NAME              one of them
 *   PUT    /functions/NAME?route=...    deploy: the body is the bootstrap;
 *          &memory=&timeout=&env=K=V... the query gives the settings
 *   DELETE /functions/NAME              remove a deployed function
 *   POST   /functions/NAME/invoke       invoke with the body as the event
 *   GET    /functions/NAME/logs?after=N&wait=S
 *                                       log lines after sequence number N,
 *                                       waiting up to S seconds for one
 *   POST   /reload                      reload the configuration
 *   GET    /metrics                     Prometheus text
 *   GET    /tables                      the Tables store's tables, with
 *                                       exact item counts and sizes
 *   POST   /tables/NAME/backup          a consistent copy of table NAME
 *          {"file": "/absolute/path"}   into a new file the daemon writes
 *   GET    /keys                        API keys: name, id, plan, usage
 *   POST   /keys {"name", "plan"}       make one; the reply has its value
 *   DELETE /keys/NAME                   revoke one (admin_keys.c)
 *
 * Every reply is JSON ({"error": "..."} with 4xx/5xx), except logs and
 * metrics, which are text.  Each change is logged with the peer's uid.
 */
#ifndef LAMBDAD_ADMIN_H
#define LAMBDAD_ADMIN_H

#include <stddef.h>

struct admin;
struct daemon;

struct admin *admin_new(struct daemon *d);
/*
 * Listen at path: its directory is made if missing, the socket is mode 0660
 * and, if group is set, of that group.  A socket already there is taken
 * over only if nobody answers a connect to it (a daemon that died left it);
 * if another daemon answers, -EADDRINUSE with "another lambdad serves PATH
 * (pid N); ..." in err.  0, -EADDRINUSE, or -1 with the reason in err.  At
 * exit (admin_free) the path is removed only while it is still the socket
 * this call made (same device and inode), not one a later daemon made.
 */
int	admin_listen(struct admin *a, const char *path, const char *group,
	    char *err, size_t errlen);
/*
 * The same check, without touching anything, for the start: -EADDRINUSE
 * (with the message in err) if another daemon answers at path, else 0.
 */
int	admin_check_path(const char *path, char *err, size_t errlen);
/* Once per loop iteration: answer log followers that have new lines. */
void	admin_poll(struct admin *a);
/* /keys and /keys/NAME (admin_keys.c). */
struct http_request;
void	admin_keys(struct daemon *d, struct http_request *req);
/* Answer what is pending, close the socket, remove its file.  NULL-safe. */
void	admin_free(struct admin *a);

#endif
