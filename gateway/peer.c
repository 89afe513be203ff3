/*
 * peer: the owner of the other end of a loopback TCP connection, asked of
 * the kernel with one inet_diag request (see peer.h).
 *
 * The peer's socket is the one whose source is our destination and whose
 * destination is our source: an exact lookup (no dump), so its cost does
 * not grow with the number of sockets on the machine.  A peer that closed
 * in the meantime is not found, and the caller refuses it.
 */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer.h"

struct peer_req {
	struct nlmsghdr		nh;
	struct inet_diag_req_v2	r;
};

/* Ask for the socket going from peer to us. */
static int
peer_ask(int nl, const struct sockaddr_in *us, const struct sockaddr_in *them)
{
	struct peer_req q;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	memset(&q, 0, sizeof(q));
	q.nh.nlmsg_len = sizeof(q);
	q.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nh.nlmsg_flags = NLM_F_REQUEST;
	q.nh.nlmsg_seq = 1;
	q.r.sdiag_family = AF_INET;
	q.r.sdiag_protocol = IPPROTO_TCP;
	q.r.idiag_states = ~0U;
	q.r.id.idiag_sport = them->sin_port;
	q.r.id.idiag_dport = us->sin_port;
	q.r.id.idiag_src[0] = them->sin_addr.s_addr;
	q.r.id.idiag_dst[0] = us->sin_addr.s_addr;
	q.r.id.idiag_if = 0;
	q.r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	q.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (sendto(nl, &q, sizeof(q), 0, (struct sockaddr *)&kernel,
	    sizeof(kernel)) != (ssize_t)sizeof(q))
		return -errno;
	return 0;
}

/* One reply: the socket's inet_diag_msg, or an NLMSG_ERROR. */
static int
peer_answer(int nl, uid_t *uid)
{
	char buf[1024] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	ssize_t n;

	do
		n = recv(nl, buf, sizeof(buf), 0);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -errno;
	if (!NLMSG_OK(nh, (size_t)n))
		return -EPROTO;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(nh);

		return e->error < 0 ? e->error : -EPROTO;
	}
	if (nh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
		return -EPROTO;
	*uid = ((struct inet_diag_msg *)NLMSG_DATA(nh))->idiag_uid;
	return 0;
}

int
peer_uid(int fd, uid_t *uid)
{
	struct sockaddr_in us, them;
	socklen_t len = sizeof(us);
	struct timeval tv = { 1, 0 };
	int nl, rc;

	if (getsockname(fd, (struct sockaddr *)&us, &len) == -1)
		return -errno;
	len = sizeof(them);
	if (getpeername(fd, (struct sockaddr *)&them, &len) == -1)
		return -errno;
	if (us.sin_family != AF_INET || them.sin_family != AF_INET)
		return -EAFNOSUPPORT;
	nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl == -1)
		return -errno;
	/* The kernel answers at once; the timeout only guards the loop. */
	(void)setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if ((rc = peer_ask(nl, &us, &them)) == 0)
		rc = peer_answer(nl, uid);
	close(nl);
	return rc;
}
