// The demo's stand-ins for what a Lambda function talks to, all on 127.0.0.1:
// - DynamoDB: dynalite (a DynamoDB implementation in Node), behind a proxy that
//   adds the network a real region has: every new connection waits `handshakeMs`
//   (TCP + TLS to the regional endpoint) and every request `rttMs`. Without it,
//   a local DynamoDB answers in a millisecond and no design looks slow.
// - payments: an HTTP API that answers after `paymentsMs`.
import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import dynalite from 'dynalite';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';

/** Forwards `from` to `to`, each chunk `delayMs` later, in order. */
function delayed(from, to, delayMs) {
  let last = 0;
  from.on('data', (chunk) => {
    const due = Math.max(Date.now() + delayMs, last);
    last = due;
    setTimeout(() => to.write(chunk), due - Date.now());
  });
  from.on('end', () => setTimeout(() => to.end(), Math.max(0, last - Date.now())));
  from.on('error', () => to.destroy());
}

export async function startLocalAws({ handshakeMs = 30, rttMs = 10, paymentsMs = 25 } = {}) {
  // The SDK's notice that Node 20 support ends is noise in a demo.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  db.listen(0, '127.0.0.1');
  await once(db, 'listening');
  const dbPort = db.address().port;

  const proxy = net.createServer((client) => {
    client.pause();
    setTimeout(() => {
      const upstream = net.connect(dbPort, '127.0.0.1', () => {
        delayed(client, upstream, rttMs / 2);
        delayed(upstream, client, rttMs / 2);
        client.resume();
      });
      upstream.on('error', () => client.destroy());
    }, handshakeMs);
    client.on('error', () => undefined);
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const endpoint = `http://127.0.0.1:${proxy.address().port}`;

  // Tables and data, created directly on dynalite (no proxy, no tracing).
  const admin = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${dbPort}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
  });
  for (const [table, key] of [
    ['Customers', 'customerId'],
    ['Inventory', 'sku'],
    ['Orders', 'orderId'],
  ]) {
    await admin.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
  await admin.send(
    new PutItemCommand({
      TableName: 'Customers',
      Item: { customerId: { S: 'c-42' }, name: { S: 'Ada' } },
    }),
  );
  await admin.send(
    new PutItemCommand({
      TableName: 'Inventory',
      Item: { sku: { S: 'sku-7' }, stock: { N: '1000' } },
    }),
  );
  admin.destroy();

  const payments = http.createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end('{"status":"captured"}');
      }, paymentsMs),
    );
  });
  payments.listen(0, '127.0.0.1');
  await once(payments, 'listening');

  return {
    dynamodbEndpoint: endpoint,
    paymentsUrl: `http://127.0.0.1:${payments.address().port}/charges`,
    async close() {
      payments.close();
      proxy.close();
      await new Promise((resolve) => db.close(resolve));
    },
  };
}
