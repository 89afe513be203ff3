/*
 * fuzz_liblambda: libFuzzer driver for runtime/rapi_client.c, liblambda's
 * reader of the gateway's replies (the /next status line, its Lambda-Runtime-*
 * headers and a body framed by Content-Length, chunks or the end of the
 * connection).  A worker trusts nothing it reads, but it must not crash on a
 * broken or hostile reply either.
 *
 * The input is what the "gateway" sends on the socket (then it closes).  It
 * is read twice, in one piece and in pieces of fuzzer-chosen sizes (a
 * second process writes them), and the replies must agree.
 *
 * Invariants beyond "no crash": each call returns 0 or one of the errors
 * rapi_client.h documents (-EPROTO, -ECONNRESET, -EMSGSIZE, -EFBIG,
 * -EINVAL, -ENOMEM); a reply has a final status (200..999, 1xx are
 * skipped), a NUL-terminated body of len bytes, and the bodies together
 * are never longer than the input; the Lambda-Runtime-* fields are strings;
 * splitting the bytes differently changes nothing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rapi_client.h"

#define MAXREP	32

struct seen {
	int	 rc[MAXREP + 1];
	int	 status[MAXREP];
	size_t	 len[MAXREP];
	int	 n;
};

static void
check_fields(const struct rapi_response *r)
{
	const char *f[] = { r->request_id, r->deadline_ms, r->function_arn,
	    r->trace_id, r->client_context, r->cognito_identity };
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i] != NULL && strlen(f[i]) > RAPI_HEAD_MAX)
			abort();
}

static void
read_all(int fd, size_t size, struct seen *s)
{
	struct rapi_conn c;
	struct rapi_response r;
	size_t total = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	memset(s, 0, sizeof(*s));
	for (s->n = 0; s->n < MAXREP; s->n++) {
		rc = rapi_read_response(&c, &r);
		s->rc[s->n] = rc;
		if (rc < 0) {
			if (rc != -EPROTO && rc != -ECONNRESET && rc != -EMSGSIZE &&
			    rc != -EFBIG && rc != -EINVAL && rc != -ENOMEM)
				abort();
			break;
		}
		if (rc != 0 || r.status < 200 || r.status > 999 ||
		    r.body == NULL || r.body[r.len] != '\0')
			abort();
		check_fields(&r);
		total += r.len;
		if (total > size)
			abort();	/* read more than it was given */
		s->status[s->n] = r.status;
		s->len[s->n] = r.len;
		rapi_response_free(&r);
	}
	rapi_conn_free(&c);	/* closes fd */
}

/* Send data on a socketpair, whole or in seeded pieces (from a child). */
static int
feed(const uint8_t *data, size_t size, unsigned seed, pid_t *pid)
{
	int sv[2];
	size_t off = 0, k;

	*pid = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		abort();
	if (seed == 0) {
		if (write(sv[1], data, size) != (ssize_t)size)
			abort();
		close(sv[1]);
		return sv[0];
	}
	if ((*pid = fork()) < 0)
		abort();
	if (*pid == 0) {
		close(sv[0]);
		while (off < size) {
			seed = seed * 1103515245u + 12345u;
			k = 1 + (seed >> 16) % 61;
			if (k > size - off)
				k = size - off;
			if (write(sv[1], data + off, k) != (ssize_t)k)
				_exit(1);
			off += k;
			usleep(0);
		}
		_exit(0);
	}
	close(sv[1]);
	return sv[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seen a, b;
	pid_t pid;

	if (size < 1 || size > 65536)
		return 0;
	read_all(feed(data + 1, size - 1, 0, &pid), size - 1, &a);
	if (data[0] & 1) {	/* split: slower, so on half the inputs */
		read_all(feed(data + 1, size - 1, data[0] | 0x100, &pid),
		    size - 1, &b);
		waitpid(pid, NULL, 0);
		if (a.n != b.n || memcmp(a.rc, b.rc, sizeof(a.rc)) != 0 ||
		    memcmp(a.status, b.status, sizeof(a.status)) != 0 ||
		    memcmp(a.len, b.len, sizeof(a.len)) != 0)
			abort();
	}
	return 0;
}
