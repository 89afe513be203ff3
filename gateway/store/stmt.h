/*
 * stmt: prepared statements kept per store thread (stmt.c).  A job
 * prepares with store_stmt and gives the statement back with
 * store_stmt_done (never sqlite3_finalize): on its thread's own connection
 * the statement is kept for the next job, on any other connection it is
 * finalized.  The store's threads attach their connection at start and
 * detach before closing it.
 *
 * store_memo: one value a thread's jobs keep with its connection (the
 * Tables engine's parsed table definitions), released with its free
 * function at detach or when replaced.  NULL, and store_memo_set refuses
 * (-1), on a connection that is not the thread's own.
 */
#ifndef LAMBDAD_STORE_STMT_H
#define LAMBDAD_STORE_STMT_H

#include <sqlite3.h>

int	store_stmt(sqlite3 *db, const char *sql, sqlite3_stmt **st);
void	store_stmt_done(sqlite3_stmt *st);
void	store_stmt_attach(sqlite3 *db);
void	store_stmt_detach(void);
void	*store_memo(sqlite3 *db);
int	store_memo_set(sqlite3 *db, void *v, void (*fr)(void *));

#endif
