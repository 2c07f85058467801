import { useId, useMemo, useState } from 'react';
import { WELL_KNOWN_RELAYS } from '../../../core/api/backup';
import type { ApiEvent, CommandOutput } from '../../../core/api/contract';
import { call } from '../api';
import { formatSi } from '../format';
import { ErrorNotice, FieldError } from '../components/ErrorNotice';
import { Check, Field } from '../components/Field';
import { eventsSince, useApp } from '../store';
import { mnemonicProblem, normalizeMnemonic, pickConfirmPositions } from '../mnemonic';
import { useLeaveGuard } from '../leave-guard';
import { useAction, useCommand } from '../useCommand';
import { relayProblem } from '../validation';

type Mode = 'choose' | 'create' | 'restore-words' | 'restore-nostr';

export function WelcomePage() {
  const [mode, setMode] = useState<Mode>('choose');
  const wallet = useApp((s) => s.wallet);
  const walletKnown = useApp((s) => s.wallet !== undefined || s.walletError !== undefined);
  const statusKnown = useApp((s) => s.status !== null);
  const navigate = useApp((s) => s.navigate);

  if (mode === 'choose') {
    // Offered once the app knows whether a wallet exists here and which network it is on: the notice and the demo
    // banner that say so would otherwise arrive after the choices and move them under the pointer.
    if (!walletKnown || !statusKnown) return <p role="status">Loading…</p>;
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
      <Field
        id={`${id}-pass`}
        label="Passphrase to lock the wallet on this machine"
        hint="No operating-system keychain guards the seed here: it is encrypted with this passphrase and you enter it after each restart. At least 8 characters."
      >
        {(control) => <input {...control} type="password" autoComplete="new-password" value={value} onChange={(e) => onChange(e.target.value)} />}
      </Field>
      <Field id={`${id}-pass2`} label="Repeat the passphrase" error={error}>
        {(control) => <input {...control} type="password" autoComplete="new-password" value={confirm} onChange={(e) => onConfirm(e.target.value)} />}
      </Field>
    </>
  );
}

function passphraseProblem(needsPassphrase: boolean, pass: string, confirm: string): string | undefined {
  if (!needsPassphrase) return undefined;
  if (pass.length < 8) return 'Use at least 8 characters.';
  if (pass !== confirm) return 'The two passphrases differ.';
  return undefined;
}

/**
 * New words first, the wallet after: the words are proposed (nothing is stored), written down and a few of
 * them confirmed; only then does wallet.create install them. A reload anywhere before that leaves no wallet
 * behind, so there is never a wallet whose words nobody saw, and "Create a new wallet" simply starts again.
 */
function CreateWallet({ back }: { back: React.ReactNode }) {
  const id = useId();
  // the kind of vault decides, not the shell: a desktop without a trusted keychain uses a passphrase too
  const needsPassphrase = useApp((s) => s.wallet?.vault !== 'safe-storage');
  const navigate = useApp((s) => s.navigate);
  const [pass, setPass] = useState('');
  const [pass2, setPass2] = useState('');
  const [passError, setPassError] = useState<string>();
  const [words, setWords] = useState<string[]>();
  const [written, setWritten] = useState(false);
  const [answers, setAnswers] = useState<Record<number, string>>({});
  const [confirmError, setConfirmError] = useState<string>();
  const positions = useMemo(() => (words ? pickConfirmPositions(words.length) : []), [words]);
  const propose = useAction(() => call('wallet.newWords', {}));
  const create = useAction((mnemonic: string) => call('wallet.create', { mnemonic, ...(needsPassphrase ? { passphrase: pass } : {}) }));
  const release = useLeaveGuard(words !== undefined, 'Your new wallet is not created until you confirm its recovery words. Leave and start again later?');

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
          const result = await propose.run();
          if (result) setWords(normalizeMnemonic(result.mnemonic).split(' '));
        }}
      >
        {needsPassphrase && <PassphraseFields id={id} value={pass} confirm={pass2} onChange={setPass} onConfirm={setPass2} error={passError} />}
        {propose.error && <ErrorNotice error={propose.error} />}
        <div className="row">
          {back}
          <button type="submit" className="primary" disabled={propose.busy}>
            {propose.busy ? 'Creating…' : 'Create wallet'}
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
          Write these words on paper, in order. With them anyone can take your ehash, and without them a lost machine means lost ehash. The wallet is created once you have confirmed a few of them on
          the next screen; until then nothing is stored, and leaving this page starts over with new words.
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
      onSubmit={async (e) => {
        e.preventDefault();
        const wrong = positions.find((p) => (answers[p] ?? '').trim().toLowerCase() !== words[p]);
        if (wrong !== undefined) {
          setConfirmError(`Word ${wrong + 1} does not match. Check your paper.`);
          return;
        }
        setConfirmError(undefined);
        const created = await create.run(words.join(' '));
        if (!created) return;
        release();
        setWords(undefined);
        void useApp.getState().refresh();
        navigate('setup');
      }}
    >
      <h2>Confirm a few words</h2>
      <p>So we know the paper is right: enter these words from it. The wallet is created when they match.</p>
      {positions.map((p) => (
        <Field key={p} id={`${id}-word-${p}`} label={`Word ${p + 1}`} inline>
          {(control) => <input {...control} autoComplete="off" spellCheck={false} value={answers[p] ?? ''} onChange={(e) => setAnswers({ ...answers, [p]: e.target.value })} />}
        </Field>
      ))}
      <FieldError id={`${id}-confirm-error`} message={confirmError} />
      {create.error && <ErrorNotice error={create.error} />}
      <div className="row">
        <button type="button" onClick={() => setWritten(false)}>
          Show the words again
        </button>
        <button type="submit" className="primary" disabled={create.busy}>
          {create.busy ? 'Creating…' : 'Confirm and create the wallet'}
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

