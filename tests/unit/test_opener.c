/*
 * test_opener: the config opener (gateway/opener.c): its policy as a table,
 * then a real helper process asked for files inside and outside the paths
 * it was started with (symlinks, "..", other directories, subdirectories),
 * and a conf_load_io that reads through it.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "opener.h"
#include "tmpdir.h"

static char tmpdir[PATH_MAX];

static void
setup(void)
{
	tmpdir_make("test_opener", tmpdir);
}

static void
teardown(void)
{
	tmpdir_remove(tmpdir);
}

static void
put(const char *rel, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	cr_assert_not_null(fp = fopen(path, "w"), "%s", path);
	fputs(text, fp);
	fclose(fp);
}

static char *
at(const char *rel)
{
	static char path[4][PATH_MAX + 64];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", tmpdir, rel);
	return path[i];
}

struct pcase {
	const char	*real;
	bool		 dir;
	int		 want;
};

Test(opener, policy)
{
	static const char *const dirs[] = { "/etc/l/fn.d", "/var/l/functions.d",
	    NULL };
	static const struct pcase cases[] = {
		{ "/etc/l/lambdad.conf", false, 0 },
		{ "/etc/l/lambdad.conf", true, -EPERM },
		{ "/etc/l/fn.d", true, 0 },
		{ "/var/l/functions.d", true, 0 },
		{ "/etc/l/fn.d/a.conf", false, 0 },
		{ "/var/l/functions.d/b.conf", false, 0 },
		{ "/etc/l/fn.d/a.txt", false, -EPERM },
		{ "/etc/l/fn.d/.hidden.conf", false, -EPERM },
		{ "/etc/l/fn.d/.conf", false, -EPERM },
		{ "/etc/l/fn.d/sub/a.conf", false, -EPERM },
		{ "/etc/l/fn.d.conf", false, -EPERM },
		{ "/etc/l/fn", true, -EPERM },
		{ "/etc/l", true, -EPERM },
		{ "/etc/shadow", false, -EPERM },
		{ "/etc/l/other.conf", false, -EPERM },
		{ "relative.conf", false, -EPERM },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(opener_allowed("/etc/l/lambdad.conf", dirs,
		    cases[i].real, cases[i].dir), cases[i].want, "%s (dir %d)",
		    cases[i].real, cases[i].dir);
}

/* Read an fd the opener gave: its text, or "" for a directory. */
static void
expect_text(int fd, const char *want)
{
	char buf[256];
	ssize_t n;

	cr_assert_geq(fd, 0, "open failed: %s", strerror(-fd));
	n = read(fd, buf, sizeof(buf) - 1);
	cr_assert_geq(n, 0);
	buf[n] = '\0';
	cr_assert_str_eq(buf, want);
	close(fd);
}

Test(opener, helper_opens_inside_refuses_outside, .init = setup,
    .fini = teardown)
{
	struct opener *o;
	int fd;

	cr_assert_eq(mkdir(at("fn.d"), 0755), 0);
	cr_assert_eq(mkdir(at("fn.d/sub"), 0755), 0);
	cr_assert_eq(mkdir(at("other"), 0755), 0);
	cr_assert_eq(mkdir(at("state"), 0755), 0);
	put("main.conf", "main");
	put("fn.d/a.conf", "a");
	put("fn.d/sub/b.conf", "b");
	put("other/x.conf", "x");
	cr_assert_eq(symlink(at("other/x.conf"), at("fn.d/link.conf")), 0);
	cr_assert_eq(symlink("/etc/passwd", at("fn.d/passwd.conf")), 0);
	cr_assert_eq(opener_start(at("main.conf"), at("fn.d"), at("state"),
	    &o), 0);
	expect_text(opener_open(o, at("main.conf"), false), "main");
	expect_text(opener_open(o, at("fn.d/a.conf"), false), "a");
	expect_text(opener_open(o, at("fn.d/../fn.d/a.conf"), false), "a");
	fd = opener_open(o, at("fn.d"), true);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(opener_open(o, at("fn.d/../other/x.conf"), false), -EPERM);
	cr_assert_eq(opener_open(o, at("fn.d/link.conf"), false), -EPERM);
	cr_assert_eq(opener_open(o, at("fn.d/passwd.conf"), false), -EPERM);
	cr_assert_eq(opener_open(o, "/etc/passwd", false), -EPERM);
	cr_assert_eq(opener_open(o, at("fn.d/sub/b.conf"), false), -EPERM);
	cr_assert_eq(opener_open(o, at("fn.d/sub"), true), -EPERM);
	cr_assert_eq(opener_open(o, at("main.conf"), true), -EPERM);
	cr_assert_eq(opener_open(o, at("fn.d/missing.conf"), false), -ENOENT);
	/* state_dir/functions.d may appear after the start (lambdactl deploy). */
	cr_assert_eq(mkdir(at("state/functions.d"), 0755), 0);
	put("state/functions.d/d.conf", "d");
	expect_text(opener_open(o, at("state/functions.d/d.conf"), false), "d");
	opener_free(o);
}

Test(opener, conf_load_through_it, .init = setup, .fini = teardown)
{
	struct opener *o;
	struct conf *c;
	char err[512], text[PATH_MAX + 256];

	cr_assert_eq(mkdir(at("fn.d"), 0755), 0);
	snprintf(text, sizeof(text), "[lambdad]\nfunctions = fn.d\n"
	    "state_dir = %s\n", at("state"));
	put("main.conf", text);
	put("fn.d/a.conf", "[function a]\nbootstrap = /bin/true\n");
	put("fn.d/b.conf", "[function b]\nbootstrap = /bin/true\n");
	cr_assert_eq(opener_start(at("main.conf"), at("fn.d"), at("state"),
	    &o), 0);
	cr_assert_eq(conf_load_io(at("main.conf"), opener_io(o), &c, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(c->nfns, 2);
	cr_assert_str_eq(c->fns[0].name, "a");
	cr_assert_str_eq(c->fns[1].name, "b");
	conf_free(c);
	/* The helper gone: the gateway's own open still reads what it may. */
	opener_free(o);
}
