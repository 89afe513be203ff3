/*
 * deploy: the files behind lambdactl deploy and rm.  See deploy.h.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "deploy.h"
#include "fs.h"

/* A drop-in deploy_put writes is a few hundred bytes; keep a sane cap. */
#define DEPLOY_DROPIN_MAX	(1024 * 1024)

/* The function keys a deploy may set, and whether they repeat. */
static const struct {
	const char	*key;
	int		 repeat;
} deploy_keys[] = {
	{ "route", 1 }, { "env", 1 }, { "memory", 0 }, { "timeout", 0 },
	{ "min_idle", 0 }, { "max_workers", 0 }, { "idle_timeout", 0 },
	{ "max_invocations", 0 }, { "max_concurrency", 0 }, { "queue_depth", 0 },
	{ "queue_timeout", 0 }, { "payload", 0 }, { "seccomp", 0 },
	{ "network", 0 }, { "auth", 0 }, { "tmp", 0 }, { "pids", 0 },
	{ "cpu", 0 },
};

#define NKEYS	(sizeof(deploy_keys) / sizeof(deploy_keys[0]))

/* dir/name through dir/.name.tmp, all or nothing (fs_replace). */
static int
deploy_write_file(const char *dir, const char *name, const void *data,
    size_t len, mode_t mode)
{
	char path[PATH_MAX], tmp[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path) || snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir,
	    name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	return fs_replace(dir, tmp, path, data, len, mode);
}

static int
deploy_mkdir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* A value goes into "key = value" on one line: nothing that would end the
 * line or start a comment there. */
static const char *
deploy_bad_value(const char *v)
{
	const char *s;

	for (s = v; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return "control characters";
		if ((*s == ';' || *s == '#') && s > v &&
		    (s[-1] == ' ' || s[-1] == '\t'))
			return "a comment (blank then ; or #)";
	}
	if (*v == ' ' || (s > v && s[-1] == ' '))
		return "leading or trailing blanks";
	return NULL;
}

/* Turn the query string into "key = value" lines after the header. */
static int
deploy_section(struct buf *out, const char *name, const char *query,
    const char *bootstrap, char *err, size_t errlen)
{
	const char *p = query, *amp, *eq, *why;
	char key[32], *val;
	int seen[NKEYS] = { 0 };
	size_t i, n;
	long k, vl;

	buf_printf(out, "; Written by lambdad for `lambdactl deploy %s`; "
	    "`lambdactl rm %s` removes it.\n[function %s]\nbootstrap = %s\n",
	    name, name, name, bootstrap);
	while (*p != '\0') {
		amp = strchr(p, '&');
		n = amp != NULL ? (size_t)(amp - p) : strlen(p);
		eq = memchr(p, '=', n);
		if (n == 0 || eq == NULL || (size_t)(eq - p) >= sizeof(key)) {
			snprintf(err, errlen, "bad query parameter \"%.*s\"",
			    (int)(n > 64 ? 64 : n), p);
			return -1;
		}
		k = buf_pct_decode(key, p, (size_t)(eq - p), BUF_PCT_PLUS |
		    BUF_PCT_STRICT);
		if ((val = malloc(n + 1)) == NULL)
			abort();
		vl = buf_pct_decode(val, eq + 1, n - (size_t)(eq + 1 - p),
		    BUF_PCT_PLUS | BUF_PCT_STRICT);
		if (k < 0 || vl < 0) {
			free(val);
			snprintf(err, errlen, "bad percent-encoding in \"%.*s\"",
			    (int)(n > 64 ? 64 : n), p);
			return -1;
		}
		key[k] = '\0';
		val[vl] = '\0';
		for (i = 0; i < NKEYS && strcmp(deploy_keys[i].key, key) != 0; i++)
			;
		why = i == NKEYS ? "not a setting a deploy can give" :
		    seen[i]++ && !deploy_keys[i].repeat ? "given twice" :
		    deploy_bad_value(val);
		if (why != NULL) {
			snprintf(err, errlen, "%s: %s", key, why);
			free(val);
			return -1;
		}
		buf_printf(out, "%s = %s\n", key, val);
		free(val);
		p = amp != NULL ? amp + 1 : p + n;
	}
	return 0;
}

/* Keep the drop-in's current content for deploy_undo. */
static int
deploy_save(struct deploy_undo *u, const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct buf b;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
	if ((u->dropin = strdup(path)) == NULL)
		abort();
	buf_init(&b);
	if ((rc = fs_read(path, &b, DEPLOY_DROPIN_MAX)) != 0) {
		buf_free(&b);
		return rc == -ENOENT ? 0 : rc;
	}
	buf_addc(&b, '\0');	/* a non-NULL buffer even when empty */
	u->saved = buf_steal(&b, &u->saved_len);
	u->saved_len--;
	return 0;
}

