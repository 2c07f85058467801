import { useId } from 'react';
import { Amount } from '../../components/Amount';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Term } from '../../components/Term';
import { typicalHashrate } from '../../hashrate';
import type { BalanceView } from '../../shapes';
import { useApp } from '../../store';
import { useCommand } from '../../useCommand';
import { workExplanation, yourMiners } from '../../work';

/** "your Bitaxe Gamma" and the hashrate Axewallet measures from its shares: what amounts are compared with. */
function useMinerScale(): { who: string | undefined; hashrate: number } {
  const mining = useApp((s) => s.mining);
  const devices = useCommand('devices.list', {}, 30_000);
  return { who: yourMiners(devices.data?.devices ?? [], mining?.miners.length ?? 0), hashrate: typicalHashrate(mining) };
}

export function Balances({ balances }: { balances: BalanceView[] }) {
  const id = useId();
  const wallet = useApp((s) => s.wallet);
  const scale = useMinerScale();
  return (
    <section aria-labelledby={`${id}-balances`}>
      <h2 id={`${id}-balances`}>Balances</h2>
      {wallet && wallet.pendingQuotes > 0 && (
        <p role="status">
          {wallet.pendingQuotes} paid share <Term term="quote">quote{wallet.pendingQuotes === 1 ? '' : 's'}</Term> waiting to be turned into ehash.
        </p>
      )}
      {wallet?.restoring && <p role="status">Restoring from the mint…</p>}
      {balances.length === 0 ? (
        <p className="muted">
          Nothing yet: every <Term term="share">share</Term> the pool accepts becomes <Term term="ehash">ehash</Term> here.
        </p>
      ) : (
        <table aria-label="Balances">
          <thead>
            <tr>
              <th scope="col">
                <Term term="mint">Mint</Term>
              </th>
              <th scope="col">
                <Term term="ehash">ehash</Term>
              </th>
              <th scope="col">What it stands for</th>
              <th scope="col">In sats</th>
              <th scope="col">
                <Term term="proof">Coins (proofs)</Term>
              </th>
            </tr>
          </thead>
          <tbody>
            {balances.map((b) => (
              <tr key={`${b.mint}|${b.unit}`}>
                <td className="mono">{b.mint}</td>
                <td>
                  <Amount value={b.amount} unit={b.unit} />
                </td>
                <td>{b.expectedWork !== undefined ? workExplanation(b.expectedWork, scale.hashrate, scale.who) : 'not known yet (needs two share quotes from this unit)'}</td>
                <td>
                  no estimate <Term term="estimate">why?</Term>
                </td>
                <td>{b.proofs}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Mints() {
  const id = useId();
  const mints = useCommand('wallet.mints', {}, 15000);
  return (
    <section aria-labelledby={`${id}-mints`}>
      <h2 id={`${id}-mints`}>Mints</h2>
      {mints.error ? (
        <ErrorNotice error={mints.error} />
      ) : !mints.data ? (
        <p role="status">Loading…</p>
      ) : mints.data.mints.length === 0 ? (
        <p className="muted">No mint yet.</p>
      ) : (
        <ul className="list" aria-label="Mints">
          {mints.data.mints.map((m) => (
            <li key={m.url}>
              <span className="mono">{m.url}</span> — units: {m.units.join(', ') || 'none yet'}
              {m.configured ? ' (configured)' : ''}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
