/*
 * rapi_client: the blocking HTTP/1.1 client liblambda speaks the Runtime API
 * with.  It is deliberately small and strict: one connection, replies parsed
 * in place from one receive buffer that stays a few KiB (bodies are read
 * straight into their own allocation), a bounded head, and anything that is
 * not well-formed HTTP is rejected with a message rather than guessed at.
 * Only what a Runtime API server sends is supported: Content-Length,
 * chunked or close-delimited bodies, no content codings.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "rapi_client.h"

#define LINE_MAX_CHUNK	4096	/* a chunk-size or trailer line */
#define BUF_FIRST	4096	/* the receive buffer's first size */

enum field {
	F_REQUEST_ID, F_DEADLINE, F_ARN, F_TRACE, F_CLIENT_CONTEXT, F_COGNITO,
	F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"Lambda-Runtime-Aws-Request-Id",
	"Lambda-Runtime-Deadline-Ms",
	"Lambda-Runtime-Invoked-Function-Arn",
	"Lambda-Runtime-Trace-Id",
	"Lambda-Runtime-Client-Context",
	"Lambda-Runtime-Cognito-Identity",
};

/* How the body of the reply being parsed is delimited. */
struct framing {
	int	 chunked;
	int	 has_length;
	size_t	 length;
};

void
rapi_logx(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	memcpy(line, "liblambda: ", 11);
	va_start(ap, fmt);
	n = vsnprintf(line + 11, sizeof(line) - 12, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n += 11;
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	line[n++] = '\n';
	/* One write, so lines from several workers sharing stderr stay whole. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

/* ---- connection ------------------------------------------------------- */

static int
conn_resolve(struct rapi_conn *c, const char *host, const char *port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&c->addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&c->addr;
	struct addrinfo hints, *res;
	int e;

	/* Literals first: no resolver (and none of its memory) for 127.0.0.1. */
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(atoi(port));
		c->addrlen = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(atoi(port));
		c->addrlen = sizeof(*sin6);
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0) {
		rapi_logx("cannot resolve %s: %s", host, gai_strerror(e));
		return -EINVAL;
	}
	memcpy(&c->addr, res->ai_addr, res->ai_addrlen);
	c->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int
rapi_conn_init(struct rapi_conn *c, const char *hostport)
{
	char host[sizeof(c->host)], *colon, *h, *port;
	size_t i, len;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (hostport == NULL || *hostport == '\0') {
		rapi_logx("AWS_LAMBDA_RUNTIME_API is not set");
		return -EINVAL;
	}
	len = strlen(hostport);
	for (i = 0; i < len; i++)
		if (hostport[i] <= ' ' || hostport[i] >= 0x7f || hostport[i] == '/')
			break;
	colon = strrchr(hostport, ':');
	if (i < len || len >= sizeof(host) || colon == NULL ||
	    colon == hostport || colon[1] == '\0') {
		rapi_logx("AWS_LAMBDA_RUNTIME_API=\"%.64s\": want host:port, "
		    "no scheme", hostport);
		return -EINVAL;
	}
	memcpy(host, hostport, len + 1);
	memcpy(c->host, hostport, len + 1);
	port = host + (colon - hostport);
	*port++ = '\0';
	if (strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 ||
	    atoi(port) < 1 || atoi(port) > 65535) {
		rapi_logx("AWS_LAMBDA_RUNTIME_API: bad port \"%s\"", port);
		return -EINVAL;
	}
	h = host;
	if (h[0] == '[' && h[strlen(h) - 1] == ']') {	/* [::1]:9001 */
		h[strlen(h) - 1] = '\0';
		h++;
	}
	return conn_resolve(c, h, port);
}

/* A connect() interrupted by a signal goes on in the background: wait. */
static int
conn_wait_connect(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	while (poll(&pfd, 1, -1) < 0)
		if (errno != EINTR)
			return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return -err;
}

int
rapi_conn_open(struct rapi_conn *c)
{
	int fd, one = 1, e = 0;

	rapi_conn_close(c);
	fd = socket(c->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = -errno;
		rapi_logx("socket: %s", strerror(-e));
		return e;
	}
	/* Small requests and replies: never wait for Nagle. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&c->addr, c->addrlen) < 0)
		e = errno == EINTR ? conn_wait_connect(fd) : -errno;
	if (e < 0) {
		rapi_logx("connect %s: %s", c->host, strerror(-e));
		close(fd);
		return e;
	}
	c->fd = fd;
	return 0;
}

void
rapi_conn_close(struct rapi_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->off = c->len = 0;
}

void
rapi_conn_free(struct rapi_conn *c)
{
	rapi_conn_close(c);
	free(c->buf);
	c->buf = NULL;
	c->cap = 0;
}

int
rapi_send(struct rapi_conn *c, const struct iovec *iov, int iovcnt)
{
	struct iovec v[8];
	struct msghdr msg;
	ssize_t n;
	int i = 0;

	if (iovcnt < 0 || iovcnt > 8 || c->fd < 0)
		return -EINVAL;
	memcpy(v, iov, iovcnt * sizeof(*iov));
	while (i < iovcnt) {
		if (v[i].iov_len == 0) {
			i++;
			continue;
		}
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = v + i;
		msg.msg_iovlen = iovcnt - i;
		/* MSG_NOSIGNAL: a closed peer is an error here, not SIGPIPE. */
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (; i < iovcnt && (size_t)n >= v[i].iov_len; i++)
			n -= v[i].iov_len;
		if (i < iovcnt) {
			v[i].iov_base = (char *)v[i].iov_base + n;
			v[i].iov_len -= n;
		}
	}
	return 0;
}

/*
 * Receive more into the buffer, compacting it first so unread bytes start at
 * buf[0].  Returns the byte count, 0 at end of stream, or -errno.
 */
static ssize_t
conn_fill(struct rapi_conn *c)
{
	size_t ncap;
	ssize_t n;
	char *p;

	if (c->off > 0) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->len == c->cap) {
		ncap = c->cap ? c->cap * 2 : BUF_FIRST;
		if (ncap > RAPI_HEAD_MAX + LINE_MAX_CHUNK)
			return -EMSGSIZE;
		if ((p = realloc(c->buf, ncap)) == NULL)
			return -ENOMEM;
		c->buf = p;
		c->cap = ncap;
	}
	do
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	c->len += n;
	return n;
}

