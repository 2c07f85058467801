/**
 * The one alert pipeline's memory: which conditions are active now, and the recent alerts.
 * Rules say what holds ("offline: yes / no"); the center turns that into transitions: an alert when a
 * condition starts, the same alert again with `clearedAt` when it ends, nothing while it lasts.
 * One-off notes (a new best difficulty) are kept and sent but never clear.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Alert } from '../api/system';

export type AlertDraft = Omit<Alert, 'id' | 'at' | 'clearedAt'>;

/** What a rule says about one condition: active (with its wording) or over. */
export interface ConditionState {
  /** one per condition and subject: "device-offline:a0b765000001" */
  key: string;
  active: AlertDraft | false;
}

export interface RuleOutcome {
  states: ConditionState[];
  notes: AlertDraft[];
}

export interface AlertCenterEvents {
  /** a new alert, or an earlier one again with `clearedAt` set */
  alert: [alert: Alert];
}

const MAX_ALERTS = 200;

export class AlertCenter extends EventEmitter<AlertCenterEvents> {
  private readonly activeByKey = new Map<string, Alert>();
  private readonly history: Alert[] = [];

  /** Applies a rule's outcome: new conditions raise, ended ones clear, notes go out once. */
  apply(outcome: RuleOutcome): void {
    for (const state of outcome.states) {
      if (state.active) this.raise(state.key, state.active);
      else this.clear(state.key);
    }
    for (const note of outcome.notes) this.note(note);
  }

  /** Starts a condition; a condition already active stays as it is (no repeat). */
  raise(key: string, draft: AlertDraft): Alert | undefined {
    if (this.activeByKey.has(key)) return undefined;
    const alert = this.make(draft);
    this.activeByKey.set(key, alert);
    this.keep(alert);
    return alert;
  }

  /** Ends a condition; nothing happens when it is not active. */
  clear(key: string): Alert | undefined {
    const alert = this.activeByKey.get(key);
    if (!alert) return undefined;
    this.activeByKey.delete(key);
    const cleared: Alert = { ...alert, clearedAt: new Date().toISOString() };
    const at = this.history.findIndex((a) => a.id === alert.id);
    if (at >= 0) this.history.splice(at, 1);
    this.keep(cleared);
    return cleared;
  }

  /** Ends every active condition whose key starts with `prefix` (a device forgotten, say). */
  clearAll(prefix: string): void {
    for (const key of [...this.activeByKey.keys()]) if (key.startsWith(prefix)) this.clear(key);
  }

  /** A one-off alert that has no end (a pool changed elsewhere, a new best difficulty). */
  note(draft: AlertDraft): Alert {
    const alert = this.make(draft);
    this.keep(alert);
    return alert;
  }

  isActive(key: string): boolean {
    return this.activeByKey.has(key);
  }

  /** Alerts in the order they last changed, newest last. */
  recent(): Alert[] {
    return this.history.map((a) => ({ ...a }));
  }

  active(): Alert[] {
    return [...this.activeByKey.values()].map((a) => ({ ...a }));
  }

  private make(draft: AlertDraft): Alert {
    const id = `${draft.kind}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    return { ...draft, id, at: new Date().toISOString() };
  }

  private keep(alert: Alert): void {
    this.history.push(alert);
    if (this.history.length > MAX_ALERTS) this.history.shift();
    this.emit('alert', { ...alert });
  }
}