int
deploy_put(const char *state_dir, const char *name, const char *query,
    const char *code, size_t len, struct deploy_undo *u, char *err,
    size_t errlen)
{
	char dir[PATH_MAX], vdir[PATH_MAX], fdir[PATH_MAX], boot[PATH_MAX];
	struct buf sect;
	int rc;

	memset(u, 0, sizeof(*u));
	snprintf(fdir, sizeof(fdir), "%s/functions.d", state_dir);
	snprintf(dir, sizeof(dir), "%s/code", state_dir);
	if ((rc = deploy_mkdir(dir)) != 0 || (rc = deploy_mkdir(fdir)) != 0)
		goto fail_sys;
	if (strlen(state_dir) > PATH_MAX - 128) {
		rc = -ENAMETOOLONG;
		goto fail_sys;
	}
	snprintf(dir, sizeof(dir), "%s/code/%s", state_dir, name);
	if ((rc = deploy_mkdir(dir)) != 0)
		goto fail_sys;
	if (snprintf(vdir, sizeof(vdir), "%s/%u", dir,
	    fs_next_version(dir)) >= (int)sizeof(vdir) ||
	    snprintf(boot, sizeof(boot), "%s/bootstrap", vdir) >=
	    (int)sizeof(boot)) {
		rc = -ENAMETOOLONG;
		goto fail_sys;
	}
	buf_init(&sect);
	if (deploy_section(&sect, name, query, boot, err, errlen) != 0) {
		buf_free(&sect);
		return -1;
	}
	if ((rc = deploy_save(u, fdir, name)) != 0 ||
	    (rc = deploy_mkdir(vdir)) != 0) {
		buf_free(&sect);
		goto fail_sys;
	}
	if ((u->code_dir = strdup(vdir)) == NULL)
		abort();
	rc = deploy_write_file(vdir, "bootstrap", code, len, 0755);
	if (rc == 0) {
		snprintf(boot, sizeof(boot), "%s.conf", name);
		rc = deploy_write_file(fdir, boot, sect.data, sect.len, 0644);
	}
	buf_free(&sect);
	if (rc != 0) {
		deploy_undo(u);
		goto fail_sys;
	}
	return 0;
fail_sys:
	snprintf(err, errlen, "cannot write under %s: %s", state_dir,
	    strerror(-rc));
	return -1;
}

int
deploy_rm(const char *state_dir, const char *name, struct deploy_undo *u,
    char *err, size_t errlen)
{
	char fdir[PATH_MAX];
	int rc;

	memset(u, 0, sizeof(*u));
	snprintf(fdir, sizeof(fdir), "%s/functions.d", state_dir);
	if ((rc = deploy_save(u, fdir, name)) != 0 || u->saved == NULL) {
		deploy_done(u);
		if (rc == 0)
			return -ENOENT;
		snprintf(err, errlen, "%s/%s.conf: %s", fdir, name,
		    strerror(-rc));
		return -1;
	}
	if (unlink(u->dropin) < 0 || (rc = fs_fsync_dir(fdir)) < 0) {
		snprintf(err, errlen, "%s: %s", u->dropin, strerror(errno));
		deploy_done(u);
		return -1;
	}
	return 0;
}

void
deploy_undo(struct deploy_undo *u)
{
	char dir[PATH_MAX], *slash;

	if (u->dropin != NULL) {
		snprintf(dir, sizeof(dir), "%s", u->dropin);
		if ((slash = strrchr(dir, '/')) != NULL) {
			*slash = '\0';
			if (u->saved != NULL)
				(void)deploy_write_file(dir, slash + 1, u->saved,
				    u->saved_len, 0644);
			else
				(void)unlink(u->dropin);
			(void)fs_fsync_dir(dir);
		}
	}
	if (u->code_dir != NULL)
		fs_rm_tree(u->code_dir);
	deploy_done(u);
}

void
deploy_done(struct deploy_undo *u)
{
	free(u->dropin);
	free(u->saved);
	free(u->code_dir);
	memset(u, 0, sizeof(*u));
}

int
deploy_is_deployed(const char *state_dir, const char *bootstrap)
{
	size_t n = strlen(state_dir);

	return strncmp(bootstrap, state_dir, n) == 0 &&
	    strncmp(bootstrap + n, "/code/", 6) == 0;
}

static int
deploy_kept(const char *boot, const char *const *keep, size_t nkeep)
{
	size_t i;

	for (i = 0; i < nkeep; i++)
		if (keep[i] != NULL && strcmp(keep[i], boot) == 0)
			return 1;
	return 0;
}

/* code/NAME: remove the versions no one runs, then NAME if it is empty. */
static void
deploy_gc_fn(const char *fdir, const char *const *keep, size_t nkeep)
{
	DIR *dp = opendir(fdir);
	struct dirent *de;
	char vdir[PATH_MAX], boot[PATH_MAX + 16];

	if (dp == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(vdir, sizeof(vdir), "%s/%s", fdir, de->d_name) >=
		    (int)sizeof(vdir) || snprintf(boot, sizeof(boot),
		    "%s/bootstrap", vdir) >= (int)sizeof(boot))
			continue;
		if (!deploy_kept(boot, keep, nkeep))
			fs_rm_tree(vdir);
	}
	closedir(dp);
	(void)rmdir(fdir);	/* fails while a version is left: fine */
}

void
deploy_gc(const char *state_dir, const char *const *keep, size_t nkeep)
{
	char code[PATH_MAX], fdir[PATH_MAX + 256];
	DIR *dp;
	struct dirent *de;

	snprintf(code, sizeof(code), "%s/code", state_dir);
	if ((dp = opendir(code)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(fdir, sizeof(fdir), "%s/%s", code, de->d_name) >=
		    (int)sizeof(fdir))
			continue;
		deploy_gc_fn(fdir, keep, nkeep);
	}
	closedir(dp);
}
