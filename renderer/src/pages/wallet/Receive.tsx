import { useCallback, useEffect, useId, useState } from 'react';
import type { CommandOutput } from '../../../../core/api/contract';
import { asApiError, call } from '../../api';
import { Amount } from '../../components/Amount';
import { Check, errorText, Field } from '../../components/Field';
import { hasCamera, QrScanner } from '../../components/QrScanner';
import { Term } from '../../components/Term';
import { formatExact } from '../../format';
import { useApp } from '../../store';
import { useAction } from '../../useCommand';

type Preview = CommandOutput<'wallet.previewToken'>;
interface Reading {
  token: string;
  preview?: Preview;
  error?: string;
}

export function ReceiveForm() {
  const id = useId();
  const [token, setToken] = useState('');
  const [received, setReceived] = useState<string>();
  // the token the user ticked "I trust this mint" for: a different token asks again
  const [trustedFor, setTrustedFor] = useState<string>();
  const [scanning, setScanning] = useState(false);
  const [camera, setCamera] = useState(false);
  // what was read from a token, kept with that token: typing another one hides it without an extra render
  const [reading, setReading] = useState<Reading>();
  const receive = useAction((t: string, trustMint: boolean) => call('wallet.receive', { token: t, ...(trustMint ? { trustMint } : {}) }));
  const trimmed = token.trim();
  const current = reading?.token === trimmed ? reading : undefined;
  const preview = current?.preview;
  const previewError = current?.error;
  const trust = trustedFor !== undefined && trustedFor === trimmed;

  useEffect(() => {
    void hasCamera().then(setCamera);
  }, []);

  // the preview is read from the token alone: nothing reaches its mint before the user says so
  useEffect(() => {
    if (trimmed.length < 10) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      call('wallet.previewToken', { token: trimmed }).then(
        (p) => !cancelled && setReading({ token: trimmed, preview: p }),
        (error: unknown) => !cancelled && setReading({ token: trimmed, error: errorText(asApiError(error)) }),
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
        <Field id={`${id}-token`} label="Token to receive" error={error ?? previewError}>
          {(control) => (
            <textarea
              {...control}
              rows={4}
              className="mono"
              placeholder="cashuB…"
              value={token}
              onChange={(e) => {
                setToken(e.target.value);
                setReceived(undefined);
                receive.setError(undefined);
              }}
            />
          )}
        </Field>
        <div className="row">
          {navigator.clipboard?.readText && (
            <button
              type="button"
              onClick={async () => {
                try {
                  setToken((await navigator.clipboard.readText()).trim());
                } catch {
                  setReading({ token: trimmed, error: 'The clipboard cannot be read here: paste into the field with Ctrl+V.' });
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
                  <strong>You have never used this mint.</strong> Receiving means trusting <span className="mono">{preview.mint}</span> to honour this amount; Axewallet contacts it only once you
                  confirm.
                </p>
                <Check checked={trust} onChange={(e) => setTrustedFor(e.target.checked ? trimmed : undefined)}>
                  I know this mint and trust it
                </Check>
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
