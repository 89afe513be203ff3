/*
 * daemon: the helpers main.c, reload.c and admin.c share (daemon.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "log.h"
#include "pool.h"
#include "route.h"

void
daemon_notify(const char *state)
{
	(void)sd_notify(0, state);
}

int
daemon_build_routes(struct conf *c, struct pool **pools,
    struct route_table **out, char *err, size_t errlen)
{
	struct route_table *rt = route_table_new();
	size_t i, j;

	if (rt == NULL)
		return -1;
	for (i = 0; i < c->nfns; i++) {
		struct function_conf *fc = &c->fns[i];

		for (j = 0; j < fc->nroutes; j++) {
			const char *why = NULL;
			int rc = route_add(rt, fc->routes[j].spec,
			    pools != NULL ? (void *)pools[i] : (void *)fc, &why);

			if (rc == 0)
				continue;
			snprintf(err, errlen, "%s:%d: route \"%s\": %s",
			    fc->routes[j].file, fc->routes[j].line,
			    fc->routes[j].spec, rc == -EEXIST ?
			    "already defined by another route" :
			    why != NULL ? why : strerror(-rc));
			route_table_free(rt);
			return -1;
		}
	}
	*out = rt;
	return 0;
}

size_t
daemon_all_pools(struct daemon *d, struct pool ***out)
{
	struct drain_entry *e;
	struct pool **all;
	size_t n = d->npools, i = 0;

	for (e = d->draining; e != NULL; e = e->next)
		n++;
	if ((all = calloc(n + 1, sizeof(*all))) == NULL)
		abort();
	for (i = 0; i < d->npools; i++)
		all[i] = d->pools[i];
	for (e = d->draining; e != NULL; e = e->next)
		all[i++] = e->pool;
	*out = all;
	return n;
}

struct pool *
daemon_pool(struct daemon *d, const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < d->npools; i++)
		if (strcmp(d->conf->fns[i].name, name) == 0) {
			if (idx != NULL)
				*idx = i;
			return d->pools[i];
		}
	return NULL;
}

/*
 * Descriptors kept aside from client connections.  Fixed: stdio, the
 * listeners, the spawner's and the opener's sockets, epoll, libuv's signal
 * pipe, the Event queue and store files, and the admin socket's and the
 * metrics port's own caps of 64 connections each: 256.  Per worker slot
 * (max_workers of every function): its Runtime API listener and up to two
 * connections, its log pipe, its pidfd and its memory.peak, with room to
 * spare: 8.  So with the usual hard limit of 524288 (systemd's) and 10
 * functions of 4 workers, cap = 524288 - 256 - 8 * 40 = 523712; with a
 * soft and hard limit of 1024, 1024 - 256 - 320 = 448.  A reload that adds
 * workers is covered by the spare room; at worst accept(2) fails with
 * EMFILE for a moment, which libuv survives.
 */
#define CAP_RESERVE_FIXED	256
#define CAP_RESERVE_WORKER	8
#define CAP_MIN			16

unsigned
daemon_conn_cap(const struct conf *c)
{
	struct rlimit rl;
	unsigned long long nofile, reserve = CAP_RESERVE_FIXED, cap;
	size_t i;

	for (i = 0; i < c->nfns; i++)
		reserve += (unsigned long long)CAP_RESERVE_WORKER *
		    c->fns[i].max_workers;
	nofile = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 1024;
	cap = nofile > reserve + CAP_MIN ? nofile - reserve : CAP_MIN;
	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	if (c->max_connections == 0)
		return (unsigned)cap;
	if (c->max_connections > cap) {
		log_warnx("max_connections = %u is more than RLIMIT_NOFILE (%llu) "
		    "leaves room for: using %llu", c->max_connections, nofile,
		    cap);
		return (unsigned)cap;
	}
	return c->max_connections;
}

int
daemon_lock_state(const char *state_dir, char *err, size_t errlen)
{
	char path[PATH_MAX], pid[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/lock", state_dir);
	/* O_NOFOLLOW: a link planted there must not make us write elsewhere. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) < 0) {
		snprintf(err, errlen, "state_dir %s: cannot open its lock: %s",
		    state_dir, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno == EWOULDBLOCK ? EBUSY : errno;

		n = e == EBUSY ? pread(fd, pid, sizeof(pid) - 1, 0) : -1;
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (e == EBUSY)
			snprintf(err, errlen, "state_dir %s is in use by another "
			    "lambdad (pid %s)", state_dir,
			    pid[0] != '\0' ? pid : "unknown");
		else
			snprintf(err, errlen, "state_dir %s: cannot lock %s: %s",
			    state_dir, path, strerror(e));
		close(fd);
		return -e;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	/* The pid is for the message only; the lock is what counts. */
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		log_warn("state_dir %s: cannot write our pid", path);
	return fd;
}
