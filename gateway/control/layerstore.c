/*
 * layerstore: layers on disk and the opt trees made from them.  See
 * layerstore.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "buf.h"
#include "control/layerspec.h"
#include "control/layerstore.h"
#include "control/ziptree.h"
#include "fs.h"

#define RECORD_MAX	(64 * 1024)
#define CHUNK		65536

void
layerstore_dir(const char *state_dir, const char *name, long ver, char *out,
    size_t size)
{
	snprintf(out, size, "%s/layers/%s/%ld", state_dir, name, ver);
}

void
layerstore_opt_dir(const char *state_dir, const char *key, char *out,
    size_t size)
{
	snprintf(out, size, "%s/opt/%s", state_dir, key);
}

/* dir/file through dir/.file.tmp. */
static int
put_file(const char *dir, const char *file, const char *data)
{
	char path[PATH_MAX], tmp[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >=
	    (int)sizeof(path) || snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir,
	    file) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	return fs_replace(dir, tmp, path, data, strlen(data), 0644);
}

int
layerstore_put(const char *state_dir, const char *name, long ver,
    const cJSON *rec, const void *zip, size_t len, size_t max,
    struct fnspec_err *e)
{
	char dir[PATH_MAX], vdir[PATH_MAX], num[32], file[40], why[512];
	char *text;
	int rc;

	if (strlen(state_dir) > PATH_MAX - 200)
		return fnspec_sys_fail(e, -ENAMETOOLONG, state_dir);
	snprintf(dir, sizeof(dir), "%s/layers/%s", state_dir, name);
	if ((rc = fs_mkdir_p(dir, 0755)) != 0)
		return fnspec_sys_fail(e, rc, dir);
	snprintf(num, sizeof(num), "%ld\n", ver + 1);
	if ((rc = put_file(dir, "next", num)) != 0)
		return fnspec_sys_fail(e, rc, dir);
	layerstore_dir(state_dir, name, ver, vdir, sizeof(vdir));
	fs_rm_tree(vdir);	/* a leftover of a crash, if anything */
	rc = ziptree_extract_tree(zip, len, vdir, max, why, sizeof(why));
	if (rc != 0)
		return fnspec_unzip_fail(e, rc, why, max, vdir);
	if ((text = cJSON_Print(rec)) == NULL)
		abort();	/* as buf.c: out of memory */
	snprintf(file, sizeof(file), "%ld.json", ver);
	if ((rc = put_file(dir, file, text)) != 0) {
		fs_rm_tree(vdir);
		fnspec_sys_fail(e, rc, dir);
	}
	free(text);
	return rc;
}

int
layerstore_rm(const char *state_dir, const char *name, long ver,
    struct fnspec_err *e)
{
	char dir[PATH_MAX], path[PATH_MAX + 40];

	snprintf(dir, sizeof(dir), "%s/layers/%s", state_dir, name);
	snprintf(path, sizeof(path), "%s/%ld.json", dir, ver);
	if (unlink(path) != 0 && errno != ENOENT)
		return fnspec_sys_fail(e, -errno, path);
	(void)fs_fsync_dir(dir);
	layerstore_dir(state_dir, name, ver, path, sizeof(path));
	fs_rm_tree(path);
	return 0;
}

/* ---- loading ---------------------------------------------------------- */

static int
json_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 &&
	    strcmp(d->d_name + n - 5, ".json") == 0;
}

/* A record of dir/file, or NULL with why in warn. */
static cJSON *
load_one(const char *dir, const char *file, const char *name,
    struct buf *warn)
{
	char path[PATH_MAX + 300], rn[LAYERSPEC_NAME_MAX + 1];
	struct buf b;
	cJSON *rec;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	buf_init(&b);
	rc = fs_read(path, &b, RECORD_MAX);
	rec = rc == 0 ? cJSON_ParseWithLength(b.data, b.len) : NULL;
	buf_free(&b);
	if (rec != NULL && strcmp(layerspec_rec_name(rec, rn, sizeof(rn)),
	    name) == 0 && layerspec_rec_version(rec) == atol(file) &&
	    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rec,
	    "LayerVersionArn")))
		return rec;
	buf_printf(warn, "%s: %s\n", path, rc != 0 ? strerror(-rc) :
	    "not a layer version record");
	cJSON_Delete(rec);
	return NULL;
}

/* The versions of one layer into all; its next number into next. */
static void
load_layer(const char *dir, const char *name, cJSON *all, cJSON *next,
    struct buf *warn)
{
	char path[PATH_MAX + 16];
	struct dirent **ents;
	long n = 1, v;
	struct buf b;
	cJSON *rec;
	int i, k;

	snprintf(path, sizeof(path), "%s/next", dir);
	buf_init(&b);
	if (fs_read(path, &b, 64) == 0) {
		buf_addc(&b, '\0');
		n = atol(b.data) > 0 ? atol(b.data) : 1;
	}
	buf_free(&b);
	if ((k = scandir(dir, &ents, json_filter, alphasort)) < 0)
		k = 0;
	for (i = 0; i < k; i++) {
		if ((rec = load_one(dir, ents[i]->d_name, name, warn)) != NULL) {
			v = layerspec_rec_version(rec);
			n = v >= n ? v + 1 : n;
			cJSON_AddItemToArray(all, rec);
		}
		free(ents[i]);
	}
	if (k > 0)
		free(ents);
	cJSON_AddNumberToObject(next, name, (double)n);
}

