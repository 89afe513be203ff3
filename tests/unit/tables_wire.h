/*
 * tables_wire: a reply of the Tables engine as a client reads it, printed
 * and parsed again (a Query's or GetItem's items are raw nodes, their
 * stored text, until printed).  Shared by the engine's unit tests.
 */
#ifndef LAMBDAD_TEST_TABLES_WIRE_H
#define LAMBDAD_TEST_TABLES_WIRE_H

#include <criterion/criterion.h>

#include <stdlib.h>

#include <cjson/cJSON.h>

static inline cJSON *
tf_wire(cJSON *resp)
{
	char *t = cJSON_PrintUnformatted(resp);
	cJSON *back;

	cr_assert_not_null(t);
	cJSON_Delete(resp);
	back = cJSON_Parse(t);
	cr_assert_not_null(back, "the reply is not JSON: %s", t);
	free(t);
	return back;
}

#endif
