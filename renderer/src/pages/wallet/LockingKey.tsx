import { useId, useState } from 'react';
import type { CommandInput } from '../../../../core/api/contract';
import { call } from '../../api';
import { ConfirmButton } from '../../components/Confirm';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Field } from '../../components/Field';
import { Term } from '../../components/Term';
import { useApp } from '../../store';
import { useAction } from '../../useCommand';

/** Where quotes lock to: the key from the words, or a static key a pool operator gave (changing it needs the passphrase). */
export function LockingKey() {
  const id = useId();
  const wallet = useApp((s) => s.wallet);
  const [privkey, setPrivkey] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [problem, setProblem] = useState<{ field: 'privkey' | 'passphrase'; message: string }>();
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
        Quotes lock to {wallet.lockingKeyMode === 'static' ? 'a static key from your pool operator' : 'the key derived from your recovery words'}: <span className="mono">{wallet.lockingPubkey}</span>
      </p>
      <details>
        <summary>Use a static locking key from your pool operator</summary>
        <form
          className="stack narrow"
          aria-label="Static locking key"
          onSubmit={async (e) => {
            e.preventDefault();
            const p = !/^[0-9a-fA-F]{64}$/.test(privkey.trim())
              ? ({ field: 'privkey', message: 'A static locking key is 64 hexadecimal characters.' } as const)
              : needsPassphrase && !passphrase
                ? ({ field: 'passphrase', message: 'Enter the wallet passphrase.' } as const)
                : undefined;
            setProblem(p);
            if (!p) await apply(privkey.trim());
          }}
        >
          <p className="hint">Only if your hashpool operator locks every quote to one key and gave you its private key. The key is kept encrypted like your words.</p>
          <Field id={`${id}-privkey`} label="Static locking key (private key, 64 hex characters)" error={problem?.field === 'privkey' ? problem.message : undefined}>
            {(control) => <input {...control} className="mono" autoComplete="off" spellCheck={false} value={privkey} onChange={(e) => setPrivkey(e.target.value)} />}
          </Field>
          {needsPassphrase && (
            <Field id={`${id}-pass`} label="Current wallet passphrase" error={problem?.field === 'passphrase' ? problem.message : undefined}>
              {(control) => <input {...control} type="password" autoComplete="current-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />}
            </Field>
          )}
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
