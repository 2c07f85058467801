import { useCallback, useEffect, useId, useState } from 'react';
import type { ApiEvent, CommandInput, CommandOutput } from '../../../core/api/contract';
import { call } from '../api';
import { Amount } from '../components/Amount';
import { ConfirmButton } from '../components/Confirm';
import { CopyButton } from '../components/CopyButton';
import { ErrorNotice, FieldError } from '../components/ErrorNotice';
import { hasCamera, QrScanner } from '../components/QrScanner';
import { PendingEhash } from '../components/PendingEhash';
import { Term } from '../components/Term';
import { TokenQr } from '../components/TokenQr';
import { formatExact, formatSi, parseAmount } from '../format';
import { useApp } from '../store';
import type { BalanceView } from '../shapes';
import { useAction, useCommand } from '../useCommand';
import { typicalHashrate } from '../hashrate';
import { workExplanation, yourMiners } from '../work';

/** "your Bitaxe Gamma" and the hashrate Axewallet measures from its shares: what amounts are compared with. */
function useMinerScale(): { who: string | undefined; hashrate: number } {
  const mining = useApp((s) => s.mining);
  const devices = useCommand('devices.list', {}, 30_000);
  return { who: yourMiners(devices.data?.devices ?? [], mining?.miners.length ?? 0), hashrate: typicalHashrate(mining) };
}

export function WalletPage() {
  const wallet = useApp((s) => s.wallet);
  const walletError = useApp((s) => s.walletError);
  const navigate = useApp((s) => s.navigate);

  if (walletError) return <ErrorNotice error={walletError} title="Wallet" onRetry={() => void useApp.getState().refresh()} />;
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
      <Activity />
      <Mints />
      <LockingKey />
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
          await useApp.getState().refresh();
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

type SendResult = CommandOutput<'wallet.send'> & { amount: bigint; unit: string };

function SendForm({ balances }: { balances: BalanceView[] }) {
  const id = useId();
  const [choice, setChoice] = useState(0);
  const [amount, setAmount] = useState('');
  const [memo, setMemo] = useState('');
  const [sent, setSent] = useState<SendResult>();
  const [amountError, setAmountError] = useState<string>();
  const send = useAction((input: CommandInput<'wallet.send'>) => call('wallet.send', input));
  const selected = balances[choice];
  const parsed = amount.trim() ? parseAmount(amount) : undefined;

  const onSubmit = async (e: React.FormEvent) => {
    e.preventDefault();
    setSent(undefined);
    const value = parseAmount(amount);
    if (typeof value === 'string') {
      setAmountError(value);
      return;
    }
    if (selected && value > BigInt(selected.amount)) {
      setAmountError(`Only ${formatExact(selected.amount)} ${selected.unit} available at this mint.`);
      return;
    }
    setAmountError(undefined);
    const result = await send.run({
      amount: value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString(),
      ...(memo ? { memo } : {}),
      ...(selected ? { mint: selected.mint, unit: selected.unit } : {}),
    });
    if (result) {
      setSent({ ...result, amount: value, unit: selected?.unit ?? 'hash' });
      setAmount('');
      setMemo('');
      void useApp.getState().refresh();
    }
  };

  const serverFieldError = send.error?.field === 'amount' ? send.error.message : undefined;
  const message = amountError ?? serverFieldError;
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
        <div className="row">
          <input
            id={`${id}-amount`}
            inputMode="decimal"
            placeholder="e.g. 250k or 1.5M"
            value={amount}
            aria-invalid={!!message}
            aria-describedby={`${id}-amount-help${message ? ` ${id}-amount-error` : ''}`}
            onChange={(e) => {
              setAmount(e.target.value);
              setAmountError(undefined);
            }}
          />
          {selected && (
            <button type="button" onClick={() => setAmount(String(selected.amount))} aria-label={`Send all: ${formatExact(selected.amount)} ${selected.unit}`}>
              Max
            </button>
          )}
        </div>
        <p id={`${id}-amount-help`} className="hint">
          {typeof parsed === 'bigint'
            ? `= ${formatExact(parsed)} ${selected?.unit ?? ''}`
            : selected
              ? `Available: ${formatExact(selected.amount)} ${selected.unit}. k = thousand, M = million.`
              : 'k = thousand, M = million.'}
        </p>
        <FieldError id={`${id}-amount-error`} message={message} />
        <label htmlFor={`${id}-memo`}>Memo (optional)</label>
        <input id={`${id}-memo`} value={memo} maxLength={200} onChange={(e) => setMemo(e.target.value)} />
        {send.error && !serverFieldError && <ErrorNotice error={send.error} />}
        <button type="submit" className="primary" disabled={send.busy}>
          {send.busy ? 'Creating token…' : 'Create token'}
        </button>
      </form>
      {sent && <TokenOut sent={sent} onDone={() => setSent(undefined)} />}
    </section>
  );
}

