import { useId, useMemo, useState } from 'react';
import { call } from '../api';
import { Chart } from '../components/Chart';
import { ConfirmButton } from '../components/Confirm';
import { ErrorNotice } from '../components/ErrorNotice';
import { Check, errorText, Field } from '../components/Field';
import { Term } from '../components/Term';
import { UsbSetup } from '../components/UsbSetup';
import { FleetActions } from '../components/FleetActions';
import { useDiscovery, type FoundDevice } from '../discovery';
import { downloadText } from '../download';
import { formatAgo, formatHashrate, formatSi } from '../format';
import { compareHashrates } from '../hashrate';
import { useApp } from '../store';
import type { DeviceView, MinerView } from '../shapes';
import { useAction, useCommand } from '../useCommand';
import { deviceAddressProblem, parseScanTarget } from '../validation';

export function deviceName(device: Pick<DeviceView, 'hostname' | 'address'>): string {
  return device.hostname || device.address;
}

/** AxeOS reports GH/s; the rest of the UI speaks H/s. */
const ghs = (value: number) => formatHashrate(value * 1e9);

export function AddDeviceForm({ onAdded }: { onAdded?: (device: DeviceView) => void }) {
  const id = useId();
  const [address, setAddress] = useState('');
  const [problem, setProblem] = useState<string>();
  const add = useAction((value: string) => call('devices.add', { address: value }));
  const message = problem ?? errorText(add.error);
  return (
    <form
      aria-label="Add a device by address"
      onSubmit={async (e) => {
        e.preventDefault();
        const p = deviceAddressProblem(address);
        setProblem(p);
        if (p) return;
        const result = await add.run(address.trim());
        if (result) {
          setAddress('');
          onAdded?.(result.device);
        }
      }}
    >
      <Field
        id={`${id}-address`}
        label="Device address"
        error={message}
        inline
        after={
          <button type="submit" disabled={add.busy}>
            {add.busy ? 'Checking…' : 'Add device'}
          </button>
        }
      >
        {(control) => (
          <input
            {...control}
            placeholder="192.168.1.50"
            value={address}
            onChange={(e) => {
              setAddress(e.target.value);
              setProblem(undefined);
            }}
          />
        )}
      </Field>
    </form>
  );
}

