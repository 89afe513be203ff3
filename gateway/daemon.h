/*
 * daemon: the running daemon's state, shared by main.c (start-up, signals,
 * stop), reload.c (a new configuration without dropping a request) and
 * admin.c (the operator's API on a Unix socket).
 *
 * The configuration and the pools form one generation: d->conf's functions
 * and d->pools[] line up index for index, and the route table and the
 * Invoke API point at those pools.  A reload builds the next generation
 * beside the current one and switches in one step; pools it replaced or
 * removed drain on the side (d->draining) and the configuration they point
 * into is kept (d->retired) until the last of them is gone.
 */
#ifndef LAMBDAD_DAEMON_H
#define LAMBDAD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "conf.h"

struct route_table;
struct spawner;
struct pool;
struct front;
struct invoke;
struct control;
struct admin;
struct metrics;
struct metrics_server;
struct reload;
struct opener;
struct tables_door;
struct buckets;
struct keystore;
struct sched;

/* A configuration still referenced by draining pools. */
struct retired_conf {
	struct conf	*conf;
	unsigned	 pools;		/* draining pools still pointing into it */
	struct retired_conf *next;
};

struct drain_entry {
	struct pool	*pool;
	struct retired_conf *rc;
	struct daemon	*d;
	struct drain_entry *next;
};

struct daemon {
	uv_loop_t	*loop;
	const char	*cfile;		/* the main config file, as given */
	struct conf	*conf;
	struct route_table *rt;
	struct spawner	*sp;
	struct pool	**pools;	/* lined up with conf->fns */
	size_t		 npools;
	struct drain_entry *draining;	/* pools a reload let go */
	struct retired_conf *retired;
	struct reload	*reload;	/* a reload warming up, or NULL */
	size_t		 nstopped, nstopping;
	struct front	*front;
	struct invoke	*invoke;	/* NULL unless invoke_api = on */
	struct control	*control;	/* Lambda's control plane, with invoke */
	struct tables_door *tables;	/* the Tables store's door */
	struct buckets	*buckets;	/* NULL without s3_listen */
	struct keystore	*keys;		/* API keys (apigw/keystore.h) */
	struct sched	*sched;		/* [schedule] sections (sched/sched.h) */
	struct admin	*admin;
	struct metrics	*metrics;	/* outlives pools (reloads) */
	struct metrics_server *msrv;	/* NULL unless metrics_listen */
	char		*state_dir;	/* conf's, or the default */
	char		*admin_path;	/* conf's, or the default */
	uv_signal_t	 sigterm, sigint, sighup, sigusr1;
	uv_timer_t	 stop_timer;
	uv_prepare_t	 log_prepare;
	uv_idle_t	 spin;		/* active = the loop does not sleep */
	uv_timer_t	 watchdog;	/* systemd WatchdogSec pings */
	unsigned	 spin_inflight;	/* in flight at the last iteration */
	uint64_t	 spin_since;	/* when that number last changed */
	uint64_t	 stop_deadline;
	uint64_t	 stop_linger;	/* until then open connections may finish */
	uint64_t	 started_ms;	/* epoch ms */
	unsigned	 reloads;	/* successful reloads */
	int		 stopping;
	int		 state_lock;	/* state_dir/lock, flock'd for life */
	struct opener	*opener;	/* started as root: reads configs for
					   reloads (opener.h); else NULL */
};

/*
 * The public listener's connection cap: max_connections if set (but no
 * more than the descriptors allow, with a warning), else sized from
 * RLIMIT_NOFILE (daemon.c says how).
 */
unsigned daemon_conn_cap(const struct conf *c);
/*
 * Take state_dir/lock (flock, exclusive, held as long as the returned fd
 * stays open: the daemon's life; CLOEXEC, and the spawner closes what it
 * inherits, so no worker holds it) and write our pid in it.  Two daemons
 * on one state_dir would run the same Event queue twice.  The fd, or
 * -EBUSY with "state_dir PATH is in use by another lambdad (pid N)" in
 * err, or another -errno (a state_dir that is not usable: what needs it
 * says so later, the rest serves).
 */
int	daemon_lock_state(const char *state_dir, char *err, size_t errlen);
/* Tell systemd (Type=notify) about a state change, if it listens. */
void	daemon_notify(const char *state);
/* Build the route table for c (pools NULL: only check it).  0 or -1, with
 * the clash written to err as "file:line: ...". */
int	daemon_build_routes(struct conf *c, struct pool **pools,
	    struct route_table **out, char *err, size_t errlen);

/*
 * Reload (reload.c).  Reads and checks the whole configuration again; on
 * any error nothing changes and done gets the error ("file:line: reason").
 * Otherwise unchanged functions keep their pools and warm workers, changed
 * and new ones get new pools that warm up first, then everything switches
 * at once and the replaced or removed pools drain.  done(arg, 0, summary)
 * runs then (summary like "2 functions: 1 unchanged, 1 changed").  -EBUSY
 * (and no call) while another reload is warming up or the daemon stops.
 */
typedef void (*reload_done_cb)(void *arg, int err, const char *msg);
int	daemon_reload(struct daemon *d, reload_done_cb done, void *arg);
/* Stop a reload in progress (the daemon is stopping): its new pools are
 * shut down with the others; done is called with -ECANCELED. */
void	daemon_reload_cancel(struct daemon *d);
/* The current pool of function name (*idx: its index, if idx), or NULL. */
struct pool *daemon_pool(struct daemon *d, const char *name, size_t *idx);
/* Every pool, current and draining, for shutdown. */
size_t	daemon_all_pools(struct daemon *d, struct pool ***out);

#endif
