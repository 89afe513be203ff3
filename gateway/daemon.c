/*
 * daemon: the helpers main.c, reload.c and admin.c share (daemon.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"
#include "pool.h"
#include "route.h"

void
daemon_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	(void)sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len);
	close(fd);
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
