/*
 * peer: who is at the other end of a loopback TCP connection.
 *
 * A worker on the host's network gets its Runtime API endpoint on the
 * host's loopback, where any local process could connect to it.  The
 * gateway then checks every connection: the kernel knows which uid owns the
 * connecting socket, and tells anyone who asks through NETLINK_SOCK_DIAG
 * (inet_diag), without privilege.  With a uid per function (worker_uids),
 * that tells a function's own workers from everyone else.
 */
#ifndef LAMBDAD_PEER_H
#define LAMBDAD_PEER_H

#include <sys/types.h>

/*
 * The uid owning the socket at the other end of the connected IPv4 TCP
 * socket fd, which must be a loopback connection (both ends on this
 * machine, in this network namespace).  0 and *uid, or -errno (-ENOENT:
 * the peer's socket is already gone).
 */
int	peer_uid(int fd, uid_t *uid);

#endif
