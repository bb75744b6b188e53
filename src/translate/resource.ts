/**
 * What a resource contributes to segments: the name, `origin`, the `aws`
 * block (`ec2`, `ecs`, `eks`, `elastic_beanstalk`, `cloudwatch_logs`, `xray`,
 * `account_id`), `service.version` and the remaining resource attributes as
 * `otel.resource.*` metadata. Spans share their resource object, so this is
 * computed once per resource and cached.
 */
import type { Attributes } from '@opentelemetry/api';
import type { JsonValue, ResourceLike } from '../types.js';
import { toJsonValue } from './values.js';

export interface ResourceInfo {
  serviceName: string | undefined;
  origin: string | undefined;
  aws: Record<string, JsonValue> | undefined;
  serviceVersion: string | undefined;
  /** `otel.resource.<key>` → value, for `metadata.default` of segments. */
  metadata: ReadonlyArray<readonly [string, JsonValue]>;
}

const ORIGINS: Record<string, string> = {
  aws_ec2: 'AWS::EC2::Instance',
  aws_ecs: 'AWS::ECS::Container',
  aws_eks: 'AWS::EKS::Container',
  aws_elastic_beanstalk: 'AWS::ElasticBeanstalk::Environment',
  aws_app_runner: 'AWS::AppRunner::Service',
};

const EMPTY: ResourceInfo = {
  serviceName: undefined,
  origin: undefined,
  aws: undefined,
  serviceVersion: undefined,
  metadata: [],
};

const cache = new WeakMap<object, ResourceInfo>();

export function resourceInfo(resource: ResourceLike | undefined): ResourceInfo {
  const attrs = resource?.attributes;
  if (attrs === undefined || attrs === null || typeof attrs !== 'object') return EMPTY;
  let info = cache.get(attrs);
  if (info === undefined) {
    info = compute(attrs);
    cache.set(attrs, info);
  }
  return info;
}

function compute(attrs: Attributes): ResourceInfo {
  const used = new Set<string>();
  const str = (key: string): string | undefined => {
    const v = attrs[key];
    if (typeof v !== 'string' || v === '') return undefined;
    used.add(key);
    return v;
  };
  const block = (pairs: Array<[string, string]>): Record<string, JsonValue> | undefined => {
    let out: Record<string, JsonValue> | undefined;
    for (const [attr, field] of pairs) {
      const v = str(attr);
      if (v !== undefined) (out ??= {})[field] = v;
    }
    return out;
  };

  const serviceName = str('service.name');
  const provider = str('cloud.provider');
  const onAws = provider === undefined || provider === 'aws';
  const platform = str('cloud.platform');
  const origin = onAws && platform !== undefined ? ORIGINS[platform] : undefined;

  const aws: Record<string, JsonValue> = {};
  const account = str('cloud.account.id');
  if (account !== undefined && onAws) aws.account_id = account;
  if (onAws && platform === 'aws_ec2') {
    const ec2 = block([
      ['host.id', 'instance_id'],
      ['host.type', 'instance_size'],
      ['host.image.id', 'ami_id'],
      ['cloud.availability_zone', 'availability_zone'],
    ]);
    if (ec2) aws.ec2 = ec2;
  }
  if (onAws && platform === 'aws_ecs') {
    const ecs = block([
      ['container.name', 'container'],
      ['container.id', 'container_id'],
      ['cloud.availability_zone', 'availability_zone'],
      ['aws.ecs.cluster.arn', 'cluster_arn'],
      ['aws.ecs.container.arn', 'container_arn'],
      ['aws.ecs.task.arn', 'task_arn'],
      ['aws.ecs.task.family', 'task_family'],
      ['aws.ecs.launchtype', 'launch_type'],
    ]);
    if (ecs) aws.ecs = ecs;
  }
  if (onAws && platform === 'aws_eks') {
    const eks = block([
      ['k8s.cluster.name', 'cluster_name'],
      ['k8s.pod.name', 'pod'],
      ['container.id', 'container_id'],
    ]);
    if (eks) aws.eks = eks;
  }
  if (onAws && platform === 'aws_elastic_beanstalk') {
    const eb: Record<string, JsonValue> = {};
    const env = str('service.namespace');
    const deployment = str('service.instance.id');
    const version = attrs['service.version'];
    if (env !== undefined) eb.environment_name = env;
    if (deployment !== undefined) {
      const n = Number(deployment);
      eb.deployment_id = Number.isSafeInteger(n) ? n : deployment;
    }
    if (typeof version === 'string' && version !== '') eb.version_label = version;
    if (Object.keys(eb).length > 0) aws.elastic_beanstalk = eb;
  }
  const logs = logGroups(attrs, used);
  if (logs !== undefined) aws.cloudwatch_logs = logs;
  const sdkName = str('telemetry.sdk.name');
  const sdkLanguage = str('telemetry.sdk.language');
  const sdkVersion = str('telemetry.sdk.version');
  const auto = str('telemetry.auto.version') ?? str('telemetry.distro.version');
  if (sdkName !== undefined || sdkVersion !== undefined || auto !== undefined) {
    const xray: Record<string, JsonValue> = {};
    if (sdkName !== undefined) xray.sdk = sdkLanguage ? `${sdkName} for ${sdkLanguage}` : sdkName;
    if (sdkVersion !== undefined) xray.sdk_version = sdkVersion;
    if (auto !== undefined) xray.auto_instrumentation = true;
    aws.xray = xray;
  }

  const serviceVersion = str('service.version');
  const metadata: Array<readonly [string, JsonValue]> = [];
  for (const key of Object.keys(attrs)) {
    if (used.has(key)) continue;
    const v = toJsonValue(attrs[key]);
    if (v !== undefined) metadata.push([`otel.resource.${key}`, v]);
  }
  return {
    serviceName,
    origin,
    aws: Object.keys(aws).length > 0 ? aws : undefined,
    serviceVersion,
    metadata,
  };
}

function logGroups(attrs: Attributes, used: Set<string>): JsonValue[] | undefined {
  const list = (key: string): string[] => {
    const v = attrs[key];
    const items = typeof v === 'string' ? v.split('&') : Array.isArray(v) ? v : [];
    const out = items.filter((x): x is string => typeof x === 'string' && x !== '');
    if (out.length > 0) used.add(key);
    return out;
  };
  const arns = list('aws.log.group.arns');
  const names = list('aws.log.group.names');
  if (arns.length > 0) {
    return arns.map((arn): JsonValue => {
      // arn:aws:logs:region:account:log-group:NAME[:*]
      const name = arn.split(':')[6];
      return name ? { log_group: name, arn } : { arn };
    });
  }
  return names.length > 0 ? names.map((log_group) => ({ log_group })) : undefined;
}
