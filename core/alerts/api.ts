/** Binds the alert center to the API contract (core/api/system.ts): `alerts.recent` and the `alert` event stream. */
import type { ApiHost } from '../api/host';
import type { Alert } from '../api/system';
import type { AlertCenter } from './center';

/** alerts.recent and the `alert` event stream of the API. */
export function registerAlertsApi(host: ApiHost, center: AlertCenter): () => void {
  host.handle('alerts.recent', () => ({ alerts: center.recent() }));
  const forward = (alert: Alert) => host.emit({ type: 'alert', alert });
  center.on('alert', forward);
  return () => center.off('alert', forward);
}
