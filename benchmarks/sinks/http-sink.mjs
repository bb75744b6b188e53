// An HTTP sink for the OTLP and Zipkin exporters, and the "downstream
// service" stub that the 6-span HTTP bench calls. It reads every body (so
// the sender pays for a complete request), answers as a collector would,
// and counts requests and body bytes per route. Driven over IPC.
import * as http from 'node:http';
import { serve } from '../lib/common.mjs';

const stats = {};
const count = (route, bytes) => {
  const s = (stats[route] ??= { requests: 0, bytes: 0 });
  s.requests++;
  s.bytes += bytes;
};
const STUB_BODY = JSON.stringify({ items: [{ id: 1, qty: 2 }], ok: true });

const server = http.createServer((req, res) => {
  let bytes = 0;
  req.on('data', (chunk) => (bytes += chunk.length));
  req.on('end', () => {
    if (req.url === '/v1/traces') {
      count('otlp', bytes);
      // An empty ExportTraceServiceResponse is a valid (empty) protobuf message.
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
      res.end();
    } else if (req.url === '/api/v2/spans') {
      count('zipkin', bytes);
      res.writeHead(202, { 'content-length': 0 });
      res.end();
    } else {
      count('stub', bytes);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(STUB_BODY),
      });
      res.end(STUB_BODY);
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send({ type: 'ready', port: server.address().port });
});

serve({
  stats: () => ({ stats: structuredClone(stats) }),
  reset: () => {
    for (const k of Object.keys(stats)) delete stats[k];
  },
  exit: () => {
    server.close();
    server.closeAllConnections();
    process.disconnect();
  },
});
