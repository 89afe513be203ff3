/*
 * keystore: API keys and their quota counts, kept in state_dir.  See
 * keystore.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "apigw/keystore.h"
#include "apigw/quota.h"
#include "buf.h"
#include "fs.h"
#include "log.h"

#define KS_NSLOTS	256	/* chains by the hash's first byte */
#define KS_FILE		"apikeys.json"
#define KS_USAGE	"apikeys-usage.json"
#define KS_FILE_MAX	(16 * 1024 * 1024)
#define KS_FLUSH_MS	1000

/* A write of one of the two files, on the threadpool. */
struct ks_write {
	uv_work_t	 w;
	struct keystore *ks;
	char		*data;
	size_t		 len;
	int		 usage;		/* 1: the usage file */
	int		 rc;
};

/* An add or rm waiting for its turn, or being written. */
struct ks_op {
	struct ks_op	*next;
	int		 rm;
	char		 name[CONF_NAME_MAX + 1];
	char		 plan[CONF_NAME_MAX + 1];
	keystore_cb	 cb;
	void		*arg;
	struct apikey	*k;		/* add: the key, once written */
	char		 secret[APIKEY_LEN + 1];
};

struct keystore {
	uv_loop_t	*loop;
	char		*dir;
	char		*path, *tmp;	/* the key file */
	char		*upath, *utmp;	/* the usage file */
	const struct conf *conf;
	struct apikey	*slot[KS_NSLOTS];
	size_t		 nkeys;
	struct ks_op	*ops, **ops_tail;	/* head: being written */
	int		 op_busy;
	int		 usage_dirty, usage_busy;
	uv_timer_t	 flush;
	int		 closing, flush_closed;
};

static void	ks_next_op(struct keystore *ks);
static void	ks_usage_flush(struct keystore *ks);

int
keystore_hash(const char *key, size_t len, unsigned char out[APIKEY_HASH_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest(key, len, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != APIKEY_HASH_LEN)
		return -1;
	return 0;
}

/* ---- the table -------------------------------------------------------- */

static void
ks_insert(struct keystore *ks, struct apikey *k)
{
	k->next = ks->slot[k->hash[0]];
	ks->slot[k->hash[0]] = k;
	ks->nkeys++;
}

static struct apikey *
ks_by_name(const struct keystore *ks, const char *name, struct apikey ***pp)
{
	struct apikey **p, *k;
	size_t i;

	for (i = 0; i < KS_NSLOTS; i++)
		for (p = (struct apikey **)&ks->slot[i]; (k = *p) != NULL;
		    p = &k->next)
			if (strcmp(k->name, name) == 0) {
				if (pp != NULL)
					*pp = p;
				return k;
			}
	return NULL;
}

static struct apikey *
ks_by_id(const struct keystore *ks, const char *id)
{
	struct apikey *k;
	size_t i;

	for (i = 0; i < KS_NSLOTS; i++)
		for (k = ks->slot[i]; k != NULL; k = k->next)
			if (strcmp(k->id, id) == 0)
				return k;
	return NULL;
}

struct apikey *
keystore_find(struct keystore *ks, const char *key, size_t len)
{
	unsigned char h[APIKEY_HASH_LEN];
	struct apikey *k, *found = NULL;

	if (ks == NULL || key == NULL || len == 0 ||
	    keystore_hash(key, len, h) != 0)
		return NULL;
	/* Every key on the chain is compared, each in constant time. */
	for (k = ks->slot[h[0]]; k != NULL; k = k->next)
		if (CRYPTO_memcmp(h, k->hash, APIKEY_HASH_LEN) == 0)
			found = k;
	return found;
}

const struct conf_plan *
keystore_plan(const struct keystore *ks, const struct apikey *k)
{
	return ks->conf != NULL ? conf_find_plan(ks->conf, k->plan) : NULL;
}

size_t
keystore_count(const struct keystore *ks)
{
	return ks->nkeys;
}

/* ---- quota counts ----------------------------------------------------- */

/* The period a plan counts in; a plan without a quota counts by day. */
static enum conf_quota_period
ks_period(const struct conf_plan *pl)
{
	return pl != NULL && pl->period != CONF_QUOTA_NONE ? pl->period :
	    CONF_QUOTA_DAY;
}

uint64_t
keystore_used(const struct apikey *k, const struct conf_plan *pl, int64_t now)
{
	enum conf_quota_period p = ks_period(pl);

	if (k->period != p || k->period_start != quota_period_start(p, now))
		return 0;
	return k->used;
}

int
keystore_take(struct keystore *ks, struct apikey *k,
    const struct conf_plan *pl, int64_t now)
{
	enum conf_quota_period p = ks_period(pl);
	int64_t start = quota_period_start(p, now);

	/* A new period, or a reload changed the plan's: count from 0. */
	if (k->period != p || k->period_start != start) {
		k->period = p;
		k->period_start = start;
		k->used = 0;
	}
	if (pl->quota > 0 && k->used >= pl->quota)
		return -1;
	k->used++;
	ks->usage_dirty = 1;
	return 0;
}

/* ---- the files ------------------------------------------------------- */

static char *
hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}

