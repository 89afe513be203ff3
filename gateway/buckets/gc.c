/*
 * gc: the sweep of files no row references, once at start-up, on a store
 * reader (off the loop).  A crash between a data file's rename into
 * place and the commit that names it leaves an orphan under data/; a
 * compressed copy (site/ETAG.br, .gz) whose object went while the
 * daemon was down, or before the removal after deletes (meta.c) existed,
 * is stale.  Both are removed.
 *
 * Only files whose ctime is older than a mark taken before the listener
 * opened (less a second, for the kernel's coarse clock) are candidates:
 * anything a request writes, renames or links after the start has a
 * newer ctime (link and rename change it), so a write in progress is
 * never touched.  What the snapshot references is read first, into two
 * sorted lists (every object's and part's file, every object's ETag).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store/stmt.h"
#include "store/store.h"

#include "bucket_int.h"

struct gc_list {
	char	**v;
	size_t	 n, cap;
};

struct gc {
	char		*dir;
	struct timespec	 mark;
	struct gc_list	 files, etags;
	unsigned	 ndata, nsite;
	int		 err;		/* SQLite's or -errno */
};

static int
list_add(struct gc_list *l, const unsigned char *s)
{
	char **nv;

	if (s == NULL)
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		if ((nv = realloc(l->v, l->cap * sizeof(*nv))) == NULL)
			return -ENOMEM;
		l->v = nv;
	}
	if ((l->v[l->n] = strdup((const char *)s)) == NULL)
		return -ENOMEM;
	l->n++;
	return 0;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
list_has(const struct gc_list *l, const char *s)
{
	return l->n > 0 &&
	    bsearch(&s, l->v, l->n, sizeof(*l->v), str_cmp) != NULL;
}

static void
list_free(struct gc_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* Every value of sql's first column into l, sorted. */
static int
gc_load(sqlite3 *db, const char *sql, struct gc_list *l)
{
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(db, sql, &st) != SQLITE_OK) {
		store_stmt_done(st);
		return -EIO;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (list_add(l, sqlite3_column_text(st, 0)) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	store_stmt_done(st);
	if (rc != SQLITE_DONE)
		return -EIO;
	if (l->n > 0)		/* none: v is NULL, which qsort may not get */
		qsort(l->v, l->n, sizeof(*l->v), str_cmp);
	return 0;
}

/* A regular file there before the mark. */
static bool
gc_old(int dfd, const char *name, const struct timespec *mark)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(st.st_mode))
		return false;
	return st.st_ctim.tv_sec < mark->tv_sec ||
	    (st.st_ctim.tv_sec == mark->tv_sec &&
	    st.st_ctim.tv_nsec < mark->tv_nsec);
}

/* data/XX/ID: each old file no row names. */
static void
gc_data_sub(struct gc *g, const char *sub)
{
	char path[4200], rel[300];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/data/%s", g->dir, sub);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "data/%s/%s", sub, de->d_name);
		if (!list_has(&g->files, rel) &&
		    gc_old(dirfd(d), de->d_name, &g->mark) &&
		    unlinkat(dirfd(d), de->d_name, 0) == 0)
			g->ndata++;
	}
	closedir(d);
}

static void
gc_data(struct gc *g)
{
	char path[4200];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/data", g->dir);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && strlen(de->d_name) == 2)
			gc_data_sub(g, de->d_name);
	closedir(d);
}

/* site/ETAG.br and .gz: each old one whose ETag no object has. */
static void
gc_site(struct gc *g)
{
	char path[4200], etag[256];
	struct dirent *de;
	size_t n;
	DIR *d;

	snprintf(path, sizeof(path), "%s/site", g->dir);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (de->d_name[0] == '.' || n < 4 || n - 3 >= sizeof(etag) ||
		    (strcmp(de->d_name + n - 3, ".br") != 0 &&
		    strcmp(de->d_name + n - 3, ".gz") != 0))
			continue;
		memcpy(etag, de->d_name, n - 3);
		etag[n - 3] = '\0';
		if (!list_has(&g->etags, etag) &&
		    gc_old(dirfd(d), de->d_name, &g->mark) &&
		    unlinkat(dirfd(d), de->d_name, 0) == 0)
			g->nsite++;
	}
	closedir(d);
}

/* On a store reader: the snapshot's references, then the sweep. */
static int
gc_run(sqlite3 *db, void *arg)
{
	struct gc *g = arg;

	if ((g->err = gc_load(db, "SELECT file FROM objects UNION "
	    "SELECT file FROM parts", &g->files)) != 0 ||
	    (g->err = gc_load(db, "SELECT DISTINCT etag FROM objects",
	    &g->etags)) != 0)
		return g->err;
	gc_data(g);
	gc_site(g);
	return 0;
}

static void
gc_done(void *arg, int rc)
{
	struct gc *g = arg;

	if (rc != 0)
		log_warnx("buckets: the orphan sweep of %s could not read the "
		    "metadata; nothing removed", g->dir);
	else
		log_info("buckets: orphan sweep: %u data files and %u site "
		    "copies no object references removed", g->ndata,
		    g->nsite);
	list_free(&g->files);
	list_free(&g->etags);
	free(g->dir);
	free(g);
}

void
s3_gc_start(struct buckets *b)
{
	struct gc *g;

	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->dir = strdup(b->dir)) == NULL) {
		free(g);
		return;
	}
	(void)clock_gettime(CLOCK_REALTIME, &g->mark);
	g->mark.tv_sec -= 1;
	if (store_read(b->store, gc_run, gc_done, g) != 0) {
		free(g->dir);
		free(g);
	}
}