/** The token just created, until the receiver claims it (then it leaves the screen and says so) or the user closes it. */
function TokenOut({ sent, onDone }: { sent: SendResult; onDone(): void }) {
  const id = useId();
  const walletEvents = useApp((s) => s.events.filter((e) => e.type === 'wallet.balance').length);
  const pending = useCommand('wallet.sends', {}, 5000, walletEvents);
  const claimed = pending.data !== undefined && !pending.data.sends.some((s) => s.id === sent.id);
  if (claimed) {
    return (
      <div className="notice" role="status">
        <strong>
          The receiver claimed the token: <Amount value={sent.amount} unit={sent.unit} /> sent.
        </strong>{' '}
        <button type="button" onClick={onDone}>
          Close
        </button>
      </div>
    );
  }
  return (
    <div className="stack token-out">
      <label htmlFor={`${id}-token`}>Token to give the receiver</label>
      <textarea id={`${id}-token`} readOnly rows={4} value={sent.token} className="mono" onFocus={(e) => e.target.select()} />
      <div className="row">
        <CopyButton text={sent.token} label="Copy token" />
        <button type="button" onClick={onDone}>
          Done: hide the token
        </button>
      </div>
      <TokenQr text={sent.token} label="QR code of the token" />
      <p className="hint">
        Until the receiver claims it, the amount stays in Pending sends, where you can take it back (<Term term="reclaim">reclaim</Term>). This panel closes by itself
        once it is claimed.
      </p>
    </div>
  );
}

type Preview = CommandOutput<'wallet.previewToken'>;

