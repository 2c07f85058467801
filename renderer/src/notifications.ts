/** Desktop notifications for alerts, filtered by the user's notification settings. Permission is asked from a click only. */
import type { Alert, Settings } from '../../core/api/system';

type Category = keyof Omit<Settings['notifications'], 'enabled'>;

/** Which notification switch governs an alert; undefined = no desktop notification for it. */
export function alertCategory(alert: Alert): Category | undefined {
  const kind = alert.kind.toLowerCase();
  if (alert.source === 'backup') return 'backupFailing';
  if (alert.source === 'upstream') return 'upstreamDown';
  if (kind.includes('offline')) return 'offline';
  if (kind.includes('hashrate')) return 'hashrateDrop';
  if (kind.includes('overheat') || kind.includes('temperature')) return 'overheat';
  return alert.severity === 'critical' ? 'offline' : undefined;
}

export function notificationsSupported(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window;
}

export function notificationPermission(): NotificationPermission | 'unsupported' {
  return notificationsSupported() ? Notification.permission : 'unsupported';
}

export async function askNotificationPermission(): Promise<NotificationPermission | 'unsupported'> {
  if (!notificationsSupported()) return 'unsupported';
  return Notification.requestPermission();
}

export function notifyAlert(alert: Alert, settings: Settings | null): void {
  if (!settings?.notifications.enabled || notificationPermission() !== 'granted') return;
  const category = alertCategory(alert);
  if (!category || !settings.notifications[category]) return;
  const body = alert.hint ? `${alert.message}\n${alert.hint}` : alert.message;
  new Notification(alert.title, { body, tag: alert.id });
}
