/*
 * sdsock: socket activation through libsystemd (sdsock.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "sdsock.h"

#define SDSOCK_MAX	16

static int	sd_fds[SDSOCK_MAX];
static int	sd_n;

int
sdsock_init(void)
{
	char	**names = NULL;
	int	  n, i;

	/* 1: unset LISTEN_* so that workers and helpers never see them.
	 * The sockets come close-on-exec. */
	if ((n = sd_listen_fds_with_names(1, &names)) <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;

		if (sd_n < SDSOCK_MAX) {
			sd_fds[sd_n++] = fd;
			log_info("systemd passed fd %d (%s)", fd,
			    names != NULL && names[i] != NULL ? names[i] :
			    "unnamed");
		} else {
			log_warnx("systemd passed more than %d sockets: fd %d "
			    "closed", SDSOCK_MAX, fd);
			close(fd);
		}
		if (names != NULL)
			free(names[i]);
	}
	free(names);
	return sd_n;
}

/* Whether fd is a listening TCP socket bound to host:port. */
static int
sdsock_matches(int fd, const char *host, int port)
{
	struct sockaddr_storage want;
	socklen_t len;

	memset(&want, 0, sizeof(want));
	if (strchr(host, ':') == NULL) {
		struct sockaddr_in *s = (struct sockaddr_in *)&want;

		if (inet_pton(AF_INET, host, &s->sin_addr) != 1)
			return 0;
		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)port);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&want;

		if (inet_pton(AF_INET6, host, &s->sin6_addr) != 1)
			return 0;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons((uint16_t)port);
		len = sizeof(*s);
	}
	return sd_is_socket_sockaddr(fd, SOCK_STREAM, (struct sockaddr *)&want,
	    len, 1) > 0;
}

int
sdsock_take(const char *host, int port)
{
	int i, fd;

	if (port <= 0 || host == NULL)
		return -1;
	for (i = 0; i < sd_n; i++) {
		if (!sdsock_matches(sd_fds[i], host, port))
			continue;
		fd = sd_fds[i];
		sd_fds[i] = sd_fds[--sd_n];
		return fd;
	}
	return -1;
}

void
sdsock_close_unused(void)
{
	while (sd_n > 0) {
		int fd = sd_fds[--sd_n];

		log_warnx("systemd passed fd %d, which no listen address of the "
		    "configuration matches: closed", fd);
		close(fd);
	}
}
