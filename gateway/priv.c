/*
 * priv: drop the gateway's privileges after set-up (see priv.h).
 *
 * Reloads after the drop read the config files through the opener, which
 * keeps root's rights for them (opener.h), so they may be 0600 root.
 */
#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

#define PRIV_USER	"lambdad"
#define PRIV_FALLBACK	"nobody"

/* The user to become; a configured one that does not exist is an error. */
static const struct passwd *
priv_user(const struct conf *c)
{
	const struct passwd *pw;

	if (c->user != NULL) {
		if ((pw = getpwnam(c->user)) == NULL)
			log_err("user %s: no such user", c->user);
		return pw;
	}
	if ((pw = getpwnam(PRIV_USER)) != NULL)
		return pw;
	log_warnx("no user %s (user = in [lambdad]): running as %s, which "
	    "other daemons may share", PRIV_USER, PRIV_FALLBACK);
	if ((pw = getpwnam(PRIV_FALLBACK)) == NULL)
		log_err("user %s: no such user either", PRIV_FALLBACK);
	return pw;
}

static uid_t priv_uid;
static gid_t priv_gid;

static int
priv_chown_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	if ((st->st_uid != priv_uid || st->st_gid != priv_gid) &&
	    lchown(path, priv_uid, priv_gid) == -1)
		log_warn("state_dir: %s", path);
	return 0;
}

/*
 * state_dir (main.c made it at start-up): owned by the user with all it holds
 * (the Event queue and deployed code made before the drop, or by a run as
 * another user).  Mode 0711: workers, under uids of their own, must reach
 * the deployed bootstraps in it but not list it; what is private in it
 * (events/) is 0700 itself.
 */
static int
priv_state_dir(const struct conf *c, uid_t uid, gid_t gid)
{
	const char *dir = conf_state_dir(c);

	priv_uid = uid;
	priv_gid = gid;
	if (nftw(dir, priv_chown_entry, 16, FTW_PHYS) == -1 ||
	    chmod(dir, 0711) == -1) {
		log_warn("state_dir %s", dir);
		return -1;
	}
	return 0;
}

/* Every id is the user's, and root's cannot be had back. */
static int
priv_verify(uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return -1;
	if (ru != uid || eu != uid || su != uid ||
	    rg != gid || eg != gid || sg != gid || getgroups(0, NULL) > 1)
		return -1;
	if (uid != 0 && (setuid(0) != -1 || seteuid(0) != -1))
		return -1;
	return 0;
}

int
priv_drop(const struct conf *c)
{
	const struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return 0;
	if ((pw = priv_user(c)) == NULL)
		return -1;
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0) {
		log_err("user %s is root: refusing to serve as root",
		    pw->pw_name);
		return -1;
	}
	if (priv_state_dir(c, uid, gid) == -1)
		return -1;
	/* Groups first, while we may; then the gid; the uid last. */
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		log_warn("cannot drop privileges to %s", pw->pw_name);
		return -1;
	}
	if (priv_verify(uid, gid) == -1) {
		log_err("privileges to %s: not dropped for good", pw->pw_name);
		return -1;
	}
	log_info("dropped privileges to %s (uid %d, gid %d)", pw->pw_name,
	    (int)uid, (int)gid);
	return 0;
}

int
priv_check_secrets(const struct conf *c, const char *cfile)
{
	const char *name = c->user != NULL ? c->user : PRIV_USER;
	const struct passwd *pw = getpwnam(name);
	struct stat st;
	int n = 0;

	if (c->naccess_keys == 0)
		return 0;
	if (stat(cfile, &st) != 0) {
		fprintf(stderr, "lambdad: warning: %s: %s\n", cfile,
		    strerror(errno));
		return 1;
	}
	if (st.st_mode & 0006) {
		fprintf(stderr, "lambdad: warning: %s holds access_key secrets "
		    "and is %s by others (mode %04o)\n", cfile,
		    st.st_mode & 0004 ? "readable" : "writable",
		    (unsigned)(st.st_mode & 07777));
		n++;
	}
	if ((st.st_mode & 0060) && (pw == NULL || st.st_gid != pw->pw_gid)) {
		fprintf(stderr, "lambdad: warning: %s holds access_key secrets "
		    "and is open to group %d, not %s's (mode %04o)\n", cfile,
		    (int)st.st_gid, name, (unsigned)(st.st_mode & 07777));
		n++;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid() &&
	    (pw == NULL || st.st_uid != pw->pw_uid)) {
		fprintf(stderr, "lambdad: warning: %s holds access_key secrets "
		    "and is owned by uid %d, who can read and change them\n",
		    cfile, (int)st.st_uid);
		n++;
	}
	if (n > 0)
		fprintf(stderr, "lambdad: safe modes: 0600 root, or 0640 "
		    "root:%s's group\n", name);
	return n;
}
