/*
 * sched_echo: a test handler for schedules.  Each event it gets is
 * printed on one line, "EVENT <json>", so the test reads what the
 * function received from the daemon's log, and answered with {}.  An
 * event holding "fail-me" is answered with an error instead, so a test
 * can watch retries and the failed-events directory.
 */
#include <stdio.h>
#include <string.h>

#include "lambda.h"

static int
handle(struct lambda_invocation *inv, void *arg)
{
	const char *ev = lambda_event(inv, NULL);

	(void)arg;
	printf("EVENT %s\n", ev);
	if (strstr(ev, "fail-me") != NULL)
		return lambda_error(inv, "Scheduled.Failure", "asked to fail");
	return lambda_reply(inv, "{}", 2);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	return lambda_run(handle, NULL);
}
