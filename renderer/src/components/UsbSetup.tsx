/**
 * Bitaxes on USB. Patched firmware tells its network address; stock AxeOS is set up through its boot
 * loader ("Set up over USB"): Wi-Fi and Axewallet as its pool, its factory data and its current pool
 * kept, every step shown as it happens, and a saved copy to write back if the cable comes out.
 */
import { useId, useState } from 'react';
import type { ApiEvent, CommandOutput } from '../../../core/api/contract';
import { ApiError } from '../../../core/api/define';
import { call } from '../api';
import { useApp } from '../store';
import type { DeviceView } from '../shapes';
import { useAction } from '../useCommand';
import { ErrorNotice } from './ErrorNotice';
import { Field } from './Field';

type Progress = Extract<ApiEvent, { type: 'device.usbSetup' }>['progress'];
type UsbPort = CommandOutput<'devices.usb'>['ports'][number];
type PoolSummary = NonNullable<NonNullable<Progress['result']>['before']['primary']>;

const STEPS: Array<{ step: Progress['step']; label: string }> = [
  { step: 'connect', label: 'Reset it into its boot loader' },
  { step: 'read', label: 'Read its settings' },
  { step: 'merge', label: 'Merge Wi-Fi and pool, keeping its factory data' },
  { step: 'backup', label: 'Save a copy of its settings on this computer' },
  { step: 'write', label: 'Write the new settings' },
  { step: 'verify', label: 'Read them back and compare' },
  { step: 'reset', label: 'Restart it' },
  { step: 'online', label: 'See it on the network, mining through Axewallet' },
];

/** The events of one run, oldest first. */
function runEvents(events: ApiEvent[], runId: string | undefined): Progress[] {
  if (!runId) return [];
  return events.flatMap((e) => (e.type === 'device.usbSetup' && e.progress.runId === runId ? [e.progress] : []));
}

const poolText = (p: PoolSummary | undefined) => (p ? `${p.url}:${p.port} (${p.protocol === 'SV2' ? 'Stratum V2' : 'Stratum V1'})` : 'none');

/** Why a Bitaxe mining Stratum V2 straight to a hashpool earns its owner no ehash. */
export function DirectSv2Note({ pool }: { pool: { url: string; port: number; protocol: 'SV1' | 'SV2' } | undefined }) {
  if (pool?.protocol !== 'SV2') return null;
  return (
    <p className="notice notice-muted" role="note">
      Mining Stratum V2 straight to {pool.url}:{pool.port}, this Bitaxe’s shares earn ehash that the pool issues to its own key: none of it lands in a wallet you hold. Through Axewallet every accepted
      share becomes ehash in your wallet. {pool.url} stays as its fallback, unchanged, so it keeps mining if Axewallet stops.
    </p>
  );
}

function ProgressList({ events }: { events: Progress[] }) {
  const last = (step: Progress['step']) => [...events].reverse().find((e) => e.step === step);
  const failed = events.find((e) => e.state === 'failed');
  return (
    <ol className="checklist" aria-label="USB setup steps" aria-live="polite">
      {STEPS.filter((s) => s.step !== 'online' || events.some((e) => e.step === 'online')).map(({ step, label }) => {
        const e = last(step);
        const done = e?.state === 'done' || (e?.state === 'finished' && step === 'reset');
        const bytes = e && e.state === 'running' && e.total ? ` ${Math.round(((e.done ?? 0) / e.total) * 100)}%` : '';
        const mark = done ? '✓' : failed && failed.step === step ? '✗' : e ? '…' : '·';
        return (
          <li key={step} className={done ? 'done' : ''}>
            {mark} {label}
            {e && !done ? `: ${e.message}${bytes}` : ''}
            {e?.state === 'running' && e.total ? <progress max={e.total} value={e.done ?? 0} aria-label={`${label}: progress`} /> : null}
            {done && e?.message ? <span className="muted"> {e.message}</span> : null}
          </li>
        );
      })}
    </ol>
  );
}

