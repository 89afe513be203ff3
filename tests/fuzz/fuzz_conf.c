/*
 * fuzz_conf: libFuzzer driver for gateway/conf.c (conf_load, the INI
 * reader and its setters) and conf_check.c / conf_tables.c.
 *
 * The input is written as FUZZDIR/lambdad.conf; a line "--- NAME" starts a
 * drop-in file FUZZDIR/functions.d/NAME (NAME made of [a-z0-9.], the rest
 * of the line ignored), so `functions = functions.d` reads them.  FUZZDIR
 * also holds an executable "bootstrap" for functions to point at.
 *
 * Invariants beyond "no crash":
 *   - conf_load returns 0 with a config, or -1 with no config and an error
 *     "FILE:LINE: reason" where FILE is one the input made (or a
 *     directory it names) and LINE is within that file (0: the whole file);
 *   - a returned config passes its own checks again (conf_check_routes,
 *     conf_check_auth), every function is found by its name, has a valid
 *     name, an absolute bootstrap, limits in their documented ranges, and
 *     conf_fn_same(fn, fn);
 *   - loading the same files twice gives the same answer and message.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_int.h"

static char dir[64], main_path[128], fdir[128];
static unsigned main_lines;

static void
setup(void)
{
	char p[160];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/fuzz_conf.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(main_path, sizeof(main_path), "%s/lambdad.conf", dir);
	snprintf(fdir, sizeof(fdir), "%s/functions.d", dir);
	snprintf(p, sizeof(p), "%s/bootstrap", dir);
	if ((f = fopen(p, "w")) == NULL)
		abort();
	fputs("#!/bin/sh\n", f);
	fclose(f);
	chmod(p, 0755);
	snprintf(p, sizeof(p), "%s/state", dir);
	mkdir(p, 0700);
}

static void
clear_dropins(void)
{
	char p[400];
	DIR *d;
	struct dirent *e;

	if ((d = opendir(fdir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", fdir, e->d_name);
			unlink(p);
		}
	closedir(d);
}

static unsigned
count_lines(const char *s, size_t n)
{
	unsigned k = 1;
	size_t i;

	for (i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

/* Write the input's files; returns the number of drop-ins. */
static int
write_files(const char *s, size_t n)
{
	const char *end = s + n, *mark, *nl;
	char name[32], p[200];
	size_t i, len;
	FILE *f;
	int nd = 0;

	mkdir(fdir, 0700);
	clear_dropins();
	mark = memmem(s, n, "\n--- ", 5);
	len = mark ? (size_t)(mark + 1 - s) : n;
	main_lines = count_lines(s, len);
	if ((f = fopen(main_path, "w")) == NULL)
		abort();
	fwrite(s, 1, len, f);
	fclose(f);
	while (mark != NULL && nd < 8) {
		s = mark + 5;
		nl = memchr(s, '\n', (size_t)(end - s));
		for (i = 0; i < sizeof(name) - 1 && s + i < end &&
		    strchr("abcdefghijklmnopqrstuvwxyz0123456789.", s[i]) &&
		    s[i] != '\0'; i++)
			name[i] = s[i];
		name[i] = '\0';
		s = nl ? nl + 1 : end;
		mark = memmem(s, (size_t)(end - s), "\n--- ", 5);
		len = mark ? (size_t)(mark + 1 - s) : (size_t)(end - s);
		if (i == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", fdir, name);
		if ((f = fopen(p, "w")) == NULL)
			continue;
		fwrite(s, 1, len, f);
		fclose(f);
		nd++;
	}
	return nd;
}

/* "FILE:LINE: reason" with LINE inside FILE. */
static void
check_error(const char *err)
{
	const char *colon = strstr(err, ": "), *c2;
	char file[4200];
	long line, max;
	FILE *f;
	int ch;

	if (colon == NULL)
		abort();
	for (c2 = colon - 1; c2 > err && *c2 != ':'; c2--)
		;
	if (c2 <= err || (size_t)(c2 - err) >= sizeof(file))
		abort();
	memcpy(file, err, (size_t)(c2 - err));
	file[c2 - err] = '\0';
	line = strtol(c2 + 1, NULL, 10);
	if (line < 0 || colon[2] == '\0')
		abort();
	if (strcmp(file, main_path) == 0)
		max = main_lines;
	else if ((f = fopen(file, "r")) != NULL) {
		for (max = 1; (ch = fgetc(f)) != EOF;)
			max += ch == '\n';
		fclose(f);
	} else
		max = 1;	/* a file or directory that does not open */
	if (line > max)
		abort();
}

static void
check_conf(struct conf *c)
{
	char why[512];
	size_t i;

	if (conf_check_routes(c, why, sizeof(why)) != 0 ||
	    conf_check_auth(c, why, sizeof(why)) != 0 ||
	    c->listen_port < 0 || c->listen_port > 65535)
		abort();
	for (i = 0; i < c->nfns; i++) {
		struct function_conf *fn = &c->fns[i];

		if (!conf_fn_name_ok(fn->name) || conf_find(c, fn->name) != fn ||
		    fn->bootstrap == NULL || fn->bootstrap[0] != '/' ||
		    fn->memory_mb < 16 || fn->memory_mb > 10240 ||
		    fn->timeout_s < 1 || fn->timeout_s > 900 ||
		    fn->max_workers < 1 || fn->max_workers < fn->min_idle ||
		    fn->event_retries > 2 ||
		    (fn->payload != 1 && fn->payload != 2) ||
		    !conf_fn_same(fn, fn))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c = NULL, *c2 = NULL;
	char err[4096], err2[4096];
	int rc, rc2;

	if (dir[0] == '\0')
		setup();
	if (size > 32768)
		return 0;
	write_files((const char *)data, size);
	err[0] = err2[0] = '\0';
	rc = conf_load(main_path, &c, err, sizeof(err));
	if (getenv("FUZZ_VERBOSE") != NULL)	/* for checking the seeds */
		fprintf(stderr, "conf_load: %d %s (%zu functions)\n", rc, err,
		    c != NULL ? c->nfns : 0);
	if (rc == 0) {
		if (c == NULL)
			abort();
		check_conf(c);
	} else {
		if (rc != -1 || c != NULL)
			abort();
		check_error(err);
	}
	rc2 = conf_load(main_path, &c2, err2, sizeof(err2));
	if (rc2 != rc || strcmp(err, err2) != 0 ||
	    (c != NULL && c2->nfns != c->nfns))
		abort();
	conf_free(c);
	conf_free(c2);
	return 0;
}
