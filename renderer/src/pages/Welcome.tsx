import { useId, useMemo, useState } from 'react';
import type { ApiEvent } from '../../../core/api/contract';
import { call } from '../api';
import { formatSi } from '../format';
import { ErrorNotice, FieldError } from '../components/ErrorNotice';
import { useLive } from '../live';
import { mnemonicProblem, normalizeMnemonic, pickConfirmPositions } from '../mnemonic';
import { eventsSince, useApp } from '../store';
import { useAction } from '../useCommand';

type Mode = 'choose' | 'create' | 'restore-words' | 'restore-nostr';

export function WelcomePage() {
  const [mode, setMode] = useState<Mode>('choose');
  const wallet = useLive((s) => s.wallet);
  const navigate = useApp((s) => s.navigate);

  if (mode === 'choose') {
    return (
      <div className="stack narrow">
        {wallet?.exists && (
          <div className="notice" role="note">
            This machine already has a wallet.{' '}
            <button type="button" onClick={() => navigate('wallet')}>
              Open the wallet
            </button>
          </div>
        )}
        <p>Every share your Bitaxe finds becomes ehash in a wallet that only you hold. Start with one of these:</p>
        <div className="choices">
          <button type="button" className="choice" onClick={() => setMode('create')}>
            <strong>Create a new wallet</strong>
            <span>You get 12 recovery words to write down.</span>
          </button>
          <button type="button" className="choice" onClick={() => setMode('restore-nostr')}>
            <strong>Restore from backup (nostr)</strong>
            <span>Your recovery words bring back every ehash from the backup relays.</span>
          </button>
          <button type="button" className="choice" onClick={() => setMode('restore-words')}>
            <strong>Restore from recovery words only</strong>
            <span>Recovers from the mint without the nostr backup.</span>
          </button>
        </div>
      </div>
    );
  }
  const back = (
    <button type="button" onClick={() => setMode('choose')}>
      Back
    </button>
  );
  if (mode === 'create') return <CreateWallet back={back} />;
  return <RestoreWallet fromNostr={mode === 'restore-nostr'} back={back} />;
}

function PassphraseFields({ id, value, confirm, onChange, onConfirm, error }: { id: string; value: string; confirm: string; onChange(v: string): void; onConfirm(v: string): void; error?: string }) {
  return (
    <>
      <label htmlFor={`${id}-pass`}>Passphrase to lock the wallet on this machine</label>
      <input id={`${id}-pass`} type="password" autoComplete="new-password" value={value} onChange={(e) => onChange(e.target.value)} aria-describedby={`${id}-pass-help`} />
      <p id={`${id}-pass-help`} className="hint">
        No operating-system keychain guards the seed here: it is encrypted with this passphrase and you enter it after each restart. At least 8 characters.
      </p>
      <label htmlFor={`${id}-pass2`}>Repeat the passphrase</label>
      <input
        id={`${id}-pass2`}
        type="password"
        autoComplete="new-password"
        value={confirm}
        aria-invalid={!!error}
        aria-describedby={error ? `${id}-pass-error` : undefined}
        onChange={(e) => onConfirm(e.target.value)}
      />
      <FieldError id={`${id}-pass-error`} message={error} />
    </>
  );
}

function passphraseProblem(needsPassphrase: boolean, pass: string, confirm: string): string | undefined {
  if (!needsPassphrase) return undefined;
  if (pass.length < 8) return 'Use at least 8 characters.';
  if (pass !== confirm) return 'The two passphrases differ.';
  return undefined;
}

