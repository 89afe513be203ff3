/*
 * conf_load: loading a configuration as a whole (conf.h's entry points):
 * the main file, then the drop-in directory's files in name order, then
 * the checks that need every file (routes, authorizers, the API gateway's
 * settings, uids), and freeing.  conf.c parses one file.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "conf.h"
#include "conf_int.h"
#include "route.h"

/* ---- the drop-in directory ---------------------------------------------- */

static int
conf_dropin_filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > 5 &&
	    strcmp(d->d_name + len - 5, ".conf") == 0;
}

/* Byte order, not the locale's collation, so the order is the same anywhere. */
static int
conf_dropin_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
conf_load_dropin(struct conf *c, const char *dir, const char *name, char *err,
    size_t errlen)
{
	char *path;
	int rc;

	if ((path = conf_join(dir, name)) == NULL) {
		snprintf(err, errlen, "%s:0: out of memory", name);
		return -1;
	}
	rc = conf_parse_file(c, path, true, NULL, err, errlen);
	free(path);
	return rc;
}

/*
 * scandir(3) on a directory opened with conf_open (so the opener's rights
 * apply to it): the *.conf entries, in byte order.  Count or -1 with errno.
 */
static int
conf_scandir(const char *dir, struct dirent ***out)
{
	struct dirent **v = NULL, *e, *copy;
	DIR *d;
	int fd, n = 0;

	if ((fd = conf_open(dir, true)) < 0) {
		errno = -fd;
		return -1;
	}
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (!conf_dropin_filter(e))
			continue;
		if (conf_grow(&v, (size_t)n, sizeof(*v)) < 0 ||
		    (copy = malloc(sizeof(*e))) == NULL) {
			while (n > 0)
				free(v[--n]);
			free(v);
			closedir(d);
			errno = ENOMEM;
			return -1;
		}
		memcpy(copy, e, sizeof(*e));
		v[n++] = copy;
	}
	closedir(d);
	if (n > 0)
		qsort(v, (size_t)n, sizeof(*v),
		    (int (*)(const void *, const void *))conf_dropin_cmp);
	*out = v;
	return n;
}

/*
 * A deployed drop-in (state_dir/functions.d/NAME.conf, as deploy.c and the
 * control plane write them) whose NAME the operator's own files already
 * define (the first nops of c's functions): the operator's wins, and the
 * drop-in is not read, nor are the function's versions (NAME:N.conf).
 */
static bool
conf_shadowed(const struct conf *c, size_t nops, const char *file)
{
	const char *colon = strchr(file, ':');
	/* Less ".conf"; a version NAME:N goes with its function NAME. */
	size_t i, n = colon != NULL ? (size_t)(colon - file) : strlen(file) - 5;

	for (i = 0; i < nops; i++)
		if (strlen(c->fns[i].name) == n &&
		    strncmp(c->fns[i].name, file, n) == 0)
			return true;
	return false;
}

