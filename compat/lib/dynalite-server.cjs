// dynalite (a local DynamoDB) in a process of its own, so that the test
// process's http instrumentation never sees its server side. Prints
// {"port":N} once listening; exits when its stdin closes (the test ended or died).
'use strict';
const dynalite = require(require.resolve('dynalite', { paths: [process.cwd()] }));

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
