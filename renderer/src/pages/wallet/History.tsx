import { useEffect, useId, useState } from 'react';
import type { CommandOutput } from '../../../../core/api/contract';
import { Amount } from '../../components/Amount';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatExact } from '../../format';
import { useApp } from '../../store';
import { useCommand } from '../../useCommand';

type ActivityEntry = CommandOutput<'wallet.activity'>['days'][number]['entries'][number];

function dayName(day: string, today: string, yesterday: string): string {
  if (day === today) return 'today';
  if (day === yesterday) return 'yesterday';
  return `on ${new Date(`${day}T12:00:00`).toLocaleDateString(undefined, { weekday: 'short', month: 'short', day: 'numeric' })}`;
}

function localDayOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

const sendStates = { pending: 'waiting for the receiver', claimed: 'claimed by the receiver', reclaimed: 'taken back' } as const;

function describeEntry(e: ActivityEntry, when: string, manyMints: boolean): React.ReactNode {
  switch (e.kind) {
    case 'mined':
      return (
        <>
          Mined {when}: <Amount value={e.amount} unit={e.unit} sign="+" />
          {e.shares !== undefined ? ` from ${formatExact(e.shares)} share${e.shares === 1 ? '' : 's'}` : ` in ${e.batches} batch${e.batches === 1 ? '' : 'es'}`}
          {manyMints && <span className="muted"> at {e.mint}</span>}
        </>
      );
    case 'send':
      return (
        <>
          Sent <Amount value={e.amount} unit={e.unit} sign="−" />
          {e.memo ? ` “${e.memo}”` : ''} — {sendStates[e.state ?? 'pending']}
          {e.state === 'reclaimed' && e.returned !== undefined && (
            <>
              {' '}
              (<Amount value={e.returned} unit={e.unit} sign="+" /> back)
            </>
          )}
        </>
      );
    case 'receive':
      return (
        <>
          Received <Amount value={e.amount} unit={e.unit} sign="+" />
        </>
      );
    case 'restore':
      return (
        <>
          Restored <Amount value={e.amount} unit={e.unit} sign="+" />
          {e.memo ? ` (${e.memo})` : ''}
        </>
      );
    case 'reclaim':
      return (
        <>
          Took back an earlier send: <Amount value={e.amount} unit={e.unit} sign="+" />
        </>
      );
  }
}

/** The time, a minute at most behind: "today" and "yesterday" move on at midnight while the page stays open. */
function useMinuteClock(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** History by day: a day of mining is one row, a send is one row whatever became of it. */
export function Activity() {
  const id = useId();
  const [days, setDays] = useState(7);
  const walletEvents = useApp((s) => s.events.filter((e) => e.type === 'wallet.balance').length);
  const activity = useCommand('wallet.activity', { days, utcOffsetMinutes: -new Date().getTimezoneOffset() }, 10_000, walletEvents);
  const now = useMinuteClock();
  const today = localDayOf(now);
  const yesterday = localDayOf(now - 86_400_000);
  return (
    <section aria-labelledby={`${id}-history`}>
      <h2 id={`${id}-history`}>History</h2>
      {activity.error ? (
        <ErrorNotice error={activity.error} />
      ) : !activity.data ? (
        <p role="status">Loading…</p>
      ) : activity.data.days.length === 0 ? (
        <p className="muted">Nothing in the last {days} days.</p>
      ) : (
        <div className="stack" role="list" aria-label="Wallet history">
          {activity.data.days.map((d) => {
            const when = dayName(d.day, today, yesterday);
            const manyMints = new Set(d.entries.map((e) => e.mint)).size > 1;
            return (
              <section key={d.day} role="listitem" aria-label={`History ${when}`}>
                <h3 className="day-heading">{when[0]!.toUpperCase() + when.slice(1)}</h3>
                <ul className="list activity">
                  {d.entries.map((e) => (
                    <li key={`${e.kind}-${e.ref ?? e.at}-${e.mint}-${e.unit}`} className={e.direction === 'in' ? 'activity-in' : 'activity-out'}>
                      <span>{describeEntry(e, when, manyMints)}</span>
                      <span className="muted">
                        {e.kind === 'mined' && e.until !== e.at ? `${new Date(e.at).toLocaleTimeString()}–${new Date(e.until).toLocaleTimeString()}` : new Date(e.at).toLocaleTimeString()}
                      </span>
                    </li>
                  ))}
                </ul>
              </section>
            );
          })}
        </div>
      )}
      {days < 366 && activity.data && (
        <button type="button" onClick={() => setDays(Math.min(366, days + 30))}>
          Show older history
        </button>
      )}
    </section>
  );
}