static int
unhex(const char *s, unsigned char *out, size_t n)
{
	size_t i;
	unsigned v;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

/* The key file's text: the keys but skip (rm), plus add (NULL: none). */
static char *
ks_keys_json(const struct keystore *ks, const struct apikey *skip,
    const struct apikey *add, size_t *len)
{
	cJSON *j = cJSON_CreateObject(), *arr, *o;
	const struct apikey *k;
	char h[2 * APIKEY_HASH_LEN + 1], *s;
	size_t i;

	cJSON_AddNumberToObject(j, "version", 1);
	arr = cJSON_AddArrayToObject(j, "keys");
	for (i = 0; i <= KS_NSLOTS; i++)
		for (k = i < KS_NSLOTS ? ks->slot[i] : add; k != NULL;
		    k = i < KS_NSLOTS ? k->next : NULL) {
			if (k == skip)
				continue;
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", k->name);
			cJSON_AddStringToObject(o, "id", k->id);
			cJSON_AddStringToObject(o, "plan", k->plan);
			cJSON_AddStringToObject(o, "sha256",
			    hex(k->hash, APIKEY_HASH_LEN, h));
			cJSON_AddNumberToObject(o, "created",
			    (double)k->created);
			cJSON_AddItemToArray(arr, o);
		}
	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (s == NULL)
		abort();	/* as buf.c: no memory for a small file */
	*len = strlen(s);
	return s;
}

static char *
ks_usage_json(const struct keystore *ks, size_t *len)
{
	cJSON *j = cJSON_CreateObject(), *arr, *o;
	const struct apikey *k;
	char *s;
	size_t i;

	cJSON_AddNumberToObject(j, "version", 1);
	arr = cJSON_AddArrayToObject(j, "usage");
	for (i = 0; i < KS_NSLOTS; i++)
		for (k = ks->slot[i]; k != NULL; k = k->next) {
			if (k->used == 0)
				continue;
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "id", k->id);
			cJSON_AddStringToObject(o, "period",
			    quota_period_name(k->period));
			cJSON_AddNumberToObject(o, "start",
			    (double)k->period_start);
			cJSON_AddNumberToObject(o, "used", (double)k->used);
			cJSON_AddItemToArray(arr, o);
		}
	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (s == NULL)
		abort();
	*len = strlen(s);
	return s;
}

