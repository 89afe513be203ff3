/*
 * fcgi_hello: the FastCGI side of the benchmark, the handler a C developer
 * on a VPS writes today.  It answers GET /hello/NAME with "Hello, NAME!" as
 * text, the same reply as examples/hello behind lambdad, using libfcgi's
 * fcgiapp interface.  spawn-fcgi starts it with the listening socket on
 * fd 0; nginx talks to it with fastcgi_pass.
 *
 * NAME is taken from PATH_INFO when nginx sets it, else from REQUEST_URI
 * (up to any query string).
 */
#include <stdio.h>
#include <string.h>

#include <fcgiapp.h>

/* Point *name at what follows the last '/' of the path; return its length. */
static size_t
hello_name(FCGX_ParamArray envp, const char **name)
{
	const char *path, *slash;
	size_t len;

	path = FCGX_GetParam("PATH_INFO", envp);
	if (path == NULL || *path == '\0')
		path = FCGX_GetParam("REQUEST_URI", envp);
	if (path == NULL)
		path = "/";
	len = strcspn(path, "?");
	slash = memrchr(path, '/', len);
	if (slash == NULL)
		slash = path - 1;
	*name = slash + 1;
	return len - (size_t)(*name - path);
}

static void
hello_reply(FCGX_Request *rq)
{
	char body[256];
	const char *name;
	size_t nlen;
	int blen;

	nlen = hello_name(rq->envp, &name);
	if (nlen > 200)
		nlen = 200;
	blen = snprintf(body, sizeof(body), "Hello, %.*s!", (int)nlen, name);
	FCGX_FPrintF(rq->out,
	    "Status: 200 OK\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: %d\r\n"
	    "\r\n", blen);
	FCGX_PutStr(body, blen, rq->out);
}

int
main(void)
{
	FCGX_Request rq;

	if (FCGX_Init() != 0)
		return 1;
	/* fd 0 is the listening socket spawn-fcgi made. */
	if (FCGX_InitRequest(&rq, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&rq) >= 0) {
		hello_reply(&rq);
		FCGX_Finish_r(&rq);
	}
	return 0;
}