/** Search the network, list what answers; `onPick` gets the chosen one once added. */
export function DiscoverPanel({ onPick, pickLabel = 'Add' }: { onPick(device: DeviceView): void; pickLabel?: string }) {
  const id = useId();
  const discovery = useDiscovery();
  // on the demo network the simulated Bitaxe listens on loopback, which a LAN search never covers
  const demoTarget = useApp((s) => s.status?.demoDevices?.[0]?.replace(/^https?:\/\//, ''));
  // until the user types, the field offers the demo Bitaxe (the status that names it may arrive after the first render)
  const [typed, setWhere] = useState<string>();
  const where = typed ?? demoTarget ?? '';
  const [whereError, setWhereError] = useState<string>();
  const add = useAction((found: FoundDevice) => call('devices.add', { address: found.address }));
  const progress = discovery.progress;
  const search = () => {
    const target = parseScanTarget(where);
    setWhereError(typeof target === 'string' ? target : undefined);
    if (typeof target !== 'string') void discovery.start(target);
  };
  const whereMessage = whereError ?? (discovery.error?.field === 'hosts' ? discovery.error.message : undefined);
  return (
    <div className="stack">
      <Field
        id={`${id}-where`}
        label="Where to search"
        error={whereMessage}
        inline
        after={
          <>
            <button type="button" disabled={discovery.running} onClick={search}>
              {discovery.running ? 'Searching the network…' : 'Search the network for Bitaxes'}
            </button>
            {discovery.running && (
              <button type="button" onClick={() => void discovery.cancel()}>
                Stop searching
              </button>
            )}
          </>
        }
      >
        {(control) => <input {...control} placeholder="empty: this computer's networks; or 192.168.1.0/24, 192.168.1.10-40" value={where} onChange={(e) => setWhere(e.target.value)} />}
      </Field>
      {progress && (
        <p role="status" className="row">
          <progress max={progress.total || undefined} value={progress.total ? progress.scanned : undefined} aria-label="Search progress" />
          {progress.done ? (progress.cancelled ? 'Search stopped' : 'Search finished') : 'Searching'}: {progress.scanned} of {progress.total} addresses, {progress.found.length} Bitaxe
          {progress.found.length === 1 ? '' : 's'} found
        </p>
      )}
      {discovery.error && !whereMessage && <ErrorNotice error={discovery.error} />}
      {progress && progress.found.length > 0 && (
        <ul className="list" aria-label="Found on the network">
          {progress.found.map((f) => (
            <li key={f.address} className="row">
              <strong>{f.hostname || f.ipv4}</strong>
              <span className="mono">{f.address}</span>
              <span>
                {f.asicModel} · {f.firmware}
              </span>
              {f.known && <span className="muted">already added</span>}
              <button
                type="button"
                disabled={add.busy}
                onClick={async () => {
                  const result = await add.run(f);
                  if (result) onPick(result.device);
                }}
                aria-label={`${pickLabel} ${f.hostname || f.address}`}
              >
                {pickLabel}
              </button>
            </li>
          ))}
        </ul>
      )}
      {progress?.done && progress.found.length === 0 && <p className="muted">No Bitaxe answered. Add it by address instead.</p>}
      {add.error && <ErrorNotice error={add.error} />}
    </div>
  );
}

type DeviceCommand = 'devices.useProxy' | 'devices.undoProxy' | 'devices.identify' | 'devices.restart' | 'devices.pause' | 'devices.resume' | 'devices.remove';

/** What each action says once it is done: every click gets visible feedback. */
const doneWords: Record<DeviceCommand, (name: string) => string> = {
  'devices.useProxy': (n) => `${n} now mines through Axewallet.`,
  'devices.undoProxy': (n) => `${n} is back on its previous pools.`,
  'devices.identify': (n) => `${n} shows "Hi!" on its screen for a few seconds.`,
  'devices.restart': (n) => `${n} is restarting; it reconnects in about a minute.`,
  'devices.pause': (n) => `${n} paused mining.`,
  'devices.resume': (n) => `${n} resumed mining.`,
  'devices.remove': (n) => `${n} was forgotten, with its history. Add it again to watch it.`,
};

function DeviceActions({ device, onChange, onForgotten }: { device: DeviceView; onChange(): void; onForgotten(message: string): void }) {
  const name = deviceName(device);
  const [done, setDone] = useState<string>();
  const act = useAction(async (command: DeviceCommand) => {
    setDone(undefined);
    await call(command, { id: device.id });
    if (command === 'devices.remove') onForgotten(doneWords[command](name));
    else setDone(doneWords[command](name));
    onChange();
  });
  const button = (command: DeviceCommand, label: string) => (
    <button type="button" disabled={act.busy} onClick={() => void act.run(command)} aria-label={`${label}: ${name}`}>
      {label}
    </button>
  );
  const confirmed = (command: DeviceCommand, label: string, question: string, confirmLabel: string) => (
    <ConfirmButton label={label} ariaLabel={`${label}: ${name}`} question={question} confirmLabel={confirmLabel} disabled={act.busy} onConfirm={() => act.run(command)} />
  );
  return (
    <div className="stack">
      <div className="row wrap">
        {!device.viaAxewallet && button('devices.useProxy', 'Point at Axewallet')}
        {device.canUndoProxy &&
          confirmed('devices.undoProxy', 'Restore previous pools', `Put ${name} back on the pools it had before? It restarts and stops earning ehash here.`, 'Restore and restart')}
        {button('devices.identify', 'Identify')}
        {confirmed('devices.restart', 'Restart', `Restart ${name}? It stops hashing for about a minute.`, 'Restart now')}
        {device.capabilities.pauseResume &&
          (device.miningPaused ? button('devices.resume', 'Resume') : confirmed('devices.pause', 'Pause', `Pause mining on ${name}? It earns nothing until you resume.`, 'Pause mining'))}
        {confirmed('devices.remove', 'Forget', `Forget ${name} and its history? The device keeps mining; Axewallet stops watching it.`, 'Forget it')}
      </div>
      {act.busy && <p role="status">Working…</p>}
      {done && <p role="status">{done}</p>}
      {act.error && <ErrorNotice error={act.error} />}
    </div>
  );
}

function PoolForm({ device, all, onChange }: { device: DeviceView; all: DeviceView[]; onChange(): void }) {
  const id = useId();
  const primary = device.pools.find((p) => p.slot === device.primaryPool) ?? device.pools[0];
  const [url, setUrl] = useState(primary?.url ?? '');
  const [port, setPort] = useState(String(primary?.port ?? 3333));
  const [user, setUser] = useState(primary?.user ?? '');
  const [everyDevice, setEveryDevice] = useState(false);
  const [problem, setProblem] = useState<{ field: 'url' | 'port'; message: string }>();
  const save = useAction(async (targets: DeviceView[]) => {
    for (const target of targets) await call('devices.setPools', { id: target.id, primary: { url: url.trim(), port: Number(port), user: user.trim() } });
    onChange();
  });
  return (
    <form
      className="stack"
      aria-label={`Pool of ${deviceName(device)}`}
      onSubmit={async (e) => {
        e.preventDefault();
        const p = !url.trim()
          ? ({ field: 'url', message: 'Enter the pool host.' } as const)
          : !(Number.isInteger(Number(port)) && Number(port) >= 1 && Number(port) <= 65535)
            ? ({ field: 'port', message: 'The port is a number from 1 to 65535.' } as const)
            : undefined;
        setProblem(p);
        if (!p) await save.run(everyDevice ? all : [device]);
      }}
    >
      <div className="row">
        <Field id={`${id}-url`} label="Pool host" error={problem?.field === 'url' ? problem.message : undefined}>
          {(control) => <input {...control} value={url} onChange={(e) => setUrl(e.target.value)} />}
        </Field>
        <Field id={`${id}-port`} label="Pool port" error={problem?.field === 'port' ? problem.message : undefined}>
          {(control) => <input {...control} inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} />}
        </Field>
        <Field id={`${id}-user`} label="Pool user">
          {(control) => <input {...control} value={user} onChange={(e) => setUser(e.target.value)} />}
        </Field>
      </div>
      <Check checked={everyDevice} onChange={(e) => setEveryDevice(e.target.checked)}>
        Apply to all {all.length} devices
      </Check>
      {save.error && <ErrorNotice error={save.error} />}
      <button type="submit" disabled={save.busy}>
        {save.busy ? 'Saving and restarting…' : 'Save pool and restart'}
      </button>
    </form>
  );
}

const historyRanges = ['1h', '24h', '7d'] as const;

function DeviceHistory({ device }: { device: DeviceView }) {
  const [range, setRange] = useState<(typeof historyRanges)[number]>('24h');
  const history = useCommand('devices.history', { id: device.id, range }, 60_000);
  const span = { '1h': 3600, '24h': 86_400, '7d': 604_800 }[range];
  const data = useMemo(() => {
    const samples = history.data?.samples ?? [];
    const t = samples.map((s) => Date.parse(s.at) / 1000);
    return {
      hashrate: [t, samples.map((s) => s.hashrate10m * 1e9)] as [number[], number[]],
      temperature: [t, samples.map((s) => s.temperature), samples.map((s) => s.power)] as [number[], number[], number[]],
    };
  }, [history.data]);
  if (history.error) return <ErrorNotice error={history.error} title="History" />;
  const name = deviceName(device);
  return (
    <div className="stack">
      <div role="radiogroup" aria-label={`Chart range of ${name}`} className="segmented">
        {historyRanges.map((r) => (
          <button key={r} type="button" role="radio" aria-checked={range === r} onClick={() => setRange(r)}>
            {r}
          </button>
        ))}
      </div>
      <div className="grid2">
        <Chart
          label={`Hashrate of ${name} as it reports it (10 min average), ${range}`}
          summary={ghs(device.hashrate10m)}
          data={data.hashrate}
          series={[{ label: '10 min average', stroke: '#e8731a' }]}
          formatValue={(v) => `${formatSi(v)}H/s`}
          spanSeconds={span}
        />
        <Chart
          label={`Temperature (°C, left) and power (W, right) of ${name}, ${range}`}
          summary={`${device.temperature.toFixed(1)} °C, ${device.power.toFixed(1)} W`}
          data={data.temperature}
          series={[
            { label: 'ASIC temperature °C', stroke: '#d64545', scale: 'temperature' },
            { label: 'power W', stroke: '#3c8dde', scale: 'power' },
          ]}
          axes={[
            { scale: 'temperature', label: '°C', format: (v) => `${v} °C`, fromZero: false },
            { scale: 'power', label: 'W', format: (v) => `${v} W`, fromZero: false },
          ]}
          spanSeconds={span}
        />
      </div>
    </div>
  );
}

function DeviceLogs({ device }: { device: DeviceView }) {
  const id = useId();
  const logs = useCommand('devices.logs', { id: device.id, limit: 500 }, 3000);
  const [query, setQuery] = useState('');
  const shown = useMemo(() => (logs.data?.lines ?? []).filter((l) => !query || l.toLowerCase().includes(query.toLowerCase())), [logs.data, query]);
  if (logs.error) return <ErrorNotice error={logs.error} title="Device logs" />;
  return (
    <div className="stack">
      <Field
        id={`${id}-search`}
        label={`Search logs of ${deviceName(device)}`}
        inline
        after={
          <button type="button" disabled={shown.length === 0} onClick={() => downloadText(`${deviceName(device)}-logs.txt`, `${shown.join('\n')}\n`)}>
            Export logs of {deviceName(device)}
          </button>
        }
      >
        {(control) => <input {...control} type="search" value={query} onChange={(e) => setQuery(e.target.value)} />}
      </Field>
      <pre className="device-log" tabIndex={0} aria-label={`Log lines of ${deviceName(device)}`}>
        {shown.slice(-300).join('\n') || 'No log lines yet.'}
      </pre>
    </div>
  );
}

const NO_MINERS: readonly MinerView[] = [];

/** The rate Axewallet measures for this device from its accepted shares (its miner connection, matched by address). */
function measuredFor(device: DeviceView, miners: readonly MinerView[]): MinerView | undefined {
  const host = new URL(/^[a-z]+:\/\//.test(device.address) ? device.address : `http://${device.address}`).hostname;
  return miners.find((m) => m.address.replace(/:\d+$/, '') === host);
}

function DeviceCard({ device, all, onChange, onForgotten }: { device: DeviceView; all: DeviceView[]; onChange(): void; onForgotten(message: string): void }) {
  const name = deviceName(device);
  // the default outside the selector: a new [] on every call is a new snapshot, and React re-renders without end
  const miners = useApp((s) => s.mining?.miners) ?? NO_MINERS;
  const demo = useApp((s) => s.status?.demo ?? false);
  const miner = measuredFor(device, miners);
  const comparison = miner ? compareHashrates(miner.hashrate, [{ ...device, viaAxewallet: true }], demo) : undefined;
  const statusClass = device.status === 'online' ? 'good' : device.status === 'restarting' ? '' : 'bad';
  return (
    <li className="device card" aria-label={name}>
      <div className="row wrap">
        <strong>{name}</strong>
        <span className="mono muted">{device.address}</span>
        <span>
          {device.asicModel} · {device.firmware}
        </span>
        <span className={statusClass}>{device.miningPaused ? 'paused' : device.status}</span>
        <span className="side-by-side">
          <span>
            <Term term="hashrate">{ghs(device.hashrate)}</Term> reported by the device
          </span>
          {miner && <span>{formatHashrate(miner.hashrate)} measured by Axewallet</span>}
        </span>
        <span>{device.temperature.toFixed(1)} °C</span>
        <span>{device.power.toFixed(1)} W</span>
        <span>
          shares {device.sharesAccepted} accepted, {device.sharesRejected} rejected
        </span>
        <span>{device.viaAxewallet ? 'mining through Axewallet' : device.usingFallback ? 'on its fallback pool' : 'mining on its own pool'}</span>
        <span className="muted">seen {formatAgo(device.lastSeen)}</span>
      </div>
      {device.problem && (
        <div className="notice notice-error" role="alert">
          <p>{device.problem.message}</p>
          <p className="hint">{device.problem.hint}</p>
        </div>
      )}
      {comparison?.explanation && (
        <p className="explain" role="note">
          Why two hashrates? {comparison.explanation}
        </p>
      )}
      <DeviceActions device={device} onChange={onChange} onForgotten={onForgotten} />
      <details>
        <summary>Charts of {name}</summary>
        <DeviceHistory device={device} />
      </details>
      <details>
        <summary>Pool of {name}</summary>
        <PoolForm device={device} all={all} onChange={onChange} />
      </details>
      <details>
        <summary>Logs of {name}</summary>
        <DeviceLogs device={device} />
      </details>
    </li>
  );
}

export function DevicesPage() {
  const id = useId();
  const deviceEvents = useApp((s) => s.events.filter((e) => e.type === 'device.state' || e.type === 'device.removed').length);
  const devices = useCommand('devices.list', {}, 5000, deviceEvents);
  const [forgotten, setForgotten] = useState<string>();

  return (
    <div className="stack">
      <section aria-labelledby={`${id}-add`} className="stack">
        <h2 id={`${id}-add`}>Add a Bitaxe</h2>
        <AddDeviceForm onAdded={() => devices.reload()} />
        <DiscoverPanel onPick={() => devices.reload()} />
        <UsbSetup onChosen={() => devices.reload()} />
      </section>
      <section aria-labelledby={`${id}-list`}>
        <h2 id={`${id}-list`}>Your devices</h2>
        {forgotten && <p role="status">{forgotten}</p>}
        {devices.error ? (
          <ErrorNotice error={devices.error} onRetry={devices.reload} />
        ) : !devices.data ? (
          <p role="status">Loading…</p>
        ) : devices.data.devices.length === 0 ? (
          <p className="muted">No devices yet.</p>
        ) : (
          <ul className="list">
            {devices.data.devices.map((d) => (
              <DeviceCard key={d.id} device={d} all={devices.data!.devices} onChange={devices.reload} onForgotten={setForgotten} />
            ))}
          </ul>
        )}
      </section>
      {devices.data && devices.data.devices.length > 1 && <FleetActions devices={devices.data.devices} onChange={devices.reload} />}
    </div>
  );
}
