// Loads a bundled handler the way the Lambda runtime does (require of the file
// named by _HANDLER) and invokes it once with the event given as argv[3].
// Prints {"result": ...} on stdout.
'use strict';
const path = require('node:path');

const [file, eventJson] = process.argv.slice(2);
const { handler } = require(path.resolve(file));
handler(JSON.parse(eventJson), {
  awsRequestId: 'c0ffee00-0000-4000-8000-000000000002',
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  getRemainingTimeInMillis: () => 3000,
}).then(
  (result) => {
    process.stdout.write(`${JSON.stringify({ result })}\n`);
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
