// The order API, fixed: one DynamoDB client and the tables' key schemas, created
// and fetched once, at module scope (Lambda's init phase). Requests only do their work.
import { request } from 'node:http';
import {
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { traced } from 'otel-xray';

const client = new DynamoDBClient({});
const keyOf = async (table) =>
  (await client.send(new DescribeTableCommand({ TableName: table }))).Table.KeySchema[0]
    .AttributeName;
const [customerKey, skuKey, orderKey] = await Promise.all(
  ['Customers', 'Inventory', 'Orders'].map(keyOf),
);

/** POST to the payments API (instrumented `node:http`). */
export const charge = traced('charge', (amount) => {
  return new Promise((resolve, reject) => {
    const req = request(process.env.PAYMENTS_URL, { method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ amount }));
  });
});

export const handler = async (event) => {
  const { Item: customer } = await client.send(
    new GetItemCommand({ TableName: 'Customers', Key: { [customerKey]: { S: event.customerId } } }),
  );
  await client.send(
    new UpdateItemCommand({
      TableName: 'Inventory',
      Key: { [skuKey]: { S: event.sku } },
      UpdateExpression: 'SET stock = stock - :q',
      ExpressionAttributeValues: { ':q': { N: '1' } },
    }),
  );
  await charge(event.amount);
  await client.send(
    new PutItemCommand({
      TableName: 'Orders',
      Item: {
        [orderKey]: { S: event.orderId },
        customerId: { S: customer.customerId.S },
        sku: { S: event.sku },
      },
    }),
  );
  return { statusCode: 201, body: JSON.stringify({ orderId: event.orderId }) };
};
