/*
 * sam/client: the deployer's HTTP/1.1 client for the daemon's Lambda API
 * (the invoke_api listener) and its DynamoDB door: one blocking request
 * per connection (Connection: close), JSON in and out, no signature --
 * the daemon takes unsigned requests from loopback when it has no
 * access keys, and that is the only case lambdactl deploy-template knows.
 */
#ifndef SAM_CLIENT_H
#define SAM_CLIENT_H

#include <stddef.h>

#include <cJSON.h>

struct sam_reply {
	int	 status;	/* HTTP status */
	cJSON	*json;		/* the body, parsed; NULL when not JSON */
	char	*body;		/* the raw body, NUL-terminated */
	char	 type[128];	/* X-Amzn-ErrorType, or "" */
};

/*
 * METHOD base+path with body (may be NULL) and headers (each
 * "Name: value\r\n"; NULL for Content-Type: application/json).  0;
 * SAM_HTTP_UNREACHABLE when nothing listens there; -1 when the reply is
 * not HTTP.  Each failure leaves a message in err.
 */
#define SAM_HTTP_UNREACHABLE	(-3)
int	sam_http(const char *base, const char *method, const char *path,
	    const char *headers, const char *body, struct sam_reply *r,
	    char *err, size_t errlen);
void	sam_reply_clear(struct sam_reply *r);

/* The error of a Lambda or DynamoDB reply: "Type: message". */
const char *sam_reply_error(const struct sam_reply *r, char *buf, size_t n);

#endif
