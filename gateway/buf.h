/*
 * buf: a growable byte buffer, and the few JSON-writing helpers the gateway
 * needs to build events and error bodies directly (writing JSON by hand is
 * several times cheaper than building a cJSON tree and printing it, and the
 * event is built once per invocation).
 *
 * Allocation failure aborts: a daemon that cannot get a few KiB cannot
 * answer anyone, and checking every append would hide the logic.
 */
#ifndef LAMBDAD_BUF_H
#define LAMBDAD_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char	*data;		/* NUL-terminated whenever len > 0 or cap > 0 */
	size_t	 len;
	size_t	 cap;
};

void	buf_init(struct buf *b);
void	buf_free(struct buf *b);		/* and re-init */
void	buf_reset(struct buf *b);		/* len = 0, keeps memory */
void	buf_reserve(struct buf *b, size_t extra);
/* Same length and bytes (an empty buffer may have no memory yet). */
bool	buf_eq(const struct buf *a, const struct buf *b);
void	buf_add(struct buf *b, const void *p, size_t n);
void	buf_adds(struct buf *b, const char *s);
void	buf_addc(struct buf *b, char c);
void	buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Take the data (caller frees); b is re-initialised. */
char	*buf_steal(struct buf *b, size_t *len);

/* Append s as a JSON string literal, quotes included; bytes >= 0x80 pass
 * through (the caller's input is taken as UTF-8). */
void	buf_json_str(struct buf *b, const char *s, size_t n);
/* Append the base64 encoding of p. */
void	buf_base64(struct buf *b, const void *p, size_t n);
/* Decode base64 (standard alphabet, padding optional, whitespace not
 * allowed) and append.  0 or -EINVAL. */
int	buf_unbase64(struct buf *b, const char *s, size_t n);

/*
 * Percent-decode n bytes of s into dst (room for n bytes; no NUL added).
 * BUF_PCT_PLUS reads '+' as a space (query strings).  Without
 * BUF_PCT_STRICT a malformed escape is copied as is; with it, a malformed
 * escape or %00 is -EINVAL.  Returns the decoded length or -EINVAL.
 */
#define BUF_PCT_PLUS	1
#define BUF_PCT_STRICT	2
long	buf_pct_decode(char *dst, const char *s, size_t n, int flags);

#endif