/** The relays a restore searches, first the wallet's own (saved, or the demo network's), then well-known public ones. */
function defaultRelays(own: string[]): string[] {
  return [...new Set([...own, ...WELL_KNOWN_RELAYS])];
}

function RelaysToSearch({ id, relays, checked, onChange, error }: { id: string; relays: string[]; checked: Set<string>; onChange(relays: string[], checked: Set<string>): void; error?: string }) {
  const [adding, setAdding] = useState('');
  const [addError, setAddError] = useState<string>();
  const add = () => {
    const url = adding.trim();
    const problem = relayProblem(url);
    setAddError(problem);
    if (problem) return;
    onChange(relays.includes(url) ? relays : [...relays, url], new Set([...checked, url]));
    setAdding('');
  };
  return (
    <fieldset aria-describedby={error ? `${id}-relays-error` : undefined}>
      <legend>Relays to search</legend>
      <p className="hint">Your other machine lists its relays on its Backup page. Only the ticked ones are asked; the ones holding your backup keep it from then on.</p>
      <ul className="list" aria-label="Relays to search">
        {relays.map((url) => (
          <li key={url}>
            <Check
              checked={checked.has(url)}
              onChange={(e) => {
                const next = new Set(checked);
                if (e.target.checked) next.add(url);
                else next.delete(url);
                onChange(relays, next);
              }}
            >
              <span className="mono">{url}</span>
              {WELL_KNOWN_RELAYS.includes(url) && <span className="muted"> (public relay)</span>}
            </Check>
          </li>
        ))}
      </ul>
      <Field
        id={`${id}-add-relay`}
        label="Another relay"
        error={addError}
        inline
        after={
          <button type="button" onClick={add}>
            Add to the search
          </button>
        }
      >
        {(control) => (
          <input
            {...control}
            placeholder="wss://relay.example"
            value={adding}
            onChange={(e) => {
              setAdding(e.target.value);
              setAddError(undefined);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                add();
              }
            }}
          />
        )}
      </Field>
      <FieldError id={`${id}-relays-error`} message={error} />
    </fieldset>
  );
}

