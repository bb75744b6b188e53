import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';

/** Captures diag output for the duration of a test. */
export function captureDiag(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const log =
    (level: string) =>
    (msg: string, ...args: unknown[]) => {
      lines.push(`${level} ${msg} ${args.map(String).join(' ')}`);
    };
  const logger: DiagLogger = {
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    verbose: log('verbose'),
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return { lines, restore: () => diag.disable() };
}
