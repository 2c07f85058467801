import { useId, useState } from 'react';
import type { CommandOutput } from '../../../core/api/contract';
import { call } from '../api';
import { describeSchedule, formatDuration } from '../backup-schedule';
import { ErrorNotice } from '../components/ErrorNotice';
import { errorText, Field } from '../components/Field';
import { formatAgo } from '../format';
import { useLeaveGuard } from '../leave-guard';
import { useApp } from '../store';
import { useAction, useCommand } from '../useCommand';
import { relayProblem } from '../validation';

type RelayCheck = CommandOutput<'backup.testRelay'>;

function CheckResult({ result }: { result: RelayCheck }) {
  return (
    <div className={result.ok ? 'good' : 'bad'} role="status">
      {result.ok ? `Works${result.name ? ` (${result.name})` : ''}: answered in ${Math.round(result.latencyMs)} ms, kept a test event and returned it.` : `${result.error} ${result.hint ?? ''}`}
      <ul className="list muted" aria-label="What was checked">
        {result.checks.map((c) => (
          <li key={c.check}>
            {c.ok ? '✓' : '✗'} {c.detail}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function BackupPage() {
  const id = useId();
  const backupEvents = useApp((s) => s.events.filter((e) => e.type === 'backup.status').length);
  const backup = useCommand('backup.get', {}, 5000, backupEvents);
  const navigate = useApp((s) => s.navigate);
  const [relay, setRelay] = useState('');
  const [relayError, setRelayError] = useState<string>();
  const [tested, setTested] = useState<Record<string, RelayCheck>>({});
  useLeaveGuard(relay.trim() !== '', 'The relay address you typed was not added. Leave without adding it?');
  const add = useAction(async (url: string, force: boolean) => {
    await call('backup.relays.add', { url, ...(force ? { force: true } : {}) });
    backup.reload();
    return true;
  });
  const remove = useAction(async (url: string) => {
    await call('backup.relays.remove', { url });
    backup.reload();
  });
  const now = useAction(async () => {
    await call('backup.now', {});
    backup.reload();
  });
  const test = useAction(async (url: string) => {
    const result = await call('backup.testRelay', { url });
    setTested((t) => ({ ...t, [url]: result }));
  });
  const schedule = backup.data ? describeSchedule(backup.data) : undefined;

  const submitRelay = async (force: boolean) => {
    const value = relay.trim();
    const problem = relayProblem(value);
    setRelayError(problem);
    if (problem) return;
    if (await add.run(value, force)) setRelay('');
  };

  return (
    <div className="stack">
      <section aria-labelledby={`${id}-state`}>
        <h2 id={`${id}-state`}>Backup state</h2>
        {backup.error ? (
          <ErrorNotice error={backup.error} onRetry={backup.reload} />
        ) : !backup.data || !schedule ? (
          <p role="status">Loading…</p>
        ) : (
          <div className="stack">
            <dl className="facts">
              <dt>Backup</dt>
              <dd>{backup.data.running ? 'running' : 'stopped (no wallet yet, or it is locked)'}</dd>
              <dt>Last backup</dt>
              <dd>{formatAgo(backup.data.lastBackupAt)}</dd>
              <dt>Changes waiting to be backed up</dt>
              <dd>{backup.data.pendingChanges}</dd>
              <dt>Next backup</dt>
              <dd>{schedule.next}</dd>
              <dt>Why then</dt>
              <dd>{schedule.why}</dd>
              <dt>How often</dt>
              <dd>
                Sends and new mints within {formatDuration(backup.data.delaySeconds)}; income (mined ehash) every {formatDuration(backup.data.incomeDelaySeconds)}.
              </dd>
              {backup.data.pubkey && (
                <>
                  <dt>Published under (nostr key)</dt>
                  <dd className="mono">{backup.data.pubkey}</dd>
                </>
              )}
              {backup.data.lastError && (
                <>
                  <dt>Last error</dt>
                  <dd className="bad">{backup.data.lastError}</dd>
                </>
              )}
            </dl>
            {backup.data.warnings.length > 0 && (
              <ul className="notice" aria-label="Backup warnings">
                {backup.data.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            )}
            <div className="row">
              <button type="button" onClick={() => void now.run()} disabled={now.busy || !backup.data.running}>
                {now.busy ? 'Backing up…' : 'Back up now'}
              </button>
              <span className="hint">Publishes everything waiting at once, income included.</span>
            </div>
            {now.error && <ErrorNotice error={now.error} />}
            {!now.error && !now.busy && backup.data.lastBackupAt && backup.data.pendingChanges === 0 && (
              <p className="good" role="status">
                Everything is backed up.
              </p>
            )}
          </div>
        )}
      </section>
      <section aria-labelledby={`${id}-relays`} className="stack">
        <h2 id={`${id}-relays`}>Relays</h2>
        <p className="hint">The same list as in Settings. A relay is tested before it is added: it must keep an event and give it back.</p>
        {!backup.data || backup.data.relays.length === 0 ? (
          <p className="muted">No backup relay yet: add one so a lost machine does not mean lost ehash.</p>
        ) : (
          <table aria-label="Backup relays">
            <thead>
              <tr>
                <th scope="col">Relay</th>
                <th scope="col">Last success</th>
                <th scope="col">Last error</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {backup.data.relays.map((s) => {
                const url = s.url;
                return (
                  <tr key={url}>
                    <td className="mono">
                      {url} <span className={s.connected ? 'good' : 'bad'}>{s.connected ? 'connected' : 'not connected'}</span>
                      {s.outbox > 0 ? <span className="muted"> · {s.outbox} events waiting</span> : null}
                    </td>
                    <td>{formatAgo(s.lastOkAt)}</td>
                    <td className={s.lastError ? 'bad' : ''}>{s.lastError ? `${s.lastError} (${formatAgo(s.lastErrorAt)})` : 'none'}</td>
                    <td>
                      <div className="row">
                        <button type="button" onClick={() => void test.run(url)} disabled={test.busy} aria-label={`Test relay ${url}`}>
                          Test
                        </button>
                        <button type="button" onClick={() => void remove.run(url)} disabled={remove.busy} aria-label={`Remove relay ${url}`}>
                          Remove
                        </button>
                      </div>
                      {tested[url] && <CheckResult result={tested[url]} />}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {test.error && <ErrorNotice error={test.error} />}
        {remove.error && <ErrorNotice error={remove.error} />}
        <form
          className="stack"
          aria-label="Add a backup relay"
          onSubmit={async (e) => {
            e.preventDefault();
            await submitRelay(false);
          }}
        >
          <Field
            id={`${id}-relay`}
            label="Relay address"
            error={relayError ?? errorText(add.error)}
            inline
            after={
              <button type="submit" disabled={add.busy}>
                {add.busy ? 'Testing the relay…' : 'Test and add relay'}
              </button>
            }
          >
            {(control) => (
              <input
                {...control}
                placeholder="wss://relay.example"
                value={relay}
                onChange={(e) => {
                  setRelay(e.target.value);
                  setRelayError(undefined);
                  add.setError(undefined);
                }}
              />
            )}
          </Field>
          {add.error?.field === 'url' && (
            <div className="row">
              <button type="button" onClick={() => void submitRelay(true)} disabled={add.busy}>
                Add anyway
              </button>
            </div>
          )}
        </form>
      </section>
      <section aria-labelledby={`${id}-restore`}>
        <h2 id={`${id}-restore`}>Restore</h2>
        <p>Bring back a wallet from its recovery words and these relays, on a fresh machine, or merge this wallet's backup from other relays into it.</p>
        <button type="button" onClick={() => navigate('welcome')}>
          Restore a wallet
        </button>
      </section>
    </div>
  );
}