function CreateWallet({ back }: { back: React.ReactNode }) {
  const id = useId();
  // the kind of vault decides, not the shell: a desktop without a trusted keychain uses a passphrase too
  const needsPassphrase = useLive((s) => s.wallet?.vault !== 'safe-storage');
  const navigate = useApp((s) => s.navigate);
  const [pass, setPass] = useState('');
  const [pass2, setPass2] = useState('');
  const [passError, setPassError] = useState<string>();
  const [words, setWords] = useState<string[]>();
  const [written, setWritten] = useState(false);
  const [answers, setAnswers] = useState<Record<number, string>>({});
  const [confirmError, setConfirmError] = useState<string>();
  const positions = useMemo(() => (words ? pickConfirmPositions(words.length) : []), [words]);
  const create = useAction((passphrase: string | undefined) => call('wallet.create', passphrase ? { passphrase } : {}));

  if (!words) {
    return (
      <form
        className="stack narrow"
        aria-label="Create wallet"
        onSubmit={async (e) => {
          e.preventDefault();
          const problem = passphraseProblem(needsPassphrase, pass, pass2);
          setPassError(problem);
          if (problem) return;
          const result = await create.run(needsPassphrase ? pass : undefined);
          if (result) setWords(normalizeMnemonic(result.mnemonic).split(' '));
        }}
      >
        {needsPassphrase && <PassphraseFields id={id} value={pass} confirm={pass2} onChange={setPass} onConfirm={setPass2} error={passError} />}
        {create.error && <ErrorNotice error={create.error} />}
        <div className="row">
          {back}
          <button type="submit" className="primary" disabled={create.busy}>
            {create.busy ? 'Creating…' : 'Create wallet'}
          </button>
        </div>
      </form>
    );
  }

  if (!written) {
    return (
      <div className="stack narrow">
        <h2>Your recovery words</h2>
        <p>
          Write these words on paper, in order. They are shown <strong>only this once</strong>; with them anyone can take your ehash, and without them a lost
          machine means lost ehash.
        </p>
        <ol className="mnemonic" aria-label="Recovery words">
          {words.map((w, i) => (
            <li key={i}>
              <span className="mono">{w}</span>
            </li>
          ))}
        </ol>
        <button type="button" className="primary" onClick={() => setWritten(true)}>
          I wrote them down
        </button>
      </div>
    );
  }

  return (
    <form
      className="stack narrow"
      aria-label="Confirm recovery words"
      onSubmit={(e) => {
        e.preventDefault();
        const wrong = positions.find((p) => (answers[p] ?? '').trim().toLowerCase() !== words[p]);
        if (wrong !== undefined) {
          setConfirmError(`Word ${wrong + 1} does not match. Check your paper.`);
          return;
        }
        setWords(undefined);
        void useLive.getState().refresh();
        navigate('setup');
      }}
    >
      <h2>Confirm a few words</h2>
      <p>So we know the paper is right: enter these words from it.</p>
      {positions.map((p) => (
        <div key={p} className="row">
          <label htmlFor={`${id}-word-${p}`}>Word {p + 1}</label>
          <input
            id={`${id}-word-${p}`}
            autoComplete="off"
            spellCheck={false}
            value={answers[p] ?? ''}
            onChange={(e) => setAnswers({ ...answers, [p]: e.target.value })}
          />
        </div>
      ))}
      <FieldError id={`${id}-confirm-error`} message={confirmError} />
      <div className="row">
        <button type="button" onClick={() => setWritten(false)}>
          Show the words again
        </button>
        <button type="submit" className="primary">
          Confirm
        </button>
      </div>
    </form>
  );
}

interface ProgressView {
  label: string;
  done?: number;
  total?: number;
}

/** Restore progress events, whichever part sends them (wallet NUT-09 restore or the nostr backup restore). */
export function progressOf(event: ApiEvent): ProgressView | undefined {
  if (!/restore|progress/i.test(event.type)) return undefined;
  if (event.type === 'wallet.restore') {
    const where = event.mint ? ` at ${event.mint}` : '';
    const found = event.found !== undefined ? `, ${event.found} found` : '';
    return { label: event.message ?? `${event.phase}${where}${found}` };
  }
  const e = event as Record<string, unknown>;
  const inner = (typeof e.progress === 'object' && e.progress !== null ? e.progress : e) as Record<string, unknown>;
  const label = [inner.message, inner.stage, inner.phase].find((v) => typeof v === 'string' && v) as string | undefined;
  return {
    label: label ?? event.type,
    done: typeof inner.done === 'number' ? inner.done : undefined,
    total: typeof inner.total === 'number' ? inner.total : undefined,
  };
}