static const char *
jstr(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

static int
ks_load_key(struct keystore *ks, const cJSON *o, char *why, size_t whylen)
{
	const char *name = jstr(o, "name"), *id = jstr(o, "id"),
	    *plan = jstr(o, "plan"), *sha = jstr(o, "sha256");
	const cJSON *created = cJSON_GetObjectItemCaseSensitive(o, "created");
	struct apikey *k;

	if (name == NULL || !conf_fn_name_ok(name) || id == NULL ||
	    strlen(id) != APIKEY_ID_LEN || plan == NULL ||
	    !conf_fn_name_ok(plan) || sha == NULL || !cJSON_IsNumber(created)) {
		snprintf(why, whylen, "a key without a valid name, id, plan, "
		    "sha256 and created");
		return -1;
	}
	if (ks_by_name(ks, name, NULL) != NULL || ks_by_id(ks, id) != NULL) {
		snprintf(why, whylen, "key %s is there twice", name);
		return -1;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL)
		abort();
	if (unhex(sha, k->hash, APIKEY_HASH_LEN) != 0) {
		free(k);
		snprintf(why, whylen, "key %s: sha256 is not 64 hex digits",
		    name);
		return -1;
	}
	snprintf(k->name, sizeof(k->name), "%s", name);
	snprintf(k->id, sizeof(k->id), "%s", id);
	snprintf(k->plan, sizeof(k->plan), "%s", plan);
	k->created = (int64_t)created->valuedouble;
	ks_insert(ks, k);
	return 0;
}

static enum conf_quota_period
period_of(const char *s)
{
	if (s == NULL)
		return CONF_QUOTA_NONE;
	if (strcmp(s, "day") == 0)
		return CONF_QUOTA_DAY;
	if (strcmp(s, "week") == 0)
		return CONF_QUOTA_WEEK;
	if (strcmp(s, "month") == 0)
		return CONF_QUOTA_MONTH;
	return CONF_QUOTA_NONE;
}

/* A count for a key that is gone (removed before the flush) is dropped. */
static int
ks_load_usage(struct keystore *ks, const cJSON *o, char *why, size_t whylen)
{
	const char *id = jstr(o, "id");
	const cJSON *start = cJSON_GetObjectItemCaseSensitive(o, "start"),
	    *used = cJSON_GetObjectItemCaseSensitive(o, "used");
	enum conf_quota_period p = period_of(jstr(o, "period"));
	struct apikey *k;

	if (id == NULL || p == CONF_QUOTA_NONE || !cJSON_IsNumber(start) ||
	    !cJSON_IsNumber(used) || used->valuedouble < 0) {
		snprintf(why, whylen, "a count without a valid id, period, "
		    "start and used");
		return -1;
	}
	if ((k = ks_by_id(ks, id)) == NULL)
		return 0;
	k->period = p;
	k->period_start = (int64_t)start->valuedouble;
	k->used = (uint64_t)used->valuedouble;
	return 0;
}

/* Read one file and each item of its array member; a missing file is
 * empty.  0, or -1 with "PATH: reason" in err. */
static int
ks_load_file(struct keystore *ks, const char *path, const char *member,
    int (*item)(struct keystore *, const cJSON *, char *, size_t),
    char *err, size_t errlen)
{
	struct buf b;
	cJSON *j, *arr, *o;
	char why[256];
	int rc;

	buf_init(&b);
	if ((rc = fs_read(path, &b, KS_FILE_MAX)) == -ENOENT) {
		buf_free(&b);
		return 0;
	}
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		buf_free(&b);
		return -1;
	}
	j = cJSON_ParseWithLength(b.data != NULL ? b.data : "", b.len);
	buf_free(&b);
	arr = cJSON_GetObjectItemCaseSensitive(j, member);
	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "%s: not a lambdad key file (no \"%s\" "
		    "array); fix or remove it", path, member);
		cJSON_Delete(j);
		return -1;
	}
	cJSON_ArrayForEach(o, arr)
		if (item(ks, o, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: %s", path, why);
			cJSON_Delete(j);
			return -1;
		}
	cJSON_Delete(j);
	return 0;
}

static void
ks_free(struct keystore *ks)
{
	struct apikey *k, *next;
	struct ks_op *op;
	size_t i;

	for (i = 0; i < KS_NSLOTS; i++)
		for (k = ks->slot[i]; k != NULL; k = next) {
			next = k->next;
			free(k);
		}
	while ((op = ks->ops) != NULL) {
		ks->ops = op->next;
		free(op->k);
		free(op);
	}
	free(ks->dir);
	free(ks->path);
	free(ks->tmp);
	free(ks->upath);
	free(ks->utmp);
	free(ks);
}

