/*
 * tmpdir: a fresh temporary directory per test, removed with all it holds
 * afterwards.  For the unit tests that work on real files.
 */
#ifndef LAMBDAD_TEST_TMPDIR_H
#define LAMBDAD_TEST_TMPDIR_H

#include <criterion/criterion.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static int
tmpdir_rm_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Make /tmp/NAME.XXXXXX; out gets its canonical path (conf makes paths so). */
static inline void
tmpdir_make(const char *name, char out[PATH_MAX])
{
	char tmpl[64];

	snprintf(tmpl, sizeof(tmpl), "/tmp/%s.XXXXXX", name);
	cr_assert_not_null(mkdtemp(tmpl));
	cr_assert_not_null(realpath(tmpl, out));
}

static inline void
tmpdir_remove(const char *dir)
{
	nftw(dir, tmpdir_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