function RestoreWallet({ fromNostr, back }: { fromNostr: boolean; back: React.ReactNode }) {
  const id = useId();
  // the kind of vault decides, not the shell: a desktop without a trusted keychain uses a passphrase too
  const needsPassphrase = useLive((s) => s.wallet?.vault !== 'safe-storage');
  const navigate = useApp((s) => s.navigate);
  const events = useApp((s) => s.events);
  const eventCount = useApp((s) => s.eventCount);
  const [startedAt, setStartedAt] = useState<number>();
  const [mnemonic, setMnemonic] = useState('');
  const [mnemonicError, setMnemonicError] = useState<string>();
  const [pass, setPass] = useState('');
  const [pass2, setPass2] = useState('');
  const [passError, setPassError] = useState<string>();
  const [done, setDone] = useState<string>();
  const restore = useAction(async (input: { mnemonic: string; passphrase?: string }): Promise<string> => {
    if (!fromNostr) {
      await call('wallet.restore', input);
      return 'Wallet restored from the mint.';
    }
    const report = await call('backup.restore', input);
    const amounts = Object.entries(report.amountAdded).map(([unit, amount]) => `${formatSi(amount)} ${unit}`);
    const problems = Object.entries(report.problems).map(([where, what]) => `${where}: ${what}`);
    return `Found ${report.events} backup events on the relays: ${report.proofsAdded} proofs restored${amounts.length ? ` (${amounts.join(', ')})` : ''}, ${report.proofsSpent} already spent.${problems.length ? ` Not reached: ${problems.join('; ')}.` : ''}`;
  });
  const progress = useMemo(
    () => (startedAt === undefined ? [] : eventsSince({ events, eventCount }, startedAt).map(progressOf).filter((p): p is ProgressView => !!p)),
    [events, eventCount, startedAt],
  );
  const last = progress[progress.length - 1];
  const serverMnemonicError = restore.error?.field === 'mnemonic' ? `${restore.error.message}${restore.error.hint ? ` ${restore.error.hint}` : ''}` : undefined;

  return (
    <form
      className="stack narrow"
      aria-label={fromNostr ? 'Restore from backup' : 'Restore from recovery words'}
      onSubmit={async (e) => {
        e.preventDefault();
        const problem = mnemonicProblem(mnemonic);
        setMnemonicError(problem);
        const passProblem = passphraseProblem(needsPassphrase, pass, pass2);
        setPassError(passProblem);
        if (problem || passProblem) return;
        setStartedAt(useApp.getState().eventCount);
        const result = await restore.run({ mnemonic: normalizeMnemonic(mnemonic), ...(needsPassphrase ? { passphrase: pass } : {}) });
        if (result !== undefined) {
          setDone(result);
          void useLive.getState().refresh();
        }
      }}
    >
      <p>
        {fromNostr
          ? 'Enter your recovery words. Axewallet finds your wallet on the backup relays, checks every proof with the mint, and fills any gap from the mint.'
          : 'Enter your recovery words. Axewallet asks the mint for every ehash these words ever received.'}
      </p>
      <label htmlFor={`${id}-mnemonic`}>Recovery words</label>
      <textarea
        id={`${id}-mnemonic`}
        rows={3}
        className="mono"
        autoComplete="off"
        spellCheck={false}
        value={mnemonic}
        aria-invalid={!!(mnemonicError ?? serverMnemonicError)}
        aria-describedby={mnemonicError ?? serverMnemonicError ? `${id}-mnemonic-error` : undefined}
        onChange={(e) => {
          setMnemonic(e.target.value);
          setMnemonicError(undefined);
        }}
      />
      <FieldError id={`${id}-mnemonic-error`} message={mnemonicError ?? serverMnemonicError} />
      {needsPassphrase && <PassphraseFields id={id} value={pass} confirm={pass2} onChange={setPass} onConfirm={setPass2} error={passError} />}
      {restore.error && !serverMnemonicError && <ErrorNotice error={restore.error} />}
      {restore.busy && (
        <div role="status" aria-live="polite" className="stack">
          <span>Restoring… {last ? last.label : 'starting'}</span>
          <progress max={last?.total ?? undefined} value={last?.total ? last.done : undefined} aria-label="Restore progress" />
        </div>
      )}
      {done ? (
        <div className="notice" role="status">
          <strong>Wallet restored.</strong> <span>{done}</span>{' '}
          <button type="button" className="primary" onClick={() => navigate('wallet')}>
            Open the wallet
          </button>
        </div>
      ) : (
        <div className="row">
          {back}
          <button type="submit" className="primary" disabled={restore.busy}>
            {restore.busy ? 'Restoring…' : 'Restore'}
          </button>
        </div>
      )}
    </form>
  );
}
