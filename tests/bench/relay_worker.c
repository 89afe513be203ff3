/*
 * relay_worker: the worker half of the relay floor (tests/bench/relay.c).
 * It connects to the gateway over loopback TCP and serves frames until the
 * gateway goes away:
 *
 *   relay_worker 127.0.0.1 PORT [--log]
 *
 * A frame is a 4-byte big-endian length and that many bytes.  A request
 * frame holds the request's path ("/hello/bench"); the reply frame holds
 * "Hello, NAME!\n", NAME being the path's last segment.  With --log it
 * also writes one line per request to stdout (a pipe the gateway reads),
 * with one write(2) each, as a handler's log line costs.
 *
 * Blocking I/O, one loop: a read takes every frame that has arrived, and
 * the replies to them all go back in one write.  That is the least a
 * worker can do per request: one read, one write, one sleep.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define INCAP	65536
#define OUTCAP	65536
#define MAXPATH	1024

static char in[INCAP], out[OUTCAP];
static size_t inlen, outlen;
static int logging;
static unsigned long served;

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
put_u32(char *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static uint32_t
get_u32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

/* Answer one request frame: append the reply frame to out. */
static int
serve(const char *path, size_t len)
{
	const char *name = path, *slash;
	char line[MAXPATH + 64];
	size_t nlen;
	int n;

	if ((slash = memrchr(path, '/', len)) != NULL)
		name = slash + 1;
	nlen = len - (size_t)(name - path);
	if (nlen == 0) {
		name = "world";
		nlen = 5;
	}
	if (outlen + 4 + nlen + 16 > OUTCAP)
		return -1;
	n = snprintf(out + outlen + 4, OUTCAP - outlen - 4, "Hello, %.*s!\n",
	    (int)nlen, name);
	put_u32(out + outlen, (uint32_t)n);
	outlen += 4 + (size_t)n;
	served++;
	if (logging) {
		n = snprintf(line, sizeof(line), "greeting %.*s %lu\n",
		    (int)nlen, name, served);
		if (write_all(STDOUT_FILENO, line, (size_t)n) < 0)
			return -1;
	}
	return 0;
}

/* Serve every complete frame in in[]; keep the partial rest. */
static int
drain(void)
{
	size_t off = 0;
	uint32_t len;

	while (inlen - off >= 4) {
		len = get_u32(in + off);
		if (len > MAXPATH) {
			fprintf(stderr, "relay_worker: frame of %u bytes\n", len);
			return -1;
		}
		if (inlen - off - 4 < len)
			break;
		if (serve(in + off + 4, len) < 0)
			return -1;
		off += 4 + len;
	}
	memmove(in, in + off, inlen - off);
	inlen -= off;
	return 0;
}

static int
dial(const char *host, const char *port)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "relay_worker: bad address %s\n", host);
		return -1;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("relay_worker: connect");
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

int
main(int argc, char **argv)
{
	ssize_t n;
	int fd;

	if (argc < 3 || argc > 4 ||
	    (argc == 4 && strcmp(argv[3], "--log") != 0)) {
		fprintf(stderr, "usage: relay_worker HOST PORT [--log]\n");
		return 2;
	}
	logging = argc == 4;
	if ((fd = dial(argv[1], argv[2])) < 0)
		return 1;
	for (;;) {
		if ((n = read(fd, in + inlen, INCAP - inlen)) < 0) {
			if (errno == EINTR)
				continue;
			perror("relay_worker: read");
			return 1;
		}
		if (n == 0)
			return 0;	/* the gateway is gone */
		inlen += (size_t)n;
		if (drain() < 0)
			return 1;
		if (outlen > 0 && write_all(fd, out, outlen) < 0) {
			perror("relay_worker: write");
			return 1;
		}
		outlen = 0;
	}
}
