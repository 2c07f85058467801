/**
 * The patched firmware's USB console commands: one JSON request a line (`info`, `set`, `restart`), answered on an
 * `@BXJ ` line with the request's id. Stock firmware's console is output-only and answers nothing.
 */
import type { SimDevice } from './axeos-api';
import { applyPatch } from './settings';

export function answerConsoleLine(line: string, device: SimDevice, reply: (payload: Record<string, unknown>) => void): void {
  let request: unknown;
  try {
    request = JSON.parse(line);
  } catch {
    return reply({ ok: false, error: 'invalid JSON' });
  }
  if (!request || typeof request !== 'object' || Array.isArray(request)) return reply({ ok: false, error: 'invalid JSON' });
  const { cmd, id, settings: patch } = request as { cmd?: unknown; id?: unknown; settings?: unknown };
  const base: Record<string, unknown> = { cmd: typeof cmd === 'string' ? cmd : null };
  if (typeof id === 'number' || typeof id === 'string') base.id = id;
  switch (cmd) {
    case 'info':
      return reply({ ...base, ok: true, data: device.info() });
    case 'set':
      try {
        applyPatch(device.settings, patch, device.firmware);
        device.saveSettings();
        return reply({ ...base, ok: true });
      } catch {
        return reply({ ...base, ok: false, error: 'Wrong API input' });
      }
    case 'restart':
      reply({ ...base, ok: true });
      device.restartSoon();
      return;
    default:
      return reply({ ...base, ok: false, error: 'unknown command' });
  }
}
