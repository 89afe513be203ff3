/*
 * fuzz_sigv4: libFuzzer driver for gateway/sigv4.c, the parser of the
 * Authorization header and the canonicaliser of paths and queries, which
 * see every byte an unauthenticated client sends.
 *
 * Input: "METHOD target" on the first line, "Name: value" header lines up
 * to an empty line, then the body.  The request is verified against AWS's
 * published example key (AKIDEXAMPLE) at the test suite's date, for
 * service "service", so the checked-in seeds (AWS test-suite vectors) reach
 * SIGV4_OK and mutations start from valid signatures.
 *
 * Invariants: the status is one of the enum's; the reason is a string; a
 * failure has an x-amzn-ErrorType; verifying twice gives the same answer;
 * a request that verifies stops verifying when one body byte changes or a
 * day passes; the canonical query of any query is strictly encoded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http.h"
#include "sigv4.h"

#define MAX_HDRS	32
#define NOW		1440938160	/* 2015-08-30T12:36:00Z */

static char key[] = "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
static char *keys[] = { key };

/* Split data into a request; 0, or -1 if it is not one. */
static int
parse(char *s, size_t n, struct http_request *req, struct http_header *h)
{
	char *end = s + n, *nl, *sp, *colon, *q;

	if ((nl = memchr(s, '\n', n)) == NULL ||
	    (sp = memchr(s, ' ', (size_t)(nl - s))) == NULL)
		return -1;
	*sp = *nl = '\0';
	req->method = s;
	req->target = req->path = sp + 1;
	req->target_len = (size_t)(nl - sp - 1);
	if ((q = memchr(req->path, '?', req->target_len)) != NULL) {
		*q = '\0';
		req->query = q + 1;
		req->query_len = (size_t)(nl - q - 1);
	} else
		req->query = "";
	req->path_len = strlen(req->path);
	for (s = nl + 1; s < end && *s != '\n'; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL ||
		    req->nheaders == MAX_HDRS ||
		    (colon = memchr(s, ':', (size_t)(nl - s))) == NULL)
			return -1;
		*colon = *nl = '\0';
		h[req->nheaders].name = s;
		h[req->nheaders].name_len = (size_t)(colon - s);
		for (colon++; *colon == ' '; colon++)
			;
		h[req->nheaders].value = colon;
		h[req->nheaders].value_len = strlen(colon);
		req->nheaders++;
	}
	req->headers = h;
	req->body = s < end ? s + 1 : "";
	req->body_len = s < end ? (size_t)(end - s - 1) : 0;
	return 0;
}

static void
check_query(const struct http_request *req)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	if (sigv4_canonical_query(req->query, req->query_len, &b) == 0)
		for (i = 0; i < b.len; i++) {
			char c = b.data[i];

			if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || strchr("-._~%=&", c)))
				abort();
		}
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_header h[MAX_HDRS];
	struct http_request req;
	char *s, why[256];
	enum sigv4_status st, st2;

	if (size > 65536 || (s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&req, 0, sizeof(req));
	if (parse(s, size, &req, h) != 0) {
		free(s);
		return 0;
	}
	why[0] = '\0';
	st = sigv4_verify(&req, keys, 1, "service", NOW, why, sizeof(why));
	if (st > SIGV4_MISMATCH || memchr(why, '\0', sizeof(why)) == NULL ||
	    (st != SIGV4_OK && sigv4_error_type(st) == NULL))
		abort();
	st2 = sigv4_verify(&req, keys, 1, "service", NOW, why, sizeof(why));
	if (st2 != st)
		abort();
	if (st == SIGV4_OK) {
		if (sigv4_verify(&req, keys, 1, "service", NOW + 86400, why,
		    sizeof(why)) == SIGV4_OK)
			abort();	/* a day later the date is stale */
		if (req.body_len > 0) {
			((char *)req.body)[0] ^= 1;
			if (sigv4_verify(&req, keys, 1, "service", NOW, why,
			    sizeof(why)) == SIGV4_OK)
				abort();	/* the body is signed */
		}
	}
	check_query(&req);
	free(s);
	return 0;
}
