/*
 * pool_int: what pool.c (pools, queues, invocations, the spawner client)
 * and worker.c (the worker state machine, its logs and its Runtime API)
 * share.  Not for any other module: they use pool.h.
 */
#ifndef LAMBDAD_POOL_INT_H
#define LAMBDAD_POOL_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "buf.h"
#include "http.h"
#include "pool.h"

#define INIT_TIMEOUT_MS		10000	/* Lambda caps init at 10 s */
#define LOG_TAIL_MAX		4096
#define BACKOFF_MAX_MS		30000
#define REGION			"us-east-1"
#define ACCOUNT			"123456789012"

enum wk_state { WS_SPAWNING, WS_IDLE, WS_BUSY, WS_RESTING, WS_DRAINING, WS_NSTATES };
enum wk_ev {
	WE_SPAWNED,	/* spawner: process started */
	WE_NEXT,	/* GET /next */
	WE_NEXT_GONE,	/* a pending /next's connection closed */
	WE_ASSIGN,	/* the pool hands the worker an invocation */
	WE_REPLY,	/* POST /response or /error for an id it holds */
	WE_INIT_ERROR,	/* POST /init/error */
	WE_TIMER,	/* init timeout, invocation timeout or idle timeout */
	WE_RETIRE,	/* the pool wants it gone (recycle, shutdown) */
	WE_NEVENTS
};

struct spawner {
	uv_loop_t	*loop;
	int		 fd;
	pid_t		 pid;
	uv_poll_t	 poll;
	unsigned	 avail;		/* SB_NS_* this kernel allows us */
	bool		 root;		/* started as root: workers drop uid */
	uid_t		 def_uid;	/* workers' uid without worker_uids */
	gid_t		 def_gid;
	uint64_t	 next_netns;	/* the last netns key handed out */
};

struct worker {
	struct pool	*pool;
	enum wk_state	 state;
	pid_t		 pid;		/* 0 until spawned */
	bool		 exited;	/* process gone */
	bool		 cold;		/* next invocation is its first */
	bool		 provisioned;	/* started for min_idle, not for work */
	bool		 ready;		/* in p->ready */
	bool		 recycle;	/* max_invocations reached: takes no more */
	bool		 init_failed;
	unsigned	 ninv;		/* invocations completed */
	uint64_t	 spawn_ns;
	double		 init_ms;
	struct http_server *rapi;
	int		 logw;		/* log pipe's write end until the
					   spawn is sent, or -1 */
	/*
	 * max_concurrency: up to maxc invocations at once.  A slot is a
	 * pending GET /next (nexts), an invocation handed out (invs), or
	 * one that timed out whose late answer is still to come (late, its
	 * id only): nnext + nlive + nlate <= maxc.  With maxc = 1 this is
	 * one /next or one invocation, as Lambda has it.
	 */
	unsigned	 maxc;
	struct http_request **nexts;	/* oldest first */
	unsigned	 nnext;
	struct invocation **invs;
	unsigned	 nlive;
	char		(*late)[37];
	unsigned	 nlate;
	unsigned	 slots;		/* its nexts counted in p->slots */
	char		 last_id[37];	/* the last one answered */
	int		 statusfd;	/* /proc/PID/status, or -1 */
	int		 peakfd;	/* its cgroup's memory.peak, or -1 */
	unsigned	 mem_mb;	/* VmHWM as last read */
	uint64_t	 mem_ns;	/* when */
	uv_timer_t	 timer;
	uv_pipe_t	 logpipe;
	bool		 log_open;
	struct buf	 logline;	/* a partial output line */
	uint64_t	 log_window;	/* loop ms its second of log_rate began */
	unsigned	 log_lines;	/* lines logged in that second */
	uint64_t	 log_dropped;	/* lines dropped, not reported yet */
	int		 nhandles;	/* libuv handles still open */
	struct worker	*next, *prev;	/* p->workers */
	struct worker	*rnext;		/* p->ready (LIFO) */
};

