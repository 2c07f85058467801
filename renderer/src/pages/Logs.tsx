import { useDeferredValue, useId, useMemo, useState } from 'react';
import { Field } from '../components/Field';
import { downloadText } from '../download';
import { type LogRecord, useApp } from '../store';

const levels = ['debug', 'info', 'warn', 'error'] as const;

export function matchesLog(record: LogRecord, query: string, minLevel: (typeof levels)[number]): boolean {
  if (levels.indexOf(record.level) < levels.indexOf(minLevel)) return false;
  if (!query) return true;
  const q = query.toLowerCase();
  return record.message.toLowerCase().includes(q) || record.scope.toLowerCase().includes(q) || (record.fields !== undefined && JSON.stringify(record.fields).toLowerCase().includes(q));
}

export function LogsPage() {
  const logs = useApp((s) => s.logs);
  const alerts = useApp((s) => s.alerts);
  const [query, setQuery] = useState('');
  const [level, setLevel] = useState<(typeof levels)[number]>('info');
  const deferred = useDeferredValue(query);
  const id = useId();
  const shown = useMemo(() => logs.filter((r) => matchesLog(r, deferred, level)), [logs, deferred, level]);

  const exportLogs = () => {
    downloadText(`axewallet-logs-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`, shown.map((r) => JSON.stringify(r)).join('\n') + '\n', 'application/x-ndjson');
  };

  return (
    <div className="stack">
      <section aria-labelledby={`${id}-alerts`}>
        <h2 id={`${id}-alerts`}>Alerts</h2>
        {alerts.length === 0 ? (
          <p className="muted">No alerts.</p>
        ) : (
          <ul className="list">
            {[...alerts].reverse().map((alert) => (
              <li key={alert.id} className={`alert alert-${alert.severity}`}>
                <strong>{alert.title}</strong> <span className="muted">{new Date(alert.at).toLocaleString()}</span>
                {alert.clearedAt && <span className="muted"> · over since {new Date(alert.clearedAt).toLocaleString()}</span>}
                <p>{alert.message}</p>
                {alert.hint && <p className="hint">{alert.hint}</p>}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby={`${id}-logs`} className="stack">
        <h2 id={`${id}-logs`}>Log</h2>
        <div className="row">
          <Field id={`${id}-search`} label="Search logs">
            {(control) => <input {...control} type="search" value={query} onChange={(e) => setQuery(e.target.value)} />}
          </Field>
          <Field id={`${id}-level`} label="Lowest level">
            {(control) => (
              <select {...control} value={level} onChange={(e) => setLevel(e.target.value as (typeof levels)[number])}>
                {levels.map((l) => (
                  <option key={l} value={l}>
                    {l}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="button" onClick={exportLogs} disabled={shown.length === 0}>
            Export logs
          </button>
        </div>
        <p role="status" className="muted">
          {shown.length} of {logs.length} records
        </p>
        <table className="log-table" aria-label="Log records">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Level</th>
              <th scope="col">Part</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {shown
              .slice(-500)
              .reverse()
              .map((r, i) => (
                <tr key={`${r.time}-${i}`} className={`level-${r.level}`}>
                  <td className="mono">{new Date(r.time).toLocaleTimeString()}</td>
                  <td>{r.level}</td>
                  <td>{r.scope}</td>
                  <td>
                    {r.message}
                    {r.fields && <span className="mono muted"> {JSON.stringify(r.fields)}</span>}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
