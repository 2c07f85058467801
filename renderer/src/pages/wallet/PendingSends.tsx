import { useId, useState } from 'react';
import { call } from '../../api';
import { Amount } from '../../components/Amount';
import { ConfirmButton } from '../../components/Confirm';
import { CopyButton } from '../../components/CopyButton';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatExact, formatSi } from '../../format';
import { useApp } from '../../store';
import { useAction, useCommand } from '../../useCommand';

export function PendingSends() {
  const id = useId();
  const walletEvents = useApp((s) => s.events.filter((e) => e.type === 'wallet.balance').length);
  const pending = useCommand('wallet.sends', {}, 5000, walletEvents);
  const [done, setDone] = useState<string>();
  const reclaim = useAction(async (send: { id: string; amount: number | string; unit: string }) => {
    const result = await call('wallet.reclaim', { id: send.id });
    setDone(`Took back ${formatExact(result.amount)} ${send.unit}; the token no longer works.`);
    pending.reload();
    void useApp.getState().refresh();
  });
  return (
    <section aria-labelledby={`${id}-pending`}>
      <h2 id={`${id}-pending`}>Pending sends</h2>
      {done && <p role="status">{done}</p>}
      {pending.error ? (
        <ErrorNotice error={pending.error} />
      ) : !pending.data ? (
        <p role="status">Loading…</p>
      ) : pending.data.sends.length === 0 ? (
        <p className="muted">No token is waiting to be claimed.</p>
      ) : (
        <ul className="list" aria-label="Pending sends">
          {pending.data.sends.map((s) => (
            <li key={s.id} className="row">
              <span>
                <Amount value={s.amount} unit={s.unit} />
                {s.memo ? ` — ${s.memo}` : ''}
                <span className="muted"> {new Date(s.createdAt).toLocaleString()}</span>
              </span>
              {s.token && <CopyButton text={s.token} label={`Copy token for ${formatSi(s.amount)} ${s.unit}`} />}
              <ConfirmButton
                label="Reclaim"
                ariaLabel={`Reclaim ${formatSi(s.amount)} ${s.unit}`}
                question={`Take back ${formatExact(s.amount)} ${s.unit}? The token you gave stops working.`}
                confirmLabel="Take it back"
                disabled={reclaim.busy}
                onConfirm={() => {
                  setDone(undefined);
                  void reclaim.run(s);
                }}
              />
            </li>
          ))}
        </ul>
      )}
      {reclaim.error && <ErrorNotice error={reclaim.error} />}
    </section>
  );
}
