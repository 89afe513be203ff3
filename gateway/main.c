/*
 * lambdad: the daemon's entry point.
 *
 * Start-up order matters: the config is read and checked completely first
 * (so `lambdad -t` and a broken config fail before anything starts); then
 * the spawner is forked while this process is still small, so every worker
 * fork later is cheap; then the event loop, the pools and the listener;
 * then, when root, the drop to `user =` (priv.c).
 * SIGTERM/SIGINT stop accepting, let in-flight invocations finish for up to
 * the grace period, then stop every worker and exit 0.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <uv.h>

#include "conf.h"
#include "front.h"
#include "invoke.h"
#include "log.h"
#include "pool.h"
#include "priv.h"
#include "route.h"

#define GRACE_MS	10000
/*
 * Busy-poll: while only a few invocations are in flight, the loop polls
 * without sleeping for up to SPIN_NS after the number in flight last
 * changed, instead of blocking in epoll_wait.  A worker's reply usually comes within tens of
 * microseconds, and on a virtual machine an idle vCPU that halts takes
 * about as long again to wake (anchors.md: 17 us answers with the other
 * core busy, 67 us without).  Under load (more in flight) it never spins:
 * events come anyway, and the CPU is better left to the workers.
 */
#define SPIN_NS		500000
#define SPIN_MAX_INFLIGHT 2

struct daemon {
	uv_loop_t	*loop;
	struct conf	*conf;
	struct route_table *rt;
	struct spawner	*sp;
	struct pool	**pools;
	size_t		 npools;
	size_t		 nstopped;
	struct front	*front;
	struct invoke	*invoke;	/* NULL unless invoke_api = on */
	uv_signal_t	 sigterm, sigint;
	uv_timer_t	 stop_timer;
	uv_prepare_t	 log_prepare;
	uv_idle_t	 spin;		/* active = the loop does not sleep */
	uv_timer_t	 watchdog;	/* systemd WatchdogSec pings */
	unsigned	 spin_inflight;	/* in flight at the last iteration */
	uint64_t	 spin_since;	/* when that number last changed */
	uint64_t	 stop_deadline;
	int		 stopping;
};

static void
usage(void)
{
	fprintf(stderr, "usage: lambdad [-tv] [-c file] [-l addr:port]\n");
	exit(2);
}

/* Tell systemd (Type=notify) about a state change, if it is listening. */
static void
sd_notify_state(const char *state)
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

/*
 * Each connection and each worker costs descriptors (a worker: its Runtime
 * API listener and connection, its log pipe, its /proc file), and the
 * default soft limit of 1024 would cap the daemon well below max_conns.
 */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Build the route table; a clash names both places. */
static int
build_routes(struct conf *c, struct pool **pools, struct route_table **out)
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
			fprintf(stderr, "%s:%d: route \"%s\": %s\n",
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

static void
loop_close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void
daemon_finish(struct daemon *d)
{
	size_t i;

	log_info("stopped");
	front_free(d->front);
	d->front = NULL;
	invoke_free(d->invoke);
	d->invoke = NULL;
	for (i = 0; i < d->npools; i++)
		pool_free(d->pools[i]);
	spawner_close(d->sp);
	uv_close((uv_handle_t *)&d->stop_timer, NULL);
	uv_close((uv_handle_t *)&d->log_prepare, NULL);
	uv_close((uv_handle_t *)&d->spin, NULL);
	uv_close((uv_handle_t *)&d->watchdog, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sigint, NULL);
}

static void
pool_stopped(struct pool *p, void *arg)
{
	struct daemon *d = arg;

	(void)p;
	if (++d->nstopped == d->npools)
		daemon_finish(d);
}

static void
stop_tick(uv_timer_t *t)
{
	struct daemon *d = t->data;
	size_t i;

	if (front_inflight(d->front) > 0 && uv_now(d->loop) < d->stop_deadline)
		return;
	if (front_inflight(d->front) > 0)
		log_warnx("grace period over; %u invocations cut short",
		    front_inflight(d->front));
	uv_timer_stop(t);
	if (d->npools == 0) {
		daemon_finish(d);
		return;
	}
	for (i = 0; i < d->npools; i++)
		pool_shutdown(d->pools[i], pool_stopped, d);
}

static void
on_stop_signal(uv_signal_t *s, int sig)
{
	struct daemon *d = s->data;

	if (d->stopping++) {
		log_set_buffered(0);
		log_warnx("second signal %d: exiting now", sig);
		exit(1);
	}
	sd_notify_state("STOPPING=1");
	log_info("signal %d: stopping (in flight: %u)", sig,
	    front_inflight(d->front));
	front_stop_accepting(d->front);
	d->stop_deadline = uv_now(d->loop) + GRACE_MS;
	uv_timer_start(&d->stop_timer, stop_tick, 0, 20);
}

static void
on_spin(uv_idle_t *h)
{
	(void)h;	/* being active is the point: see SPIN_NS */
}

/* Before the loop would sleep: write the logs, decide whether to spin. */
static void
on_prepare(uv_prepare_t *h)
{
	struct daemon *d = h->data;
	unsigned n = d->front != NULL ? front_inflight(d->front) : 0;
	uint64_t now = uv_hrtime();
	int want;

	log_flush();
	if (n != d->spin_inflight) {
		d->spin_inflight = n;
		d->spin_since = now;
	}
	/* Also for a while after the last reply: the next request of a
	 * client that just got one is usually already on its way. */
	want = !d->stopping && n <= SPIN_MAX_INFLIGHT &&
	    now - d->spin_since < SPIN_NS;
	if (want && !uv_is_active((uv_handle_t *)&d->spin))
		uv_idle_start(&d->spin, on_spin);
	else if (!want && uv_is_active((uv_handle_t *)&d->spin))
		uv_idle_stop(&d->spin);
}

static void
on_watchdog(uv_timer_t *t)
{
	(void)t;
	sd_notify_state("WATCHDOG=1");
}

/*
 * With WatchdogSec, systemd sets WATCHDOG_USEC (and WATCHDOG_PID): ping at
 * half the interval from the loop itself, so a loop that hangs stops the
 * pings and systemd restarts the daemon.
 */
static void
watchdog_start(struct daemon *d)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long us;

	uv_timer_init(d->loop, &d->watchdog);
	if (usec == NULL || (pid != NULL && atol(pid) != (long)getpid()))
		return;
	if ((us = strtoull(usec, NULL, 10)) < 2000)
		return;
	uv_timer_start(&d->watchdog, on_watchdog, 0, us / 2000);
	log_info("watchdog: pinging systemd every %llu ms", us / 2000);
}

