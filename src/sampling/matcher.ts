/**
 * What a sampling rule is matched against, read from the resource and the
 * span's start attributes, and the rule's compiled conditions. Pure, never
 * throws on any attribute values.
 *
 * Both semantic-convention eras are read, so spans from old and new
 * instrumentation versions match the same rules:
 * - HTTPMethod: `http.request.method` (`_OTHER` → `http.request.method_original`), else `http.method`
 * - URLPath: `url.path`, else `http.target` (query removed), else the path of `url.full` / `http.url`
 * - Host: `server.address`, else `http.host` (port removed), else `net.host.name`
 *   (never `client.address`: that is the peer, not this host)
 * - ServiceName: the resource's `service.name`; ServiceType: its `cloud.platform`, mapped to
 *   X-Ray's origin names; ResourceARN: the ECS container or cluster ARN, the EKS cluster ARN,
 *   or the Lambda function ARN (`cloud.resource_id` / `faas.id`).
 */
import type { Attributes } from '@opentelemetry/api';
import type { SamplingRule } from './rules.js';
import { compileWildcard } from './wildcard.js';
import type { WildcardMatcher } from './wildcard.js';

/** The request fields of one span; missing ones are `undefined`. */
export interface RequestFields {
  method: string | undefined;
  path: string | undefined;
  host: string | undefined;
}

/** The resource fields, read once per rule load. */
export interface ResourceFields {
  serviceName: string | undefined;
  serviceType: string | undefined;
  resourceArn: string | undefined;
}

const CLOUD_PLATFORM_TO_ORIGIN: Record<string, string> = {
  aws_ec2: 'AWS::EC2::Instance',
  aws_ecs: 'AWS::ECS::Container',
  aws_eks: 'AWS::EKS::Container',
  aws_elastic_beanstalk: 'AWS::ElasticBeanstalk::Environment',
  aws_lambda: 'AWS::Lambda::Function',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Reads the resource fields from resource attributes (any object; never throws). */
export function resourceFields(attributes: Attributes | undefined): ResourceFields {
  const a = attributes ?? {};
  const platform = str(a['cloud.platform']);
  const isLambda = platform === 'aws_lambda';
  return {
    serviceName: str(a['service.name']),
    serviceType: platform === undefined ? undefined : CLOUD_PLATFORM_TO_ORIGIN[platform],
    resourceArn:
      str(a['aws.ecs.container.arn']) ??
      str(a['aws.ecs.cluster.arn']) ??
      str(a['aws.eks.cluster.arn']) ??
      (isLambda ? (str(a['cloud.resource_id']) ?? str(a['faas.id'])) : undefined),
  };
}

/** Index of the first `?` or `#` in `s` at or after `from`, or `s.length`. */
function endOfPath(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 63 /* ? */ || c === 35 /* # */) return i;
  }
  return s.length;
}

/** `s` without its query string and fragment (no copy when it has none). */
function stripQuery(s: string): string {
  const end = endOfPath(s, 0);
  return end === s.length ? s : s.slice(0, end);
}

/** The path of an absolute URL (`/` when it has none), or of a path-only value; no `new URL`. */
export function pathOfUrl(url: string): string | undefined {
  const scheme = url.indexOf('://');
  if (scheme < 0) return url.charCodeAt(0) === 47 /* / */ ? stripQuery(url) : undefined;
  let start = scheme + 3;
  while (start < url.length) {
    const c = url.charCodeAt(start);
    if (c === 47 /* / */) break;
    if (c === 63 || c === 35) return '/';
    start++;
  }
  if (start >= url.length) return '/';
  const end = endOfPath(url, start);
  return url.slice(start, end);
}

/** `host:port` → `host`; `[v6]:port` → `[v6]`. */
function stripPort(host: string): string {
  const colon = host.lastIndexOf(':');
  if (colon < 0 || host.lastIndexOf(']') > colon) return host;
  return host.slice(0, colon);
}

/** Fills `out` from the span's start attributes (the sampler reuses one object). */
export function readRequestFields(attributes: Attributes | undefined, out: RequestFields): void {
  out.method = undefined;
  out.path = undefined;
  out.host = undefined;
  if (attributes === undefined || attributes === null) return;

  let method = str(attributes['http.request.method']);
  if (method === '_OTHER') method = str(attributes['http.request.method_original']) ?? method;
  out.method = method ?? str(attributes['http.method']);

  let path = str(attributes['url.path']);
  if (path === undefined) {
    const target = str(attributes['http.target']);
    if (target !== undefined) path = stripQuery(target);
    else {
      const full = str(attributes['url.full']) ?? str(attributes['http.url']);
      if (full !== undefined) path = pathOfUrl(full);
    }
  }
  out.path = path;

  const host = str(attributes['server.address']);
  if (host !== undefined) out.host = host;
  else {
    const httpHost = str(attributes['http.host']);
    out.host = httpHost !== undefined ? stripPort(httpHost) : str(attributes['net.host.name']);
  }
}

/**
 * One rule's conditions, compiled. A condition other than `*` needs a value:
 * a span without HTTP attributes matches only rules whose HTTP conditions are
 * `*` (for local rules too, where the X-Ray SDK, which only sees HTTP
 * requests, lets a missing field match anything).
 */
export class RuleMatcher {
  private readonly method: WildcardMatcher;
  private readonly path: WildcardMatcher;
  private readonly host: WildcardMatcher;
  private readonly attributeKeys: string[];
  private readonly attributeMatchers: WildcardMatcher[];

  constructor(readonly rule: SamplingRule) {
    this.method = compileWildcard(rule.HTTPMethod);
    this.path = compileWildcard(rule.URLPath);
    this.host = compileWildcard(rule.Host);
    this.attributeKeys = Object.keys(rule.Attributes);
    this.attributeMatchers = this.attributeKeys.map((k) =>
      compileWildcard(rule.Attributes[k] as string),
    );
  }

  /** The resource conditions (checked once per rule load, not per span). */
  matchesResource(resource: ResourceFields): boolean {
    return (
      compileWildcard(this.rule.ServiceName)(resource.serviceName) &&
      compileWildcard(this.rule.ServiceType)(resource.serviceType) &&
      compileWildcard(this.rule.ResourceARN)(resource.resourceArn)
    );
  }

  /** The per-span conditions. */
  matchesRequest(fields: RequestFields, attributes: Attributes | undefined): boolean {
    if (!this.method(fields.method)) return false;
    if (!this.path(fields.path)) return false;
    if (!this.host(fields.host)) return false;
    const keys = this.attributeKeys;
    for (let i = 0; i < keys.length; i++) {
      const v = attributes?.[keys[i] as string];
      let text: string | undefined;
      if (typeof v === 'string') text = v;
      else if (typeof v === 'number' || typeof v === 'boolean') text = String(v);
      else return false; // every attribute condition needs a (primitive) value
      if (!(this.attributeMatchers[i] as WildcardMatcher)(text)) return false;
    }
    return true;
  }
}
