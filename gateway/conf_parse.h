/*
 * conf_parse: what conf.c (sections, inih, files) and conf_keys.c (the
 * keys of each section and their setters) share while one file is parsed.
 * Not for other modules.
 */
#ifndef LAMBDAD_CONF_PARSE_H
#define LAMBDAD_CONF_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "conf.h"

#define CONF_NKEYS_MAX	48

enum conf_sect {
	SECT_NONE,
	SECT_LAMBDAD,
	SECT_FUNCTION,
	SECT_CORS,
	SECT_AUTHORIZER,
	SECT_PLAN,
	SECT_WEBSOCKET,
	SECT_SITE,
	SECT_SCHEDULE,
};

/* The state of one file being parsed; inih hands it to reader and handler. */
struct conf_parser {
	struct conf	*c;
	FILE		*fp;
	const char	*file;		/* points into c->files */
	char		*dir;		/* realpath of the file's directory */
	bool		 dropin;
	char		*line;		/* getline buffer */
	size_t		 linecap;
	int		 lineno;
	enum conf_sect	 sect;
	int		 sect_line;
	size_t		 fn;		/* index into c->fns in a function section */
	size_t		 authz;		/* into c->authorizers in [authorizer] */
	size_t		 plan;		/* into c->plans in [usage_plan] */
	size_t		 ws;		/* into c->websockets in [websocket] */
	size_t		 site;		/* into c->sites in [site] */
	size_t		 sched;		/* into c->schedules in [schedule] */
	int		 seen[CONF_NKEYS_MAX];	/* line of each scalar key set */
	int		 lambdad_line;	/* where [lambdad] was, 0 if not yet */
	int		 cors_line;	/* where [cors] was, 0 if not yet */
	int		 functions_line;	/* where functions = was */
	int		 err_line;	/* line being read when the error was found */
	char		*err;
	size_t		 errlen;
};

/* One word a key of a fixed set of values takes, and what it stands for. */
struct conf_word {
	const char	*word;
	int		 value;
};

struct conf_key {
	const char	*name;
	int		(*set)(struct conf_parser *, const struct conf_key *,
			    const char *);
	size_t		 off;		/* field in its section's struct */
	unsigned	 min, max;	/* numbers: the range */
	bool		 repeatable;
	const struct conf_word *words;	/* conf_set_word: NULL-terminated */
};

/* The keys of each section (conf_keys.c), and how many. */
extern const struct conf_key conf_lambdad_keys[], conf_function_keys[],
    conf_cors_keys[], conf_plan_keys[], conf_authorizer_keys[],
    conf_websocket_keys[], conf_site_keys[], conf_schedule_keys[];
extern const size_t conf_nlambdad_keys, conf_nfunction_keys,
    conf_ncors_keys, conf_nplan_keys, conf_nauthorizer_keys,
    conf_nwebsocket_keys, conf_nsite_keys, conf_nschedule_keys;

/* conf.c's helpers for the setters. */
int	conf_error(struct conf_parser *p, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	conf_nomem(struct conf_parser *p);
struct function_conf *conf_fn(struct conf_parser *p);
int	conf_parse_hostport(const char *s, char **host, int *port);

#endif
