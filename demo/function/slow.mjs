// The order API as first written. Each handler class creates its own DynamoDB
// client and, in its constructor, fetches its table's metadata (DescribeTable) to
// learn the key schema: on every request, three times.
import { request } from 'node:http';
import {
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { traced } from 'otel-xray';

class TableHandler {
  constructor(table) {
    this.table = table;
    this.client = new DynamoDBClient({});
    this.key = this.client
      .send(new DescribeTableCommand({ TableName: table }))
      .then((r) => r.Table.KeySchema[0].AttributeName);
  }
}

class CustomerHandler extends TableHandler {
  constructor() {
    super('Customers');
  }
  async get(id) {
    const key = await this.key;
    const r = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { [key]: { S: id } } }),
    );
    return r.Item;
  }
}

class InventoryHandler extends TableHandler {
  constructor() {
    super('Inventory');
  }
  async reserve(sku, quantity) {
    const key = await this.key;
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { [key]: { S: sku } },
        UpdateExpression: 'SET stock = stock - :q',
        ExpressionAttributeValues: { ':q': { N: String(quantity) } },
      }),
    );
  }
}

class OrderHandler extends TableHandler {
  constructor() {
    super('Orders');
  }
  async save(order) {
    const key = await this.key;
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: {
          [key]: { S: order.id },
          customerId: { S: order.customerId },
          sku: { S: order.sku },
        },
      }),
    );
  }
}

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
  const customer = await new CustomerHandler().get(event.customerId);
  await new InventoryHandler().reserve(event.sku, 1);
  await charge(event.amount);
  const order = { id: event.orderId, customerId: customer.customerId.S, sku: event.sku };
  await new OrderHandler().save(order);
  return { statusCode: 201, body: JSON.stringify({ orderId: order.id }) };
};