/* The loop's 1 s tick: write the counts if they changed. */
static void
ks_tick(uv_timer_t *t)
{
	struct keystore *ks = t->data;

	if (ks->usage_dirty && !ks->usage_busy)
		ks_usage_flush(ks);
}

int
keystore_open(uv_loop_t *loop, const char *dir, struct keystore **out,
    char *err, size_t errlen)
{
	struct keystore *ks = calloc(1, sizeof(*ks));

	if (ks == NULL || (ks->dir = strdup(dir)) == NULL) {
		free(ks);
		snprintf(err, errlen, "%s: out of memory", dir);
		return -1;
	}
	ks->loop = loop;
	ks->ops_tail = &ks->ops;
	if (asprintf(&ks->path, "%s/" KS_FILE, dir) < 0 ||
	    asprintf(&ks->tmp, "%s/" KS_FILE ".tmp", dir) < 0 ||
	    asprintf(&ks->upath, "%s/" KS_USAGE, dir) < 0 ||
	    asprintf(&ks->utmp, "%s/" KS_USAGE ".tmp", dir) < 0)
		abort();	/* as buf.c: no memory for a path */
	if (ks_load_file(ks, ks->path, "keys", ks_load_key, err,
	    errlen) != 0 || ks_load_file(ks, ks->upath, "usage",
	    ks_load_usage, err, errlen) != 0) {
		ks_free(ks);
		return -1;
	}
	uv_timer_init(loop, &ks->flush);
	ks->flush.data = ks;
	uv_timer_start(&ks->flush, ks_tick, KS_FLUSH_MS, KS_FLUSH_MS);
	/* The tick alone does not keep a stopping loop alive. */
	uv_unref((uv_handle_t *)&ks->flush);
	*out = ks;
	return 0;
}

void
keystore_set_conf(struct keystore *ks, const struct conf *c)
{
	struct apikey *k;
	size_t i;

	ks->conf = c;
	for (i = 0; i < KS_NSLOTS; i++)
		for (k = ks->slot[i]; k != NULL; k = k->next)
			if (conf_find_plan(c, k->plan) == NULL)
				log_warnx("API key %s is bound to usage plan "
				    "%s, which is not configured: it is "
				    "refused (403) until the plan is back",
				    k->name, k->plan);
}

/* ---- writes ------------------------------------------------------------ */

static void
ks_write_work(uv_work_t *w)
{
	struct ks_write *wr = w->data;
	struct keystore *ks = wr->ks;

	wr->rc = fs_replace(ks->dir, wr->usage ? ks->utmp : ks->tmp,
	    wr->usage ? ks->upath : ks->path, wr->data, wr->len, 0600);
}

static void	ks_write_done(uv_work_t *w, int status);

static void
ks_write(struct keystore *ks, char *data, size_t len, int usage)
{
	struct ks_write *wr = calloc(1, sizeof(*wr));

	if (wr == NULL)
		abort();
	wr->ks = ks;
	wr->data = data;
	wr->len = len;
	wr->usage = usage;
	wr->w.data = wr;
	if (usage)
		ks->usage_busy = 1;
	else
		ks->op_busy = 1;
	if (uv_queue_work(ks->loop, &wr->w, ks_write_work, ks_write_done) != 0)
		abort();	/* only for a NULL callback */
}

static void
ks_usage_flush(struct keystore *ks)
{
	char *s;
	size_t len;

	s = ks_usage_json(ks, &len);
	ks->usage_dirty = 0;
	ks_write(ks, s, len, 1);
}

/* Free ks once it is closing and nothing is left to write. */
static void
ks_maybe_free(struct keystore *ks)
{
	if (!ks->closing || ks->usage_busy || ks->op_busy || !ks->flush_closed)
		return;
	if (ks->usage_dirty) {
		ks_usage_flush(ks);
		return;
	}
	ks_free(ks);
}