/* Copy n body bytes to dst: buffered ones first, the rest straight off the socket. */
static int
conn_read_exact(struct rapi_conn *c, char *dst, size_t n)
{
	size_t k = c->len - c->off;
	ssize_t m;

	if (k > n)
		k = n;
	if (k > 0) {
		memcpy(dst, c->buf + c->off, k);
		c->off += k;
		dst += k;
		n -= k;
	}
	while (n > 0) {
		m = recv(c->fd, dst, n, 0);
		if (m < 0 && errno == EINTR)
			continue;
		if (m <= 0) {
			rapi_logx("reading a body: %s", m == 0 ?
			    "connection closed early" : strerror(errno));
			return m == 0 ? -EPROTO : -errno;
		}
		dst += m;
		n -= m;
	}
	return 0;
}

/* One CRLF-terminated line, NUL-terminated in place; valid until the next read. */
static int
conn_read_line(struct rapi_conn *c, char **line)
{
	size_t avail;
	ssize_t n;
	char *p, *e;

	for (;;) {
		avail = c->len - c->off;
		/* No buffer before the first read: NULL + 0 is undefined
		 * (UBSan, fuzz_liblambda); p is used only when avail > 0. */
		p = c->buf != NULL ? c->buf + c->off : NULL;
		e = avail ? memmem(p, avail, "\r\n", 2) : NULL;
		if (e != NULL) {
			*e = '\0';
			*line = p;
			c->off += e - p + 2;
			return 0;
		}
		if (avail > LINE_MAX_CHUNK) {
			rapi_logx("chunked body: line too long");
			return -EPROTO;
		}
		if ((n = conn_fill(c)) <= 0) {
			rapi_logx("chunked body: %s", n == 0 ?
			    "connection closed early" : strerror(-n));
			return n == 0 ? -EPROTO : (int)n;
		}
	}
}

