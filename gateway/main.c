/*
 * lambdad: the daemon's entry point.
 *
 * Start-up order matters: the config is read and checked completely first
 * (so `lambdad -t` and a broken config fail before anything starts); then
 * the spawner is forked while this process is still small, so every worker
 * fork later is cheap; then the event loop, the pools and the listener;
 * then, when root, the drop to `user =` (priv.c).
 * SIGTERM/SIGINT stop accepting, let in-flight invocations finish for up to
 * the grace period, then stop every worker and exit 0.  SIGHUP reloads the
 * configuration (reload.c); SIGUSR1 reopens the access log (logrotate).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "admin.h"
#include "apigw/apikey.h"
#include "apigw/keystore.h"
#include "apigw/ws.h"
#include "endpoint.h"
#include "cgroup.h"
#include "conf.h"
#include "daemon.h"
#include "front.h"
#include "http.h"
#include "fs.h"
#include "invoke.h"
#include "control/control.h"
#include "log.h"
#include "metrics.h"
#include "opener.h"
#include "logring.h"
#include "pool.h"
#include "priv.h"
#include "route.h"
#include "sdsock.h"
#include "tables/door.h"
#include "sched/sched.h"
#include "buckets/bucket.h"

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
#define STOP_LINGER_MS	1000	/* open connections after a stop signal */


static void
usage(void)
{
	fprintf(stderr, "usage: lambdad [-tv] [-c file] [-l addr:port]\n");
	exit(2);
}

/*
 * Each connection and each worker costs descriptors, and the default soft
 * limit of 1024 would cap the daemon well below what it can serve: raise
 * the soft limit to the hard one (as far as the kernel's nr_open allows).
 * The connection cap is sized from what we get (daemon_conn_cap).
 */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		/* A hard limit above nr_open (RLIM_INFINITY): take 1M. */
		rl.rlim_cur = rl.rlim_max < 1048576 ? rl.rlim_max : 1048576;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void
loop_close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void
daemon_free_pools(struct daemon *d)
{
	struct drain_entry *e;
	struct retired_conf *rc;
	size_t i;

	for (i = 0; i < d->npools; i++)
		pool_free(d->pools[i]);
	while ((e = d->draining) != NULL) {
		d->draining = e->next;
		pool_free(e->pool);
		free(e);
	}
	while ((rc = d->retired) != NULL) {
		d->retired = rc->next;
		conf_free(rc->conf);
		free(rc);
	}
}

static void
daemon_finish(struct daemon *d)
{
	log_info("stopped");
	endpoint_set_ws(NULL);
	front_free(d->front);
	d->front = NULL;
	invoke_free(d->invoke);
	d->invoke = NULL;
	sched_free(d->sched);
	d->sched = NULL;
	control_free(d->control);
	d->control = NULL;
	/* Its last jobs finish first; the loop runs until they have. */
	endpoint_set_tables(NULL);
	endpoint_set_buckets(NULL, NULL);
	tables_door_close(d->tables, NULL, NULL);
	d->tables = NULL;
	buckets_close(d->buckets);
	d->buckets = NULL;
	/* The last counts are written; the loop runs until they are. */
	apigw_apikey_set_store(NULL);
	keystore_close(d->keys);
	d->keys = NULL;
	admin_free(d->admin);
	d->admin = NULL;
	metrics_server_free(d->msrv);
	d->msrv = NULL;
	daemon_free_pools(d);
	spawner_close(d->sp);
	uv_close((uv_handle_t *)&d->stop_timer, NULL);
	uv_close((uv_handle_t *)&d->log_prepare, NULL);
	uv_close((uv_handle_t *)&d->spin, NULL);
	uv_close((uv_handle_t *)&d->watchdog, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sighup, NULL);
	uv_close((uv_handle_t *)&d->sigusr1, NULL);
}

static void
pool_stopped(struct pool *p, void *arg)
{
	struct daemon *d = arg;

	(void)p;
	if (++d->nstopped == d->nstopping)
		daemon_finish(d);
}

