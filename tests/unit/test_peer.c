/*
 * test_peer: peer_uid() names the owner of the other end of a loopback TCP
 * connection, as the kernel's sock_diag reports it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peer.h"

/* A listener on 127.0.0.1:0; its address in *a. */
static int
listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(fd >= 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)a, sizeof(*a)), 0);
	cr_assert_eq(listen(fd, 4), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)a, &len), 0);
	return fd;
}

Test(peer, own_connection)
{
	struct sockaddr_in a;
	int ls = listener(&a), c = socket(AF_INET, SOCK_STREAM, 0), s;
	uid_t uid = (uid_t)-1;

	cr_assert_eq(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert((s = accept(ls, NULL, NULL)) >= 0);
	cr_assert_eq(peer_uid(s, &uid), 0);
	cr_assert_eq(uid, geteuid(), "peer uid %d, we are %d", (int)uid,
	    (int)geteuid());
	close(s);
	close(c);
	close(ls);
}

/* A connecting socket made by another uid is reported as that uid. */
Test(peer, other_uid)
{
	struct sockaddr_in a;
	int ls = listener(&a), s, st;
	uid_t uid = 0;
	pid_t pid;

	if (geteuid() != 0)
		cr_skip_test("needs root to connect as another uid");
	if ((pid = fork()) == 0) {
		int c;

		if (setresuid(65534, 65534, 65534) != 0 ||
		    (c = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    connect(c, (struct sockaddr *)&a, sizeof(a)) != 0)
			_exit(1);
		pause();	/* keep the socket until killed */
		_exit(0);
	}
	cr_assert((s = accept(ls, NULL, NULL)) >= 0);
	cr_assert_eq(peer_uid(s, &uid), 0);
	cr_assert_eq(uid, 65534);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(s);
	close(ls);
}

/* Not TCP over IPv4: refused, not guessed. */
Test(peer, not_inet)
{
	int sv[2];
	uid_t uid;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(peer_uid(sv[0], &uid), -EAFNOSUPPORT);
	close(sv[0]);
	close(sv[1]);
}