/* An add or rm is on disk (rc 0) or not: apply it, answer it. */
static void
ks_op_done(struct keystore *ks, int rc)
{
	struct ks_op *op = ks->ops;
	struct apikey *k, **pp;
	char why[PATH_MAX + 64] = "";

	if ((ks->ops = op->next) == NULL)
		ks->ops_tail = &ks->ops;
	if (rc != 0)
		snprintf(why, sizeof(why), "cannot write %s: %s", ks->path,
		    strerror(-rc));
	else if (op->rm && (k = ks_by_name(ks, op->name, &pp)) != NULL) {
		*pp = k->next;
		ks->nkeys--;
		ks->usage_dirty = 1;	/* its count goes too */
		free(k);
	} else if (!op->rm) {
		ks_insert(ks, op->k);
		op->k = NULL;
	}
	if (op->cb != NULL)
		op->cb(op->arg, rc, why, rc == 0 && !op->rm ?
		    ks_by_name(ks, op->name, NULL) : NULL, op->secret);
	OPENSSL_cleanse(op->secret, sizeof(op->secret));
	free(op->k);
	free(op);
}

static void
ks_write_done(uv_work_t *w, int status)
{
	struct ks_write *wr = w->data;
	struct keystore *ks = wr->ks;
	int rc = status != 0 ? status : wr->rc;

	free(wr->data);
	if (wr->usage) {
		ks->usage_busy = 0;
		if (rc != 0) {
			log_warnx("cannot write %s: %s%s", ks->upath,
			    strerror(-rc), ks->closing ? "" :
			    "; trying again in a second");
			ks->usage_dirty = !ks->closing;
		}
	} else {
		ks->op_busy = 0;
		ks_op_done(ks, rc);
	}
	free(wr);
	if (ks->closing)
		ks_maybe_free(ks);
	else
		ks_next_op(ks);
}

/* n random characters of alphabet (of size m <= 256), unbiased. */
static void
ks_random(char *out, size_t n, const char *alphabet, unsigned m)
{
	unsigned char b[64];
	unsigned lim = 256 - 256 % m;
	size_t i, got = 0;
	ssize_t r;

	while (got < n) {
		if ((r = getrandom(b, sizeof(b), 0)) < 0) {
			if (errno == EINTR)
				continue;
			log_warn("getrandom");
			abort();	/* no key without randomness */
		}
		for (i = 0; i < (size_t)r && got < n; i++)
			if (b[i] < lim)
				out[got++] = alphabet[b[i] % m];
	}
	out[n] = '\0';
	OPENSSL_cleanse(b, sizeof(b));
}

