import { useId, useState } from 'react';
import { call } from '../api';
import { ErrorNotice } from '../components/ErrorNotice';
import { DirectSv2Note, UsbSetup } from '../components/UsbSetup';
import { formatSi } from '../format';
import { totalBalance, useLive } from '../live';
import { useApp } from '../store';
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

function PointStep({ device, onDone }: { device: DeviceView; onDone(): void }) {
  const point = useAction(() => call('devices.useProxy', { id: device.id }));
  const name = deviceName(device);
  return (
    <div className="stack">
      <p>
        Axewallet will set <strong>{name}</strong> to mine through this machine, keeping its current pool as the fallback so it goes on mining if Axewallet
        stops. The Bitaxe may restart.
      </p>
      <DirectSv2Note pool={device.pools.find((p) => p.slot === (device.useFallbackStratum ? device.secondaryPool : device.primaryPool))} />
      {point.error && <ErrorNotice error={point.error} />}
      <button
        type="button"
        className="primary"
        disabled={point.busy}
        onClick={async () => {
          if ((await point.run()) !== undefined) onDone();
        }}
      >
        {point.busy ? 'Pointing it at Axewallet…' : `Point ${name} at Axewallet`}
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
  const mining = useLive((s) => s.mining);
  const miningError = useLive((s) => s.miningError);
  const wallet = useLive((s) => s.wallet);
  const navigate = useApp((s) => s.navigate);
  const accepted = mining?.shares.accepted ?? 0;
  const balance = totalBalance(wallet);
  const unit = wallet?.balances[0]?.unit ?? 'hash';
  return (
    <div className="stack">
      {miningError && <ErrorNotice error={miningError} />}
      <ul className="checklist" aria-live="polite">
        <li className={mining && mining.miners.length > 0 ? 'done' : ''}>
          {mining && mining.miners.length > 0 ? '✓ The Bitaxe connected to Axewallet' : '… waiting for the Bitaxe to connect'}
        </li>
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
