/*
 * fuzz_zip: deployment packages through ziptree_extract (gateway/control/),
 * which hands them to libzip and then applies lambdad's own rules.  Each
 * input is unpacked into a fresh directory inside a scratch directory;
 * whatever the zip holds, afterwards:
 *   - the scratch directory holds nothing but that one directory (nothing
 *     was written beside it, above it or through a symlink);
 *   - on failure the directory is gone;
 *   - on success it has a bootstrap, and every symlink in it that resolves
 *     resolves inside it.
 * A violation aborts, which libFuzzer reports as a crash.
 */
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/ziptree.h"

#define CAP	(4 << 20)	/* unzipped bytes per input */

static char scratch[PATH_MAX], dir[PATH_MAX + 8], real_dir[PATH_MAX];

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	(void)(flag == FTW_DP ? rmdir(path) : unlink(path));
	return 0;
}

static void
scratch_rm(void)
{
	nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Only "x" (or nothing) in the scratch directory. */
static void
check_scratch(int want_x)
{
	DIR *d = opendir(scratch);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		abort();
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(de->d_name, "x") != 0) {
			fprintf(stderr, "written beside the tree: %s\n", de->d_name);
			abort();
		}
		n++;
	}
	closedir(d);
	if (n != want_x) {
		fprintf(stderr, "the tree is %s\n", want_x ? "missing" : "left");
		abort();
	}
}

static int
check_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char res[PATH_MAX];

	(void)st;
	(void)ftw;
	if (flag == FTW_SL && realpath(path, res) != NULL &&
	    strncmp(res, real_dir, strlen(real_dir)) != 0) {
		fprintf(stderr, "%s resolves outside: %s\n", path, res);
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], boot[PATH_MAX + 16];
	struct stat st;
	int rc;

	if (scratch[0] == '\0') {
		snprintf(scratch, sizeof(scratch), "/tmp/fuzz_zip.XXXXXX");
		if (mkdtemp(scratch) == NULL)
			abort();
		snprintf(dir, sizeof(dir), "%s/x", scratch);
		atexit(scratch_rm);
	}
	rc = ziptree_extract(data, size, dir, CAP, err, sizeof(err));
	check_scratch(rc == 0);
	if (rc == 0) {
		snprintf(boot, sizeof(boot), "%s/bootstrap", dir);
		if (realpath(dir, real_dir) == NULL || lstat(boot, &st) != 0)
			abort();
		nftw(dir, check_entry, 16, FTW_PHYS);
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
	return 0;
}
