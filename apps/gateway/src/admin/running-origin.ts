import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GatewayConfig } from '../config/gateway.config.js';

/**
 * Where the running gateway can be reached, kept beside its database: `npm run admin:claim-link` writes its
 * link into that database, so the gateway serving it is the one the link must point to, even when the two
 * were started with different environments (say `PORT=8080 npm start` in one terminal).
 */
function fileOf(config: GatewayConfig): string | null {
  return config.databasePath === ':memory:' ? null : join(dirname(config.databasePath), 'gateway.origin');
}

export function recordRunningOrigin(config: GatewayConfig, origin: string): void {
  const file = fileOf(config);
  if (file) writeFileSync(file, JSON.stringify({ origin, pid: process.pid }), { mode: 0o600 });
}

/** The origin a live gateway on this database announced, or null (none recorded, or that process is gone). */
export function runningOrigin(config: GatewayConfig): string | null {
  const file = fileOf(config);
  if (!file) return null;
  let recorded: { origin?: unknown; pid?: unknown };
  try {
    recorded = JSON.parse(readFileSync(file, 'utf8')) as typeof recorded;
  } catch {
    return null;
  }
  if (typeof recorded.origin !== 'string' || typeof recorded.pid !== 'number') return null;
  try {
    process.kill(recorded.pid, 0);
  } catch (error) {
    // EPERM: alive, but someone else's process; anything else: gone, so the record is stale.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') {
      rmSync(file, { force: true });
      return null;
    }
  }
  return recorded.origin;
}