struct pool {
	uv_loop_t	*loop;
	struct spawner	*sp;
	const struct function_conf *fc;
	char		 arn[192];
	struct buf	 env;		/* NUL-separated common environment */
	size_t		 nenv;
	/* The jail of every worker of this function (pool_jail_decide). */
	unsigned	 ns;		/* SB_NS_* asked of the spawner */
	uint64_t	 netns_key;	/* network = none: its netns; 0 = host */
	uid_t		 uid;		/* 0 = no drop (not root, or none) */
	gid_t		 gid;
	/* opt = DIR: where the workers find it -- "/opt", bound there in
	 * their mount namespace, or without one DIR itself; "" if none. */
	char		 opt[4096];
	struct worker	*workers;
	/* Workers with a pending /next that take invocations (LIFO, so the
	 * warmest is reused first); with max_concurrency = 1, the idle ones.
	 * slots: their pending /next requests, all told. */
	struct worker	*ready;
	unsigned	 slots;
	unsigned	 count[WS_NSTATES];
	struct invocation *qhead, *qtail;
	unsigned	 queued;
	unsigned	 inflight;
	uv_timer_t	 qtimer;
	uv_timer_t	 btimer;	/* min_idle refill after a backoff */
	unsigned	 fail_streak;
	uint64_t	 backoff_until_ns;
	struct metrics_fn *metrics;	/* not owned; may be NULL */
	bool		 stopping;
	bool		 draining;	/* replaced or removed by a reload */
	bool		 draining_now;	/* in pool_drain_idle */
	void		(*stop_cb)(struct pool *, void *);
	void		*stop_arg;
	int		 nhandles;
};

/* max_concurrency; a conf made by hand (unit tests) may leave it 0. */
static inline unsigned
pool_maxc(const struct pool *p)
{
	return p->fc->max_concurrency > 1 ? p->fc->max_concurrency : 1;
}

/* pool.c */
struct sb_policy;
uint64_t pool_epoch_ms(void);
uint64_t pool_random(void);
char	*inv_trace_make(uint64_t epoch_ms);
void	 pool_run(struct pool *p);
/* Fill in the jail of a worker of p: all of pol but envp and argv; boot
 * is room for the path of a layer's bootstrap. */
void	 pool_policy(const struct pool *p, struct sb_policy *pol, char *boot,
	    size_t size);
void	 pool_check_stopped(struct pool *p);
void	 pool_init_failed(struct pool *p, const char *type, const char *body,
	    size_t len, const char *msg);
void	 inv_finish(struct invocation *inv, struct inv_result *res);
void	 inv_fail(struct invocation *inv, enum inv_status st, const char *type,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* worker.c */
int	 wk_spawn(struct pool *p);
void	 wk_event(struct worker *w, enum wk_ev ev);
/* Hand w (in p->ready) the invocation inv. */
void	 wk_assign(struct worker *w, struct invocation *inv);
/* inv leaves its worker (answered, timed out, or the worker is gone). */
void	 wk_inv_detach(struct worker *w, struct invocation *inv);
/* peakfd: the worker's cgroup memory.peak, or -1; w takes it. */
void	 wk_spawned(struct worker *w, pid_t pid, int err, int peakfd);
/* SB_LISTENING: the worker's endpoint, made in its function's netns. */
void	 wk_listening(struct worker *w, int fd, int port, int err);
/* The process ended; sys_nr >= 0: the seccomp filter killed it for that
 * call (sys_foreign: of another ABI), as struct sb_reply says. */
void	 wk_exited(struct worker *w, int status, int sys_nr, int sys_foreign);

/* worker_log.c: the log pipe and the REPORT line. */
void	 wk_tail_add(struct invocation *inv, const char *s, size_t n);
void	 wk_log_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b);
void	 wk_log_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b);
void	 wk_log_close(struct worker *w);
void	 wk_log_drain(struct worker *w);
void	 wk_log_report(struct worker *w, struct invocation *inv);
/* worker.c: the close callback of a worker's handles, and the pool's
 * ready list brought in line with the worker's parked /next requests. */
void	 wk_handle_closed(uv_handle_t *h);
void	 wk_ready_sync(struct worker *w);
/* A /next request on w's endpoint: the state machine's WE_NEXT. */
void	 wk_next(struct worker *w, struct http_request *req);
/* worker_rapi.c: a request on a worker's Runtime API endpoint; whether
 * its body streams (stream.h); the invocation w holds of that id; the
 * late answer of one that timed out (true: taken and answered). */
void	 rapi_on_request(struct http_request *req, void *arg);
bool	 rapi_stream_body(const struct http_request *req, void *arg);
struct invocation *wk_find_inv(struct worker *w, const char *id, size_t n);
bool	 wk_late_answer(struct worker *w, struct http_request *req,
	    const char *id, size_t n);

#endif
