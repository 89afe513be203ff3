/*
 * test_cgroup: how sandbox/cgroup.c reads the machine, on real files
 * written into a temporary directory (/proc/self/cgroup, mountinfo and
 * cgroup.controllers as a v2, a hybrid and a v1 system show them), and on
 * this machine's own files.  Making leaves needs a delegated cgroup v2
 * subtree, which tests/integration/14-cgroup.t uses where there is one.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"

static char dir[] = "/tmp/test_cgroup.XXXXXX";

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
}

TestSuite(cgroup, .init = setup, .fini = teardown);

/* Write text to dir/name; returns the path (static). */
static const char *
put(const char *name, const char *text)
{
	static char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	return path;
}

Test(cgroup, self_path)
{
	static const struct {
		const char	*text;
		int		 rc;
		const char	*want;
	} c[] = {
		/* pure v2, under systemd */
		{ "0::/system.slice/lambdad.service\n", 0,
		    "/system.slice/lambdad.service" },
		/* hybrid: v1 lines first, the v2 line last */
		{ "12:memory:/user.slice\n1:name=systemd:/user.slice/x\n"
		    "0::/user.slice/user-1000.slice/session-2.scope\n", 0,
		    "/user.slice/user-1000.slice/session-2.scope" },
		/* the root cgroup (a container, or no systemd) */
		{ "0::/\n", 0, "/" },
		/* no trailing newline */
		{ "0::/a b", 0, "/a b" },
		/* v1 only */
		{ "4:memory:/x\n1:name=systemd:/x\n", -ENOENT, NULL },
		{ "", -ENOENT, NULL },
		/* not a path */
		{ "0::relative\n", -EINVAL, NULL },
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int rc = sb_cgroup_self(put("cgroup", c[i].text), path,
		    sizeof(path));

		cr_assert_eq(rc, c[i].rc, "case %zu: %d", i, rc);
		if (c[i].want != NULL)
			cr_assert_str_eq(path, c[i].want, "case %zu", i);
	}
	put("cgroup", "0::/system.slice/lambdad.service\n");
	cr_assert_eq(sb_cgroup_self(put("cgroup",
	    "0::/system.slice/lambdad.service\n"), path, 8), -ENAMETOOLONG);
	cr_assert_eq(sb_cgroup_self("/nonexistent/cgroup", path,
	    sizeof(path)), -ENOENT);
}

Test(cgroup, mount_point)
{
	static const struct {
		const char	*text;
		int		 rc;
		const char	*want;
	} c[] = {
		{ "22 1 0:21 / /proc rw - proc proc rw\n"
		  "25 21 0:23 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 "
		  "cgroup2 rw,nsdelegate\n", 0, "/sys/fs/cgroup" },
		/* hybrid: tmpfs on /sys/fs/cgroup, v1 hierarchies, unified */
		{ "30 25 0:26 / /sys/fs/cgroup ro - tmpfs tmpfs ro\n"
		  "31 30 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup "
		  "rw,memory\n"
		  "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 "
		  "cgroup2 rw\n", 0, "/sys/fs/cgroup/unified" },
		/* optional fields before the dash; an escaped space */
		{ "50 1 0:40 / /mnt/cg\\0402 rw shared:3 master:1 - cgroup2 "
		  "none rw\n", 0, "/mnt/cg 2" },
		/* a bind mount of part of the hierarchy is no root */
		{ "60 1 0:40 /sub /x rw - cgroup2 none rw\n", -ENOENT, NULL },
		{ "31 30 0:27 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n",
		  -ENOENT, NULL },
		{ "garbage without fields\n", -ENOENT, NULL },
	};
	char mnt[PATH_MAX];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int rc = sb_cgroup_mount(put("mountinfo", c[i].text), mnt,
		    sizeof(mnt));

		cr_assert_eq(rc, c[i].rc, "case %zu: %d", i, rc);
		if (c[i].want != NULL)
			cr_assert_str_eq(mnt, c[i].want, "case %zu", i);
	}
}

Test(cgroup, controllers)
{
	static const struct {
		const char	*text;
		const char	*missing;
	} c[] = {
		{ "cpuset cpu io memory hugetlb pids rdma misc\n", "" },
		{ "cpuset cpu io memory\n", "pids" },
		{ "cpuset io\n", "memory pids cpu" },
		{ "", "memory pids cpu" },
		/* "cpu" must be a word of its own, not part of "cpuset" */
		{ "cpuset memory pids\n", "cpu" },
		{ "memory pids cpu", "" },
	};
	char missing[64];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		put("cgroup.controllers", c[i].text);
		cr_assert_eq(sb_cgroup_missing(dir, missing, sizeof(missing)),
		    0);
		cr_assert_str_eq(missing, c[i].missing, "case %zu", i);
	}
	cr_assert_eq(sb_cgroup_missing("/nonexistent", missing,
	    sizeof(missing)), -ENOENT);
}

/* This machine's own files: consistent with each other, whatever it is. */
Test(cgroup, this_machine)
{
	char path[PATH_MAX], mnt[PATH_MAX], full[2 * PATH_MAX], missing[64];
	char report[PATH_MAX + 256];
	int rc;

	rc = sb_cgroup_self("/proc/self/cgroup", path, sizeof(path));
	cr_assert(rc == 0 || rc == -ENOENT, "%d", rc);
	if (rc == -ENOENT || sb_cgroup_mount("/proc/self/mountinfo", mnt,
	    sizeof(mnt)) != 0)
		cr_skip_test("no cgroup v2 here");
	snprintf(full, sizeof(full), "%s%s", mnt,
	    strcmp(path, "/") == 0 ? "" : path);
	cr_assert_eq(sb_cgroup_missing(full, missing, sizeof(missing)), 0,
	    "%s", full);
	/* Without the controllers, init says so and changes nothing. */
	if (missing[0] != '\0') {
		cr_assert_lt(sb_cgroup_init(report, sizeof(report)), 0);
		cr_assert(strstr(report, missing) != NULL, "%s", report);
		cr_assert_eq(sb_cgroup_ready(), 0);
	}
}

Test(cgroup, not_ready_makes_no_leaf)
{
	char leaf[SB_CG_LEAF_MAX];
	int procs, peak;

	cr_assert_eq(sb_cgroup_ready(), 0);
	cr_assert_eq(sb_cgroup_leaf("hello", 128, 64, 100, leaf, &procs,
	    &peak), -ENOTSUP);
	cr_assert_eq(procs, -1);
	cr_assert_eq(peak, -1);
	sb_cgroup_release("fn-hello/w-0");	/* a no-op, never a crash */
}
