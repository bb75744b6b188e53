// Applies @opentelemetry/instrumentation-aws-sdk to AWS SDK v3 client classes
// that a bundler inlined. The instrumentation normally patches
// `Client.prototype.send` of @smithy/smithy-client (or @smithy/core's client
// submodule) when require-in-the-middle sees that module load; inside a bundle
// no such require happens. Here the same patch function, taken from the
// instrumentation's public getModuleDefinitions(), is applied to the class that
// owns `send` in each given client's prototype chain (the bundled copy of the
// smithy Client). Every client class of the bundle shares that one Client, so
// one call with any client class is enough; more do no harm.
import { isWrapped } from '@opentelemetry/instrumentation';

export function instrumentBundledAwsClients(instrumentation, ...clientClasses) {
  const definition = instrumentation
    .getModuleDefinitions()
    .find((d) => d.name === '@smithy/smithy-client' && typeof d.patch === 'function');
  if (definition === undefined) {
    throw new Error('this instrumentation-aws-sdk has no @smithy/smithy-client patch to apply');
  }
  for (const ClientClass of clientClasses) {
    let proto = ClientClass.prototype;
    while (proto !== null && !Object.prototype.hasOwnProperty.call(proto, 'send')) {
      proto = Object.getPrototypeOf(proto);
    }
    if (proto === null) throw new Error(`${ClientClass.name} has no send() to instrument`);
    if (!isWrapped(proto.send)) definition.patch({ Client: proto.constructor }, 'bundled');
  }
}
