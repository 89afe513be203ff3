/*
 * keystore: the API keys `lambdactl keys` makes, each bound to a usage
 * plan ([usage_plan NAME], conf.h), and what each has used of its quota
 * (issue 10).  The apikey stage (apikey.h) looks keys up here.
 *
 * A key is 40 characters of A-Z a-z 0-9 from getrandom(2) (API Gateway's
 * generated keys look alike), about 238 bits: it is shown once, when it is
 * made, and only its SHA-256 is kept, so a copy of state_dir lets nobody
 * call the API.  With that much entropy a plain hash is enough; there is
 * nothing to guess.  A key also has an id, 10 characters of a-z 0-9, as
 * API Gateway's key ids, which the function sees (never the hash).
 *
 * Two files in state_dir, each written whole (write, fsync, rename, fsync
 * the directory) with mode 0600, on the threadpool, never on the loop:
 *
 *   apikeys.json        the keys: name, id, plan, sha256, created.
 *                       Rewritten by each add and rm; the change is
 *                       answered (and takes effect) once it is on disk.
 *   apikeys-usage.json  each key's count in its current quota period.
 *                       Rewritten at most once a second while keys are
 *                       used, and at stop: a crash loses at most the last
 *                       second's counts (requests past the quota then).
 *
 * Buckets (the plan's rate) live in memory only: a restart fills them.
 * Everything here runs on the loop thread.
 */
#ifndef LAMBDAD_APIGW_KEYSTORE_H
#define LAMBDAD_APIGW_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>
#include <uv.h>

#include "apigw/bucket.h"
#include "conf.h"

#define APIKEY_LEN	40
#define APIKEY_ID_LEN	10
#define APIKEY_HASH_LEN	32	/* SHA-256 */

struct apikey {
	struct apikey	*next;		/* hash chain */
	char		 name[CONF_NAME_MAX + 1];
	char		 id[APIKEY_ID_LEN + 1];
	char		 plan[CONF_NAME_MAX + 1];
	unsigned char	 hash[APIKEY_HASH_LEN];
	int64_t		 created;	/* epoch seconds */
	struct tbucket	 bucket;	/* the plan's rate, per key */
	/* The count in the period that starts at period_start. */
	enum conf_quota_period period;
	int64_t		 period_start;
	uint64_t	 used;
};

struct keystore;

/* SHA-256 of key (libcrypto EVP).  0, or -1 if libcrypto fails. */
int	keystore_hash(const char *key, size_t len,
	    unsigned char out[APIKEY_HASH_LEN]);

/*
 * Read dir's apikeys.json and apikeys-usage.json (missing: no keys yet)
 * and keep dir for the writes.  0 and *out, or -1 with "PATH: reason" in
 * err: a file that is there but unreadable or malformed stops the start,
 * rather than every key being refused.
 */
int	keystore_open(uv_loop_t *loop, const char *dir,
	    struct keystore **out, char *err, size_t errlen);
/* The configuration whose plans apply from now (at start, on reload). */
void	keystore_set_conf(struct keystore *ks, const struct conf *c);
/* Write what is still unwritten, then free ks (once the writes are
 * done; the loop must run).  Changes not yet answered are answered at
 * once with -ECANCELED; queued ones are dropped.  NULL-safe. */
void	keystore_close(struct keystore *ks);

/* The key whose value is key (its hash compared in constant time), or
 * NULL.  The pointer is valid until the loop runs again. */
struct apikey *keystore_find(struct keystore *ks, const char *key,
	    size_t len);
/* The plan k is bound to, in the current configuration, or NULL (the
 * plan was removed by a reload). */
const struct conf_plan *keystore_plan(const struct keystore *ks,
	    const struct apikey *k);
/* Count one request of k at now (epoch s) against pl's quota: 0, or -1
 * when the quota of this period is spent (nothing counted). */
int	keystore_take(struct keystore *ks, struct apikey *k,
	    const struct conf_plan *pl, int64_t now);
/* k's count in pl's period at now. */
uint64_t keystore_used(const struct apikey *k, const struct conf_plan *pl,
	    int64_t now);

/*
 * Make a key NAME bound to plan (which must be in the configuration), or
 * remove key NAME.  cb runs once the key file on disk says so (then the
 * change applies), with 0 and, for add, the new key's id and value; or
 * -EEXIST, -ENOENT, -EINVAL (no such plan, bad name) or the write's
 * -errno, with why.  Changes are written one after the other.
 */
typedef void (*keystore_cb)(void *arg, int err, const char *why,
	    const struct apikey *k, const char *secret);
void	keystore_add(struct keystore *ks, const char *name,
	    const char *plan, keystore_cb cb, void *arg);
void	keystore_rm(struct keystore *ks, const char *name, keystore_cb cb,
	    void *arg);
/* [{name, id, plan, created, used, quota, period, resets}] at now. */
cJSON	*keystore_list(const struct keystore *ks, int64_t now);
size_t	keystore_count(const struct keystore *ks);

#endif
