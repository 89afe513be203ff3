/*
 * fnstore: the control plane's functions on disk.  See fnstore.h.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "buf.h"
#include "control/fnstore.h"
#include "control/ziptree.h"
#include "fs.h"

#define RECORD_MAX	(1024 * 1024)

static int
sys_fail(struct fnspec_err *e, int rc, const char *what)
{
	fnspec_fail(e, "ServiceException", "%s: %s", what, strerror(-rc));
	return rc;
}

static int
mkdir_one(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* dir/name through dir/.name.tmp (fs_replace). */
static int
write_file(const char *path, const void *data, size_t len)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 8], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return -EINVAL;
	*slash = '\0';
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, slash + 1) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	return fs_replace(dir, tmp, path, data, len, 0644);
}

/* Keep path's content (or its absence) for fnstore_undo. */
static int
save(struct fnstore_saved *s, const char *path)
{
	struct buf b;
	int rc;

	if ((s->path = strdup(path)) == NULL)
		abort();	/* as buf.c: out of memory */
	buf_init(&b);
	if ((rc = fs_read(path, &b, RECORD_MAX)) != 0) {
		buf_free(&b);
		return rc == -ENOENT ? 0 : rc;
	}
	buf_addc(&b, '\0');
	s->saved = buf_steal(&b, &s->len);
	s->len--;
	return 0;
}

static void
restore(struct fnstore_saved *s)
{
	char dir[PATH_MAX], *slash;

	if (s->path == NULL)
		return;
	if (s->saved != NULL)
		(void)write_file(s->path, s->saved, s->len);
	else if (unlink(s->path) == 0) {
		snprintf(dir, sizeof(dir), "%s", s->path);
		if ((slash = strrchr(dir, '/')) != NULL) {
			*slash = '\0';
			(void)fs_fsync_dir(dir);
		}
	}
}

static void
forget(struct fnstore_saved *s)
{
	free(s->path);
	free(s->saved);
	memset(s, 0, sizeof(*s));
}

/* The next version number under dir (1 if none). */
static unsigned
next_version(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	unsigned long v, max = 0;
	char *end;

	if (dp == NULL)
		return 1;
	while ((de = readdir(dp)) != NULL) {
		v = strtoul(de->d_name, &end, 10);
		if (*end == '\0' && end != de->d_name && v > max && v < UINT_MAX)
			max = v;
	}
	closedir(dp);
	return (unsigned)max + 1;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	(void)(flag == FTW_DP ? rmdir(path) : unlink(path));
	return 0;
}

/* Unpack zip into code/NAME/N and point rec at its bootstrap. */
static int
put_code(const char *state_dir, cJSON *rec, const void *zip, size_t len,
    size_t max, struct fnstore_undo *u, struct fnspec_err *e)
{
	const char *name = fnspec_rec_name(rec);
	char dir[PATH_MAX], vdir[PATH_MAX + 16], boot[PATH_MAX + 32];
	char why[512];
	int rc;

	snprintf(dir, sizeof(dir), "%s/code", state_dir);
	if ((rc = mkdir_one(dir)) != 0)
		return sys_fail(e, rc, dir);
	if (snprintf(dir, sizeof(dir), "%s/code/%s", state_dir, name) >=
	    (int)sizeof(dir) - 16)
		return sys_fail(e, -ENAMETOOLONG, state_dir);
	if ((rc = mkdir_one(dir)) != 0)
		return sys_fail(e, rc, dir);
	snprintf(vdir, sizeof(vdir), "%s/%u", dir, next_version(dir));
	rc = ziptree_extract(zip, len, vdir, max, why, sizeof(why));
	if (rc != 0)
		(void)rmdir(dir);	/* fails while another version is left */
	if (rc == -EINVAL)
		return fnspec_fail(e, "InvalidParameterValueException", "Could "
		    "not unzip uploaded file: %s", why);
	if (rc == -EFBIG)
		return fnspec_fail(e, "InvalidParameterValueException",
		    "Unzipped size must be smaller than %zu bytes", max);
	if (rc != 0)
		return sys_fail(e, rc, vdir);
	if ((u->code_dir = strdup(vdir)) == NULL)
		abort();
	snprintf(boot, sizeof(boot), "%s/bootstrap", vdir);
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "Bootstrap");
	cJSON_AddStringToObject(rec, "Bootstrap", boot);
	return 0;
}

