/*
 * echo: answers every event with the event itself, byte for byte.  Handy to
 * see exactly what lambdad (or AWS) hands a function: route it as
 * `ANY /echo/{proxy+}` and curl it.
 */
#include <lambda.h>

static int
echo(struct lambda_invocation *inv, void *arg)
{
	const char *event;
	size_t len;

	(void)arg;
	event = lambda_event(inv, &len);
	return lambda_reply(inv, event, len);
}

int
main(void)
{
	return lambda_run(echo, NULL);
}
