/**
 * Checks documents against X-Ray's published segment document JSON schema
 * (draft-04, "xray-segmentdocument-schema-v1.0.0", 2017), kept in
 * test/data/xray-segmentdocument-schema.json as AWS publishes it. The schema
 * is incomplete (no `links`, `aws.xray`, `aws.eks`) but strict where it
 * speaks: types, 250-character strings in `http.request`, a numeric
 * `aws.elastic_beanstalk.deployment_id`, annotation keys and values.
 *
 * This is the small subset of JSON Schema draft-04 the file uses (`type`,
 * `properties`, `patternProperties`, `additionalProperties`, `required`,
 * `items`, `$ref`, `oneOf`, `pattern`, `minLength`, `maxLength`), with
 * draft-04 semantics: lengths count code points, patterns are ECMAScript
 * regular expressions.
 */
import { readFileSync } from 'node:fs';

type Schema = Record<string, unknown>;

const ROOT = JSON.parse(
  readFileSync(new URL('../data/xray-segmentdocument-schema.json', import.meta.url), 'utf8'),
) as Schema;

const regexes = new Map<string, RegExp>();
const regex = (source: string): RegExp => {
  let re = regexes.get(source);
  if (re === undefined) {
    re = new RegExp(source);
    regexes.set(source, re);
  }
  return re;
};

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function hasType(v: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObj(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'null':
      return v === null;
    default:
      throw new Error(`schema type ${type} not supported`);
  }
}

function check(v: unknown, s: Schema, path: string, out: string[]): void {
  if (typeof s.$ref === 'string') {
    const name = /^#\/definitions\/(.+)$/.exec(s.$ref)?.[1];
    const target = name === undefined ? undefined : (ROOT.definitions as Schema)[name];
    if (!isObj(target)) throw new Error(`schema $ref ${s.$ref} not supported`);
    check(v, target, path, out);
    return;
  }
  if (Array.isArray(s.oneOf)) {
    const matching = (s.oneOf as Schema[]).filter((alt) => {
      const p: string[] = [];
      check(v, alt, path, p);
      return p.length === 0;
    }).length;
    if (matching !== 1) out.push(`${path}: matches ${matching} of the oneOf alternatives`);
  }
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => hasType(v, t))) {
      out.push(`${path}: ${JSON.stringify(v)?.slice(0, 60)} is not ${types.join(' or ')}`);
      return;
    }
  }
  if (typeof v === 'string') {
    const length = [...v].length;
    if (typeof s.maxLength === 'number' && length > s.maxLength)
      out.push(`${path}: ${length} characters, more than ${s.maxLength}`);
    if (typeof s.minLength === 'number' && length < s.minLength)
      out.push(`${path}: ${length} characters, fewer than ${s.minLength}`);
    if (typeof s.pattern === 'string' && !regex(s.pattern).test(v))
      out.push(`${path}: ${JSON.stringify(v).slice(0, 60)} does not match the schema's pattern`);
  }
  if (isObj(v)) {
    for (const key of (s.required as string[] | undefined) ?? []) {
      if (!(key in v)) out.push(`${path}.${key}: required`);
    }
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    const patterns = Object.entries((s.patternProperties ?? {}) as Record<string, Schema>);
    for (const [key, value] of Object.entries(v)) {
      let known = false;
      if (Object.prototype.hasOwnProperty.call(properties, key)) {
        known = true;
        check(value, properties[key] as Schema, `${path}.${key}`, out);
      }
      for (const [pattern, sub] of patterns) {
        if (regex(pattern).test(key)) {
          known = true;
          check(value, sub, `${path}.${key}`, out);
        }
      }
      if (!known) {
        if (s.additionalProperties === false) out.push(`${path}.${key}: not allowed`);
        else if (isObj(s.additionalProperties))
          check(value, s.additionalProperties, `${path}.${key}`, out);
      }
    }
  }
  if (Array.isArray(v) && isObj(s.items)) {
    v.forEach((item, i) => check(item, s.items as Schema, `${path}[${i}]`, out));
  }
}

/** The schema's complaints about one top-level document (empty when it conforms). */
export function schemaProblems(doc: unknown): string[] {
  const out: string[] = [];
  check(doc, ROOT, '$', out);
  return out;
}

/** Throws with every complaint when a document does not conform to the schema. */
export function assertSchemaValid(doc: unknown): void {
  const problems = schemaProblems(doc);
  if (problems.length > 0) {
    throw new Error(
      `not valid against the X-Ray segment schema:\n  ${problems.join('\n  ')}\n${JSON.stringify(doc).slice(0, 1500)}`,
    );
  }
}