/* Make op's key: a fresh value and id. */
static void
ks_make_key(struct keystore *ks, struct ks_op *op)
{
	static const char alnum[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	struct apikey *k = calloc(1, sizeof(*k));

	if (k == NULL)
		abort();
	snprintf(k->name, sizeof(k->name), "%s", op->name);
	snprintf(k->plan, sizeof(k->plan), "%s", op->plan);
	do
		ks_random(k->id, APIKEY_ID_LEN, lower, 36);
	while (ks_by_id(ks, k->id) != NULL);
	ks_random(op->secret, APIKEY_LEN, alnum, 62);
	if (keystore_hash(op->secret, APIKEY_LEN, k->hash) != 0)
		abort();
	k->created = (int64_t)time(NULL);
	op->k = k;
}

/* Start the next queued change, answering those that cannot be made. */
static void
ks_next_op(struct keystore *ks)
{
	struct ks_op *op;
	struct apikey *k;
	char why[256], *s;
	size_t len;
	int rc;

	while (!ks->op_busy && (op = ks->ops) != NULL) {
		k = ks_by_name(ks, op->name, NULL);
		rc = 0;
		if (op->rm && k == NULL) {
			rc = -ENOENT;
			snprintf(why, sizeof(why), "no API key %.64s",
			    op->name);
		} else if (!op->rm && k != NULL) {
			rc = -EEXIST;
			snprintf(why, sizeof(why), "API key %.64s exists (made "
			    "with plan %.64s); rm it first to replace it",
			    op->name, k->plan);
		}
		if (rc == 0) {
			if (!op->rm)
				ks_make_key(ks, op);
			s = ks_keys_json(ks, op->rm ? k : NULL, op->k, &len);
			ks_write(ks, s, len, 0);
			return;
		}
		if ((ks->ops = op->next) == NULL)
			ks->ops_tail = &ks->ops;
		op->cb(op->arg, rc, why, NULL, NULL);
		free(op);
	}
}

static void
ks_queue(struct keystore *ks, int rm, const char *name, const char *plan,
    keystore_cb cb, void *arg)
{
	struct ks_op *op;

	if (!conf_fn_name_ok(name)) {
		cb(arg, -EINVAL, "a key name is 1 to 64 of A-Z a-z 0-9 _ -",
		    NULL, NULL);
		return;
	}
	if (!rm && (ks->conf == NULL || conf_find_plan(ks->conf, plan) ==
	    NULL)) {
		char why[160];

		snprintf(why, sizeof(why), "no [usage_plan %.64s] in the "
		    "configuration", plan);
		cb(arg, -EINVAL, why, NULL, NULL);
		return;
	}
	if ((op = calloc(1, sizeof(*op))) == NULL)
		abort();
	op->rm = rm;
	snprintf(op->name, sizeof(op->name), "%s", name);
	if (plan != NULL)
		snprintf(op->plan, sizeof(op->plan), "%s", plan);
	op->cb = cb;
	op->arg = arg;
	*ks->ops_tail = op;
	ks->ops_tail = &op->next;
	ks_next_op(ks);
}

void
keystore_add(struct keystore *ks, const char *name, const char *plan,
    keystore_cb cb, void *arg)
{
	ks_queue(ks, 0, name, plan, cb, arg);
}

void
keystore_rm(struct keystore *ks, const char *name, keystore_cb cb, void *arg)
{
	ks_queue(ks, 1, name, NULL, cb, arg);
}

cJSON *
keystore_list(const struct keystore *ks, int64_t now)
{
	cJSON *arr = cJSON_CreateArray(), *o;
	const struct conf_plan *pl;
	const struct apikey *k;
	size_t i;

	for (i = 0; i < KS_NSLOTS; i++)
		for (k = ks->slot[i]; k != NULL; k = k->next) {
			pl = keystore_plan(ks, k);
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", k->name);
			cJSON_AddStringToObject(o, "id", k->id);
			cJSON_AddStringToObject(o, "plan", k->plan);
			cJSON_AddBoolToObject(o, "plan_configured", pl != NULL);
			cJSON_AddNumberToObject(o, "created",
			    (double)k->created);
			cJSON_AddNumberToObject(o, "used",
			    (double)keystore_used(k, pl, now));
			cJSON_AddNumberToObject(o, "quota",
			    pl != NULL ? pl->quota : 0);
			cJSON_AddStringToObject(o, "period",
			    quota_period_name(ks_period(pl)));
			cJSON_AddNumberToObject(o, "resets",
			    (double)quota_period_end(ks_period(pl), now));
			cJSON_AddItemToArray(arr, o);
		}
	return arr;
}

static void
ks_flush_closed(uv_handle_t *h)
{
	struct keystore *ks = h->data;

	ks->flush_closed = 1;
	ks_maybe_free(ks);
}

void
keystore_close(struct keystore *ks)
{
	struct ks_op *op, **pp;

	if (ks == NULL)
		return;
	ks->closing = 1;
	/* Every change still waiting is answered now, while its asker is
	 * there to hear it: the queued ones are dropped, the one being
	 * written finishes, unanswered (it may or may not be on disk). */
	for (op = ks->ops; op != NULL; op = op->next) {
		op->cb(op->arg, -ECANCELED, "the daemon is stopping", NULL,
		    NULL);
		op->cb = NULL;
	}
	pp = ks->op_busy && ks->ops != NULL ? &ks->ops->next : &ks->ops;
	while ((op = *pp) != NULL) {
		*pp = op->next;
		free(op);
	}
	ks->ops_tail = ks->ops != NULL ? &ks->ops->next : &ks->ops;
	uv_close((uv_handle_t *)&ks->flush, ks_flush_closed);
}
