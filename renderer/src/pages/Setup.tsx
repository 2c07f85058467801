import { useId, useState } from 'react';
import { call } from '../api';
import { ErrorNotice } from '../components/ErrorNotice';
import { DirectSv2Note, UsbSetup } from '../components/UsbSetup';
import { formatSi } from '../format';
import { totalBalance, useApp } from '../store';
import type { DeviceView } from '../shapes';
import { useAction, useCommand } from '../useCommand';
import { AddDeviceForm, deviceName, DiscoverPanel } from './Devices';

const steps = ['Find your Bitaxe', 'Point it at Axewallet', 'First share and first ehash'] as const;

export function SetupPage() {
  const id = useId();
  const [step, setStep] = useState(0);
  const [device, setDevice] = useState<DeviceView>();
  return (
    <div className="stack">
      <ol className="steps" aria-label="Setup steps">
        {steps.map((s, i) => (
          <li key={s} aria-current={i === step ? 'step' : undefined} className={i < step ? 'done' : ''}>
            {s}
          </li>
        ))}
      </ol>
      <section aria-labelledby={`${id}-step`} className="stack">
        <h2 id={`${id}-step`}>{steps[step]}</h2>
        {step === 0 && (
          <FindStep
            onChosen={(d) => {
              setDevice(d);
              setStep(1);
            }}
          />
        )}
        {step === 1 && device && <PointStep device={device} onDone={() => setStep(2)} />}
        {step === 2 && <WatchStep />}
        {step > 0 && (
          <button type="button" onClick={() => setStep(step - 1)}>
            Back to “{steps[step - 1]}”
          </button>
        )}
      </section>
    </div>
  );
}

function FindStep({ onChosen }: { onChosen(device: DeviceView): void }) {
  const devices = useCommand('devices.list', {}, 3000);
  return (
    <div className="stack">
      <p>Your Bitaxe must be on the same network as this machine. Search for it, or type the address shown on its screen.</p>
      <DiscoverPanel onPick={onChosen} pickLabel="Use" />
      <UsbSetup onChosen={onChosen} />
      <AddDeviceForm onAdded={onChosen} />
      {devices.data && devices.data.devices.length > 0 && (
        <>
          <p>Or choose one Axewallet knows already:</p>
          <ul className="list" aria-label="Known devices">
            {devices.data.devices.map((d) => (
              <li key={d.id} className="row">
                <span>
                  {deviceName(d)} <span className="mono muted">{d.address}</span> {d.viaAxewallet ? '(already mining through Axewallet)' : ''}
                </span>
                <button type="button" onClick={() => onChosen(d)} aria-label={`Choose ${deviceName(d)}`}>
                  Choose
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/** The host part of a device address ("http://192.168.1.50" -> "192.168.1.50"). */
function hostOf(address: string): string {
  try {
    return new URL(/^[a-z]+:\/\//.test(address) ? address : `http://${address}`).hostname;
  } catch {
    return address;
  }
}

/** What pointing the device at Axewallet writes, shown before anything is written. */
function PoolPreview({ device }: { device: DeviceView }) {
  const stratum = useApp((s) => s.status?.stratum);
  const current = device.pools.find((p) => p.slot === device.primaryPool) ?? device.pools[0];
  const deviceIp = hostOf(device.address);
  const wildcard = !stratum || ['0.0.0.0', '::', ''].includes(stratum.host);
  const host = !wildcard ? stratum.host : deviceIp.startsWith('127.') ? '127.0.0.1' : `this computer's address on ${deviceIp}'s network`;
  return (
    <table aria-label="Pool settings Axewallet will write">
      <tbody>
        <tr>
          <th scope="row">New primary pool</th>
          <td>
            <span className="mono">
              {host}:{stratum?.port ?? '…'}
            </span>{' '}
            (Axewallet on this computer), Stratum V1, no TLS, user <span className="mono">{current?.user || 'axewallet'}</span>, password <span className="mono">x</span>
          </td>
        </tr>
        <tr>
          <th scope="row">Fallback pool</th>
          <td>
            {current ? (
              <>
                your current pool <span className="mono">{`${current.url}:${current.port}`}</span> (user <span className="mono">{current.user}</span>):{' '}
                {device.viaAxewallet ? '' : 'the Bitaxe mines there if Axewallet stops'}
              </>
            ) : (
              'none (the device has no pool yet)'
            )}
          </td>
        </tr>
        <tr>
          <th scope="row">Then</th>
          <td>the Bitaxe restarts (about a minute) and Axewallet waits until it connects. “Restore previous pools” on the Devices page undoes it.</td>
        </tr>
      </tbody>
    </table>
  );
}

function PointStep({ device, onDone }: { device: DeviceView; onDone(): void }) {
  const point = useAction(() => call('devices.useProxy', { id: device.id }));
  const [written, setWritten] = useState<string>();
  const name = deviceName(device);
  return (
    <div className="stack">
      <p>
        Axewallet will set <strong>{name}</strong> to mine through this machine, keeping its current pool as the fallback so it goes on mining if Axewallet stops. Here is what it writes:
      </p>
      <PoolPreview device={device} />
      <DirectSv2Note pool={device.pools.find((p) => p.slot === (device.useFallbackStratum ? device.secondaryPool : device.primaryPool))} />
      {point.error && <ErrorNotice error={point.error} />}
      {written && <p role="status">{written}</p>}
      <button
        type="button"
        className="primary"
        disabled={point.busy}
        onClick={async () => {
          const result = await point.run();
          if (result !== undefined) {
            setWritten(`Wrote ${result.proxy.host}:${result.proxy.port} as the primary pool of ${name}; it connected.`);
            onDone();
          }
        }}
      >
        {point.busy ? 'Writing the pool settings and restarting the Bitaxe…' : `Point ${name} at Axewallet`}
      </button>
      {device.viaAxewallet && (
        <button type="button" onClick={onDone}>
          It already mines through Axewallet: continue
        </button>
      )}
    </div>
  );
}

function WatchStep() {
  const mining = useApp((s) => s.mining);
  const miningError = useApp((s) => s.miningError);
  const wallet = useApp((s) => s.wallet);
  const navigate = useApp((s) => s.navigate);
  const accepted = mining?.shares.accepted ?? 0;
  const balance = totalBalance(wallet);
  const unit = wallet?.balances[0]?.unit ?? 'hash';
  return (
    <div className="stack">
      {miningError && <ErrorNotice error={miningError} />}
      <ul className="checklist" aria-live="polite">
        <li className={mining && mining.miners.length > 0 ? 'done' : ''}>{mining && mining.miners.length > 0 ? '✓ The Bitaxe connected to Axewallet' : '… waiting for the Bitaxe to connect'}</li>
        <li className={accepted > 0 ? 'done' : ''}>{accepted > 0 ? `✓ First share accepted (${accepted} so far)` : '… waiting for the first accepted share'}</li>
        <li className={balance > 0 ? 'done' : ''}>{balance > 0 ? `✓ First ehash arrived: ${formatSi(balance)} ${unit}` : '… waiting for the first ehash'}</li>
      </ul>
      {wallet && !wallet.exists && (
        <p className="hint">
          No wallet yet: shares are counted but no ehash can be minted until you{' '}
          <button type="button" onClick={() => navigate('welcome')}>
            create a wallet
          </button>
          .
        </p>
      )}
      <button type="button" className="primary" onClick={() => navigate('dashboard')}>
        Go to the dashboard
      </button>
    </div>
  );
}
