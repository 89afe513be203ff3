/*
 * fnstore: the control plane's functions on disk.  See fnstore.h.
 */
#include <dirent.h>
#include <errno.h>
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

/* Keep path's content (or its absence) for fnstore_undo, before a change. */
static int
save(struct fnstore_undo *u, const char *path)
{
	struct fnstore_saved *f;
	struct buf b;
	int rc;

	if ((f = reallocarray(u->files, u->nfiles + 1, sizeof(*f))) == NULL)
		abort();	/* as buf.c: out of memory */
	u->files = f;
	f = &u->files[u->nfiles];
	memset(f, 0, sizeof(*f));
	if ((f->path = strdup(path)) == NULL)
		abort();
	buf_init(&b);
	if ((rc = fs_read(path, &b, RECORD_MAX)) != 0) {
		buf_free(&b);
		if (rc != -ENOENT) {
			free(f->path);
			return rc;
		}
		u->nfiles++;
		return 0;
	}
	buf_addc(&b, '\0');
	f->saved = buf_steal(&b, &f->len);
	f->len--;
	u->nfiles++;
	return 0;
}

static void
restore(struct fnstore_saved *s)
{
	char dir[PATH_MAX], *slash;

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

int
fnstore_code(const char *state_dir, cJSON *rec, const void *zip, size_t len,
    size_t max, struct fnstore_undo *u, struct fnspec_err *e)
{
	const char *name = fnspec_rec_name(rec);
	char dir[PATH_MAX], vdir[PATH_MAX + 16], boot[PATH_MAX + 32];
	char why[512];
	int rc;

	if (strlen(state_dir) > PATH_MAX - 160)
		return fnspec_sys_fail(e, -ENAMETOOLONG, state_dir);
	snprintf(dir, sizeof(dir), "%s/code", state_dir);
	if ((rc = mkdir_one(dir)) != 0)
		return fnspec_sys_fail(e, rc, dir);
	snprintf(dir, sizeof(dir), "%s/code/%s", state_dir, name);
	if ((rc = mkdir_one(dir)) != 0)
		return fnspec_sys_fail(e, rc, dir);
	snprintf(vdir, sizeof(vdir), "%s/%u", dir, fs_next_version(dir));
	/* With layers, the bootstrap may be theirs (change.c checks). */
	rc = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rec, "Opt")) ?
	    ziptree_extract_tree(zip, len, vdir, max, why, sizeof(why)) :
	    ziptree_extract(zip, len, vdir, max, why, sizeof(why));
	if (rc != 0) {
		(void)rmdir(dir);	/* fails while another version is left */
		return fnspec_unzip_fail(e, rc, why, max, vdir);
	}
	if ((u->code_dir = strdup(vdir)) == NULL)
		abort();
	snprintf(boot, sizeof(boot), "%s/bootstrap", vdir);
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "Bootstrap");
	cJSON_AddStringToObject(rec, "Bootstrap", boot);
	return 0;
}

/* The section a version record runs as: NAME, or NAME:N. */
static void
section_of(const cJSON *ver, char *out, size_t size)
{
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(ver, "Configuration");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, "Version");

	if (cJSON_IsString(v) && strcmp(v->valuestring, "$LATEST") != 0)
		snprintf(out, size, "%s:%s", fnspec_rec_name(ver), v->valuestring);
	else
		snprintf(out, size, "%s", fnspec_rec_name(ver));
}

/* Save path, then write data over it. */
static int
save_write(struct fnstore_undo *u, const char *path, const void *data,
    size_t len, struct fnspec_err *e)
{
	int rc;

	if ((rc = save(u, path)) != 0 || (rc = write_file(path, data, len)) != 0)
		return fnspec_sys_fail(e, rc, path);
	return 0;
}

/* Whether the file at path starts with "#!": a script, as the custom
 * runtimes of AWS's tutorials are. */
static bool
is_script(const char *path)
{
	char head[2];
	FILE *f = fopen(path, "rb");
	bool yes;

	if (f == NULL)
		return false;
	yes = fread(head, 1, 2, f) == 2 && head[0] == '#' && head[1] == '!';
	fclose(f);
	return yes;
}

int
fnstore_dropin(const char *state_dir, const cJSON *ver, struct fnstore_undo *u,
    struct fnspec_err *e)
{
	const cJSON *boot = cJSON_GetObjectItemCaseSensitive(ver, "Bootstrap");
	char path[PATH_MAX], sect[96];
	struct buf drop;
	int rc;

