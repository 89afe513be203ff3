// Validate an OpenAPI document (a file, or - for stdin) with
// @apidevtools/swagger-parser: the OpenAPI 3.0 schema and its rules
// (path parameters declared, operationIds unique, $refs resolvable).
// Prints "valid: TITLE VERSION" and exits 0, or the validator's error
// and exits 1.
"use strict";
const SwaggerParser = require("@apidevtools/swagger-parser");
const fs = require("fs");

const text = fs.readFileSync(process.argv[2] === "-" ? 0 : process.argv[2], "utf8");
SwaggerParser.validate(JSON.parse(text))
	.then((api) => {
		console.log("valid: " + api.info.title + " " + api.info.version);
	})
	.catch((e) => {
		console.log("invalid: " + e.message);
		process.exit(1);
	});
