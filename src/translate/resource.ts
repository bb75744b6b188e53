/**
 * What a resource contributes to segments: the name, `origin`, the `aws`
 * block (`ec2`, `ecs`, `eks`, `elastic_beanstalk`, `cloudwatch_logs`, `xray`,
 * `account_id`), `service.version`, the remaining resource attributes as
 * `otel.resource.*` metadata, and the scalar ones ready to be annotations.
 * Spans share their resource object, so this is computed once per resource
 * and cached.
 */
import type { Attributes } from '@opentelemetry/api';
import type { JsonValue, ResourceLike } from '../shared/types.js';
import { sanitizeAnnotationKey } from './names.js';
import { cut, isAnnotationValue, toJsonValue } from './values.js';

/** X-Ray's limit for an annotation's string value. */
export const MAX_ANNOTATION_STRING = 1000;

/** A scalar resource attribute, ready to be an annotation when the options ask for it. */
export interface ResourceAnnotation {
  /** `otel.resource.<key>`: the name `indexedAttributes` uses. */
  readonly key: string;
  /** {@link key} sanitised to `[A-Za-z0-9_]`. */
  readonly annotationKey: string;
  /** Strings cut to 1,000 characters. */
  readonly value: string | number | boolean;
  /** True when the attribute also fills an X-Ray field (then it is not in {@link ResourceInfo.metadata}). */
  readonly mapped: boolean;
}

export interface ResourceInfo {
  serviceName: string | undefined;
  origin: string | undefined;
  aws: Record<string, JsonValue> | undefined;
  serviceVersion: string | undefined;
  /** `otel.resource.<key>` → value, for `metadata.default` of segments. */
  metadata: ReadonlyArray<readonly [string, JsonValue]>;
  /** Every scalar resource attribute, in resource order. */
  annotations: readonly ResourceAnnotation[];
}

const ORIGINS: Record<string, string> = {
  aws_ec2: 'AWS::EC2::Instance',
  aws_ecs: 'AWS::ECS::Container',
  aws_eks: 'AWS::EKS::Container',
  aws_elastic_beanstalk: 'AWS::ElasticBeanstalk::Environment',
  aws_app_runner: 'AWS::AppRunner::Service',
};

/** ECS origins by `aws.ecs.launchtype` (the resource detector writes it lower-case). */
const ECS_ORIGINS: Record<string, string> = {
  ec2: 'AWS::ECS::EC2',
  fargate: 'AWS::ECS::Fargate',
};

/** Platforms that run on EC2 instances the app can see (`host.id` is the instance). */
const ON_EC2 = new Set(['aws_ec2', 'aws_ecs', 'aws_eks', 'aws_elastic_beanstalk']);

/** A deployment ID as X-Ray's schema wants it: a non-negative integer, from a number or digits. */
const DIGITS = /^[0-9]{1,15}$/;

const EMPTY: ResourceInfo = {
  serviceName: undefined,
  origin: undefined,
  aws: undefined,
  serviceVersion: undefined,
  metadata: [],
  annotations: [],
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
  let origin = onAws && platform !== undefined ? ORIGINS[platform] : undefined;

  const aws: Record<string, JsonValue> = {};
  const account = str('cloud.account.id');
  if (account !== undefined && onAws) aws.account_id = account;
  // On ECS, EKS and Beanstalk only when the EC2 detector found the instance
  // (Fargate has none; the zone alone is the task's, not a host's).
  if (
    onAws &&
    platform !== undefined &&
    (platform === 'aws_ec2' || (ON_EC2.has(platform) && isText(attrs['host.id'])))
  ) {
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
    const launchType = attrs['aws.ecs.launchtype'];
    if (typeof launchType === 'string') origin = ECS_ORIGINS[launchType.toLowerCase()] ?? origin;
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
    const deployment = deploymentId(attrs['service.instance.id']);
    const version = attrs['service.version'];
    if (env !== undefined) eb.environment_name = env;
    if (deployment !== undefined) {
      used.add('service.instance.id');
      eb.deployment_id = deployment;
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

  const serviceVersion = str('service.version') ?? str('container.image.tag');
  const metadata: Array<readonly [string, JsonValue]> = [];
  const annotations: ResourceAnnotation[] = [];
  for (const key of Object.keys(attrs)) {
    const value = attrs[key];
    const name = `otel.resource.${key}`;
    const mapped = used.has(key);
    if (isAnnotationValue(value)) {
      annotations.push({
        key: name,
        annotationKey: sanitizeAnnotationKey(name),
        value: typeof value === 'string' ? cut(value, MAX_ANNOTATION_STRING) : value,
        mapped,
      });
    }
    if (mapped) continue;
    const v = toJsonValue(value);
    if (v !== undefined) metadata.push([name, v]);
  }
  return {
    serviceName,
    origin,
    aws: Object.keys(aws).length > 0 ? aws : undefined,
    serviceVersion,
    metadata,
    annotations,
  };
}

const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** `service.instance.id` as an Elastic Beanstalk deployment ID: a non-negative integer, else undefined. */
function deploymentId(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  return typeof v === 'string' && DIGITS.test(v) ? Number(v) : undefined;
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