	if (!cJSON_IsString(boot))
		return fnspec_fail(e, "ServiceException", "the record of %s "
		    "names no code", fnspec_rec_name(ver));
	section_of(ver, sect, sizeof(sect));
	buf_init(&drop);
	if ((rc = fnspec_dropin(ver, sect, boot->valuestring, &drop, e)) != 0) {
		buf_free(&drop);
		return rc;
	}
	/* A script bootstrap forks what it runs (curl, in a shell runtime):
	 * the exec filter, as layers already get (fnspec_dropin). */
	if (cJSON_GetObjectItemCaseSensitive(ver, "Opt") == NULL &&
	    is_script(boot->valuestring))
		buf_printf(&drop, "seccomp = exec\n");
	snprintf(path, sizeof(path), "%s/functions.d", state_dir);
	if ((rc = mkdir_one(path)) != 0) {
		buf_free(&drop);
		return fnspec_sys_fail(e, rc, path);
	}
	snprintf(path, sizeof(path), "%s/functions.d/%s.conf", state_dir, sect);
	rc = save_write(u, path, drop.data, drop.len, e);
	buf_free(&drop);
	return rc;
}

int
fnstore_record(const char *state_dir, const cJSON *rec, struct fnstore_undo *u,
    struct fnspec_err *e)
{
	char path[PATH_MAX], *text;
	int rc;

	snprintf(path, sizeof(path), "%s/lambda", state_dir);
	if ((rc = mkdir_one(path)) != 0)
		return fnspec_sys_fail(e, rc, path);
	snprintf(path, sizeof(path), "%s/lambda/%s.json", state_dir,
	    fnspec_rec_name(rec));
	if ((text = cJSON_Print(rec)) == NULL)
		abort();
	rc = save_write(u, path, text, strlen(text), e);
	free(text);
	return rc;
}

static int
save_unlink(struct fnstore_undo *u, const char *path, struct fnspec_err *e)
{
	char dir[PATH_MAX], *slash;
	int rc;

	if ((rc = save(u, path)) != 0)
		return fnspec_sys_fail(e, rc, path);
	if (unlink(path) < 0 && errno != ENOENT)
		return fnspec_sys_fail(e, -errno, path);
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		(void)fs_fsync_dir(dir);
	}
	return 0;
}

int
fnstore_rm_dropin(const char *state_dir, const char *section,
    struct fnstore_undo *u, struct fnspec_err *e)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/functions.d/%s.conf", state_dir,
	    section);
	return save_unlink(u, path, e);
}

int
fnstore_rm(const char *state_dir, const cJSON *rec, struct fnstore_undo *u,
    struct fnspec_err *e)
{
	const cJSON *v;
	char path[PATH_MAX], sect[96];
	int rc;

	memset(u, 0, sizeof(*u));
	/* The drop-ins first: a record alone runs nothing. */
	if ((rc = fnstore_rm_dropin(state_dir, fnspec_rec_name(rec), u, e)) != 0)
		goto fail;
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(rec, "Versions")) {
		section_of(v, sect, sizeof(sect));
		if ((rc = fnstore_rm_dropin(state_dir, sect, u, e)) != 0)
			goto fail;
	}
	snprintf(path, sizeof(path), "%s/lambda/%s.json", state_dir,
	    fnspec_rec_name(rec));
	if ((rc = save_unlink(u, path, e)) != 0)
		goto fail;
	return 0;
fail:
	fnstore_undo(u);
	return rc;
}

int
fnstore_put(const char *state_dir, cJSON *rec, const void *zip, size_t len,
    size_t max_unzipped, struct fnstore_undo *u, struct fnspec_err *e)
{
	int rc;

	memset(u, 0, sizeof(*u));
	if ((zip != NULL && (rc = fnstore_code(state_dir, rec, zip, len,
	    max_unzipped, u, e)) != 0) ||
	    (rc = fnstore_dropin(state_dir, rec, u, e)) != 0 ||
	    (rc = fnstore_record(state_dir, rec, u, e)) != 0) {
		fnstore_undo(u);
		return rc;
	}
	return 0;
}

void
fnstore_undo(struct fnstore_undo *u)
{
	size_t i;

	for (i = u->nfiles; i > 0; i--)
		restore(&u->files[i - 1]);
	if (u->code_dir != NULL)
		fs_rm_tree(u->code_dir);
	fnstore_done(u);
}

void
fnstore_done(struct fnstore_undo *u)
{
	size_t i;

	for (i = 0; i < u->nfiles; i++) {
		free(u->files[i].path);
		free(u->files[i].saved);
	}
	free(u->files);
	free(u->code_dir);
	memset(u, 0, sizeof(*u));
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