function restoredText(report: CommandOutput<'backup.restore'>): string {
  const amounts = Object.entries(report.amountAdded).map(([unit, amount]) => `${formatSi(amount)} ${unit}`);
  const held = Object.entries(report.relays)
    .filter(([, r]) => r.events > 0)
    .map(([url]) => url);
  const unread = Object.entries(report.relays)
    .filter(([, r]) => r.error)
    .map(([url, r]) => `${url} (${r.error})`);
  const mintProblems = Object.entries(report.problems)
    .filter(([where]) => !(where in report.relays))
    .map(([where, what]) => `${where}: ${what}`);
  return [
    `Found ${report.events} backup events on ${held.join(', ')}: ${report.proofsAdded} proofs restored${amounts.length ? ` (${amounts.join(', ')})` : ''}, ${report.proofsSpent} already spent.`,
    report.relaysAdded.length ? `${report.relaysAdded.join(', ')} now keep${report.relaysAdded.length === 1 ? 's' : ''} your backup too.` : '',
    unread.length ? `Could not read: ${unread.join('; ')}.` : '',
    mintProblems.length ? `Not reached: ${mintProblems.join('; ')}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function RestoreWallet({ fromNostr, back }: { fromNostr: boolean; back: React.ReactNode }) {
  const id = useId();
  // the kind of vault decides, not the shell: a desktop without a trusted keychain uses a passphrase too
  const needsPassphrase = useApp((s) => s.wallet?.vault !== 'safe-storage');
  const navigate = useApp((s) => s.navigate);
  const events = useApp((s) => s.events);
  const eventCount = useApp((s) => s.eventCount);
  const wallet = useApp((s) => s.wallet);
  const backup = useCommand('backup.get', {});
  const [relays, setRelays] = useState<{ list: string[]; checked: Set<string> }>();
  if (!relays && backup.data) {
    const list = defaultRelays(backup.data.relays.map((r) => r.url));
    setRelays({ list, checked: new Set(list) });
  }
  const [startedAt, setStartedAt] = useState<number>();
  const [mnemonic, setMnemonic] = useState('');
  const [mnemonicError, setMnemonicError] = useState<string>();
  const [relaysError, setRelaysError] = useState<string>();
  const [pass, setPass] = useState('');
  const [pass2, setPass2] = useState('');
  const [passError, setPassError] = useState<string>();
  const [done, setDone] = useState<string>();
  // onto a wallet that is here only its own passphrase is asked (it unlocks it); a new one gets a new passphrase
  const existing = wallet?.exists === true;
  const restore = useAction(async (input: { mnemonic: string; passphrase?: string; relays?: string[] }): Promise<string> => {
    if (!fromNostr) {
      await call('wallet.restore', { mnemonic: input.mnemonic, ...(input.passphrase ? { passphrase: input.passphrase } : {}) });
      return 'Wallet restored from the mint.';
    }
    return restoredText(await call('backup.restore', input));
  });
  const progress = useMemo(
    () =>
      startedAt === undefined
        ? []
        : eventsSince({ events, eventCount }, startedAt)
            .map(progressOf)
            .filter((p): p is ProgressView => !!p),
    [events, eventCount, startedAt],
  );
  const last = progress[progress.length - 1];
  const serverField = restore.error?.field;
  const serverText = restore.error ? `${restore.error.message}${restore.error.hint ? ` ${restore.error.hint}` : ''}` : undefined;
  const serverMnemonicError = serverField === 'mnemonic' ? serverText : undefined;

  return (
    <form
      className="stack narrow"
      aria-label={fromNostr ? 'Restore from backup' : 'Restore from recovery words'}
      onSubmit={async (e) => {
        e.preventDefault();
        const problem = mnemonicProblem(mnemonic);
        setMnemonicError(problem);
        const passProblem = existing ? undefined : passphraseProblem(needsPassphrase, pass, pass2);
        setPassError(passProblem);
        const searched = relays ? relays.list.filter((url) => relays.checked.has(url)) : [];
        const relayProblemText = fromNostr && searched.length === 0 ? 'Tick at least one relay to search.' : undefined;
        setRelaysError(relayProblemText);
        if (problem || passProblem || relayProblemText) return;
        setStartedAt(useApp.getState().eventCount);
        setDone(undefined);
        const result = await restore.run({
          mnemonic: normalizeMnemonic(mnemonic),
          ...(needsPassphrase && pass ? { passphrase: pass } : {}),
          ...(fromNostr ? { relays: searched } : {}),
        });
        if (result !== undefined) {
          setDone(result);
          void useApp.getState().refresh();
        }
      }}
    >
      <p>
        {fromNostr
          ? 'Enter your recovery words. Axewallet looks for your wallet on the relays below, checks every proof with its mint, and fills any gap from the mint.'
          : 'Enter your recovery words. Axewallet asks the mint for every ehash these words ever received.'}
      </p>
      {existing && fromNostr && (
        <p className="notice" role="note">
          This machine already has a wallet: restoring its own words merges the backup into it. Other words are refused, so nothing of it is lost.
        </p>
      )}
      <Field id={`${id}-mnemonic`} label="Recovery words" error={mnemonicError ?? serverMnemonicError}>
        {(control) => (
          <textarea
            {...control}
            rows={3}
            className="mono"
            autoComplete="off"
            spellCheck={false}
            value={mnemonic}
            onChange={(e) => {
              setMnemonic(e.target.value);
              setMnemonicError(undefined);
            }}
          />
        )}
      </Field>
      {fromNostr &&
        (relays ? (
          <RelaysToSearch
            id={id}
            relays={relays.list}
            checked={relays.checked}
            onChange={(list, checked) => {
              setRelays({ list, checked });
              setRelaysError(undefined);
            }}
            error={relaysError}
          />
        ) : backup.error ? (
          <ErrorNotice error={backup.error} onRetry={backup.reload} />
        ) : (
          <p role="status">Loading the relays…</p>
        ))}
      {needsPassphrase &&
        (existing ? (
          <>
            <Field id={`${id}-pass`} label="Passphrase of the wallet on this machine">
              {(control) => <input {...control} type="password" autoComplete="current-password" value={pass} onChange={(e) => setPass(e.target.value)} />}
            </Field>
          </>
        ) : (
          <PassphraseFields id={id} value={pass} confirm={pass2} onChange={setPass} onConfirm={setPass2} error={passError} />
        ))}
      {restore.error && !serverMnemonicError && <ErrorNotice error={restore.error} title={restore.error.code === 'not_found' ? 'Nothing found: nothing was restored' : 'Not restored'} />}
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
          <button type="submit" className="primary" disabled={restore.busy || (fromNostr && !relays)}>
            {restore.busy ? 'Restoring…' : 'Restore'}
          </button>
        </div>
      )}
    </form>
  );
}
