/*
 * log: the daemon's log, on stderr.
 *
 * Under systemd (JOURNAL_STREAM set, or -j) every line starts with a <N>
 * syslog priority so journald keeps the level; otherwise with a UTC
 * timestamp.  log_warn appends strerror(errno); log_warnx does not.
 * Function output and the START/END/REPORT lines go through log_fn so each
 * line names the function and request id it belongs to.
 */
#ifndef LAMBDAD_LOG_H
#define LAMBDAD_LOG_H

#include <stddef.h>

enum log_level { LOG_LVL_ERR = 3, LOG_LVL_WARN = 4, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

void	log_init(int verbose, int journal);
void	log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Gather info/debug/function lines until log_flush (the loop calls it once
 * per iteration); off = write each line at once.  Off by default. */
void	log_set_buffered(int on);
void	log_flush(void);
/* One line of a function's log: "[fn] reqid line" (reqid may be NULL). */
void	log_fn(const char *fn, const char *reqid, const char *line, size_t len);
/* The same for a line that names its request itself (START, END, REPORT):
 * reqid only goes into the journal's LAMBDA_REQUEST_ID field. */
void	log_fn_id(const char *fn, const char *reqid, const char *line,
	    size_t len);

/* One access-log line (apigw/accesslog.h, access_log = journal): a
 * journal entry with LAMBDA_ACCESS_LOG=1 under journald, else an info
 * line "access: LINE". */
void	log_access(const char *line, size_t len);

#endif
