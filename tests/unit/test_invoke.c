/*
 * Unit tests for the pure parts of gateway/invoke: the FunctionName forms
 * the SDKs send, percent-decoding, which peers are trusted, and which paths
 * belong to the Invoke API.  The door itself is tested end to end with the
 * aws CLI in tests/integration/07-invoke.t.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "invoke.h"

struct name_case {
	char	in[160];
	int	rc;
	char	name[65];
	char	qual[32];
};

ParameterizedTestParameters(invoke, split_name)
{
	static struct name_case cases[] = {
		{ "f", 0, "f", "" },
		{ "my-func_1", 0, "my-func_1", "" },
		{ "f:$LATEST", 0, "f", "$LATEST" },
		{ "f:prod", 0, "f", "prod" },
		{ "123456789012:function:f", 0, "f", "" },
		{ "123456789012:function:f:$LATEST", 0, "f", "$LATEST" },
		{ "arn:aws:lambda:us-east-1:123456789012:function:f", 0, "f", "" },
		{ "arn:aws:lambda:eu-west-3:123456789012:function:f:7", 0, "f", "7" },
		{ "arn:aws-cn:lambda:cn-north-1:123456789012:function:g", 0, "g", "" },
		{ "", -EINVAL, "", "" },
		{ "f:", -EINVAL, "", "" },
		{ "f:a:b", -EINVAL, "", "" },
		{ "f.x", -EINVAL, "", "" },
		{ "f/x", -EINVAL, "", "" },
		{ "f:pr od", -EINVAL, "", "" },
		{ "12345:function:f", -EINVAL, "", "" },
		{ "123456789012:function:f:1:2", -EINVAL, "", "" },
		{ "arn:aws:s3:us-east-1:123456789012:function:f", -EINVAL, "", "" },
		{ "arn:aws:lambda:us-east-1:123456789012:layer:f", -EINVAL, "", "" },
		{ "arn:aws:lambda::123456789012:function:f", -EINVAL, "", "" },
		{ "arn:aws:lambda:us-east-1:123456789012:function:", -EINVAL, "", "" },
		{ "arn:aws:lambda:us-east-1:123456789012:function:f:1:2", -EINVAL,
		  "", "" },
		{ "a:b:c:d:e:f:g:h:i:j", -EINVAL, "", "" },
		{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		  0, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		  "" },
		{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		  -EINVAL, "", "" },
	};

	return cr_make_param_array(struct name_case, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct name_case *tc, invoke, split_name)
{
	char name[65] = "?", qual[32] = "?";
	int rc = invoke_split_name(tc->in, name, qual, sizeof(qual));

	cr_assert_eq(rc, tc->rc, "\"%s\": rc %d, want %d", tc->in, rc, tc->rc);
	if (rc != 0)
		return;
	cr_assert_str_eq(name, tc->name, "\"%s\"", tc->in);
	cr_assert_str_eq(qual, tc->qual, "\"%s\"", tc->in);
}

Test(invoke, split_name_qualifier_too_long_for_buffer)
{
	char name[65], qual[4];

	cr_assert_eq(invoke_split_name("f:abcd", name, qual, sizeof(qual)), -EINVAL);
	cr_assert_eq(invoke_split_name("f:abc", name, qual, sizeof(qual)), 0);
	cr_assert_str_eq(qual, "abc");
}

Test(invoke, pct_decode)
{
	char out[64];

	cr_assert_eq(invoke_pct_decode("f%3A%24LATEST", 13, out), 0);
	cr_assert_str_eq(out, "f:$LATEST");
	cr_assert_eq(invoke_pct_decode("arn%3aaws", 9, out), 0);
	cr_assert_str_eq(out, "arn:aws");
	cr_assert_eq(invoke_pct_decode("a+b", 3, out), 0);
	cr_assert_str_eq(out, "a+b", "'+' is not a space in a path");
	cr_assert_eq(invoke_pct_decode("abc", 2, out), 0);
	cr_assert_str_eq(out, "ab", "only n bytes are read");
	cr_assert_eq(invoke_pct_decode("%", 1, out), -EINVAL);
	cr_assert_eq(invoke_pct_decode("%4", 2, out), -EINVAL);
	cr_assert_eq(invoke_pct_decode("%zz", 3, out), -EINVAL);
	cr_assert_eq(invoke_pct_decode("a%00b", 5, out), -EINVAL,
	    "an escaped NUL would cut the name short");
}

static int
trusted(int family, const char *addr)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET)
		cr_assert_eq(inet_pton(AF_INET, addr,
		    &((struct sockaddr_in *)&ss)->sin_addr), 1);
	else
		cr_assert_eq(inet_pton(AF_INET6, addr,
		    &((struct sockaddr_in6 *)&ss)->sin6_addr), 1);
	return invoke_peer_trusted(&ss);
}

Test(invoke, peer_trusted_is_loopback_only)
{
	cr_assert(trusted(AF_INET, "127.0.0.1"));
	cr_assert(trusted(AF_INET, "127.1.2.3"));
	cr_assert(trusted(AF_INET6, "::1"));
	cr_assert(trusted(AF_INET6, "::ffff:127.0.0.1"));
	cr_assert_not(trusted(AF_INET, "10.0.0.1"));
	cr_assert_not(trusted(AF_INET, "128.0.0.1"));
	cr_assert_not(trusted(AF_INET, "0.0.0.0"));
	cr_assert_not(trusted(AF_INET6, "::"));
	cr_assert_not(trusted(AF_INET6, "::ffff:10.0.0.1"));
	cr_assert_not(trusted(AF_INET6, "fe80::1"));
	cr_assert_not(trusted(AF_INET6, "::2"));
}

Test(invoke, peer_trusted_other_families)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	cr_assert_not(invoke_peer_trusted(&ss));
}

Test(invoke, match)
{
#define M(s)	invoke_match(s, strlen(s))
	cr_assert(M("/2015-03-31/functions"));
	cr_assert(M("/2015-03-31/functions/"));
	cr_assert(M("/2015-03-31/functions/f/invocations"));
	cr_assert(M("/2016-08-19/account-settings"));
	cr_assert(M("/2016-08-19/account-settings/"));
	cr_assert_not(M("/2015-03-31/functionsx"));
	cr_assert_not(M("/2015-03-31/function"));
	cr_assert_not(M("/2015-03-31"));
	cr_assert_not(M("/f/invocations"));
	cr_assert_not(M("/2016-08-19/account-settingsx"));
	cr_assert_not(M(""));
	cr_assert(invoke_match("/2015-03-31/functions/zzz", 21),
	    "only len bytes count");
#undef M
}