cJSON *
layerstore_load(const char *state_dir, cJSON **next, struct buf *warn)
{
	char dir[PATH_MAX], sub[PATH_MAX], name[LAYERSPEC_NAME_MAX + 1];
	cJSON *all = cJSON_CreateArray();
	struct dirent *de;
	DIR *dp;

	if (all == NULL || (*next = cJSON_CreateObject()) == NULL)
		abort();
	snprintf(dir, sizeof(dir), "%s/layers", state_dir);
	if ((dp = opendir(dir)) == NULL)
		return all;	/* no layer published yet */
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.' || layerspec_name(de->d_name, name) != 0)
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) <
		    (int)sizeof(sub))
			load_layer(sub, name, all, *next, warn);
	}
	closedir(dp);
	return all;
}

/* ---- opt trees ------------------------------------------------------------ */

static int
copy_file(const char *src, const char *dst, mode_t mode)
{
	char *chunk = malloc(CHUNK);
	int in, out, rc = 0;
	ssize_t n;

	if (chunk == NULL)
		return -ENOMEM;
	if ((in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		free(chunk);
		return -errno;
	}
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode & 0755)) < 0)
		rc = -errno;
	while (rc == 0 && (n = read(in, chunk, CHUNK)) != 0)
		if (n < 0 || write(out, chunk, (size_t)n) != n)
			rc = -errno;
	if (out >= 0 && rc == 0 && fchmod(out, mode & 0755) != 0)
		rc = -errno;
	if (out >= 0)
		close(out);
	close(in);
	free(chunk);
	return rc;
}

/* src/NAME onto dst/NAME, whatever dst/NAME was (st: src's). */
static int	merge_tree(const char *src, const char *dst);

static int
merge_entry(const char *s, const char *t, const struct stat *st)
{
	char target[PATH_MAX];
	struct stat tt;
	bool have = lstat(t, &tt) == 0;
	ssize_t n;

	if (have && !(S_ISDIR(st->st_mode) && S_ISDIR(tt.st_mode))) {
		fs_rm_tree(t);	/* a later layer's file or link wins */
		have = false;
	}
	if (S_ISDIR(st->st_mode)) {
		if (!have && mkdir(t, 0755) != 0)
			return -errno;
		return merge_tree(s, t);
	}
	if (S_ISLNK(st->st_mode)) {
		if ((n = readlink(s, target, sizeof(target) - 1)) < 0)
			return -errno;
		target[n] = '\0';
		return symlink(target, t) == 0 ? 0 : -errno;
	}
	if (!S_ISREG(st->st_mode))
		return 0;	/* ziptree makes none */
	if (link(s, t) == 0)
		return 0;
	return copy_file(s, t, st->st_mode);
}

static int
merge_tree(const char *src, const char *dst)
{
	char s[PATH_MAX], t[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *dp;
	int rc = 0;

	if ((dp = opendir(src)) == NULL)
		return -errno;
	while (rc == 0 && (de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(s, sizeof(s), "%s/%s", src, de->d_name) >=
		    (int)sizeof(s) || snprintf(t, sizeof(t), "%s/%s", dst,
		    de->d_name) >= (int)sizeof(t))
			rc = -ENAMETOOLONG;
		else if (lstat(s, &st) != 0)
			rc = -errno;
		else
			rc = merge_entry(s, t, &st);
	}
	closedir(dp);
	return rc;
}

int
layerstore_opt(const char *dir, const cJSON *srcs, struct fnspec_err *e)
{
	char tmp[PATH_MAX], parent[PATH_MAX], *slash;
	const cJSON *s;
	struct stat st;
	int rc = 0;

	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;	/* made for another function, or before */
	snprintf(parent, sizeof(parent), "%s", dir);
	if ((slash = strrchr(parent, '/')) == NULL)
		return fnspec_sys_fail(e, -EINVAL, dir);
	*slash = '\0';
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", dir) >= (int)sizeof(tmp))
		return fnspec_sys_fail(e, -ENAMETOOLONG, dir);
	fs_rm_tree(tmp);
	if ((rc = fs_mkdir_p(parent, 0755)) != 0 || (mkdir(tmp, 0755) != 0 &&
	    (rc = -errno) != 0))
		return fnspec_sys_fail(e, rc, tmp);
	cJSON_ArrayForEach(s, srcs)
		if (cJSON_IsString(s) && (rc = merge_tree(s->valuestring,
		    tmp)) != 0)
			break;
	if (rc == 0 && rename(tmp, dir) != 0)
		rc = -errno;
	if (rc != 0) {
		fs_rm_tree(tmp);
		return fnspec_sys_fail(e, rc, dir);
	}
	(void)fs_fsync_dir(parent);
	return 0;
}

void
layerstore_gc_opt(const char *state_dir, const char *const *keep,
    size_t nkeep)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	struct dirent *de;
	size_t i;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/opt", state_dir);
	if ((dp = opendir(dir)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		for (i = 0; i < nkeep; i++)
			if (keep[i] != NULL && strcmp(keep[i], path) == 0)
				break;
		if (i == nkeep)
			fs_rm_tree(path);
	}
	closedir(dp);
}
