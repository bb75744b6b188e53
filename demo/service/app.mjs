// A small HTTP service for the demo's sampling part, traced with one line
// (NODE_OPTIONS="--import otel-xray/register"), so X-Ray's sampling rules
// (here served by `otel-xray daemon`) decide which requests are recorded.
//   GET /health  -> 200 (load balancer health checks)
//   POST /orders -> 201
//   GET /flush   -> sends what was recorded and answers with the exporter's count of sent spans
import { createServer } from 'node:http';
import { getXRaySetup } from 'otel-xray';

const server = createServer(async (req, res) => {
  if (req.url === '/flush') {
    const setup = getXRaySetup();
    await setup?.forceFlush();
    res.end(JSON.stringify({ spansSent: setup?.exporter?.getStats().spansSent ?? 0 }));
    return;
  }
  req.resume();
  res.statusCode = req.url === '/orders' ? 201 : 200;
  res.end();
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close());