static int
daemon_start(struct daemon *d, const char *host, int port)
{
	size_t i;
	int rc;

	if ((rc = spawner_open(d->loop, &d->sp)) != 0) {
		log_err("cannot start the spawner: %s", strerror(-rc));
		return -1;
	}
	d->npools = d->conf->nfns;
	d->pools = calloc(d->npools + 1, sizeof(*d->pools));
	for (i = 0; i < d->npools; i++)
		if ((d->pools[i] = pool_new(d->loop, d->sp, &d->conf->fns[i])) == NULL)
			return -1;
	if (build_routes(d->conf, d->pools, &d->rt) != 0)
		return -1;
	if ((d->front = front_new(d->loop, d->rt)) == NULL)
		return -1;
	if (d->conf->invoke_api) {
		if ((d->invoke = invoke_new(d->pools, d->npools)) == NULL)
			return -1;
		front_set_invoke(d->front, d->invoke);
		log_info("Invoke API on, for loopback clients only");
	}
	if ((rc = front_listen(d->front, host, port)) != 0) {
		log_err("cannot listen on %s:%d: %s", host, port, uv_strerror(rc));
		return -1;
	}
	for (i = 0; i < d->npools; i++)
		pool_start(d->pools[i]);
	/* Before the loop sleeps, write what this iteration logged. */
	uv_prepare_init(d->loop, &d->log_prepare);
	d->log_prepare.data = d;
	uv_prepare_start(&d->log_prepare, on_prepare);
	uv_idle_init(d->loop, &d->spin);
	log_set_buffered(1);
	uv_signal_init(d->loop, &d->sigterm);
	uv_signal_init(d->loop, &d->sigint);
	uv_timer_init(d->loop, &d->stop_timer);
	d->sigterm.data = d->sigint.data = d->stop_timer.data = d;
	uv_signal_start(&d->sigterm, on_stop_signal, SIGTERM);
	uv_signal_start(&d->sigint, on_stop_signal, SIGINT);
	watchdog_start(d);
	log_info("listening on %s:%d with %zu functions", host,
	    front_port(d->front), d->npools);
	sd_notify_state("READY=1\nSTATUS=serving");
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *cfile = "/etc/lambdad/lambdad.conf", *listen = NULL;
	struct daemon d;
	char err[1024], *host;
	int ch, check = 0, verbose = 0, port;

	while ((ch = getopt(argc, argv, "c:l:tv")) != -1) {
		switch (ch) {
		case 'c': cfile = optarg; break;
		case 'l': listen = optarg; break;
		case 't': check = 1; break;
		case 'v': verbose++; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	log_init(verbose, getenv("JOURNAL_STREAM") != NULL);
	memset(&d, 0, sizeof(d));
	if (conf_load(cfile, &d.conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	host = d.conf->listen_host;
	port = d.conf->listen_port;
	if (listen != NULL && conf_parse_hostport(listen, &host, &port) != 0) {
		fprintf(stderr, "lambdad: -l %s: expected ADDRESS:PORT\n", listen);
		return 1;
	}
	if (check) {
		struct route_table *rt;

		if (build_routes(d.conf, NULL, &rt) != 0)
			return 1;
		route_table_free(rt);
		printf("%s: configuration OK (%zu functions)\n", cfile, d.conf->nfns);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	d.loop = uv_default_loop();
	/* Root's privileges end here: the spawner keeps them, we do not. */
	if (daemon_start(&d, host, port) != 0 || priv_drop(d.conf) != 0)
		return 1;
	uv_run(d.loop, UV_RUN_DEFAULT);
	uv_walk(d.loop, loop_close_walk, NULL);
	uv_run(d.loop, UV_RUN_DEFAULT);
	log_set_buffered(0);
	route_table_free(d.rt);
	free(d.pools);
	if (host != d.conf->listen_host)
		free(host);
	conf_free(d.conf);
	return 0;
}
