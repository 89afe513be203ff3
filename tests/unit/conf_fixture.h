/*
 * conf_fixture: a real configuration in the test's temporary directory,
 * for the unit tests of stages configured by it.  The main file is
 * [lambdad] (functions = fd, state_dir = st) plus the test's lines, the
 * functions one file fd/f.conf.  The test makes tmpdir (tmpdir_make) in
 * its setup.  A test whose every config needs more in [lambdad] defines
 * CONF_FIXTURE_MAIN before including this.
 */
#ifndef LAMBDAD_TEST_CONF_FIXTURE_H
#define LAMBDAD_TEST_CONF_FIXTURE_H

#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "tmpdir.h"

#ifndef CONF_FIXTURE_MAIN
#define CONF_FIXTURE_MAIN	"[lambdad]\nfunctions = fd\nstate_dir = st\n"
#endif

static char tmpdir[PATH_MAX];

/* Write text to tmpdir/rel. */
static inline void
conf_put(const char *rel, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

/* Load a main file of [lambdad] + extra, and function files fns. */
static inline int
load(const char *extra, const char *fns, struct conf **c, char *err,
    size_t errlen)
{
	char main[4096], path[PATH_MAX + 32], fd[PATH_MAX + 32];

	snprintf(fd, sizeof(fd), "%s/fd", tmpdir);
	mkdir(fd, 0755);
	snprintf(main, sizeof(main), CONF_FIXTURE_MAIN "%s", extra);
	conf_put("lambdad.conf", main);
	conf_put("fd/f.conf", fns);
	snprintf(path, sizeof(path), "%s/lambdad.conf", tmpdir);
	return conf_load(path, c, err, errlen);
}

static inline struct conf *
load_ok(const char *extra, const char *fns)
{
	struct conf *c = NULL;
	char err[1024];

	if (load(extra, fns, &c, err, sizeof(err)) != 0)
		cr_assert_fail("load: %s", err);
	return c;
}

/* The error of a config that must not load, the temp dir cut from each
 * path in it. */
static inline const char *
load_err(const char *extra, const char *fns)
{
	static char err[1024];
	struct conf *c = NULL;
	size_t n = strlen(tmpdir);
	char *at;

	cr_assert_neq(load(extra, fns, &c, err, sizeof(err)), 0);
	while ((at = strstr(err, tmpdir)) != NULL)
		memmove(at, at + n + 1, strlen(at + n + 1) + 1);
	return err;
}

#endif
