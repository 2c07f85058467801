import { useId, useState } from 'react';
import type { Settings } from '../../../core/api/system';
import { call } from '../api';
import { ErrorNotice } from '../components/ErrorNotice';
import { Check, Field } from '../components/Field';
import { askNotificationPermission, notificationPermission } from '../notifications';
import { useApp } from '../store';
import { useLeaveGuard } from '../leave-guard';
import { useAction, useCommand } from '../useCommand';
import { mintUrlProblem, portProblem, relayProblem } from '../validation';
import { Upstreams, upstreamListProblems } from './settings/Upstreams';

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
  const [upstreamTyped, setUpstreamTyped] = useState(false);
  const [newRelay, setNewRelay] = useState('');
  const [newRelayError, setNewRelayError] = useState<string>();
  const [permission, setPermission] = useState(notificationPermission);
  const id = useId();
  const save = useAction(saveSettings);
  const unsaved = changedFields(draft, saved);
  useLeaveGuard(unsaved.length > 0 || upstreamTyped || newRelay.trim() !== '', 'Settings has changes that are not saved. Leave without saving them?');
  // relays the backup uses that are not in the saved list: the demo network's own, or --relay flags for this run
  const extraRelays = (backup.data?.relays ?? []).map((r) => r.url).filter((url) => !saved.relays.includes(url));

  const upstreamErrors = upstreamListProblems(draft.upstreams);
  const mintError = mintUrlProblem(draft.mintUrl ?? '');
  const portError = portProblem(port);
  const silentError = /^\d+$/.test(silent.trim()) && Number(silent) >= 5 && Number(silent) <= 3600 ? undefined : 'Enter a number of seconds from 5 to 3600.';
  const serverField = save.error?.field ?? '';
  const serverErrorFor = (field: string) => (serverField === field || serverField.startsWith(`${field}.`) ? save.error?.message : undefined);

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
    if (portError || silentError || mintError || upstreamErrors.some((p) => p.url || p.mintUrl)) return;
    // only what changed is sent; upstreams and relays apply at once, the proxy port, silence time and token switch at the next start
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
      <Upstreams
        id={id}
        upstreams={draft.upstreams}
        onChange={(upstreams) => setDraft({ ...draft, upstreams })}
        savedCount={saved.upstreams.length}
        demo={demo}
        serverErrorFor={serverErrorFor}
        onPendingChange={setUpstreamTyped}
      />

      <fieldset>
        <legend>Proxy</legend>
        <Field id={`${id}-port`} label="Stratum port for your Bitaxes" error={portError ?? serverErrorFor('stratumPort')} inline>
          {(control) => <input {...control} inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} />}
        </Field>
        <Field id={`${id}-silent`} label="Leave a pool that sends nothing for (seconds)" error={silentError ?? serverErrorFor('silentUpstreamSeconds')} inline>
          {(control) => <input {...control} inputMode="numeric" value={silent} onChange={(e) => setSilent(e.target.value)} />}
        </Field>
        <p className="muted">The proxy port and this time take effect the next time Axewallet starts.</p>
      </fieldset>

      <fieldset>
        <legend>Locking key (the key your ehash is locked to)</legend>
        <Check type="radio" name="lockingKeyMode" checked={draft.lockingKeyMode === 'derived'} onChange={() => setDraft({ ...draft, lockingKeyMode: 'derived' })}>
          Derived from my wallet's seed (recommended)
        </Check>
        <Check type="radio" name="lockingKeyMode" checked={draft.lockingKeyMode === 'static'} onChange={() => setDraft({ ...draft, lockingKeyMode: 'static' })}>
          Static key set by the pool operator
        </Check>
      </fieldset>

      <fieldset>
        <legend>Mint</legend>
        <Field id={`${id}-mint`} label="Mint address" error={mintError ?? serverErrorFor('mintUrl')} inline>
          {(control) => (
            <input
              {...control}
              placeholder={'https://mint.example (empty: the demo network\u2019s mint)'}
              value={draft.mintUrl ?? ''}
              onChange={(e) => setDraft({ ...draft, mintUrl: e.target.value || undefined })}
            />
          )}
        </Field>
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
        <Field
          id={`${id}-relay`}
          label="Add relay"
          error={newRelayError ?? testRelay.error?.message ?? serverErrorFor('relays')}
          inline
          after={
            <>
              <button type="button" onClick={() => void addRelay()} disabled={testRelay.busy}>
                {testRelay.busy ? 'Testing the relay…' : 'Add relay'}
              </button>
              {untested && untested === newRelay.trim() && (
                <button type="button" onClick={() => void addRelay(true)}>
                  Add anyway
                </button>
              )}
            </>
          }
        >
          {(control) => (
            <input
              {...control}
              placeholder="wss://relay.example"
              value={newRelay}
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
          )}
        </Field>
      </fieldset>

      <fieldset>
        <legend>Notifications</legend>
        <Check checked={draft.notifications.enabled} onChange={(e) => setDraft({ ...draft, notifications: { ...draft.notifications, enabled: e.target.checked } })}>
          Desktop notifications for alerts
        </Check>
        {(Object.keys(notificationLabels) as (keyof typeof notificationLabels)[]).map((key) => (
          <Check
            indent
            key={key}
            disabled={!draft.notifications.enabled}
            checked={draft.notifications[key]}
            onChange={(e) => setDraft({ ...draft, notifications: { ...draft.notifications, [key]: e.target.checked } })}
          >
            {notificationLabels[key]}
          </Check>
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
        <Field id={`${id}-theme`} label="Theme" inline>
          {(control) => (
            <select {...control} value={draft.theme} onChange={(e) => setDraft({ ...draft, theme: e.target.value as Settings['theme'] })}>
              <option value="system">Same as the system</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          )}
        </Field>
      </fieldset>

      <fieldset>
        <legend>API access for scripts</legend>
        <Check checked={draft.stableApiToken} aria-describedby={`${id}-token-help`} onChange={(e) => setDraft({ ...draft, stableApiToken: e.target.checked })}>
          Keep the same API token when Axewallet restarts
        </Check>
        <p id={`${id}-token-help`} className="hint">
          Scripts and home-automation tools call Axewallet&apos;s API with a secret token, kept in the <span className="mono">api-token</span> file of Axewallet&apos;s home folder. Off (the default):
          a new token at every start, so a token copied somewhere stops working at the next start. On: the token stays the same across restarts, so a script keeps working, and anyone who once read it
          keeps access until you turn this off. Takes effect the next time Axewallet starts.
        </p>
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
          savedAt && !save.error && <span role="status">Saved at {savedAt}. A new proxy port or API token choice takes effect when Axewallet restarts.</span>
        )}
      </div>
    </form>
  );
}