static int
conf_load_dropins(struct conf *c, const char *dir, int functions_line,
    bool deployed, char *err, size_t errlen)
{
	struct dirent **ents;
	size_t nops = c->nfns;
	int i, n, rc = 0;

	n = conf_scandir(dir, &ents);
	if (n < 0 && functions_line == 0 && (errno == ENOENT || errno == ENOTDIR))
		return 0;	/* nothing deployed yet */
	if (n < 0 && functions_line == 0) {
		snprintf(err, errlen, "%s:0: cannot read: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (n < 0) {
		snprintf(err, errlen, "%s:%d: functions: cannot read \"%s\": %s",
		    c->files[0], functions_line, c->functions_dir,
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && !(deployed && conf_shadowed(c, nops,
		    ents[i]->d_name)))
			rc = conf_load_dropin(c, dir, ents[i]->d_name, err,
			    errlen);
		free(ents[i]);
	}
	free(ents);
	return rc;
}

/* ---- entry points -------------------------------------------------------- */

int
conf_load(const char *path, struct conf **out, char *err, size_t errlen)
{
	return conf_load_io(path, NULL, out, err, errlen);
}

static int	conf_load_all(const char *path, struct conf **out, char *err,
		    size_t errlen);

int
conf_load_io(const char *path, const struct conf_io *io, struct conf **out,
    char *err, size_t errlen)
{
	int rc;

	conf_cur_io = io;
	rc = conf_load_all(path, out, err, errlen);
	conf_cur_io = NULL;
	return rc;
}

static int
conf_load_all(const char *path, struct conf **out, char *err, size_t errlen)
{
	struct conf *c;
	char *deployed;
	int functions_line = 0, rc;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->listen_host = strdup("127.0.0.1")) == NULL) {
		snprintf(err, errlen, "%s:0: out of memory", path);
		conf_free(c);
		return -1;
	}
	c->listen_port = 8080;
	c->metrics_port = -1;
	c->grace_s = 10;
	c->event_retry_delay_s = 60;
	c->event_queue_max = 10000;
	c->code_storage_mb = 76800;	/* Lambda's 75 GB */
	c->dynamodb_port = -1;
	c->s3_port = -1;
	c->tables_sync_full = 1;
	c->header_timeout_s = 10;
	c->body_timeout_s = 10;
	c->send_timeout_s = 30;
	c->throttle_mrate = CONF_UNSET;
	c->throttle_burst = CONF_UNSET;
	c->cache_size_mb = 64;
	if (conf_parse_file(c, path, false, &functions_line, err, errlen) < 0)
		goto fail;
	if (c->functions_dir != NULL && conf_load_dropins(c, c->functions_dir,
	    functions_line, false, err, errlen) < 0)
		goto fail;
	/* What lambdactl deployed: <state_dir>/functions.d, read last. */
	if ((deployed = conf_join(conf_state_dir(c), "functions.d")) == NULL) {
		snprintf(err, errlen, "%s:0: out of memory", path);
		goto fail;
	}
	rc = conf_load_dropins(c, deployed, 0, true, err, errlen);
	free(deployed);
	if (rc < 0)
		goto fail;
	if (conf_check_routes(c, err, errlen) < 0 ||
	    conf_on_object_finish(c, err, errlen) < 0 ||
	    conf_auth_resolve(c, err, errlen) < 0 ||
	    conf_ws_resolve(c, err, errlen) < 0 ||
	    conf_sched_resolve(c, err, errlen) < 0 ||
	    conf_check_auth(c, err, errlen) < 0 ||
	    conf_apigw_finish(c, err, errlen) < 0 ||
	    conf_docs_finish(c, err, errlen) < 0 ||
	    conf_plan_finish(c, err, errlen) < 0 ||
	    conf_site_finish(c, err, errlen) < 0)
		goto fail;
	conf_stat_bootstraps(c);
	conf_assign_uids(c);
	if (conf_list_others(c) < 0) {
		snprintf(err, errlen, "%s:0: out of memory", path);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	conf_free(c);
	return -1;
}

static void
conf_fn_free(struct function_conf *fn)
{
	size_t i;

	free(fn->name);
	free(fn->bootstrap);
	free(fn->task_root);
	free(fn->opt_dir);
	free(fn->others);
	for (i = 0; i < fn->nroutes; i++)
		free(fn->routes[i].spec);
	free(fn->routes);
	for (i = 0; i < fn->nenv; i++)
		free(fn->env[i]);
	free(fn->env);
	conf_tables_free(fn);
	conf_on_object_free(fn);
	conf_apigw_fn_free(fn);
	conf_auth_fn_free(fn);
	conf_docs_fn_free(fn);
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nfns; i++)
		conf_fn_free(&c->fns[i]);
	free(c->fns);
	free(c->layer_dirs[0]);
	free(c->layer_dirs[1]);
	conf_auth_free(c);
	conf_plan_free(c);
	conf_ws_free(c);
	conf_site_free(c);
	conf_sched_free(c);
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c->functions_dir);
	free(c->listen_host);
	free(c->user);
	free(c->state_dir);
	free(c->admin_socket);
	free(c->admin_group);
	for (i = 0; i < c->naccess_keys; i++)
		free(c->access_keys[i]);
	free(c->access_keys);
	free(c->metrics_host);
	free(c->dynamodb_host);
	free(c->tables_dir);
	free(c->s3_host);
	free(c->buckets_dir);
	free(c->tables_backend);
	free(c->tables_backend_key);
	free(c->tables_backend_region);
	free(c->docs_path);
	conf_apigw_free(c);
	conf_stage_free(c);
	free(c);
}
