// A stand-in for the AWS Lambda Node.js runtime, started by demo.mjs as
//
//   NODE_OPTIONS="--import otel-xray/register" node lambda-runtime.mjs INVOCATIONS
//
// with the environment Lambda sets (AWS_LAMBDA_FUNCTION_NAME, LAMBDA_TASK_ROOT,
// _HANDLER, AWS_REGION, AWS_XRAY_DAEMON_ADDRESS, …). Like Lambda it loads the
// handler module once (the init phase), then for each invocation sets
// `_X_AMZN_TRACE_ID` (a new trace, Sampled=1) and calls the handler. It also plays
// the part of the Lambda service, which records the function's segment itself:
// after each invocation it sends that segment (the parent of the function's spans)
// to the daemon. One JSON line per invocation on stdout.
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const env = process.env;
const invocations = Number(process.argv[2] ?? 3);
const epoch = () => (performance.timeOrigin + performance.now()) / 1000;

// Init: load the handler module, as Lambda does (the instrumentation wraps it).
const initStart = performance.timeOrigin / 1000;
const [moduleName, exportName] = env._HANDLER.split('.');
const mod = await import(pathToFileURL(join(env.LAMBDA_TASK_ROOT, `${moduleName}.mjs`)).href);
const handler = mod[exportName];
const initEnd = epoch();

const [host, port] = env.AWS_XRAY_DAEMON_ADDRESS.split(':');
const socket = dgram.createSocket('udp4');
const sendDocument = (doc) =>
  new Promise((resolve) =>
    socket.send(
      `{"format":"json","version":1}\n${JSON.stringify(doc)}`,
      Number(port),
      host,
      resolve,
    ),
  );

for (let n = 1; n <= invocations; n++) {
  const traceId = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  const segmentId = randomBytes(8).toString('hex');
  env._X_AMZN_TRACE_ID = `Root=${traceId};Parent=${segmentId};Sampled=1`;
  const requestId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const event = { orderId: `o-${n}`, customerId: 'c-42', sku: 'sku-7', amount: 42 };
  const context = {
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${env.AWS_REGION}:123456789012:function:${env.AWS_LAMBDA_FUNCTION_NAME}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    getRemainingTimeInMillis: () => 3000,
  };
  const start = epoch();
  const t0 = performance.now();
  const result = await handler(event, context);
  const ms = performance.now() - t0;
  const end = epoch();
  const cold = n === 1;
  // What Lambda records: the function segment, with the init phase on a cold start.
  await sendDocument({
    name: env.AWS_LAMBDA_FUNCTION_NAME,
    id: segmentId,
    trace_id: traceId,
    start_time: cold ? initStart : start,
    end_time: end,
    origin: 'AWS::Lambda::Function',
    aws: { function_arn: context.invokedFunctionArn, request_id: requestId },
    ...(cold
      ? {
          subsegments: [
            {
              name: 'Initialization',
              id: randomBytes(8).toString('hex'),
              start_time: initStart,
              end_time: initEnd,
            },
          ],
        }
      : {}),
  });
  process.stdout.write(
    `${JSON.stringify({ n, traceId, ms, initMs: cold ? (initEnd - initStart) * 1000 : 0, statusCode: result?.statusCode })}\n`,
  );
}
socket.close();
