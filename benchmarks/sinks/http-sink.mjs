// An HTTP sink for the OTLP and Zipkin exporters, and the "downstream
// service" stub that the 6-span HTTP bench calls. It reads every body (so
// the sender pays for a complete request), answers as a collector would,
// and counts requests and body bytes per route, and the spans in OTLP/proto
// bodies. Driven over IPC.
import * as http from 'node:http';
import { serve } from '../lib/common.mjs';

const stats = {};
const count = (route, bytes, spans = 0) => {
  const s = (stats[route] ??= { requests: 0, bytes: 0, spans: 0 });
  s.requests++;
  s.bytes += bytes;
  s.spans += spans;
};

/** Reads a protobuf varint at `pos`: [value, next position]. */
function varint(buf, pos) {
  let value = 0;
  let shift = 1;
  for (;;) {
    const b = buf[pos++];
    value += (b & 0x7f) * shift;
    if (b < 0x80) return [value, pos];
    shift *= 128;
  }
}

/**
 * Calls `onField(field, start, end)` for each length-delimited field of the
 * protobuf message in buf[start, end), skipping the others.
 */
function eachLenField(buf, start, end, onField) {
  let pos = start;
  while (pos < end) {
    let key;
    [key, pos] = varint(buf, pos);
    const wire = key & 7;
    if (wire === 0) [, pos] = varint(buf, pos);
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      let len;
      [len, pos] = varint(buf, pos);
      onField(key >>> 3, pos, pos + len);
      pos += len;
    } else return; // groups: not in OTLP
  }
}

/**
 * Spans in an OTLP ExportTraceServiceRequest: resource_spans (1) →
 * scope_spans (2) → spans (2). Only the nesting is walked, nothing decoded.
 */
function otlpSpans(buf) {
  let n = 0;
  eachLenField(buf, 0, buf.length, (f1, s1, e1) => {
    if (f1 !== 1) return;
    eachLenField(buf, s1, e1, (f2, s2, e2) => {
      if (f2 !== 2) return;
      eachLenField(buf, s2, e2, (f3) => {
        if (f3 === 2) n++;
      });
    });
  });
  return n;
}
const STUB_BODY = JSON.stringify({ items: [{ id: 1, qty: 2 }], ok: true });

const server = http.createServer((req, res) => {
  let bytes = 0;
  const chunks = req.url === '/v1/traces' ? [] : undefined;
  req.on('data', (chunk) => {
    bytes += chunk.length;
    chunks?.push(chunk);
  });
  req.on('end', () => {
    if (req.url === '/v1/traces') {
      let spans = NaN;
      try {
        spans = otlpSpans(Buffer.concat(chunks));
      } catch {
        // not protobuf (or compressed): spans unknown
      }
      count('otlp', bytes, spans);
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
