import { useId } from 'react';
import type { CommandOutput } from '../../../core/api/contract';
import { formatSi } from '../format';
import { useCommand } from '../useCommand';
import { ErrorNotice } from './ErrorNotice';

type Pending = CommandOutput<'wallet.pending'>;

/** Quotes shown by name before the rest are counted. */
const SHOWN = 20;

/** Epoch units (`hash_<66 hex>_<height>`) are long: the start and the height are what tell them apart. */
export function shortUnit(unit: string): string {
  const epoch = /^hash_([0-9a-f]{66})_(\d+(?:_\d+)?)$/.exec(unit);
  return epoch ? `hash_${epoch[1]!.slice(0, 8)}…_${epoch[2]}` : unit;
}

function day(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

/**
 * What is not spendable ehash yet, and why: immature ehash (quotes the mint holds until the block that opened
 * their epoch is confirmed, with the amount they will bring), each waiting quote as "pending: <reason>", quotes
 * given up with their reason, ehash close to its keyset's end, and mints that are not answering. Nothing to show:
 * renders nothing.
 */
export function PendingEhashView({ data }: { data: Pending }) {
  const id = useId();
  const waiting = data.quotes.filter((q) => q.state === 'unpaid' || q.state === 'paid');
  const dropped = data.quotes.filter((q) => q.state === 'dropped');
  const down = data.mints.filter((m) => m.retryAt !== undefined);
  const noLookup = data.mints.filter((m) => m.lookup === 'none');
  if (waiting.length === 0 && dropped.length === 0 && data.immature.length === 0 && data.expiring.length === 0 && down.length === 0) return null;
  return (
    <section aria-labelledby={`${id}-pending`}>
      <h2 id={`${id}-pending`}>Not minted yet</h2>
      {data.expiring.map((e) => (
        <div key={e.keysetId} className="notice notice-error" role="alert">
          <strong>
            {formatSi(e.amount)} {shortUnit(e.unit)} expires on {day(e.finalExpiry)}
          </strong>
          <p>After that date the mint no longer accepts this ehash. Send or spend it before then.</p>
        </div>
      ))}
      {down.map((m) => (
        <p key={m.url} role="status">
          <span className="mono">{m.url}</span> is not answering ({m.lastError}); the wallet asks again by itself and loses nothing.
        </p>
      ))}
      {data.immature.length > 0 && (
        <table aria-label="Immature ehash">
          <thead>
            <tr>
              <th scope="col">Immature ehash</th>
              <th scope="col">Amount</th>
              <th scope="col">Shares</th>
            </tr>
          </thead>
          <tbody>
            {data.immature.map((i) => (
              <tr key={`${i.mint}|${i.unit}`}>
                <td title={`${i.unit} at ${i.mint}`}>{shortUnit(i.unit)}</td>
                <td title={String(i.amount)}>
                  {formatSi(i.amount)}
                  {i.expectedWork !== undefined ? ` (${formatSi(i.expectedWork)} hashes)` : ''}
                </td>
                <td>{i.quotes}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data.immature.length > 0 && <p className="hint">Shares mined just after the pool found a block are paid once that block has enough confirmations, like any pool's immature reward.</p>}
      {waiting.length > 0 && (
        <ul className="list" aria-label="Quotes waiting">
          {waiting.slice(0, SHOWN).map((q) => (
            <li key={`${q.mint}|${q.id}`}>
              {q.amount !== null ? `${formatSi(q.amount)} ${q.unit ? shortUnit(q.unit) : ''}` : 'amount not known yet'} — pending:{' '}
              {q.reason ?? (q.state === 'paid' ? 'being minted' : 'asking the mint')}
            </li>
          ))}
          {waiting.length > SHOWN && <li className="muted">and {waiting.length - SHOWN} more</li>}
        </ul>
      )}
      {dropped.length > 0 && (
        <details>
          <summary>
            {dropped.length} quote{dropped.length === 1 ? '' : 's'} given up
          </summary>
          <ul className="list" aria-label="Quotes given up">
            {dropped.slice(0, SHOWN).map((q) => (
              <li key={`${q.mint}|${q.id}`}>
                <span className="mono">{q.id}</span> — dropped: {q.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      {noLookup.length > 0 && (
        <p className="hint">{noLookup.map((m) => m.url).join(', ')} cannot list quotes by key: the wallet mints what the pool announces, so keep Axewallet running while you mine.</p>
      )}
    </section>
  );
}

/** The Wallet page's "not minted yet" part, read every few seconds. */
export function PendingEhash() {
  const pending = useCommand('wallet.pending', { limit: 200 }, 5000);
  if (pending.error) return <ErrorNotice error={pending.error} />;
  if (!pending.data) return null;
  return <PendingEhashView data={pending.data} />;
}
