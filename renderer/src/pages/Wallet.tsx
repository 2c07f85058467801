/** The wallet page: balances, send and receive, tokens waiting to be claimed, history, mints and the locking key (one file each in wallet/). */
import { useId, useState } from 'react';
import type { ApiEvent } from '../../../core/api/contract';
import { call } from '../api';
import { ErrorNotice } from '../components/ErrorNotice';
import { errorText, Field } from '../components/Field';
import { PendingEhash } from '../components/PendingEhash';
import { useApp } from '../store';
import { useAction } from '../useCommand';
import { Balances, Mints } from './wallet/Balances';
import { Activity } from './wallet/History';
import { LockingKey } from './wallet/LockingKey';
import { PendingSends } from './wallet/PendingSends';
import { ReceiveForm } from './wallet/Receive';
import { SendForm } from './wallet/Send';

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
      <Field id={`${id}-pass`} label="Passphrase" error={errorText(unlock.error)}>
        {(control) => <input {...control} type="password" autoComplete="current-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />}
      </Field>
      <button type="submit" className="primary" disabled={unlock.busy || !passphrase}>
        Unlock
      </button>
    </form>
  );
}