function Restore({ path, backupId, onStarted }: { path: string; backupId: string; onStarted(runId: string): void }) {
  const [asking, setAsking] = useState(false);
  const restore = useAction(() => call('devices.usbRestore', { path, backupId }));
  if (!asking) {
    return (
      <button type="button" onClick={() => setAsking(true)}>
        Restore the saved copy
      </button>
    );
  }
  return (
    <div className="row wrap" role="group" aria-label="Confirm the restore">
      <span>Write the settings this Bitaxe had before back to it? What was written since is replaced.</span>
      <button
        type="button"
        className="primary"
        disabled={restore.busy}
        onClick={async () => {
          const started = await restore.run();
          if (started) onStarted(started.runId);
          setAsking(false);
        }}
      >
        Yes, restore it
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
      {restore.error && <ErrorNotice error={restore.error} />}
    </div>
  );
}

function SetupForm({ port, onChosen }: { port: UsbPort; onChosen?: (device: DeviceView) => void }) {
  const id = useId();
  const [ssid, setSsid] = useState('');
  const [password, setPassword] = useState('');
  const [proxyHost, setProxyHost] = useState('');
  const [problem, setProblem] = useState<{ field: 'ssid' | 'password'; message: string }>();
  const [runId, setRunId] = useState<string>();
  const events = useApp((s) => s.events);
  const start = useAction(() => call('devices.usbSetup', { path: port.path, wifi: { ssid, password }, ...(proxyHost.trim() ? { proxyHost: proxyHost.trim() } : {}) }));
  const run = runEvents(events, runId);
  const action = run[0]?.action;
  const failed = [...run].reverse().find((e) => e.state === 'failed' && e.step !== 'online');
  const finished = run.find((e) => e.state === 'finished');
  const online = [...run].reverse().find((e) => e.step === 'online');
  const result = (online ?? finished)?.result;
  const showForm = !runId || !!failed || (action === 'restore' && !!finished);
  const writing = !!runId && !failed && !finished;
  const adopted = online?.state === 'done' ? online.result?.deviceId : undefined;

  return (
    <div className="stack">
      {showForm ? (
        <form
          className="stack"
          aria-label={`Set up the Bitaxe on ${port.path}`}
          onSubmit={async (e) => {
            e.preventDefault();
            const p =
              ssid.length < 1 || ssid.length > 32
                ? ({ field: 'ssid', message: 'The Wi-Fi name has 1 to 32 characters.' } as const)
                : password.length > 63
                  ? ({ field: 'password', message: 'A Wi-Fi password has at most 63 characters.' } as const)
                  : undefined;
            setProblem(p);
            if (p) return;
            const started = await start.run();
            if (started) setRunId(started.runId);
          }}
        >
          <p>
            Axewallet restarts the Bitaxe into its boot loader, saves a copy of its settings on this computer, writes your Wi-Fi and Axewallet as its pool, reads them back and restarts it. Its factory
            data (board, ASIC, tuning) stays as it is; the pool it mines on now becomes its fallback.
          </p>
          <div className="row wrap">
            <Field id={`${id}-ssid`} label="Wi-Fi name" error={problem?.field === 'ssid' ? problem.message : undefined}>
              {(control) => <input {...control} value={ssid} autoComplete="off" onChange={(e) => setSsid(e.target.value)} />}
            </Field>
            <Field id={`${id}-password`} label="Wi-Fi password" error={problem?.field === 'password' ? problem.message : undefined}>
              {(control) => <input {...control} type="password" value={password} autoComplete="off" onChange={(e) => setPassword(e.target.value)} />}
            </Field>
          </div>
          <details>
            <summary>Where the Bitaxe finds Axewallet</summary>
            <Field id={`${id}-proxy`} label="Axewallet’s address on that Wi-Fi" inline>
              {(control) => <input {...control} placeholder="this computer’s LAN address" value={proxyHost} onChange={(e) => setProxyHost(e.target.value)} />}
            </Field>
          </details>
          {start.error && <ErrorNotice error={start.error} />}
          <button type="submit" className="primary" disabled={start.busy}>
            {start.busy ? 'Starting…' : failed ? 'Try again' : 'Write these settings to the Bitaxe'}
          </button>
        </form>
      ) : null}
      {runId && <ProgressList events={run} />}
      {failed?.error && (
        <div className="stack">
          <ErrorNotice
            error={new ApiError('upstream_error', failed.error.message, failed.error.hint)}
            title={failed.action === 'restore' ? 'The restore did not finish' : 'The USB setup did not finish'}
          />
          {failed.error.backupId && <Restore path={port.path} backupId={failed.error.backupId} onStarted={setRunId} />}
        </div>
      )}
      {result && (
        <div className="stack" role="status">
          <p>
            Primary pool: <span className="mono">{poolText(result.after.primary)}</span> · fallback: <span className="mono">{poolText(result.after.fallback)}</span>
          </p>
          <DirectSv2Note pool={result.before.primary?.protocol === 'SV2' ? result.before.primary : result.before.fallback?.protocol === 'SV2' ? result.before.fallback : undefined} />
        </div>
      )}
      {finished && action === 'restore' && <p role="status">{finished.message}</p>}
      {online?.state === 'failed' && <p className="notice notice-muted">{online.message}</p>}
      {writing && <p className="muted">Keep the cable in until the Bitaxe has restarted.</p>}
      {adopted && onChosen && (
        <button
          type="button"
          className="primary"
          onClick={async () => {
            const { device } = await call('devices.get', { id: adopted });
            onChosen(device);
          }}
        >
          Continue with this Bitaxe
        </button>
      )}
    </div>
  );
}

