import { useId, useState } from 'react';
import type { CommandInput, CommandOutput } from '../../../../core/api/contract';
import { call } from '../../api';
import { Amount } from '../../components/Amount';
import { CopyButton } from '../../components/CopyButton';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Field } from '../../components/Field';
import { Term } from '../../components/Term';
import { TokenQr } from '../../components/TokenQr';
import { formatExact, formatSi, parseAmount } from '../../format';
import type { BalanceView } from '../../shapes';
import { useApp } from '../../store';
import { useAction, useCommand } from '../../useCommand';

type SendResult = CommandOutput<'wallet.send'> & { amount: bigint; unit: string };

export function SendForm({ balances }: { balances: BalanceView[] }) {
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
          <Field id={`${id}-from`} label="From">
            {(control) => (
              <select {...control} value={choice} onChange={(e) => setChoice(Number(e.target.value))}>
                {balances.map((b, i) => (
                  <option key={`${b.mint}|${b.unit}`} value={i}>
                    {b.unit} at {b.mint} ({formatSi(b.amount)})
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <Field
          id={`${id}-amount`}
          label={`Amount to send${selected ? ` (${selected.unit})` : ''}`}
          hint={
            typeof parsed === 'bigint'
              ? `= ${formatExact(parsed)} ${selected?.unit ?? ''}`
              : selected
                ? `Available: ${formatExact(selected.amount)} ${selected.unit}. k = thousand, M = million.`
                : 'k = thousand, M = million.'
          }
          error={message}
          after={
            selected && (
              <button type="button" onClick={() => setAmount(String(selected.amount))} aria-label={`Send all: ${formatExact(selected.amount)} ${selected.unit}`}>
                Max
              </button>
            )
          }
        >
          {(control) => (
            <input
              {...control}
              inputMode="decimal"
              placeholder="e.g. 250k or 1.5M"
              value={amount}
              onChange={(e) => {
                setAmount(e.target.value);
                setAmountError(undefined);
              }}
            />
          )}
        </Field>
        <Field id={`${id}-memo`} label="Memo (optional)">
          {(control) => <input {...control} value={memo} maxLength={200} onChange={(e) => setMemo(e.target.value)} />}
        </Field>
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
        Until the receiver claims it, the amount stays in Pending sends, where you can take it back (<Term term="reclaim">reclaim</Term>). This panel closes by itself once it is claimed.
      </p>
    </div>
  );
}
