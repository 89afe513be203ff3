/*
 * Unit tests for gateway/deploy: the files a deploy, an rm and their undo
 * leave in a fresh state directory, and what a deploy refuses.  The
 * drop-ins written are then read back with conf_load, as the daemon would.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "deploy.h"
#include "tmpdir.h"

static char sd[PATH_MAX];

static void
setup(void)
{
	tmpdir_make("test_deploy", sd);
}

static void
teardown(void)
{
	tmpdir_remove(sd);
}

static char *
slurp(const char *rel)
{
	char path[PATH_MAX * 2];
	static char buf[8192];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", sd, rel);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int
exists(const char *rel)
{
	char path[PATH_MAX * 2];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", sd, rel);
	return stat(path, &st) == 0;
}

/* A main config with state_dir = sd; loads what was deployed. */
static struct conf *
load(char *err, size_t errlen)
{
	char path[PATH_MAX + 16];
	struct conf *c = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/main.conf", sd);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "[lambdad]\nstate_dir = %s\n", sd);
	fclose(f);
	if (conf_load(path, &c, err, errlen) != 0)
		return NULL;
	return c;
}

Test(deploy, put_writes_code_and_dropin, .init = setup, .fini = teardown)
{
	struct deploy_undo u;
	struct conf *c;
	struct stat st;
	char err[512], path[PATH_MAX + 64];
	const char *d;

	cr_assert_eq(deploy_put(sd, "fn", "route=GET%20%2Fa%2F%7Bx%7D&memory=64"
	    "&env=K%3Dv+w&env=E%3D", "\x7f" "ELF", 4, &u, err, sizeof(err)), 0,
	    "%s", err);
	deploy_done(&u);
	d = slurp("functions.d/fn.conf");
	cr_assert_not_null(d);
	cr_assert(strstr(d, "[function fn]\n") != NULL, "%s", d);
	cr_assert(strstr(d, "route = GET /a/{x}\n") != NULL, "%s", d);
	cr_assert(strstr(d, "env = K=v w\nenv = E=\n") != NULL, "%s", d);
	snprintf(path, sizeof(path), "%s/code/fn/1/bootstrap", sd);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0755);
	cr_assert_eq(st.st_size, 4);
	cr_assert(deploy_is_deployed(sd, path));
	cr_assert_not(deploy_is_deployed(sd, "/usr/bin/true"));
	c = load(err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_assert_eq(c->nfns, 1);
	cr_assert_str_eq(c->fns[0].bootstrap, path);
	cr_assert_eq(c->fns[0].memory_mb, 64);
	cr_assert_eq(c->fns[0].nenv, 2);
	conf_free(c);
}

Test(deploy, versions_and_undo, .init = setup, .fini = teardown)
{
	struct deploy_undo u;
	char err[512];
	const char *d;

	cr_assert_eq(deploy_put(sd, "fn", "memory=64", "a", 1, &u, err,
	    sizeof(err)), 0);
	deploy_done(&u);
	cr_assert_eq(deploy_put(sd, "fn", "memory=96", "bb", 2, &u, err,
	    sizeof(err)), 0);
	cr_assert(exists("code/fn/2/bootstrap"));
	d = slurp("functions.d/fn.conf");
	cr_assert(strstr(d, "memory = 96") != NULL);
	deploy_undo(&u);	/* the reload refused it */
	cr_assert_not(exists("code/fn/2"), "the new code is removed");
	d = slurp("functions.d/fn.conf");
	cr_assert(strstr(d, "memory = 64") != NULL, "the old drop-in is back");
	cr_assert(exists("code/fn/1/bootstrap"));
	/* A first deploy undone leaves nothing behind. */
	cr_assert_eq(deploy_put(sd, "other", "", "c", 1, &u, err,
	    sizeof(err)), 0);
	deploy_undo(&u);
	cr_assert_not(exists("functions.d/other.conf"));
}

Test(deploy, refusals, .init = setup, .fini = teardown)
{
	static const struct {
		const char *query, *want;
	} cases[] = {
		{ "bootstrap=/bin/sh", "bootstrap: not a setting a deploy can give" },
		{ "memory=1&memory=2", "memory: given twice" },
		{ "env=A%3D1%0A%5Blambdad%5D", "env: control characters" },
		{ "env=A%3D1%20%3B%20x", "env: a comment (blank then ; or #)" },
		{ "route=%20GET%20/", "route: leading or trailing blanks" },
		{ "memory", "bad query parameter \"memory\"" },
		{ "memory=%zz", "bad percent-encoding in \"memory=%zz\"" },
	};
	struct deploy_undo u;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(deploy_put(sd, "fn", cases[i].query, "x", 1, &u,
		    err, sizeof(err)), -1, "%s accepted", cases[i].query);
		cr_assert_str_eq(err, cases[i].want);
		cr_assert_not(exists("functions.d/fn.conf"));
	}
}

Test(deploy, rm_and_gc, .init = setup, .fini = teardown)
{
	struct deploy_undo u;
	char err[512], keep[PATH_MAX + 64];
	const char *kp = keep;

	cr_assert_eq(deploy_rm(sd, "fn", &u, err, sizeof(err)), -ENOENT);
	cr_assert_eq(deploy_put(sd, "fn", "", "a", 1, &u, err, sizeof(err)), 0);
	deploy_done(&u);
	cr_assert_eq(deploy_put(sd, "fn", "", "b", 1, &u, err, sizeof(err)), 0);
	deploy_done(&u);
	cr_assert_eq(deploy_rm(sd, "fn", &u, err, sizeof(err)), 0);
	cr_assert_not(exists("functions.d/fn.conf"));
	deploy_undo(&u);
	cr_assert(exists("functions.d/fn.conf"), "rm undone");
	snprintf(keep, sizeof(keep), "%s/code/fn/2/bootstrap", sd);
	deploy_gc(sd, &kp, 1);
	cr_assert_not(exists("code/fn/1"), "unreferenced code goes");
	cr_assert(exists("code/fn/2/bootstrap"), "running code stays");
	deploy_gc(sd, NULL, 0);
	cr_assert_not(exists("code/fn"));
}
