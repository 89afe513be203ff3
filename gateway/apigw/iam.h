/*
 * iam: the auth = aws_iam stage.  A route of a function with auth =
 * aws_iam needs a SigV4 signature for service execute-api from one of the
 * access keys ([lambdad] access_key), as API Gateway's IAM authorization.
 * Without one: 403 {"message":"Forbidden"} with x-amzn-ErrorType naming
 * the cause (sigv4.h); the details go to the log, not to the client.
 * Other functions' routes pass untouched.
 */
#ifndef LAMBDAD_APIGW_IAM_H
#define LAMBDAD_APIGW_IAM_H

#include "apigw/apigw.h"

int	apigw_iam(struct apigw_call *c);

#endif
