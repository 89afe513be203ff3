/*
 * cgroup: cgroup v2 limits for workers, where a subtree has been delegated
 * to lambdad (systemd's Delegate=yes: the service's own cgroup, writable by
 * the service, on a cgroup2 mount with the memory, pids and cpu
 * controllers).  Under the daemon's cgroup D it makes:
 *
 *   D/lambdad          the daemon and the spawner (a cgroup that hands
 *                      controllers to its children may hold no process)
 *   D/fn-NAME          one per function: its workers, and nothing else
 *   D/fn-NAME/w-N      one leaf per worker, with memory.max (memory),
 *                      pids.max (pids) and cpu.max (cpu % of one core):
 *                      the limits are per worker, as Lambda's are per
 *                      execution environment and RLIMIT_DATA already is;
 *                      its memory.peak is the worker's Max Memory Used
 *
 * sb_cgroup_init() finds and prepares D once, as the daemon starts and
 * before it forks the spawner, which inherits the state; it says what is
 * missing when there is no such subtree (then the daemon runs with rlimits
 * only).  The spawner makes a worker's leaf before the clone and the child
 * joins it first thing (by writing "0" to the leaf's cgroup.procs, opened
 * by the spawner), so the worker never runs a line of its own code outside.
 * Nothing here is called between fork and exec.
 */
#ifndef LAMBDAD_CGROUP_H
#define LAMBDAD_CGROUP_H

#include <stddef.h>

/* The leaf of a worker, relative to D: "fn-NAME/w-N". */
#define SB_CG_LEAF_MAX	96

/*
 * From a /proc/PID/cgroup file: the cgroup v2 path ("0::PATH" line) into
 * path.  0, -ENOENT (no v2 line: a v1-only system), -ENAMETOOLONG, -errno.
 */
int	sb_cgroup_self(const char *file, char *path, size_t n);

/*
 * From a /proc/PID/mountinfo file: where the cgroup2 file system whose root
 * is "/" is mounted (the first such).  0, -ENOENT, -ENAMETOOLONG, -errno.
 */
int	sb_cgroup_mount(const char *file, char *mnt, size_t n);

/*
 * Which of "memory pids cpu" dir/cgroup.controllers lacks, space-separated
 * into missing ("" when none).  0 or -errno (reading the file).
 */
int	sb_cgroup_missing(const char *dir, char *missing, size_t n);

/*
 * Find this process's delegated cgroup and prepare it as above.  0 with a
 * one-line description in report, or -errno with what is missing or failed
 * ("no cgroup2 mount", "no pids controller in ..."); then nothing changed
 * and sb_cgroup_ready() stays 0.
 */
int	sb_cgroup_init(char *report, size_t n);

/* 1 once sb_cgroup_init succeeded (in this process or its parent). */
int	sb_cgroup_ready(void);

/*
 * Make a worker's leaf under fn-NAME (made on first use) with its limits
 * (0 = the controller's "max").  Returns 0, the leaf's name in leaf
 * (SB_CG_LEAF_MAX bytes), its cgroup.procs open for writing in *procs_fd
 * and its memory.peak (kernels >= 5.19; else -1) in *peak_fd; or -errno
 * (-EINVAL for a name that is not [A-Za-z0-9_-]{1,64}).
 */
int	sb_cgroup_leaf(const char *fn, unsigned memory_mb, unsigned pids,
	    unsigned cpu_pct, char *leaf, int *procs_fd, int *peak_fd);

/*
 * The worker is gone: kill whatever is left in its leaf (cgroup.kill) and
 * remove the leaf, or remember it and retry at the next call when it is
 * still busy with dying processes.
 */
void	sb_cgroup_release(const char *leaf);

#endif
