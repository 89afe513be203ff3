/*
 * sb_msg: the messages between the gateway and the spawner (spawner.c
 * reads them, client.c writes them).  Fixed size, one per SOCK_SEQPACKET
 * datagram, fds attached with SCM_RIGHTS.  Private to sandbox/.
 */
#ifndef LAMBDAD_SB_MSG_H
#define LAMBDAD_SB_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox.h"

/* Room for 4 KiB of customer environment, the Lambda variables and argv. */
#define SB_STR_AREA	(16 * 1024)
#define SB_NFDS		(1 + SB_MAX_PASS_FDS)

enum sb_req_type {
	SB_REQ_SPAWN = 1,
	SB_REQ_KILL = 2,
	SB_REQ_LISTEN = 3,
	SB_REQ_NETNS_DROP = 4,
	SB_REQ_LOCK = 5,	/* a struct sb_req_net, tag and key unused */
};

struct sb_req_net {
	uint32_t	 type;		/* SB_REQ_LISTEN or SB_REQ_NETNS_DROP */
	uint32_t	 pad;
	uint64_t	 tag;
	uint64_t	 key;
};

struct sb_req_kill {
	uint32_t	 type;		/* SB_REQ_KILL */
	int32_t		 pid;
	int32_t		 sig;
};

struct sb_req_spawn {
	uint32_t	 type;		/* SB_REQ_SPAWN */
	uint32_t	 has_log;	/* the first fd carried is the log pipe */
	uint64_t	 tag;
	uint32_t	 memory_mb, nofile, nproc, fsize_mb, cpu_s, seccomp;
	uint32_t	 npass;
	uint32_t	 has_cwd, has_argv, argc, envc, hidec;
	uint32_t	 ns, ns_required, tmp_mb, has_rw_dir, has_opt_dir;
	uint32_t	 uid, gid;
	uint32_t	 pids, cpu_pct;
	char		 cgroup[72];	/* the function's name, or "" */
	uint64_t	 netns_key;
	uint32_t	 used;		/* bytes of str in use */
	/* path, [cwd], [rw_dir], [opt_dir], argv[0..argc), envp[0..envc),
	   hide[0..hidec), each NUL-terminated */
	char		 str[SB_STR_AREA];
};

union sb_req {
	uint32_t		type;
	struct sb_req_kill	kill;
	struct sb_req_net	net;
	struct sb_req_spawn	spawn;
};

/* Send one message with up to SB_NFDS descriptors attached.  0, -EAGAIN,
 * -EPIPE (the peer is gone), -EIO (cut short) or -errno. */
int	sb_send(int fd, const void *buf, size_t len, const int *fds, int nfds);
/* Receive one message of up to len bytes and the first fd it carried (*fd,
 * else -1; others are closed).  *trunc (if trunc): the message or its fds
 * were cut short.  recvmsg's return, EINTR retried. */
ssize_t	sb_recv(int sock, void *buf, size_t len, int *fd, int *trunc);

#endif