static void
stop_tick(uv_timer_t *t)
{
	struct daemon *d = t->data;
	struct pool **all;
	size_t i, n;

	uint64_t now = uv_now(d->loop);
	/* Scheduled runs count as the Invoke API's Events do. */
	unsigned inflight = front_inflight(d->front) + sched_inflight(d->sched);

	if (inflight > 0 && now < d->stop_deadline)
		return;
	/* Open keep-alive connections get a moment to send what they have on
	 * the way: each is answered with Connection: close (http.c), and its
	 * client reconnects, to the next daemon's backlog under socket
	 * activation, instead of losing a request to our close. */
	if (front_nconns(d->front) > 0 && now < d->stop_linger &&
	    now < d->stop_deadline)
		return;
	if (inflight > 0)
		log_warnx("grace period over; %u invocations cut short",
		    inflight);
	uv_timer_stop(t);
	/* Draining pools too; set the count first, as a pool with nothing
	 * left calls pool_stopped from inside pool_shutdown. */
	n = daemon_all_pools(d, &all);
	d->nstopping = n;
	if (n == 0)
		daemon_finish(d);
	for (i = 0; i < n; i++)
		pool_shutdown(all[i], pool_stopped, d);
	free(all);
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
	daemon_notify("STOPPING=1");
	log_info("signal %d: stopping (in flight: %u)", sig,
	    front_inflight(d->front));
	daemon_reload_cancel(d);
	front_stop_accepting(d->front);
	invoke_stop(d->invoke);
	sched_stop(d->sched);
	tables_door_stop(d->tables);
	buckets_stop(d->buckets);
	d->stop_deadline = uv_now(d->loop) + (uint64_t)d->conf->grace_s * 1000;
	d->stop_linger = uv_now(d->loop) + STOP_LINGER_MS;
	uv_timer_start(&d->stop_timer, stop_tick, 0, 20);
}

static void
hup_done(void *arg, int err, const char *msg)
{
	(void)arg;
	(void)err;
	(void)msg;	/* reload.c logged it */
}

static void
on_hup(uv_signal_t *s, int sig)
{
	struct daemon *d = s->data;

	(void)sig;
	if (daemon_reload(d, hup_done, NULL) == -EBUSY)
		log_warnx("SIGHUP: a reload is already in progress");
}

