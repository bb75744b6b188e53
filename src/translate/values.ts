/**
 * Turning attribute values of any type into JSON that X-Ray accepts.
 * JSON has no NaN, Infinity or BigInt, and `JSON.stringify` throws on BigInt
 * and on cycles; attribute values are user data (and with SDK 3.x may be
 * nested objects or bytes), so every one goes through {@link toJsonValue}.
 */
import type { JsonValue } from '../shared/types.js';

const MAX_DEPTH = 8;

/**
 * Converts any value to JSON. Returns `undefined` for values that cannot be
 * represented (functions, symbols, `undefined`, class instances): the caller
 * drops them and counts the drop.
 */
export function toJsonValue(value: unknown, depth = 0): JsonValue | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // -0 prints as 0 anyway; non-finite numbers become their names.
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'object':
      return value === null ? null : objectToJson(value, depth);
    default:
      return undefined;
  }
}

function objectToJson(value: object, depth: number): JsonValue | undefined {
  if (depth >= MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    const out: JsonValue[] = new Array<JsonValue>(value.length);
    for (let i = 0; i < value.length; i++) {
      // Holes and unrepresentable elements become null, as JSON.stringify would.
      const v = toJsonValue(value[i], depth + 1);
      out[i] = v === undefined ? null : v;
    }
    return out;
  }
  if (ArrayBuffer.isView(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  }
  if (value instanceof Date) {
    return Number.isFinite(value.getTime()) ? value.toISOString() : undefined;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  // A plain map (SDK 3.x "AnyValue"): own enumerable keys only, into an
  // object without a prototype so `__proto__` stays an ordinary key.
  const out = dict();
  for (const key of Object.keys(value)) {
    const v = toJsonValue((value as Record<string, unknown>)[key], depth + 1);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/**
 * Cuts `text` to at most `max` UTF-16 code units without splitting a
 * surrogate pair (a cut that would leave a lone high surrogate ends one unit
 * earlier), so the result is as well-formed as the input.
 */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** True for values X-Ray accepts as annotation values. */
export function isAnnotationValue(value: unknown): value is string | number | boolean {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/**
 * Sets an own property whatever the key. Plain objects serialise faster than
 * prototype-less ones, so hot paths use them, and the one key that assignment
 * would misread, `__proto__` (it would set the prototype), is defined instead.
 */
export function setOwn(obj: Record<string, JsonValue>, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    obj[key] = value;
  }
}

/** An object without a prototype: keys such as `__proto__` are ordinary keys in it. */
export function dict<T = JsonValue>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
