import { useEffect, useId, useState } from 'react';
import type { Settings } from '../../../core/api/system';
import { parseUpstreamUrl } from '../../../core/api/upstream-url';
import { call } from '../api';
import { ErrorNotice, FieldError } from '../components/ErrorNotice';
import { askNotificationPermission, notificationPermission } from '../notifications';
import { useApp } from '../store';
import { useLeaveGuard } from '../leave-guard';
import { useAction, useCommand } from '../useCommand';
import { portProblem, relayProblem, upstreamProblem } from '../validation';

const notificationLabels: Record<keyof Omit<Settings['notifications'], 'enabled'>, string> = {
  offline: 'A device goes offline',
  hashrateDrop: 'Hashrate drops',
  overheat: 'A device overheats',
  upstreamDown: 'The pool (upstream) is down',
  backupFailing: 'Backup is failing',
};

export function SettingsPage() {
  const settings = useApp((s) => s.settings);
  if (!settings) return <p role="status">Loading settings…</p>;
  return <SettingsForm saved={settings} />;
}

/** The form's copy: numbers as typed, so a half-typed port is not lost or coerced. */
type Draft = Omit<Settings, 'stratumPort' | 'silentUpstreamSeconds'> & { stratumPort: string; silentUpstreamSeconds: string };

function toDraft(settings: Settings): Draft {
  return { ...settings, stratumPort: String(settings.stratumPort), silentUpstreamSeconds: String(settings.silentUpstreamSeconds) };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Fields edited here since `from` keep the edit; the others take what was saved elsewhere meanwhile. */
function rebase(draft: Draft, from: Settings, to: Settings): Draft {
  const base = toDraft(from);
  const next = toDraft(to);
  const out: Record<string, unknown> = { ...next };
  for (const key of Object.keys(draft) as Array<keyof Draft>) if (!same(draft[key], base[key])) out[key] = draft[key];
  return out as Draft;
}

function changedFields(draft: Draft, saved: Settings): Array<keyof Draft> {
  const current = toDraft(saved);
  return (Object.keys(draft) as Array<keyof Draft>).filter((key) => !same(draft[key], current[key]));
}

function SettingsForm({ saved }: { saved: Settings }) {
  const saveSettings = useApp((s) => s.saveSettings);
  const demo = useApp((s) => s.status?.demo ?? false);
  const backupEvents = useApp((s) => s.events.filter((e) => e.type === 'backup.status').length);
  const backup = useCommand('backup.get', {}, 0, backupEvents);
  const [base, setBase] = useState<Settings>(saved);
  const [draft, setDraft] = useState<Draft>(() => toDraft(saved));
  const [savedAt, setSavedAt] = useState<string>();
  // a change saved elsewhere (the Backup page, another window) shows here without dropping edits made here
  if (base !== saved) {
    setBase(saved);
    setDraft(rebase(draft, base, saved));
  }
  const port = draft.stratumPort;
  const silent = draft.silentUpstreamSeconds;
  const setPort = (value: string) => setDraft({ ...draft, stratumPort: value });
  const setSilent = (value: string) => setDraft({ ...draft, silentUpstreamSeconds: value });
  const [newUpstream, setNewUpstream] = useState('');
  const [newUpstreamError, setNewUpstreamError] = useState<string>();
  const [newRelay, setNewRelay] = useState('');
  const [newRelayError, setNewRelayError] = useState<string>();
  const [permission, setPermission] = useState(notificationPermission());
  const id = useId();
  const save = useAction(saveSettings);
  const unsaved = changedFields(draft, saved);
  useLeaveGuard(unsaved.length > 0 || newUpstream.trim() !== '' || newRelay.trim() !== '', 'Settings has changes that are not saved. Leave without saving them?');
  // relays the backup uses that are not in the saved list: the demo network's own, or --relay flags for this run
  const extraRelays = (backup.data?.relays ?? []).map((r) => r.url).filter((url) => !saved.relays.includes(url));

  useEffect(() => setPermission(notificationPermission()), []);

  const upstreamErrors = draft.upstreams.map((u) => upstreamProblem(u.url));
  const portError = portProblem(port);
  const silentError = /^\d+$/.test(silent.trim()) && Number(silent) >= 5 && Number(silent) <= 3600 ? undefined : 'Enter a number of seconds from 5 to 3600.';
  const serverField = save.error?.field ?? '';
  const serverErrorFor = (field: string) => (serverField === field || serverField.startsWith(`${field}.`) ? save.error?.message : undefined);

  const moveUpstream = (index: number, delta: number) => {
    const list = [...draft.upstreams];
    const [item] = list.splice(index, 1);
    list.splice(index + delta, 0, item!);
    setDraft({ ...draft, upstreams: list });
  };

  const addUpstream = () => {
    const problem = upstreamProblem(newUpstream);
    setNewUpstreamError(problem);
    if (problem) return;
    setDraft({ ...draft, upstreams: [...draft.upstreams, { url: parseUpstreamUrl(newUpstream).url }] });
    setNewUpstream('');
  };

  // a relay is tested (NIP-11 and a publish/read round trip) before it joins the list, as on the Backup page
  const testRelay = useAction((url: string) => call('backup.testRelay', { url }));
  const [untested, setUntested] = useState<string>();
  const addRelay = async (force = false) => {
    const url = newRelay.trim();
    const problem = relayProblem(url);
    setNewRelayError(problem);
    setUntested(undefined);
    if (problem) return;
    if (!force && !draft.relays.includes(url)) {
      const result = await testRelay.run(url);
      if (!result) return;
      if (!result.ok) {
        setNewRelayError(`${result.error ?? 'The relay failed the test.'} ${result.hint ?? ''}`.trim());
        setUntested(url);
        return;
      }
    }
    if (!draft.relays.includes(url)) setDraft({ ...draft, relays: [...draft.relays, url] });
    setNewRelay('');
  };

  const onSubmit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (portError || silentError || upstreamErrors.some(Boolean)) return;
    // only what changed is sent; upstreams and relays apply at once, the proxy port and silence time at the next start
    const patch: Record<string, unknown> = {};
    for (const key of unsaved) {
      if (key === 'stratumPort' || key === 'silentUpstreamSeconds') patch[key] = Number(draft[key]);
      else if (key !== 'mintUrl' || draft.mintUrl) patch[key] = draft[key];
    }
    const result = Object.keys(patch).length === 0 ? saved : await save.run(patch as Partial<Settings>);
    if (result) setSavedAt(new Date().toLocaleTimeString());
  };

  return (
    <form className="stack" onSubmit={onSubmit} noValidate aria-label="Settings">
      <fieldset>
        <legend>Upstreams (failover order: the first is used, the next take over when it fails)</legend>
        {draft.upstreams.length === 0 && <p className="muted">No pool configured: Axewallet mines on the demo network.</p>}
        {demo && saved.upstreams.length > 0 && (
          <p className="hint" role="note">
            Axewallet is running the demo network this time; it mines on these pools from its next start (without --demo).
          </p>
        )}
        <ol className="list">
          {draft.upstreams.map((upstream, index) => {
            const fieldId = `${id}-upstream-${index}`;
            const problem = upstreamErrors[index] ?? serverErrorFor(`upstreams.${index}`);
            return (
              <li key={index} className="row">
                <label htmlFor={fieldId}>Upstream {index + 1}</label>
                <input
                  id={fieldId}
                  value={upstream.url}
                  aria-invalid={!!problem}
                  aria-describedby={problem ? `${fieldId}-error` : undefined}
                  onChange={(e) => setDraft({ ...draft, upstreams: draft.upstreams.map((u, i) => (i === index ? { ...u, url: e.target.value } : u)) })}
                />
                <button type="button" onClick={() => moveUpstream(index, -1)} disabled={index === 0} aria-label={`Move upstream ${index + 1} up`}>
                  ↑
                </button>
                <button type="button" onClick={() => moveUpstream(index, 1)} disabled={index === draft.upstreams.length - 1} aria-label={`Move upstream ${index + 1} down`}>
                  ↓
                </button>
                <button type="button" onClick={() => setDraft({ ...draft, upstreams: draft.upstreams.filter((_, i) => i !== index) })} aria-label={`Remove upstream ${index + 1}`}>
                  Remove
                </button>
                <FieldError id={`${fieldId}-error`} message={problem} />
              </li>
            );
          })}
        </ol>
        <div className="row">
          <label htmlFor={`${id}-new-upstream`}>Add upstream</label>
          <input
            id={`${id}-new-upstream`}
            placeholder="stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY or stratum+tcp://HOST:PORT"
            value={newUpstream}
            aria-invalid={!!newUpstreamError}
            aria-describedby={newUpstreamError ? `${id}-new-upstream-error` : `${id}-new-upstream-help`}
            onChange={(e) => {
              setNewUpstream(e.target.value);
              setNewUpstreamError(undefined);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                addUpstream();
              }
            }}
          />
          <button type="button" onClick={addUpstream}>
            Add upstream
          </button>
        </div>
        <p id={`${id}-new-upstream-help`} className="hint">
          A hashpool (Stratum V2) address ends with the pool's authority key; a Stratum V1 pool forwards shares and mints no ehash.
        </p>
        <FieldError id={`${id}-new-upstream-error`} message={newUpstreamError} />
      </fieldset>

      <fieldset>
        <legend>Proxy</legend>
        <div className="row">
          <label htmlFor={`${id}-port`}>Stratum port for your Bitaxes</label>
          <input
            id={`${id}-port`}
            inputMode="numeric"
            value={port}
            aria-invalid={!!portError}
            aria-describedby={portError ? `${id}-port-error` : undefined}
            onChange={(e) => setPort(e.target.value)}
          />
        </div>
        <FieldError id={`${id}-port-error`} message={portError ?? serverErrorFor('stratumPort')} />
        <div className="row">
          <label htmlFor={`${id}-silent`}>Leave a pool that sends nothing for (seconds)</label>
          <input
            id={`${id}-silent`}
            inputMode="numeric"
            value={silent}
            aria-invalid={!!silentError}
            aria-describedby={silentError ? `${id}-silent-error` : undefined}
            onChange={(e) => setSilent(e.target.value)}
          />
        </div>
        <FieldError id={`${id}-silent-error`} message={silentError ?? serverErrorFor('silentUpstreamSeconds')} />
        <p className="muted">The proxy port and this time take effect the next time Axewallet starts.</p>
      </fieldset>

      <fieldset>
        <legend>Locking key (the key your ehash is locked to)</legend>
        <label className="check">
          <input type="radio" name="lockingKeyMode" checked={draft.lockingKeyMode === 'derived'} onChange={() => setDraft({ ...draft, lockingKeyMode: 'derived' })} />
          Derived from my wallet's seed (recommended)
        </label>
        <label className="check">
          <input type="radio" name="lockingKeyMode" checked={draft.lockingKeyMode === 'static'} onChange={() => setDraft({ ...draft, lockingKeyMode: 'static' })} />
          Static key set by the pool operator
        </label>
      </fieldset>

      <fieldset>
        <legend>Mint</legend>
        <div className="row">
          <label htmlFor={`${id}-mint`}>Mint address</label>
          <input
            id={`${id}-mint`}
            placeholder={'https://mint.example (empty: the demo network\u2019s mint)'}
            value={draft.mintUrl ?? ''}
            onChange={(e) => setDraft({ ...draft, mintUrl: e.target.value || undefined })}
          />
        </div>
        <FieldError id={`${id}-mint-error`} message={serverErrorFor('mintUrl')} />
      </fieldset>

      <fieldset>
        <legend>Backup relays</legend>
        <p className="hint">The same list as on the Backup page: a relay added there shows here, and the other way round.</p>
        <ul className="list" aria-label="Saved backup relays">
          {draft.relays.map((relay) => (
            <li key={relay} className="row">
              <span className="mono">{relay}</span>
              <button type="button" onClick={() => setDraft({ ...draft, relays: draft.relays.filter((r) => r !== relay) })} aria-label={`Remove relay ${relay}`}>
                Remove
              </button>
            </li>
          ))}
        </ul>
        {draft.relays.length === 0 && extraRelays.length === 0 && <p className="muted">No backup relay: a lost machine would mean lost ehash. Add one below or on the Backup page.</p>}
        {extraRelays.length > 0 && (
          <p className="hint" role="note">
            Also used this run, not saved here: <span className="mono">{extraRelays.join(', ')}</span> ({demo ? 'the demo network\u2019s relay' : 'given with --relay when Axewallet started'}).
          </p>
        )}
        <div className="row">
          <label htmlFor={`${id}-relay`}>Add relay</label>
          <input
            id={`${id}-relay`}
            placeholder="wss://relay.example"
            value={newRelay}
            aria-invalid={!!newRelayError}
            aria-describedby={newRelayError ? `${id}-relay-error` : undefined}
            onChange={(e) => {
              setNewRelay(e.target.value);
              setNewRelayError(undefined);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                void addRelay();
              }
            }}
          />
          <button type="button" onClick={() => void addRelay()} disabled={testRelay.busy}>
            {testRelay.busy ? 'Testing the relay…' : 'Add relay'}
          </button>
          {untested && untested === newRelay.trim() && (
            <button type="button" onClick={() => void addRelay(true)}>
              Add anyway
            </button>
          )}
        </div>
        <FieldError id={`${id}-relay-error`} message={newRelayError ?? testRelay.error?.message ?? serverErrorFor('relays')} />
      </fieldset>

      <fieldset>
        <legend>Notifications</legend>
        <label className="check">
          <input
            type="checkbox"
            checked={draft.notifications.enabled}
            onChange={(e) => setDraft({ ...draft, notifications: { ...draft.notifications, enabled: e.target.checked } })}
          />
          Desktop notifications for alerts
        </label>
        {(Object.keys(notificationLabels) as (keyof typeof notificationLabels)[]).map((key) => (
          <label className="check indent" key={key}>
            <input
              type="checkbox"
              disabled={!draft.notifications.enabled}
              checked={draft.notifications[key]}
              onChange={(e) => setDraft({ ...draft, notifications: { ...draft.notifications, [key]: e.target.checked } })}
            />
            {notificationLabels[key]}
          </label>
        ))}
        <p className="row">
          <span>
            Permission: <strong>{permission}</strong>
          </span>
          {permission !== 'granted' && permission !== 'unsupported' && (
            <button type="button" onClick={() => void askNotificationPermission().then(setPermission)}>
              Allow desktop notifications
            </button>
          )}
        </p>
      </fieldset>

      <fieldset>
        <legend>Appearance</legend>
        <div className="row">
          <label htmlFor={`${id}-theme`}>Theme</label>
          <select id={`${id}-theme`} value={draft.theme} onChange={(e) => setDraft({ ...draft, theme: e.target.value as Settings['theme'] })}>
            <option value="system">Same as the system</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </div>
      </fieldset>

      {save.error && !save.error.field && <ErrorNotice error={save.error} />}
      {save.error?.field && (
        <p className="field-error" role="alert">
          Not saved: {save.error.message}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={save.busy}>
          {save.busy ? 'Saving…' : 'Save settings'}
        </button>
        {unsaved.length > 0 ? (
          <span className="muted" role="status">
            Not saved yet: {unsaved.length === 1 ? '1 change' : `${unsaved.length} changes`}.
          </span>
        ) : (
          savedAt && !save.error && <span role="status">Saved at {savedAt}. A new proxy port takes effect when Axewallet restarts.</span>
        )}
      </div>
    </form>
  );
}
