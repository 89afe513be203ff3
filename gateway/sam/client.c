/*
 * sam/client: a blocking HTTP/1.1 client (client.h), enough for the
 * daemon's replies: Content-Length or read-to-close bodies, and chunked
 * ones decoded.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sam/client.h"

#define MAX_REPLY	(16 * 1024 * 1024)

/* "http://HOST:PORT[/]" into host and port. */
static int
url_split(const char *base, char *host, size_t hn, char *port, size_t pn)
{
	const char *p, *colon, *end;

	if (strncmp(base, "http://", 7) != 0)
		return -1;
	p = base + 7;
	end = p + strcspn(p, "/");
	colon = memchr(p, ':', (size_t)(end - p));
	if (colon == NULL || colon == p || (size_t)(colon - p) >= hn ||
	    (size_t)(end - colon - 1) >= pn || end == colon + 1)
		return -1;
	memcpy(host, p, (size_t)(colon - p));
	host[colon - p] = '\0';
	memcpy(port, colon + 1, (size_t)(end - colon - 1));
	port[end - colon - 1] = '\0';
	return 0;
}

static int
http_connect(const char *base, char *err, size_t errlen)
{
	struct addrinfo hints = { 0 }, *ai, *a;
	char host[256], port[16];
	int fd = -1, rc;

	if (url_split(base, host, sizeof(host), port, sizeof(port)) != 0) {
		snprintf(err, errlen, "%s: expected http://HOST:PORT", base);
		return -1;
	}
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "%s: %s", base, gai_strerror(rc));
		return -1;
	}
	for (a = ai; a != NULL; a = a->ai_next) {
		if ((fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
		    a->ai_protocol)) < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		snprintf(err, errlen, "cannot reach lambdad at %s: %s", base,
		    strerror(errno));
	freeaddrinfo(ai);
	return fd;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		if ((k = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static char *
read_all(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *b = malloc(cap + 1), *nb;
	ssize_t k;

	while (b != NULL) {
		if (n == cap) {
			if (cap >= MAX_REPLY || (nb = realloc(b, cap * 2 + 1)) == NULL) {
				free(b);
				return NULL;
			}
			b = nb;
			cap *= 2;
		}
		if ((k = read(fd, b + n, cap - n)) < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	if (b != NULL)
		b[n] = '\0';
	*len = n;
	return b;
}

/* Decode a chunked body in place. */
static void
unchunk(char *body)
{
	char *in = body, *out = body, *end;
	unsigned long n;

	while ((n = strtoul(in, &end, 16)) > 0 && (end = strstr(end, "\r\n"))) {
		in = end + 2;
		if (strlen(in) < n)
			n = strlen(in);
		memmove(out, in, n);
		out += n;
		in += n;
		if (strncmp(in, "\r\n", 2) == 0)
			in += 2;
	}
	*out = '\0';
}

int
sam_http(const char *base, const char *method, const char *path,
    const char *headers, const char *body, struct sam_reply *r, char *err,
    size_t errlen)
{
	size_t blen = body != NULL ? strlen(body) : 0, len;
	char head[4096], *all, *sep, *et;
	int fd, n;

	memset(r, 0, sizeof(*r));
	if ((fd = http_connect(base, err, errlen)) < 0)
		return SAM_HTTP_UNREACHABLE;
	if (headers == NULL)
		headers = "Content-Type: application/json\r\n";
	n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: lambdad\r\n"
	    "Content-Length: %zu\r\n%sConnection: close\r\n\r\n", method,
	    path, blen, headers);
	if (n < 0 || (size_t)n >= sizeof(head) || write_all(fd, head,
	    (size_t)n) != 0 || write_all(fd, body != NULL ? body : "", blen) != 0) {
		snprintf(err, errlen, "%s: cannot send %s %s", base, method, path);
		close(fd);
		return -1;
	}
	all = read_all(fd, &len);
	close(fd);
	if (all == NULL || (sep = strstr(all, "\r\n\r\n")) == NULL ||
	    sscanf(all, "HTTP/1.%*d %d", &r->status) != 1) {
		snprintf(err, errlen, "%s: %s %s: not an HTTP reply", base,
		    method, path);
		free(all);
		return -1;
	}
	*sep = '\0';
	if ((et = strcasestr(all, "\r\nx-amzn-errortype:")) != NULL) {
		et += strlen("\r\nx-amzn-errortype:");
		et += strspn(et, " ");
		snprintf(r->type, sizeof(r->type), "%.*s",
		    (int)strcspn(et, ":\r"), et);
	}
	if (strcasestr(all, "\r\ntransfer-encoding: chunked") != NULL)
		unchunk(sep + 4);
	r->body = strdup(sep + 4);
	free(all);
	r->json = cJSON_Parse(r->body);
	return 0;
}

void
sam_reply_clear(struct sam_reply *r)
{
	cJSON_Delete(r->json);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

const char *
sam_reply_error(const struct sam_reply *r, char *buf, size_t n)
{
	const cJSON *ty = cJSON_GetObjectItemCaseSensitive(r->json, "__type");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(r->json, "message");
	const char *t;

	if (m == NULL)
		m = cJSON_GetObjectItemCaseSensitive(r->json, "Message");
	t = cJSON_IsString(ty) ? ty->valuestring : r->type;
	if (strchr(t, '#') != NULL)
		t = strchr(t, '#') + 1;
	if (cJSON_IsString(m))
		snprintf(buf, n, "%s%s%s (HTTP %d)", t, *t ? ": " : "",
		    m->valuestring, r->status);
	else
		snprintf(buf, n, "HTTP %d: %.200s", r->status, r->body);
	return buf;
}