/* logrotate's postrotate: reopen the access log. */
static void
on_usr1(uv_signal_t *s, int sig)
{
	struct daemon *d = s->data;

	(void)sig;
	front_reopen_logs(d->front);
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
	admin_poll(d->admin);
	if (n != d->spin_inflight) {
		d->spin_inflight = n;
		d->spin_since = now;
	}
	/* Also for a while after the last reply: the next request of a
	 * client that just got one is usually already on its way.  Only
	 * with busy_poll = on: it costs CPU, a quiet daemon must not spin. */
	want = d->conf->busy_poll && !d->stopping && n <= SPIN_MAX_INFLIGHT &&
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
	daemon_notify("WATCHDOG=1");
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

/* For the metrics port: the pools as they are at each scrape. */
static struct metrics_gauge *
daemon_gauges(void *arg, size_t *n)
{
	struct daemon *d = arg;

	*n = d->npools;
	return pool_gauges(d->pools, d->npools);
}

static unsigned
daemon_conns(void *arg)
{
	struct daemon *d = arg;

	return d->front != NULL ? front_nconns(d->front) : 0;
}

static unsigned
daemon_events(void *arg)
{
	struct daemon *d = arg;

	return d->invoke != NULL ? invoke_event_depth(d->invoke) : 0;
}

static void
daemon_http_stats(void *arg, struct http_server_stats *st)
{
	struct daemon *d = arg;

	if (d->front != NULL)
		front_http_stats(d->front, st);
}

static void
daemon_ws_stats(void *arg, struct metrics_ws *mw)
{
	struct daemon *d = arg;
	struct ws_stats st;

	if (d->front == NULL)
		return;
	ws_stats(front_ws(d->front), &st);
	mw->open = st.open;
	mw->accepted = st.accepted;
	mw->refused = st.refused;
	mw->msgs_in = st.msgs_in;
	mw->msgs_out = st.msgs_out;
	mw->bytes_in = st.bytes_in;
	mw->bytes_out = st.bytes_out;
}

static void
daemon_access_log(void *arg, uint64_t *lines, uint64_t *dropped)
{
	struct daemon *d = arg;

	*lines = *dropped = 0;
	if (d->front != NULL)
		front_access_log_stats(d->front, lines, dropped);
}

/* on_object events run in the pool of the function's name now. */
static struct pool *
daemon_find_pool(void *arg, const char *name)
{
	return daemon_pool(arg, name, NULL);
}

static void
daemon_bucket_events(void *arg, struct metrics_bucket_events *be)
{
	struct daemon *d = arg;

	buckets_event_stats(d->buckets, &be->depth, &be->queued, &be->lost);
}

static int
metrics_start(struct daemon *d)
{
	int rc;

	metrics_set_conns(d->metrics, daemon_conns, d);
	metrics_set_http(d->metrics, daemon_http_stats, d);
	metrics_set_ws(d->metrics, daemon_ws_stats, d);
	metrics_set_access_log(d->metrics, daemon_access_log, d);
	if (d->conf->invoke_api)
		metrics_set_events(d->metrics, daemon_events, d);
	if (d->buckets != NULL)
		metrics_set_bucket_events(d->metrics, daemon_bucket_events, d);
	if (d->conf->metrics_port < 0)
		return 0;
	if ((rc = metrics_server_start(d->loop, d->metrics, daemon_gauges, d,
	    d->conf->metrics_host, d->conf->metrics_port, &d->msrv)) != 0) {
		log_err("cannot listen on %s:%d for metrics: %s",
		    d->conf->metrics_host, d->conf->metrics_port, uv_strerror(rc));
		return -1;
	}
	log_info("metrics on %s:%d", d->conf->metrics_host,
	    metrics_server_port(d->msrv));
	return 0;
}

static int
daemon_start(struct daemon *d, const char *host, int port)
{
	char err[512], *real, why[PATH_MAX + 256];
	size_t i;
	int rc;

	if ((rc = fs_mkdir_p(d->state_dir, 0711)) != 0)
		log_warnx("state_dir %s: %s", d->state_dir, strerror(-rc));
	/* Deployed bootstraps are compared by path (conf takes them real). */
	if ((real = realpath(d->state_dir, NULL)) != NULL) {
		free(d->state_dir);
		d->state_dir = real;
	}
	/* Before anything runs: a second daemon on the same state_dir or
	 * admin socket goes no further (daemon.h, admin.h). */
	if ((d->state_lock = daemon_lock_state(d->state_dir, err,
	    sizeof(err))) == -EBUSY ||
	    admin_check_path(d->admin_path, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	} else if (d->state_lock < 0)
		log_warnx("%s", err);
	/* Before the drop: reloads must read a 0600 root config too. */
	if (geteuid() == 0 && (rc = opener_start(d->cfile,
	    d->conf->functions_dir, d->state_dir, &d->opener)) != 0)
		log_warnx("cannot start the config opener (%s): a reload reads "
		    "the config with the dropped privileges", strerror(-rc));
	/* Before the spawner forks: it inherits the subtree (cgroup.h). */
	if (sb_cgroup_init(why, sizeof(why)) == 0)
		log_info("cgroup v2: %s", why);
	else
		log_warnx("cgroup v2: off, workers get rlimits only: %s", why);
	if ((rc = spawner_open(d->loop, &d->sp)) != 0) {
		log_err("cannot start the spawner: %s", strerror(-rc));
		return -1;
	}
	/* A key file we cannot read would refuse every key: with usage
	 * plans configured, stop here; without, API keys are merely off
	 * (an unusable state_dir turns Events off the same way). */
	if (keystore_open(d->loop, d->state_dir, &d->keys, err,
	    sizeof(err)) != 0) {
		if (d->conf->nplans > 0) {
			log_err("API keys: %s", err);
			return -1;
		}
		log_warnx("API keys are off: %s", err);
		d->keys = NULL;
	}
	if (d->keys != NULL)
		keystore_set_conf(d->keys, d->conf);
	apigw_apikey_set_store(d->keys);
	d->npools = d->conf->nfns;
	d->pools = calloc(d->npools + 1, sizeof(*d->pools));
	if ((d->metrics = metrics_new()) == NULL)
		return -1;
	for (i = 0; i < d->npools; i++) {
		if ((d->pools[i] = pool_new(d->loop, d->sp, &d->conf->fns[i])) == NULL)
			return -1;
		pool_set_metrics(d->pools[i], metrics_fn(d->metrics,
		    pool_conf(d->pools[i])->name));
	}
	if (daemon_build_routes(d->conf, d->pools, &d->rt, err,
	    sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	if ((d->front = front_new(d->loop, d->rt)) == NULL)
		return -1;
	if (d->conf->invoke_api) {
		if ((d->invoke = invoke_new(d->loop, d->conf, d->pools,
		    d->npools)) == NULL || (d->control = control_new(d)) == NULL)
			return -1;
		invoke_set_control(d->invoke, d->control);
		front_set_invoke(d->front, d->invoke);
	}
	/* After the control plane: a catch-up run may name an alias. */
	d->sched = sched_new(d);
	front_set_cors(d->front, d->conf->cors);
	if (front_set_apigw(d->front, d->conf, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	front_set_cache(d->front, d->conf);
	front_set_pools(d->front, d->pools, d->npools);
	front_set_access_keys(d->front, d->conf->access_keys,
	    d->conf->naccess_keys);
	front_set_max_conns(d->front, daemon_conn_cap(d->conf));
	front_set_timeouts(d->front, d->conf->header_timeout_s,
	    d->conf->body_timeout_s, d->conf->send_timeout_s);
	/* Before the drop: state_dir is handed over with what it holds. */
	if (tables_door_open(d->loop, d->conf, &d->tables) != 0)
		return -1;
	tables_door_set_metrics(d->tables, metrics_tables(d->metrics));
	endpoint_set_tables(d->tables);
	endpoint_set_ws(front_ws(d->front));
	if (buckets_open(d->loop, d->conf, &d->buckets) != 0)
		return -1;
	buckets_set_runner(d->buckets, daemon_find_pool, d);
	endpoint_set_buckets(d->buckets, d->conf);
	front_set_sites(d->front, d->conf, d->buckets);
	if ((rc = front_listen(d->front, host, port)) != 0) {
		log_err("cannot listen on %s:%d: %s", host, port, uv_strerror(rc));
		return -1;
	}
	front_set_docs(d->front, d->conf);
	d->admin = admin_new(d);
	if ((rc = admin_listen(d->admin, d->admin_path, d->conf->admin_group,
	    err, sizeof(err))) == -EADDRINUSE) {
		log_err("%s", err);
		return -1;
	} else if (rc != 0)
		log_warnx("no admin socket, lambdactl cannot reach this daemon: "
		    "%s", err);
	else
		log_info("admin socket %s", d->admin_path);
	if (metrics_start(d) != 0)
		return -1;
	sdsock_close_unused();
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
	uv_signal_init(d->loop, &d->sighup);
	uv_signal_init(d->loop, &d->sigusr1);
	uv_timer_init(d->loop, &d->stop_timer);
	d->sigterm.data = d->sigint.data = d->sighup.data = d;
	d->sigusr1.data = d;
	d->stop_timer.data = d;
	uv_signal_start(&d->sigterm, on_stop_signal, SIGTERM);
	uv_signal_start(&d->sigint, on_stop_signal, SIGINT);
	uv_signal_start(&d->sighup, on_hup, SIGHUP);
	uv_signal_start(&d->sigusr1, on_usr1, SIGUSR1);
	watchdog_start(d);
	log_info("listening on %s:%d with %zu functions (max_connections %u%s)",
	    host, front_port(d->front), d->npools, daemon_conn_cap(d->conf),
	    d->conf->busy_poll ? ", busy_poll" : "");
	daemon_notify("READY=1\nSTATUS=serving");
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
	/* First: the passed sockets are marked close-on-exec and their
	 * variables cleared before anything forks or execs. */
	if (!check)
		(void)sdsock_init();
	memset(&d, 0, sizeof(d));
	d.cfile = cfile;
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

		if (daemon_build_routes(d.conf, NULL, &rt, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		route_table_free(rt);
		(void)priv_check_secrets(d.conf, cfile);
		printf("%s: configuration OK (%zu functions)\n", cfile, d.conf->nfns);
		return 0;
	}
	/* Kept for the whole run: a reload cannot move them. */
	d.state_dir = strdup(conf_state_dir(d.conf));
	d.admin_path = strdup(d.conf->admin_socket != NULL ?
	    d.conf->admin_socket : CONF_ADMIN_SOCKET);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	d.loop = uv_default_loop();
	d.started_ms = (uint64_t)time(NULL) * 1000;
	/* Root's privileges end here: the spawner keeps them, we do not. */
	if (daemon_start(&d, host, port) != 0 || priv_drop(d.conf) != 0) {
		/* What a refused start (a second daemon, say) had made. */
		log_set_buffered(0);
		if (host != d.conf->listen_host)
			free(host);
		conf_free(d.conf);
		free(d.state_dir);
		free(d.admin_path);
		return 1;
	}
	uv_run(d.loop, UV_RUN_DEFAULT);
	uv_walk(d.loop, loop_close_walk, NULL);
	uv_run(d.loop, UV_RUN_DEFAULT);
	log_set_buffered(0);
	route_table_free(d.rt);
	free(d.pools);
	metrics_free(d.metrics);
	if (host != d.conf->listen_host)
		free(host);
	conf_free(d.conf);
	logring_free();
	opener_free(d.opener);
	free(d.state_dir);
	free(d.admin_path);
	return 0;
}
