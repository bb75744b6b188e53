/**
 * What `setupXRay()` checks so that a user sees, without turning on any log,
 * the problems only they can fix: a diag logger at warn level when the app
 * has none, a missing package with the `npm install` line that adds it, and
 * a setup that ran after the modules it should instrument were loaded.
 */
import { createRequire } from 'node:module';
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';

/** Where `@opentelemetry/api` 1.x keeps its globals (`diag` among them). */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/**
 * True when the app (or anything before it) registered a diag logger.
 * @internal
 */
export function hasDiagLogger(): boolean {
  const api = (globalThis as Record<symbol, { diag?: unknown } | undefined>)[API_GLOBAL];
  return api?.diag !== undefined;
}

/**
 * Installs a console diag logger at warn level when the app has none and
 * `OTEL_LOG_LEVEL` is unset, so that problems the user must act on are seen
 * (OpenTelemetry is silent without a logger). Returns true when it did.
 * @internal
 */
export function installWarnLogger(logLevel: string | undefined): boolean {
  if (logLevel !== undefined || hasDiagLogger()) return false;
  return diag.setLogger(new DiagConsoleLogger(), {
    logLevel: DiagLogLevel.WARN,
    suppressOverrideMessage: true,
  });
}

/**
 * An optional peer that could not be loaded: "X is not installed: what is
 * lost. Install it: npm install X", or why it failed to load.
 * @internal
 */
export function missingPeer(pkg: string, lost: string, loadError: string | undefined): string {
  if (loadError !== undefined) return `cannot load ${pkg} (${loadError}): ${lost}`;
  return `${pkg} is not installed: ${lost}. Install it: npm install ${pkg}`;
}

/**
 * Node's built-in modules loaded before otel-xray itself (this module is the
 * first otel-xray module `setup.ts` imports). otel-xray never loads `node:http`
 * with the package: the X-Ray sampler loads it on its first request.
 */
const LOADED_BEFORE_OTEL_XRAY: readonly string[] = [
  ...((process as { moduleLoadList?: string[] }).moduleLoadList ?? []),
];

/**
 * Modules loaded before the setup that the instrumentations patch only when
 * loaded after it: `node:http` / `node:https` (also loaded by the AWS SDK),
 * loaded before otel-xray itself, and the AWS SDK's CommonJS packages, loaded
 * before `setupXRay()` ran. `loaded` and `cached` are for tests.
 * @internal
 */
export function loadedTooEarly(
  loaded: readonly string[] = LOADED_BEFORE_OTEL_XRAY,
  cached: readonly string[] = requireCacheKeys(),
): string[] {
  const out: string[] = [];
  if (loaded.includes('NativeModule http') || loaded.includes('NativeModule https')) {
    out.push('node:http');
  }
  if (cached.some((k) => /[\\/]node_modules[\\/](@aws-sdk[\\/]client-|aws-sdk[\\/])/.test(k))) {
    out.push('the AWS SDK');
  }
  return out;
}

function requireCacheKeys(): string[] {
  try {
    return Object.keys(createRequire(process.cwd() + '/').cache);
  } catch {
    return [];
  }
}

/**
 * The message for {@link loadedTooEarly}'s finding, with the fix.
 * @internal
 */
export function lateSetupMessage(modules: readonly string[]): string {
  return (
    `setupXRay() ran after ${modules.join(' and ')} ${modules.length > 1 ? 'were' : 'was'} ` +
    'loaded: calls made through modules loaded before the setup are not traced. Start the app ' +
    'with `node --import otel-xray/register app.mjs` (or `--require otel-xray/register` for ' +
    'CommonJS), or call setupXRay() before importing http or the AWS SDK'
  );
}