/* ---- the head ----------------------------------------------------------- */

/*
 * Wait until buf[off..] holds a whole head (through the blank line) and give
 * its length.  Garbage is refused as soon as the first bytes show it is not
 * HTTP, instead of after RAPI_HEAD_MAX bytes of it.
 */
static int
conn_read_head(struct rapi_conn *c, size_t *hlen)
{
	size_t avail, scan = 0, cmp;
	ssize_t n;
	char *p, *e;

	for (;;) {
		avail = c->len - c->off;
		/* No buffer before the first read: NULL + 0 is undefined
		 * (UBSan, fuzz_liblambda); p is used only when avail > 0. */
		p = c->buf != NULL ? c->buf + c->off : NULL;
		cmp = avail < 7 ? avail : 7;
		if (cmp > 0 && memcmp(p, "HTTP/1.", cmp) != 0) {
			rapi_logx("the Runtime API sent something other than HTTP/1.x");
			return -EPROTO;
		}
		if (avail >= 4 && (e = memmem(p + scan, avail - scan, "\r\n\r\n", 4))) {
			*hlen = e - p + 4;
			return 0;
		}
		scan = avail > 3 ? avail - 3 : 0;
		if (avail >= RAPI_HEAD_MAX) {
			rapi_logx("reply head larger than %d bytes", RAPI_HEAD_MAX);
			return -EMSGSIZE;
		}
		n = conn_fill(c);
		if (n > 0)
			continue;
		/* Closed (or reset) before the reply began: the caller may retry. */
		if (avail == 0 && (n == 0 || n == -ECONNRESET))
			return -ECONNRESET;
		rapi_logx("reading a reply: %s", n == 0 ?
		    "connection closed mid-head" : strerror(-n));
		return n == 0 ? -EPROTO : (int)n;
	}
}

static int
is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || (ch != 0 && strchr("!#$%&'*+-.^_`|~", ch));
}