export function UsbSetup({ onChosen }: { onChosen?: (device: DeviceView) => void }) {
  const look = useAction(() => call('devices.usb', {}));
  const add = useAction((address: string) => call('devices.add', { address }));
  const [ports, setPorts] = useState<UsbPort[]>();
  const [chosen, setChosen] = useState<string>();
  return (
    <div className="stack">
      <div className="row">
        <button type="button" disabled={look.busy} onClick={async () => setPorts((await look.run())?.ports)}>
          {look.busy ? 'Looking at USB…' : 'Look for a Bitaxe on USB'}
        </button>
      </div>
      {look.error && <ErrorNotice error={look.error} />}
      {add.error && <ErrorNotice error={add.error} />}
      {ports && ports.length === 0 && <p role="status">No Bitaxe on USB. Plug it in with a data cable (USB-C on the Bitaxe), then look again.</p>}
      {ports && ports.length > 0 && (
        <ul className="list" aria-label="Bitaxes on USB">
          {ports.map((p) => (
            <li key={p.path} className="stack">
              <div className="row wrap">
                <span className="mono">{p.path}</span>
                <span>{p.firmware === 'patched' ? 'Axewallet-patched firmware' : p.firmware === 'stock' ? 'stock AxeOS' : 'firmware unknown'}</span>
                {p.address ? (
                  <button
                    type="button"
                    disabled={add.busy}
                    onClick={async () => {
                      const result = await add.run(p.address!);
                      if (result) onChosen?.(result.device);
                    }}
                  >
                    Use {p.hostname ?? p.address}
                  </button>
                ) : (
                  <>
                    {p.problem && <span className="muted">{p.problem}</span>}
                    {p.firmware !== 'patched' && chosen !== p.path && (
                      <button type="button" onClick={() => setChosen(p.path)} aria-label={`Set up over USB: ${p.path}`}>
                        Set up over USB
                      </button>
                    )}
                  </>
                )}
              </div>
              {chosen === p.path && <SetupForm port={p} onChosen={onChosen} />}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
