import { useId, useState } from 'react';
import { callOptional } from '../api';
import { ErrorNotice, FieldError } from '../components/ErrorNotice';
import { formatAgo } from '../format';
import { useApp } from '../store';
import { useAction, useCommand } from '../useCommand';

interface RelayStatus {
  url: string;
  lastOkAt: string | null;
  lastError: string | null;
  connected?: boolean;
}

interface BackupView {
  relays: RelayStatus[];
  pendingChanges: number;
  lastBackupAt?: string | null;
}

const RELAY = /^wss?:\/\/\S+$/;

export function BackupPage() {
  const id = useId();
  const backup = useCommand<BackupView>('backup.get', {}, 3000);
  const settings = useApp((s) => s.settings);
  const saveSettings = useApp((s) => s.saveSettings);
  const navigate = useApp((s) => s.navigate);
  const [relay, setRelay] = useState('');
  const [relayError, setRelayError] = useState<string>();
  const [tested, setTested] = useState<Record<string, string>>({});
  const change = useAction(async (relays: string[]) => {
    await saveSettings({ relays });
    backup.reload();
  });
  const test = useAction(async (url: string) => {
    const result = await callOptional<{ ok: boolean; latencyMs?: number; error?: string }>('backup.testRelay', { url });
    setTested((t) => ({ ...t, [url]: result.ok ? `answered${result.latencyMs !== undefined ? ` in ${Math.round(result.latencyMs)} ms` : ''}` : `failed: ${result.error ?? 'no answer'}` }));
  });

  const relays = settings?.relays ?? [];
  const statusOf = (url: string) => backup.data?.relays.find((r) => r.url === url);
  const allUrls = [...new Set([...relays, ...(backup.data?.relays.map((r) => r.url) ?? [])])];

  return (
    <div className="stack">
      <section aria-labelledby={`${id}-state`}>
        <h2 id={`${id}-state`}>Backup state</h2>
        {backup.error ? (
          <ErrorNotice error={backup.error} onRetry={backup.reload} />
        ) : !backup.data ? (
          <p role="status">Loading…</p>
        ) : (
          <dl className="facts">
            <dt>Changes waiting to be backed up</dt>
            <dd>{backup.data.pendingChanges}</dd>
            <dt>Last backup</dt>
            <dd>{formatAgo(backup.data.lastBackupAt ?? latest(backup.data.relays))}</dd>
          </dl>
        )}
      </section>
      <section aria-labelledby={`${id}-relays`} className="stack">
        <h2 id={`${id}-relays`}>Relays</h2>
        {allUrls.length === 0 ? (
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
              {allUrls.map((url) => {
                const s = statusOf(url);
                return (
                  <tr key={url}>
                    <td className="mono">{url}</td>
                    <td>{s ? formatAgo(s.lastOkAt) : '—'}</td>
                    <td className={s?.lastError ? 'bad' : ''}>{s?.lastError ?? (s ? 'none' : '—')}</td>
                    <td className="row">
                      <button type="button" onClick={() => void test.run(url)} disabled={test.busy} aria-label={`Test relay ${url}`}>
                        Test
                      </button>
                      {relays.includes(url) && (
                        <button type="button" onClick={() => void change.run(relays.filter((r) => r !== url))} disabled={change.busy} aria-label={`Remove relay ${url}`}>
                          Remove
                        </button>
                      )}
                      {tested[url] && <span role="status">{tested[url]}</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {test.error && <ErrorNotice error={test.error} />}
        <form
          className="row"
          aria-label="Add a backup relay"
          onSubmit={async (e) => {
            e.preventDefault();
            const value = relay.trim();
            const problem = RELAY.test(value) ? undefined : 'A relay address starts with ws:// or wss://';
            setRelayError(problem);
            if (problem) return;
            if (!relays.includes(value)) await change.run([...relays, value]);
            setRelay('');
          }}
        >
          <label htmlFor={`${id}-relay`}>Relay address</label>
          <input
            id={`${id}-relay`}
            placeholder="wss://relay.example"
            value={relay}
            aria-invalid={!!relayError}
            aria-describedby={relayError ? `${id}-relay-error` : undefined}
            onChange={(e) => setRelay(e.target.value)}
          />
          <button type="submit" disabled={change.busy}>
            Add relay
          </button>
          <FieldError id={`${id}-relay-error`} message={relayError ?? change.error?.message} />
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

function latest(relays: RelayStatus[]): string | null {
  const times = relays.map((r) => r.lastOkAt).filter((t): t is string => !!t);
  return times.sort().at(-1) ?? null;
}