/* "HTTP/1.x NNN reason" */
static int
head_parse_status(const char *line, struct rapi_response *r)
{
	const char *s;

	if (strncmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') ||
	    line[8] != ' ' || strspn(line + 9, "0123456789") != 3 ||
	    (line[12] != ' ' && line[12] != '\0'))
		return -EPROTO;
	if (line[9] == '0') {	/* 3DIGIT, but no status is below 100 */
		rapi_logx("malformed status %.3s", line + 9);
		return -EPROTO;
	}
	for (s = line + 12; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' && *s != '\t')
			return -EPROTO;
	r->status = atoi(line + 9);
	if (line[7] == '0')
		r->close = 1;	/* HTTP/1.0: no keep-alive assumed */
	return 0;
}

static int
head_content_length(const char *v, struct framing *f)
{
	size_t n = 0;

	if (*v == '\0' || strspn(v, "0123456789") != strlen(v))
		return -EPROTO;
	for (; *v != '\0'; v++) {
		if (n > (RAPI_BODY_MAX - (*v - '0')) / 10)
			return -EFBIG;
		n = n * 10 + (*v - '0');
	}
	if (f->has_length && f->length != n)
		return -EPROTO;	/* two different lengths: smuggling or garbage */
	f->has_length = 1;
	f->length = n;
	return 0;
}

/* Does a comma-separated Connection value name the token "close"? */
static int
head_has_close(const char *v)
{
	size_t n;

	while (*v != '\0') {
		v += strspn(v, " \t,");
		n = strcspn(v, " \t,");
		if (n == 5 && strncasecmp(v, "close", 5) == 0)
			return 1;
		v += n;
	}
	return 0;
}

/* Act on one header; values[] keeps pointers into the head for the fields. */
static int
head_field(const char *name, size_t nlen, const char *v, struct rapi_response *r,
    struct framing *f, const char **values)
{
	int i;

	for (i = 0; i < F_COUNT; i++)
		if (strlen(field_names[i]) == nlen &&
		    strncasecmp(name, field_names[i], nlen) == 0) {
			values[i] = v;
			return 0;
		}
	if (nlen == 14 && strncasecmp(name, "Content-Length", 14) == 0)
		return head_content_length(v, f);
	if (nlen == 17 && strncasecmp(name, "Transfer-Encoding", 17) == 0) {
		if (strcasecmp(v, "chunked") != 0)
			return -EPROTO;	/* no gzip & co.: we never asked for them */
		f->chunked = 1;
		return 0;
	}
	if (nlen == 10 && strncasecmp(name, "Connection", 10) == 0 &&
	    head_has_close(v))
		r->close = 1;
	return 0;
}

/* "Name: value" -> the trimmed value, NUL-terminated in place. */
static int
head_parse_line(char *line, struct rapi_response *r, struct framing *f,
    const char **values)
{
	char *colon, *v, *end;
	size_t i, nlen;

	if ((colon = strchr(line, ':')) == NULL || colon == line)
		return -EPROTO;	/* also refuses obs-fold continuation lines */
	nlen = colon - line;
	for (i = 0; i < nlen; i++)
		if (!is_tchar((unsigned char)line[i]))
			return -EPROTO;
	v = colon + 1;
	v += strspn(v, " \t");
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	for (i = 0; v[i] != '\0'; i++)
		if (((unsigned char)v[i] < ' ' && v[i] != '\t') || v[i] == 0x7f)
			return -EPROTO;
	return head_field(line, nlen, v, r, f, values);
}

/* Copy the Lambda-Runtime-* values out of the receive buffer, in one block. */
static int
head_keep_fields(struct rapi_response *r, const char **values)
{
	const char **dst[F_COUNT] = { &r->request_id, &r->deadline_ms,
	    &r->function_arn, &r->trace_id, &r->client_context,
	    &r->cognito_identity };
	size_t total = 1, n;
	char *p;
	int i;

	for (i = 0; i < F_COUNT; i++)
		if (values[i] != NULL)
			total += strlen(values[i]) + 1;
	if ((p = r->fields = malloc(total)) == NULL)
		return -ENOMEM;
	for (i = 0; i < F_COUNT; i++) {
		if (values[i] == NULL)
			continue;
		n = strlen(values[i]) + 1;
		memcpy(p, values[i], n);
		*dst[i] = p;
		p += n;
	}
	return 0;
}

/* Parse the head at p (hlen bytes, ending in CRLFCRLF), modifying it in place. */
static int
head_parse(char *p, size_t hlen, struct rapi_response *r, struct framing *f)
{
	const char *values[F_COUNT] = { 0 };
	char *line, *eol, *end = p + hlen - 2;	/* at the final CRLF */
	int e = 0;

	memset(f, 0, sizeof(*f));
	if (memchr(p, '\0', hlen) != NULL) {
		rapi_logx("NUL byte in a reply head");
		return -EPROTO;
	}
	for (line = p; line < end && e == 0; line = eol + 2) {
		eol = memmem(line, end + 2 - line, "\r\n", 2);
		*eol = '\0';
		if (line == p)
			e = head_parse_status(line, r);
		else
			e = head_parse_line(line, r, f, values);
		if (e < 0)
			rapi_logx("malformed reply line \"%.80s\"", line);
	}
	if (e == 0)
		e = head_keep_fields(r, values);
	return e;
}

/* ---- the body ----------------------------------------------------------- */

static int
body_grow(struct rapi_response *r, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 256;
	char *p;

	if (need > RAPI_BODY_MAX + 1) {
		rapi_logx("reply body larger than %lu bytes", RAPI_BODY_MAX);
		return -EFBIG;
	}
	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if ((p = realloc(r->body, ncap)) == NULL)
		return -ENOMEM;
	r->body = p;
	*cap = ncap;
	return 0;
}

/* "1a2b[;ext]" -> size */
static int
chunk_size(const char *line, size_t *size)
{
	size_t n = 0;
	const char *s;
	int d;

	for (s = line; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (*s | 0x20) - 'a' + 10;
		else
			break;
		if (n > RAPI_BODY_MAX / 16)
			return -EFBIG;
		n = n * 16 + d;
	}
	s += strspn(s, " \t");
	if (s == line || (*s != '\0' && *s != ';')) {
		rapi_logx("bad chunk size line \"%.40s\"", line);
		return -EPROTO;
	}
	*size = n;
	return 0;
}

static int
body_read_chunked(struct rapi_conn *c, struct rapi_response *r)
{
	size_t cap = 0, size;
	char *line;
	int e, lines = 0;

	for (;;) {
		if ((e = conn_read_line(c, &line)) < 0 ||
		    (e = chunk_size(line, &size)) < 0)
			return e;
		if (size == 0)
			break;
		if ((e = body_grow(r, &cap, r->len + size + 1)) < 0 ||
		    (e = conn_read_exact(c, r->body + r->len, size)) < 0 ||
		    (e = conn_read_line(c, &line)) < 0)
			return e;
		r->len += size;
		if (*line != '\0') {
			rapi_logx("chunk longer than its size");
			return -EPROTO;
		}
	}
	/* Trailers: read and ignored, but bounded like a head. */
	do {
		if ((e = conn_read_line(c, &line)) < 0)
			return e;
		if (++lines > 256) {
			rapi_logx("too many trailer lines");
			return -EPROTO;
		}
	} while (*line != '\0');
	return body_grow(r, &cap, r->len + 1);
}

/* No length and not chunked: the body runs to the end of the connection. */
static int
body_read_to_eof(struct rapi_conn *c, struct rapi_response *r)
{
	size_t cap = 0, k;
	ssize_t n;
	int e;

	r->close = 1;
	k = c->len - c->off;
	if ((e = body_grow(r, &cap, k + 1)) < 0)
		return e;
	if (k > 0)
		memcpy(r->body, c->buf + c->off, k);
	c->off += k;
	r->len = k;
	for (;;) {
		if ((e = body_grow(r, &cap, r->len + 4096 + 1)) < 0)
			return e;
		n = recv(c->fd, r->body + r->len, cap - r->len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		r->len += n;
	}
}

static int
body_read(struct rapi_conn *c, struct rapi_response *r, const struct framing *f)
{
	size_t cap = 0;
	int e;

	if (f->chunked)
		e = body_read_chunked(c, r);
	else if (f->has_length) {
		if ((e = body_grow(r, &cap, f->length + 1)) == 0)
			e = conn_read_exact(c, r->body, f->length);
		r->len = f->length;
	} else if (r->status == 204 || r->status == 304)
		e = body_grow(r, &cap, 1);
	else
		e = body_read_to_eof(c, r);
	if (e == 0)
		r->body[r->len] = '\0';
	return e;
}

int
rapi_read_response(struct rapi_conn *c, struct rapi_response *r)
{
	struct framing f;
	size_t hlen = 0;
	int e;

	for (;;) {
		memset(r, 0, sizeof(*r));
		if ((e = conn_read_head(c, &hlen)) < 0)
			return e;
		e = head_parse(c->buf + c->off, hlen, r, &f);
		c->off += hlen;
		if (e == 0 && r->status >= 100 && r->status < 200) {
			rapi_response_free(r);	/* 100 Continue and the like */
			continue;
		}
		if (e == 0)
			e = body_read(c, r, &f);
		if (e < 0)
			rapi_response_free(r);
		return e;
	}
}

void
rapi_response_free(struct rapi_response *r)
{
	free(r->body);
	free(r->fields);
	memset(r, 0, sizeof(*r));
}
