/**
 * This module's own location, from which optional peer dependencies are
 * resolved (see ../setup/peers.ts). `import.meta.url` exists only in ES
 * modules: the CommonJS build of this file is replaced by `scripts/build.mjs`
 * with `exports.base = __filename;`.
 */
// The CommonJS compile rejects `import.meta`; that output is overwritten anyway.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore
export const base: string = import.meta.url;
