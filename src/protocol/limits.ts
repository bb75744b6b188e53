/**
 * X-Ray's limits and rules for segment documents and the daemon's datagrams, in one place:
 * the translator (src/translate/) keeps to them and the validator (src/cli/validate.ts,
 * src/cli/datagram.ts) checks them. Pure constants. docs/attribute-mapping.md and
 * docs/cli.md say where each comes from.
 */

/**
 * The daemon's header line (without the `\n` that ends it), as every X-Ray SDK writes it.
 * @internal
 */
export const DAEMON_HEADER_LINE = '{"format":"json","version":1}';

/**
 * The largest UDP payload over IPv4: 65,535 − 8 (UDP) − 20 (IP).
 * @internal
 */
export const MAX_IPV4_DATAGRAM_BYTES = 65_507;

/**
 * The daemon's read buffer (64 KiB): longer datagrams are cut to this size.
 * @internal
 */
export const DAEMON_READ_BYTES = 65_536;

/**
 * Segment and subsegment names: at most this many characters of {@link NAME_CHARS}.
 * @internal
 */
export const MAX_NAME_LENGTH = 200;

/**
 * The characters of a name besides whitespace, as the body of a regular expression's
 * character class (with the `u` flag): Unicode letters and digits and `_ . : / % & # = + \ - @`.
 * @internal
 */
export const NAME_CHARS = String.raw`\p{L}\p{N}_.:/%&#=+\\\-@`;

/**
 * Annotation keys: these characters (a character class body), at most
 * {@link MAX_ANNOTATION_KEY_LENGTH} of them.
 * @internal
 */
export const ANNOTATION_KEY_CHARS = 'A-Za-z0-9_';

/** @internal */
export const MAX_ANNOTATION_KEY_LENGTH = 500;

/**
 * X-Ray indexes at most this many annotations per trace.
 * @internal
 */
export const MAX_ANNOTATIONS_PER_TRACE = 50;

/**
 * X-Ray's limit for segment strings unless noted ("up to 250 characters"; the schema's
 * maxLength): HTTP fields, `user`, SQL `user`, the sampling rule name.
 * @internal
 */
export const MAX_STRING_LENGTH = 250;

/**
 * A segment, subsegment or exception ID in a document: 16 lower-case hex digits.
 * @internal
 */
export const DOCUMENT_ID_PATTERN = /^[0-9a-f]{16}$/;

/**
 * An X-Ray trace ID in a document: `1-<8 hex epoch seconds>-<24 hex>`, lower-case.
 * @internal
 */
export const DOCUMENT_TRACE_ID_PATTERN = /^1-([0-9a-f]{8})-[0-9a-f]{24}$/;