function ReceiveForm() {
  const id = useId();
  const [token, setToken] = useState('');
  const [received, setReceived] = useState<string>();
  const [trust, setTrust] = useState(false);
  const [scanning, setScanning] = useState(false);
  const [camera, setCamera] = useState(false);
  const [preview, setPreview] = useState<Preview>();
  const [previewError, setPreviewError] = useState<string>();
  const receive = useAction((t: string, trustMint: boolean) => call('wallet.receive', { token: t, ...(trustMint ? { trustMint } : {}) }));
  const trimmed = token.trim();

  useEffect(() => {
    void hasCamera().then(setCamera);
  }, []);

  // the preview is read from the token alone: nothing reaches its mint before the user says so
  useEffect(() => {
    setPreview(undefined);
    setPreviewError(undefined);
    setTrust(false);
    if (trimmed.length < 10) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      call('wallet.previewToken', { token: trimmed }).then(
        (p) => !cancelled && setPreview(p),
        (error: unknown) => !cancelled && setPreviewError(`${(error as Error).message}${(error as { hint?: string }).hint ? ` ${(error as { hint?: string }).hint}` : ''}`),
      );
    }, 150);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [trimmed]);

  const onScanned = useCallback((text: string) => {
    setScanning(false);
    setToken(text);
  }, []);

  const needsTrust = preview !== undefined && !preview.trusted;
  const error = receive.error && `${receive.error.message}${receive.error.hint && receive.error.details?.reason !== 'confirm_mint' ? ` ${receive.error.hint}` : ''}`;
  return (
    <section aria-labelledby={`${id}-receive`}>
      <h2 id={`${id}-receive`}>Receive</h2>
      <form
        className="stack"
        aria-label="Receive ehash"
        onSubmit={async (e) => {
          e.preventDefault();
          setReceived(undefined);
          const result = await receive.run(trimmed, trust);
          if (result) {
            setReceived(`Received ${formatExact(result.amount)} ${result.unit} from ${result.mint}.`);
            setToken('');
            void useApp.getState().refresh();
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
          aria-invalid={!!(error ?? previewError)}
          aria-describedby={error ?? previewError ? `${id}-token-error` : undefined}
          onChange={(e) => {
            setToken(e.target.value);
            setReceived(undefined);
            receive.setError(undefined);
          }}
        />
        <div className="row">
          {navigator.clipboard?.readText && (
            <button
              type="button"
              onClick={async () => {
                try {
                  setToken((await navigator.clipboard.readText()).trim());
                } catch {
                  setPreviewError('The clipboard cannot be read here: paste into the field with Ctrl+V.');
                }
              }}
            >
              Paste
            </button>
          )}
          {camera && !scanning && (
            <button type="button" onClick={() => setScanning(true)}>
              Scan a QR code
            </button>
          )}
        </div>
        {scanning && <QrScanner onToken={onScanned} onClose={() => setScanning(false)} />}
        <FieldError id={`${id}-token-error`} message={error ?? previewError} />
        {preview && (
          <div className={`notice${needsTrust ? ' notice-warn' : ''}`} aria-label="What this token holds">
            <p>
              <strong>
                <Amount value={preview.amount} unit={preview.unit} />
              </strong>{' '}
              in {preview.proofs} <Term term="proof">proof{preview.proofs === 1 ? '' : 's'}</Term> from <span className="mono">{preview.mint}</span>
            </p>
            {preview.memo && <p>Memo: “{preview.memo}”</p>}
            {preview.locked && <p className="hint">Locked to a key: only the wallet holding that key can receive it.</p>}
            {needsTrust && (
              <>
                <p role="alert">
                  <strong>You have never used this mint.</strong> Receiving means trusting <span className="mono">{preview.mint}</span> to honour this amount; Axewallet
                  contacts it only once you confirm.
                </p>
                <label className="check">
                  <input type="checkbox" checked={trust} onChange={(e) => setTrust(e.target.checked)} />I know this mint and trust it
                </label>
              </>
            )}
          </div>
        )}
        <button type="submit" className="primary" disabled={receive.busy || !trimmed || (needsTrust && !trust)}>
          {receive.busy ? 'Receiving…' : needsTrust ? 'Trust this mint and receive' : 'Receive'}
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

/** History by day: a day of mining is one row, a send is one row whatever became of it. */
function Activity() {
  const id = useId();
  const [days, setDays] = useState(7);
  const walletEvents = useApp((s) => s.events.filter((e) => e.type === 'wallet.balance').length);
  const activity = useCommand('wallet.activity', { days, utcOffsetMinutes: -new Date().getTimezoneOffset() }, 10_000, walletEvents);
  const now = Date.now();
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
                      <span className="muted">{e.kind === 'mined' && e.until !== e.at ? `${new Date(e.at).toLocaleTimeString()}–${new Date(e.until).toLocaleTimeString()}` : new Date(e.at).toLocaleTimeString()}</span>
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

/** Where quotes lock to: the key from the words, or a static key a pool operator gave (changing it needs the passphrase). */
function LockingKey() {
  const id = useId();
  const wallet = useApp((s) => s.wallet);
  const [privkey, setPrivkey] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<string>();
  const change = useAction((input: CommandInput<'wallet.lockingKey'>) => call('wallet.lockingKey', input));
  if (!wallet?.exists) return null;
  const needsPassphrase = wallet.vault === 'passphrase';
  const apply = async (key: string | undefined) => {
    setDone(undefined);
    const result = await change.run({ ...(key ? { privkey: key } : {}), ...(needsPassphrase ? { passphrase } : {}) });
    if (result) {
      setPrivkey('');
      setPassphrase('');
      setDone(`Share quotes now lock to ${result.lockingKeyMode === 'static' ? 'the static key' : 'the key from your words'}: ${result.lockingPubkey ?? ''}`);
      void useApp.getState().refresh();
    }
  };
  return (
    <section aria-labelledby={`${id}-key`}>
      <h2 id={`${id}-key`}>
        <Term term="lockingKey">Locking key</Term>
      </h2>
      <p>
        Quotes lock to {wallet.lockingKeyMode === 'static' ? 'a static key from your pool operator' : 'the key derived from your recovery words'}:{' '}
        <span className="mono">{wallet.lockingPubkey}</span>
      </p>
      <details>
        <summary>Use a static locking key from your pool operator</summary>
        <form
          className="stack narrow"
          aria-label="Static locking key"
          onSubmit={async (e) => {
            e.preventDefault();
            const p = !/^[0-9a-fA-F]{64}$/.test(privkey.trim()) ? 'A static locking key is 64 hexadecimal characters.' : needsPassphrase && !passphrase ? 'Enter the wallet passphrase.' : undefined;
            setProblem(p);
            if (!p) await apply(privkey.trim());
          }}
        >
          <p className="hint">Only if your hashpool operator locks every quote to one key and gave you its private key. The key is kept encrypted like your words.</p>
          <label htmlFor={`${id}-privkey`}>Static locking key (private key, 64 hex characters)</label>
          <input id={`${id}-privkey`} className="mono" autoComplete="off" spellCheck={false} value={privkey} onChange={(e) => setPrivkey(e.target.value)} />
          {needsPassphrase && (
            <>
              <label htmlFor={`${id}-pass`}>Current wallet passphrase</label>
              <input id={`${id}-pass`} type="password" autoComplete="current-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
            </>
          )}
          <FieldError id={`${id}-key-error`} message={problem} />
          {change.error && <ErrorNotice error={change.error} />}
          <div className="row">
            <button type="submit" disabled={change.busy}>
              Use this static key
            </button>
            {wallet.lockingKeyMode === 'static' && (
              <ConfirmButton
                label="Go back to the key from my words"
                question="Lock new quotes to the key from your words again?"
                confirmLabel="Yes, use my words' key"
                disabled={change.busy || (needsPassphrase && !passphrase)}
                onConfirm={() => apply(undefined)}
              />
            )}
          </div>
        </form>
      </details>
      {done && <p role="status">{done}</p>}
    </section>
  );
}
