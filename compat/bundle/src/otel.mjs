// The function's OpenTelemetry setup (SDK 2.x line, as on the Lambda Node 20
// and 22 runtimes), bundled into the function's one file. In Lambda, send
// every span as it ends (SimpleSpanProcessor) to the daemon Lambda runs at
// AWS_XRAY_DAEMON_ADDRESS.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AWSXRayIdGenerator, AWSXRayLambdaPropagator, AWSXRaySpanExporter } from 'otel-xray';

export const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({
    'service.name': process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'bundled-fn',
    'cloud.provider': 'aws',
    'cloud.platform': 'aws_lambda',
    'cloud.region': process.env.AWS_REGION,
  }),
  idGenerator: new AWSXRayIdGenerator(),
  spanProcessors: [new SimpleSpanProcessor(new AWSXRaySpanExporter())],
});
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new AWSXRayLambdaPropagator());
