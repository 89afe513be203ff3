/*
 * logring: the recent log lines of each function, kept in memory for
 * `lambdactl logs NAME [-f]` (the admin API's /functions/NAME/logs).
 *
 * Every line that log_fn writes (the function's own output, START, END,
 * REPORT, the platform's notes about its workers) is also added here, to
 * the ring of its function: at most LOGRING_LINES lines and LOGRING_BYTES
 * bytes per function, and all functions together share LOGRING_TOTAL
 * (so 100 functions get 40 KiB each), oldest dropped first.  Each line gets a sequence
 * number, increasing across all functions, so a follower asks for "what
 * came after N" and never sees a line twice or misses one that is still
 * kept.  journald (or wherever stderr goes) remains the full record.
 */
#ifndef LAMBDAD_LOGRING_H
#define LAMBDAD_LOGRING_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define LOGRING_LINES	2000
#define LOGRING_BYTES	(256 * 1024)
#define LOGRING_TOTAL	(4 * 1024 * 1024)

/* Add one line (no newline) of function fn, request id reqid (or NULL). */
void	logring_add(const char *fn, const char *reqid, const char *text,
	    size_t len);
/*
 * Append to out the lines of fn with a sequence number above after, each as
 * "TIMESTAMP [REQID ]TEXT\n", at most max_bytes (whole lines; at least one).
 * Returns the sequence number of the last line appended, or after if none.
 * *dropped gets 1 if lines after `after` were already evicted.
 */
uint64_t logring_read(const char *fn, uint64_t after, struct buf *out,
	    size_t max_bytes, int *dropped);
/* The newest sequence number of any function (0: none yet). */
uint64_t logring_seq(void);
/* Forget fn's lines (a function removed by a reload). */
void	logring_forget(const char *fn);
/* Free everything (at exit, for leak checkers). */
void	logring_free(void);

#endif
