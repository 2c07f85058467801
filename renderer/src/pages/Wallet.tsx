import { useId, useState } from 'react';
import type { ApiEvent, CommandInput, CommandOutput } from '../../../core/api/contract';
import { call } from '../api';
import { CopyButton } from '../components/CopyButton';
import { ErrorNotice, FieldError } from '../components/ErrorNotice';
import { PendingEhash } from '../components/PendingEhash';
import { Qr } from '../components/Qr';
import { formatSi } from '../format';
import { useLive } from '../live';
import type { BalanceView } from '../shapes';
import { useApp } from '../store';
import { useAction, useCommand } from '../useCommand';

/** ehash is work: each unit of an amount stands for 2^minimumDifficulty expected hashes, when the engine says which minimum applies. */
function asWork(balance: BalanceView): string {
  return balance.expectedWork !== undefined ? `${formatSi(balance.expectedWork)} hashes` : '—';
}

export function WalletPage() {
  const wallet = useLive((s) => s.wallet);
  const walletError = useLive((s) => s.walletError);
  const navigate = useApp((s) => s.navigate);

  if (walletError) return <ErrorNotice error={walletError} title="Wallet" onRetry={() => void useLive.getState().refresh()} />;
  if (!wallet) return <p role="status">Loading the wallet…</p>;
  if (!wallet.exists) {
    return (
      <div className="notice" role="note">
        <strong>No wallet on this machine yet.</strong>
        <p>Create a new wallet, or restore one from its 12 or 24 recovery words.</p>
        <button type="button" className="primary" onClick={() => navigate('welcome')}>
          Create or restore a wallet
        </button>
      </div>
    );
  }
  if (wallet.locked) return <UnlockForm />;
  return (
    <div className="stack">
      <MintProblem />
      <Balances balances={wallet.balances} />
      <PendingEhash />
      <div className="grid2">
        <SendForm balances={wallet.balances} />
        <ReceiveForm />
      </div>
      <PendingSends />
      <History />
      <Mints />
    </div>
  );
}

const mintProblemWords: Record<Extract<ApiEvent, { type: 'wallet.error' }>['kind'], string> = {
  bad_signature: 'The mint sent a signature that does not verify; nothing from that answer was kept.',
  mint_offline: 'The mint is not answering; minting waits and nothing is lost.',
  mint_rejected: 'The mint refused a request.',
  bad_response: 'The mint sent an answer Axewallet cannot read.',
  internal: 'The wallet hit an internal error.',
};

/** The wallet's last problem with a mint, while it is recent. */
function MintProblem() {
  const problem = useApp((s) => s.events.findLast((e): e is Extract<ApiEvent, { type: 'wallet.error' }> => e.type === 'wallet.error'));
  const lastBalance = useApp((s) => s.events.findLastIndex((e) => e.type === 'wallet.balance'));
  const problemIndex = useApp((s) => s.events.findLastIndex((e) => e.type === 'wallet.error'));
  // a balance change after the problem means the mint works again
  if (!problem || lastBalance > problemIndex) return null;
  return (
    <div className="notice notice-error" role="alert">
      <strong>{mintProblemWords[problem.kind]}</strong>
      <p>
        {problem.message}
        {problem.mint ? ` (${problem.mint})` : ''}
      </p>
    </div>
  );
}