int
fnstore_put(const char *state_dir, cJSON *rec, const void *zip, size_t len,
    size_t max_unzipped, struct fnstore_undo *u, struct fnspec_err *e)
{
	const char *name = fnspec_rec_name(rec);
	const cJSON *boot;
	char path[PATH_MAX];
	struct buf drop;
	char *text;
	int rc;

	memset(u, 0, sizeof(*u));
	if (strlen(state_dir) > PATH_MAX - 160)
		return sys_fail(e, -ENAMETOOLONG, state_dir);
	if (zip != NULL &&
	    (rc = put_code(state_dir, rec, zip, len, max_unzipped, u, e)) != 0)
		goto fail;
	boot = cJSON_GetObjectItemCaseSensitive(rec, "Bootstrap");
	buf_init(&drop);
	if (!cJSON_IsString(boot)) {
		rc = fnspec_fail(e, "ServiceException", "the record of %s names "
		    "no code", name);
		goto fail_buf;
	}
	if ((rc = fnspec_dropin(rec, boot->valuestring, &drop, e)) != 0)
		goto fail_buf;
	snprintf(path, sizeof(path), "%s/functions.d", state_dir);
	if ((rc = mkdir_one(path)) != 0)
		goto fail_sys;
	snprintf(path, sizeof(path), "%s/lambda", state_dir);
	if ((rc = mkdir_one(path)) != 0)
		goto fail_sys;
	snprintf(path, sizeof(path), "%s/functions.d/%s.conf", state_dir, name);
	if ((rc = save(&u->dropin, path)) != 0)
		goto fail_sys;
	snprintf(path, sizeof(path), "%s/lambda/%s.json", state_dir, name);
	if ((rc = save(&u->record, path)) != 0)
		goto fail_sys;
	if ((text = cJSON_Print(rec)) == NULL)
		abort();
	rc = write_file(path, text, strlen(text));
	free(text);
	if (rc == 0)
		rc = write_file(u->dropin.path, drop.data, drop.len);
	if (rc != 0)
		goto fail_sys;
	buf_free(&drop);
	return 0;
fail_sys:
	sys_fail(e, rc, path);
fail_buf:
	buf_free(&drop);
fail:
	fnstore_undo(u);
	return rc;
}

int
fnstore_rm(const char *state_dir, const char *name, struct fnstore_undo *u,
    struct fnspec_err *e)
{
	char path[PATH_MAX];
	int rc;

	memset(u, 0, sizeof(*u));
	snprintf(path, sizeof(path), "%s/functions.d/%s.conf", state_dir, name);
	if ((rc = save(&u->dropin, path)) != 0)
		return sys_fail(e, rc, path);
	snprintf(path, sizeof(path), "%s/lambda/%s.json", state_dir, name);
	if ((rc = save(&u->record, path)) != 0) {
		fnstore_done(u);
		return sys_fail(e, rc, path);
	}
	if ((u->dropin.saved != NULL && unlink(u->dropin.path) < 0) ||
	    (u->record.saved != NULL && unlink(u->record.path) < 0)) {
		rc = -errno;
		fnstore_undo(u);
		return sys_fail(e, rc, name);
	}
	snprintf(path, sizeof(path), "%s/functions.d", state_dir);
	(void)fs_fsync_dir(path);
	snprintf(path, sizeof(path), "%s/lambda", state_dir);
	(void)fs_fsync_dir(path);
	return 0;
}

void
fnstore_undo(struct fnstore_undo *u)
{
	/* The drop-in first: the record alone runs nothing. */
	restore(&u->dropin);
	restore(&u->record);
	if (u->code_dir != NULL)
		(void)nftw(u->code_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	fnstore_done(u);
}

void
fnstore_done(struct fnstore_undo *u)
{
	forget(&u->dropin);
	forget(&u->record);
	free(u->code_dir);
	u->code_dir = NULL;
}

static int
record_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 &&
	    strcmp(d->d_name + n - 5, ".json") == 0;
}

cJSON *
fnstore_load(const char *state_dir, struct buf *warn)
{
	cJSON *all = cJSON_CreateArray(), *rec;
	struct dirent **ents;
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct buf b;
	int i, n, rc;

	if (all == NULL)
		abort();
	snprintf(dir, sizeof(dir), "%s/lambda", state_dir);
	if ((n = scandir(dir, &ents, record_filter, alphasort)) < 0)
		return all;	/* nothing made through the API yet */
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		free(ents[i]);
		buf_init(&b);
		rc = fs_read(path, &b, RECORD_MAX);
		rec = rc == 0 ? cJSON_ParseWithLength(b.data, b.len) : NULL;
		buf_free(&b);
		if (rec == NULL || fnspec_rec_name(rec)[0] == '\0') {
			buf_printf(warn, "%s: %s\n", path, rc != 0 ?
			    strerror(-rc) : "not a function record");
			cJSON_Delete(rec);
			continue;
		}
		cJSON_AddItemToArray(all, rec);
	}
	free(ents);
	return all;
}
