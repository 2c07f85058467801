import { useId, useState } from 'react';
import { call } from '../api';
import { ErrorNotice, FieldError } from '../components/ErrorNotice';
import { formatAgo } from '../format';
import { useApp } from '../store';
import { useAction, useCommand } from '../useCommand';
import { relayProblem } from '../validation';

export function BackupPage() {
  const id = useId();
  const backupEvents = useApp((s) => s.events.filter((e) => e.type === 'backup.status').length);
  const backup = useCommand('backup.get', {}, 5000, backupEvents);
  const navigate = useApp((s) => s.navigate);
  const [relay, setRelay] = useState('');
  const [relayError, setRelayError] = useState<string>();
  const [tested, setTested] = useState<Record<string, string>>({});
  const add = useAction(async (url: string) => {
    await call('backup.relays.add', { url });
    backup.reload();
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
    setTested((t) => ({ ...t, [url]: result.ok ? `answered${result.latencyMs !== undefined ? ` in ${Math.round(result.latencyMs)} ms` : ''}` : `failed: ${result.error ?? 'no answer'}` }));
  });


  return (
    <div className="stack">
      <section aria-labelledby={`${id}-state`}>
        <h2 id={`${id}-state`}>Backup state</h2>
        {backup.error ? (
          <ErrorNotice error={backup.error} onRetry={backup.reload} />
        ) : !backup.data ? (
          <p role="status">Loading…</p>
        ) : (
          <div className="stack">
            <dl className="facts">
              <dt>Backup</dt>
              <dd>{backup.data.running ? 'running' : 'stopped (no wallet yet, or it is locked)'}</dd>
              <dt>Changes waiting to be backed up</dt>
              <dd>{backup.data.pendingChanges}</dd>
              <dt>Last backup</dt>
              <dd>{formatAgo(backup.data.lastBackupAt)}</dd>
              <dt>Delay after a change</dt>
              <dd>{backup.data.delaySeconds} s</dd>
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
            <div className="row">
              <button type="button" onClick={() => void now.run()} disabled={now.busy || !backup.data.running}>
                {now.busy ? 'Backing up…' : 'Back up now'}
              </button>
            </div>
            {now.error && <ErrorNotice error={now.error} />}
          </div>
        )}
      </section>
      <section aria-labelledby={`${id}-relays`} className="stack">
        <h2 id={`${id}-relays`}>Relays</h2>
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
                      {tested[url] && <span role="status">{tested[url]}</span>}
                      </div>
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
          className="row"
          aria-label="Add a backup relay"
          onSubmit={async (e) => {
            e.preventDefault();
            const value = relay.trim();
            const problem = relayProblem(value);
            setRelayError(problem);
            if (problem) return;
            await add.run(value);
            setRelay('');
          }}
        >
          <label htmlFor={`${id}-relay`}>Relay address</label>
          <input
            id={`${id}-relay`}
            placeholder="wss://relay.example"
            value={relay}
            aria-invalid={!!(relayError ?? add.error)}
            aria-describedby={relayError ?? add.error ? `${id}-relay-error` : undefined}
            onChange={(e) => setRelay(e.target.value)}
          />
          <button type="submit" disabled={add.busy}>
            Add relay
          </button>
          <FieldError id={`${id}-relay-error`} message={relayError ?? add.error?.message} />
        </form>
      </section>
      <section aria-labelledby={`${id}-restore`}>
        <h2 id={`${id}-restore`}>Restore</h2>
        <p>Bring back a wallet from its recovery words and these relays, on a fresh machine.</p>
        <button type="button" onClick={() => navigate('welcome')}>
          Restore a wallet
        </button>
      </section>
    </div>
  );
}