function Balances({ balances }: { balances: BalanceView[] }) {
  const id = useId();
  const wallet = useLive((s) => s.wallet);
  return (
    <section aria-labelledby={`${id}-balances`}>
      <h2 id={`${id}-balances`}>Balances</h2>
      {wallet && wallet.pendingQuotes > 0 && (
        <p role="status">
          {wallet.pendingQuotes} paid share quote{wallet.pendingQuotes === 1 ? '' : 's'} waiting to be minted.
        </p>
      )}
      {wallet?.restoring && <p role="status">Restoring from the mint…</p>}
      {balances.length === 0 ? (
        <p className="muted">Nothing yet: every share the pool accepts becomes ehash here.</p>
      ) : (
        <table aria-label="Balances">
          <thead>
            <tr>
              <th scope="col">Mint</th>
              <th scope="col">Unit</th>
              <th scope="col">Amount</th>
              <th scope="col">As work</th>
              <th scope="col">Proofs</th>
            </tr>
          </thead>
          <tbody>
            {balances.map((b) => (
              <tr key={`${b.mint}|${b.unit}`}>
                <td className="mono">{b.mint}</td>
                <td>{b.unit}</td>
                <td title={String(b.amount)}>{formatSi(b.amount)}</td>
                <td>{asWork(b)}</td>
                <td>{b.proofs}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {wallet?.lockingPubkey && (
        <p className="hint">
          Locking key ({wallet.lockingKeyMode}): <span className="mono">{wallet.lockingPubkey}</span>
        </p>
      )}
    </section>
  );
}

function Mints() {
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

function UnlockForm() {
  const [passphrase, setPassphrase] = useState('');
  const id = useId();
  const unlock = useAction((p: string) => call('wallet.unlock', { passphrase: p }));
  return (
    <form
      className="stack narrow"
      aria-label="Unlock wallet"
      onSubmit={async (e) => {
        e.preventDefault();
        if ((await unlock.run(passphrase)) !== undefined) {
          setPassphrase('');
          await useLive.getState().refresh();
        }
      }}
    >
      <p>The wallet is locked since Axewallet restarted. Enter its passphrase to mint and spend again.</p>
      <label htmlFor={`${id}-pass`}>Passphrase</label>
      <input
        id={`${id}-pass`}
        type="password"
        autoComplete="current-password"
        value={passphrase}
        aria-invalid={!!unlock.error}
        aria-describedby={unlock.error ? `${id}-pass-error` : undefined}
        onChange={(e) => setPassphrase(e.target.value)}
      />
      <FieldError id={`${id}-pass-error`} message={unlock.error && `${unlock.error.message}${unlock.error.hint ? ` ${unlock.error.hint}` : ''}`} />
      <button type="submit" className="primary" disabled={unlock.busy || !passphrase}>
        Unlock
      </button>
    </form>
  );
}

function SendForm({ balances }: { balances: BalanceView[] }) {
  const id = useId();
  const [choice, setChoice] = useState(0);
  const [amount, setAmount] = useState('');
  const [memo, setMemo] = useState('');
  const [token, setToken] = useState<string>();
  const [amountError, setAmountError] = useState<string>();
  const send = useAction((input: CommandInput<'wallet.send'>) => call('wallet.send', input));
  const selected = balances[choice];

  const onSubmit = async (e: React.FormEvent) => {
    e.preventDefault();
    setToken(undefined);
    if (!/^\d{1,20}$/.test(amount.trim()) || BigInt(amount.trim()) === 0n) {
      setAmountError('Enter a whole amount above 0.');
      return;
    }
    if (selected && BigInt(amount.trim()) > BigInt(selected.amount)) {
      setAmountError(`Only ${formatSi(selected.amount)} ${selected.unit} available at this mint.`);
      return;
    }
    setAmountError(undefined);
    const value = BigInt(amount.trim());
    const result = await send.run({
      amount: value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString(),
      ...(memo ? { memo } : {}),
      ...(selected ? { mint: selected.mint, unit: selected.unit } : {}),
    });
    if (result) {
      setToken(result.token);
      void useLive.getState().refresh();
    }
  };

  const serverFieldError = send.error?.field === 'amount' ? send.error.message : undefined;
  return (
    <section aria-labelledby={`${id}-send`}>
      <h2 id={`${id}-send`}>Send</h2>
      <form className="stack" onSubmit={onSubmit} aria-label="Send ehash" noValidate>
        {balances.length > 1 && (
          <>
            <label htmlFor={`${id}-from`}>From</label>
            <select id={`${id}-from`} value={choice} onChange={(e) => setChoice(Number(e.target.value))}>
              {balances.map((b, i) => (
                <option key={`${b.mint}|${b.unit}`} value={i}>
                  {b.unit} at {b.mint} ({formatSi(b.amount)})
                </option>
              ))}
            </select>
          </>
        )}
        <label htmlFor={`${id}-amount`}>Amount to send{selected ? ` (${selected.unit})` : ''}</label>
        <input
          id={`${id}-amount`}
          inputMode="numeric"
          value={amount}
          aria-invalid={!!(amountError ?? serverFieldError)}
          aria-describedby={amountError ?? serverFieldError ? `${id}-amount-error` : undefined}
          onChange={(e) => setAmount(e.target.value)}
        />
        <FieldError id={`${id}-amount-error`} message={amountError ?? serverFieldError} />
        <label htmlFor={`${id}-memo`}>Memo (optional)</label>
        <input id={`${id}-memo`} value={memo} maxLength={200} onChange={(e) => setMemo(e.target.value)} />
        {send.error && !serverFieldError && <ErrorNotice error={send.error} />}
        <button type="submit" className="primary" disabled={send.busy}>
          {send.busy ? 'Creating token…' : 'Create token'}
        </button>
      </form>
      {token && (
        <div className="stack token-out">
          <label htmlFor={`${id}-token`}>Token to give the receiver</label>
          <textarea id={`${id}-token`} readOnly rows={4} value={token} className="mono" onFocus={(e) => e.target.select()} />
          <CopyButton text={token} label="Copy token" />
          <Qr text={token} label="QR code of the token" />
          <p className="hint">Until the receiver claims it, the amount stays in Pending sends, where you can take it back.</p>
        </div>
      )}
    </section>
  );
}

function ReceiveForm() {
  const id = useId();
  const [token, setToken] = useState('');
  const [received, setReceived] = useState<string>();
  const receive = useAction((t: string) => call('wallet.receive', { token: t }));
  return (
    <section aria-labelledby={`${id}-receive`}>
      <h2 id={`${id}-receive`}>Receive</h2>
      <form
        className="stack"
        aria-label="Receive ehash"
        onSubmit={async (e) => {
          e.preventDefault();
          setReceived(undefined);
          const result = await receive.run(token.trim());
          if (result) {
            setReceived(`Received ${formatSi(result.amount)} ${result.unit}.`);
            setToken('');
            void useLive.getState().refresh();
          }
        }}
      >
        <label htmlFor={`${id}-token`}>Token to receive</label>
        <textarea
          id={`${id}-token`}
          rows={4}
          className="mono"
          placeholder="cashuB…"
          value={token}
          aria-invalid={!!receive.error}
          aria-describedby={receive.error ? `${id}-token-error` : undefined}
          onChange={(e) => setToken(e.target.value)}
        />
        <FieldError id={`${id}-token-error`} message={receive.error && `${receive.error.message}${receive.error.hint ? ` ${receive.error.hint}` : ''}`} />
        <button type="submit" className="primary" disabled={receive.busy || !token.trim()}>
          {receive.busy ? 'Receiving…' : 'Receive'}
        </button>
        {received && <p role="status">{received}</p>}
      </form>
    </section>
  );
}

function PendingSends() {
  const id = useId();
  const walletEvents = useApp((s) => s.events.filter((e) => e.type === 'wallet.balance').length);
  const pending = useCommand('wallet.sends', {}, 5000, walletEvents);
  const reclaim = useAction(async (sendId: string) => {
    await call('wallet.reclaim', { id: sendId });
    pending.reload();
    void useLive.getState().refresh();
  });
  return (
    <section aria-labelledby={`${id}-pending`}>
      <h2 id={`${id}-pending`}>Pending sends</h2>
      {pending.error ? (
        <ErrorNotice error={pending.error} />
      ) : !pending.data ? (
        <p role="status">Loading…</p>
      ) : pending.data.sends.length === 0 ? (
        <p className="muted">No token is waiting to be claimed.</p>
      ) : (
        <ul className="list">
          {pending.data.sends.map((s) => (
            <li key={s.id} className="row">
              <span>
                {formatSi(s.amount)} {s.unit}
                {s.memo ? ` — ${s.memo}` : ''}
                <span className="muted"> {new Date(s.createdAt).toLocaleString()}</span>
              </span>
              {s.token && <CopyButton text={s.token} label={`Copy token for ${formatSi(s.amount)} ${s.unit}`} />}
              <button type="button" disabled={reclaim.busy} onClick={() => void reclaim.run(s.id)} aria-label={`Reclaim ${formatSi(s.amount)} ${s.unit}`}>
                Reclaim
              </button>
            </li>
          ))}
        </ul>
      )}
      {reclaim.error && <ErrorNotice error={reclaim.error} />}
    </section>
  );
}

const historyKinds: Record<CommandOutput<'wallet.history'>['entries'][number]['kind'], string> = {
  mint: 'Minted from shares',
  send: 'Sent',
  receive: 'Received',
  reclaim: 'Reclaimed',
  restore: 'Restored',
  claimed: 'Send claimed',
};

function History() {
  const id = useId();
  const walletEvents = useApp((s) => s.events.filter((e) => e.type === 'wallet.balance').length);
  const history = useCommand('wallet.history', {}, 5000, walletEvents);
  return (
    <section aria-labelledby={`${id}-history`}>
      <h2 id={`${id}-history`}>History</h2>
      {history.error ? (
        <ErrorNotice error={history.error} />
      ) : !history.data ? (
        <p role="status">Loading…</p>
      ) : history.data.entries.length === 0 ? (
        <p className="muted">No history yet.</p>
      ) : (
        <table aria-label="Wallet history">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Amount</th>
              <th scope="col">Memo</th>
            </tr>
          </thead>
          <tbody>
            {history.data.entries.map((h) => (
              <tr key={h.id}>
                <td>{new Date(h.at).toLocaleString()}</td>
                <td>{historyKinds[h.kind]}</td>
                <td className={h.direction === 'in' ? 'good' : ''}>
                  {h.direction === 'in' ? '+' : '−'}
                  {formatSi(h.amount)} {h.unit}
                </td>
                <td>{h.memo ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
