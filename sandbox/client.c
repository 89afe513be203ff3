/*
 * client: the gateway's side of the spawner's socket (sandbox.h): pack a
 * request, send it with its fds, read a reply and the fd it may carry.
 * The spawner's side is spawner.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox.h"
#include "sb_msg.h"

static int
sb_pack(struct sb_req_spawn *q, const char *s)
{
	size_t n = strlen(s) + 1;

	if (n > SB_STR_AREA - q->used)
		return -E2BIG;
	memcpy(q->str + q->used, s, n);
	q->used += n;
	return 0;
}

static int
sb_pack_vec(struct sb_req_spawn *q, char *const *v, uint32_t *count)
{
	int rc;

	for (*count = 0; v != NULL && v[*count] != NULL; (*count)++)
		if ((rc = sb_pack(q, v[*count])) < 0)
			return rc;
	return 0;
}

static int
sb_pack_policy(struct sb_req_spawn *q, const struct sb_policy *p)
{
	int rc;

	q->memory_mb = p->memory_mb;
	q->nofile = p->nofile;
	q->nproc = p->nproc;
	q->fsize_mb = p->fsize_mb;
	q->cpu_s = p->cpu_s;
	q->seccomp = p->seccomp;
	q->has_cwd = p->cwd != NULL;
	q->has_argv = p->argv != NULL;
	q->ns = p->ns;
	q->ns_required = p->ns_required != 0;
	q->netns_key = p->netns_key;
	q->tmp_mb = p->tmp_mb;
	q->uid = p->uid;
	q->gid = p->gid;
	q->has_rw_dir = p->rw_dir != NULL;
	q->has_opt_dir = p->opt_dir != NULL;
	q->pids = p->pids;
	q->cpu_pct = p->cpu_pct;
	if (p->cgroup != NULL && strlen(p->cgroup) >= sizeof(q->cgroup))
		return -E2BIG;
	if (p->cgroup != NULL)
		strcpy(q->cgroup, p->cgroup);
	if ((rc = sb_pack(q, p->path)) < 0 ||
	    (p->cwd != NULL && (rc = sb_pack(q, p->cwd)) < 0) ||
	    (p->rw_dir != NULL && (rc = sb_pack(q, p->rw_dir)) < 0) ||
	    (p->opt_dir != NULL && (rc = sb_pack(q, p->opt_dir)) < 0) ||
	    (rc = sb_pack_vec(q, p->argv, &q->argc)) < 0 ||
	    (rc = sb_pack_vec(q, p->envp, &q->envc)) < 0 ||
	    (rc = sb_pack_vec(q, p->hide, &q->hidec)) < 0)
		return rc;
	return 0;
}

/* Also used by the spawner for its replies. */
int
sb_send(int fd, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * SB_NFDS)];
	} cm;
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	ssize_t n;

	if (nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno == EWOULDBLOCK ? -EAGAIN :
		    errno == ECONNRESET ? -EPIPE : -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int
sb_spawner_spawn(int ctl_fd, uint64_t tag, const struct sb_policy *p,
    int log_fd, const int *pass_fds, int npass)
{
	struct sb_req_spawn q;
	int fds[SB_NFDS], nfds = 0, rc;

	if (p == NULL || p->path == NULL || npass < 0 ||
	    npass > SB_MAX_PASS_FDS || (unsigned)p->seccomp > SB_SECCOMP_NONE)
		return -EINVAL;
	memset(&q, 0, sizeof(q));	/* no stray stack bytes on the wire */
	q.type = SB_REQ_SPAWN;
	q.tag = tag;
	if ((rc = sb_pack_policy(&q, p)) < 0)
		return rc;
	if (log_fd >= 0) {
		q.has_log = 1;
		fds[nfds++] = log_fd;
	}
	q.npass = npass;
	for (int i = 0; i < npass; i++)
		fds[nfds++] = pass_fds[i];
	return sb_send(ctl_fd, &q, sizeof(q), fds, nfds);
}

int
sb_spawner_kill(int ctl_fd, pid_t pid, int sig)
{
	struct sb_req_kill q;

	if (pid <= 0)
		return -EINVAL;
	memset(&q, 0, sizeof(q));
	q.type = SB_REQ_KILL;
	q.pid = pid;
	q.sig = sig;
	return sb_send(ctl_fd, &q, sizeof(q), NULL, 0);
}

static int
sb_send_net(int ctl_fd, uint32_t type, uint64_t tag, uint64_t key)
{
	struct sb_req_net q;

	memset(&q, 0, sizeof(q));
	q.type = type;
	q.tag = tag;
	q.key = key;
	return sb_send(ctl_fd, &q, sizeof(q), NULL, 0);
}

int
sb_spawner_listen(int ctl_fd, uint64_t tag, uint64_t netns_key)
{
	return sb_send_net(ctl_fd, SB_REQ_LISTEN, tag, netns_key);
}

int
sb_spawner_lock(int ctl_fd)
{
	return sb_send_net(ctl_fd, SB_REQ_LOCK, 0, 0);
}

int
sb_spawner_netns_drop(int ctl_fd, uint64_t netns_key)
{
	if (netns_key == 0)
		return -EINVAL;
	return sb_send_net(ctl_fd, SB_REQ_NETNS_DROP, 0, netns_key);
}

/* The first fd the message carried, or -1; any others are closed. */
static int
sb_cmsg_fd(struct msghdr *msg)
{
	struct cmsghdr *c;
	int fd = -1, x;

	for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) /
		    sizeof(int); i++) {
			memcpy(&x, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fd == -1)
				fd = x;
			else
				close(x);	/* never sent; do not leak */
		}
	}
	return fd;
}

/* Also used for the spawner's report sockets (exec.c). */
ssize_t
sb_recv(int sock, void *buf, size_t len, int *fd, int *trunc)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return n;
	if (trunc != NULL)
		*trunc = (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) != 0;
	*fd = sb_cmsg_fd(&msg);
	return n;
}

int
sb_spawner_recv(int ctl_fd, struct sb_reply *r)
{
	ssize_t n;
	int fd;

	n = sb_recv(ctl_fd, r, sizeof(*r), &fd, NULL);
	if (n == 0)
		return -EPIPE;
	if (n == -1) {
		if (errno == EWOULDBLOCK)
			return -EAGAIN;
		return errno == ECONNRESET ? -EPIPE : -errno;
	}
	if ((size_t)n != sizeof(*r) || (fd >= 0 && r->type != SB_LISTENING &&
	    r->type != SB_SPAWNED)) {
		if (fd >= 0)
			close(fd);
		return -EPROTO;
	}
	r->fd = fd;
	return 0;
}
