/**
 * The `aws` block of AWS SDK calls, from the attributes the current
 * instrumentation-aws-sdk emits and the older names. docs/attribute-mapping.md
 * has the table.
 */
import type { JsonValue } from '../shared/types.js';
import type { AttrReader } from './attrs.js';
import { stripCredentials } from './attrs.js';

const DYNAMODB = new Set(['dynamodb', 'aws.dynamodb']);

/** `[attribute, X-Ray field]` pairs copied as they are (first present wins per field). */
const SIMPLE: ReadonlyArray<readonly [string, string]> = [
  ['aws.request.extended_id', 'id_2'],
  ['aws.s3.bucket', 'bucket_name'],
  ['aws.s3.key', 'key_name'],
  ['aws.sns.topic.arn', 'topic_arn'],
  ['aws.kinesis.stream.name', 'stream_name'],
  ['faas.invoked_name', 'function_name'],
  ['aws.secretsmanager.secret.arn', 'secret_arn'],
  ['aws.step_functions.state_machine.arn', 'state_machine_arn'],
  ['aws.step_functions.activity.arn', 'activity_arn'],
];

export function buildAws(
  r: AttrReader,
  awsSdk: boolean,
  dbSystem: string | undefined,
): Record<string, JsonValue> | undefined {
  let out: Record<string, JsonValue> | undefined;
  if (awsSdk) {
    // Shown as the subsegment's namespace and name, and as `operation`.
    r.str('rpc.system');
    r.str('rpc.service');
    r.str('db.operation.name');
  }
  const set = (field: string, value: JsonValue | undefined): void => {
    if (value !== undefined) (out ??= {})[field] = value;
  };
  set('operation', r.str('aws.operation') ?? (awsSdk ? r.str('rpc.method') : undefined));
  set('region', r.str('aws.region') ?? r.str('cloud.region'));
  set('request_id', r.str('aws.request_id') ?? r.str('aws.requestId') ?? r.str('aws.request.id'));
  set('account_id', r.str('aws.account_id') ?? (awsSdk ? r.str('cloud.account.id') : undefined));

  const service = r.peek('rpc.service');
  const queue =
    r.str('aws.queue_url') ??
    r.str('aws.queue.url') ??
    r.str('aws.sqs.queue.url') ??
    r.str('messaging.url') ??
    (awsSdk && service === 'SQS' ? r.str('url.full') : undefined);
  set('queue_url', queue === undefined ? undefined : stripCredentials(queue));

  const dynamoTable =
    dbSystem !== undefined && DYNAMODB.has(dbSystem) ? r.str('db.namespace') : undefined;
  const table = r.str('aws.table_name') ?? r.str('aws.table.name');
  const tables = r.strs('aws.dynamodb.table_names');
  if (table !== undefined) set('table_name', table);
  else if (tables !== undefined && tables.length === 1) set('table_name', tables[0]);
  else if (tables !== undefined) set('table_names', tables);
  else set('table_name', dynamoTable);

  for (const [attr, field] of SIMPLE) set(field, r.str(attr));
  if (r.peek('gen_ai.system') === 'aws.bedrock') set('model_id', r.str('gen_ai.request.model'));
  return out;
}
