/**
 * Lazy loading of optional peer dependencies (the OpenTelemetry SDK,
 * instrumentations, resource detectors). Nothing is loaded until
 * `setupXRay()` asks for it, so `import { AWSXRaySpanExporter } from
 * 'otel-xray'` alone loads no SDK package.
 *
 * Peers are resolved with `require` from this package's own location first
 * (where npm puts peers), then from the working directory (a linked or global
 * install of otel-xray next to an app that has the SDK). Both builds load the
 * CommonJS entry points of the peers, so the ES module and CommonJS builds of
 * otel-xray share one copy of each.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { base } from '../shared/base-url.js';

export interface Peer<T> {
  name: string;
  module: T;
  /** The resolved entry file. */
  path: string;
  /** The package's version, when its package.json could be read. */
  version: string | undefined;
}

type Require = ReturnType<typeof createRequire>;

let requirers: Require[] | undefined;

function getRequirers(): Require[] {
  if (requirers !== undefined) return requirers;
  const list: Require[] = [];
  try {
    list.push(createRequire(base));
  } catch {
    // an unusual loader without a file location: fall through to the cwd
  }
  try {
    list.push(createRequire(join(process.cwd(), 'noop.js')));
  } catch {
    // no usable working directory
  }
  requirers = list;
  return list;
}

/** Why the last attempt to load a peer that was found failed (for diag). */
export const loadErrors = new Map<string, string>();

/** The absolute path `specifier` resolves to, or undefined when it is not installed. */
export function resolvePeer(specifier: string): string | undefined {
  for (const r of getRequirers()) {
    try {
      return r.resolve(specifier);
    } catch {
      // try the next location
    }
  }
  return undefined;
}

/**
 * Loads a peer with `require`, or returns undefined when it is not installed
 * or fails to load (the failure is kept in {@link loadErrors}). Never throws.
 */
export function loadPeer<T>(name: string): Peer<T> | undefined {
  for (const r of getRequirers()) {
    let path: string;
    try {
      path = r.resolve(name);
    } catch {
      continue;
    }
    try {
      return { name, module: r(path) as T, path, version: packageVersion(name, path) };
    } catch (err) {
      loadErrors.set(name, err instanceof Error ? err.message : String(err));
      return undefined;
    }
  }
  return undefined;
}

/**
 * The version of package `name` whose entry file is `entry`: the nearest
 * package.json above it with that name. Packages with an `exports` map that
 * hides `../package.json` (SDK 3.x) are read this way too.
 */
export function packageVersion(name: string, entry: string): string | undefined {
  let dir = dirname(entry);
  for (let i = 0; i < 10; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === name) return typeof pkg.version === 'string' ? pkg.version : undefined;
    } catch {
      // no package.json here, or not JSON: keep going up
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/** The major version number of a semver string, or undefined. */
export function majorVersion(version: string | undefined): number | undefined {
  const m = version === undefined ? null : /^(\d+)\./.exec(version);
  return m === null ? undefined : Number(m[1]);
}
