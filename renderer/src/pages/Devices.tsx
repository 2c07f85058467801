import { useId, useMemo, useState } from 'react';
import { callOptional } from '../api';
import { ErrorNotice, FieldError } from '../components/ErrorNotice';
import { downloadText } from '../download';
import { formatAgo, formatHashrate } from '../format';
import { useAction, useCommand } from '../useCommand';

export interface DeviceView {
  id: string;
  name?: string;
  hostname?: string;
  address?: string;
  model?: string;
  firmware?: string;
  state?: string;
  online?: boolean;
  hashrate?: number;
  temperature?: number | null;
  power?: number | null;
  usingProxy?: boolean;
  pool?: string | null;
  lastSeenAt?: string | null;
  lastError?: string | null;
}

/** http://HOST[:PORT] or a bare host: the engine needs a URL. */
export function deviceAddressProblem(text: string): string | undefined {
  const value = text.trim();
  if (!value) return 'Enter the Bitaxe address, e.g. 192.168.1.50.';
  const withScheme = /^https?:\/\//.test(value) ? value : `http://${value}`;
  try {
    const url = new URL(withScheme);
    if (!url.hostname || (url.pathname !== '/' && url.pathname !== '')) return 'Enter only the address, without a path.';
    return undefined;
  } catch {
    return 'Not an address: use the IP or host name shown on the Bitaxe screen, e.g. 192.168.1.50.';
  }
}

export function toDeviceUrl(text: string): string {
  const value = text.trim();
  return (/^https?:\/\//.test(value) ? value : `http://${value}`).replace(/\/$/, '');
}

export function AddDeviceForm({ onAdded }: { onAdded?: (device: DeviceView) => void }) {
  const id = useId();
  const [address, setAddress] = useState('');
  const [problem, setProblem] = useState<string>();
  const add = useAction((url: string) => callOptional<DeviceView>('devices.add', { address: url }));
  const message = problem ?? (add.error ? `${add.error.message}${add.error.hint ? ` ${add.error.hint}` : ''}` : undefined);
  return (
    <form
      className="row"
      aria-label="Add a device by address"
      onSubmit={async (e) => {
        e.preventDefault();
        const p = deviceAddressProblem(address);
        setProblem(p);
        if (p) return;
        const device = await add.run(toDeviceUrl(address));
        if (device) {
          setAddress('');
          onAdded?.(device);
        }
      }}
    >
      <label htmlFor={`${id}-address`}>Device address</label>
      <input
        id={`${id}-address`}
        placeholder="192.168.1.50"
        value={address}
        aria-invalid={!!message}
        aria-describedby={message ? `${id}-address-error` : undefined}
        onChange={(e) => {
          setAddress(e.target.value);
          setProblem(undefined);
        }}
      />
      <button type="submit" disabled={add.busy}>
        {add.busy ? 'Checking…' : 'Add device'}
      </button>
      <FieldError id={`${id}-address-error`} message={message} />
    </form>
  );
}

interface DiscoverResult {
  found: Array<{ address: string; hostname?: string; model?: string }>;
}

export function DiscoverButton({ onFound }: { onFound(result: DiscoverResult): void }) {
  const discover = useAction(() => callOptional<DiscoverResult>('devices.discover', {}));
  return (
    <div className="stack">
      <button
        type="button"
        disabled={discover.busy}
        onClick={async () => {
          const result = await discover.run();
          if (result) onFound(result);
        }}
      >
        {discover.busy ? 'Searching the network…' : 'Search the network for Bitaxes'}
      </button>
      {discover.busy && <progress aria-label="Searching the network" />}
      {discover.error && <ErrorNotice error={discover.error} />}
    </div>
  );
}

function DeviceActions({ device, onChange }: { device: DeviceView; onChange(): void }) {
  const act = useAction(async (command: string) => {
    await callOptional(command, { id: device.id });
    onChange();
  });
  const name = device.name ?? device.hostname ?? device.address ?? device.id;
  const button = (command: string, label: string) => (
    <button type="button" disabled={act.busy} onClick={() => void act.run(command)} aria-label={`${label} ${name}`}>
      {label}
    </button>
  );
  return (
    <div className="stack">
      <div className="row wrap">
        {device.usingProxy ? button('devices.undoProxy', 'Restore previous pool') : button('devices.useProxy', 'Point at Axewallet')}
        {button('devices.identify', 'Identify')}
        {button('devices.restart', 'Restart')}
        {device.state === 'paused' ? button('devices.resume', 'Resume') : button('devices.pause', 'Pause')}
      </div>
      {act.error && <ErrorNotice error={act.error} />}
    </div>
  );
}

function DeviceLogs({ device }: { device: DeviceView }) {
  const id = useId();
  const logs = useCommand<{ lines: Array<{ time?: string; source?: string; text: string }> }>('devices.logs', { id: device.id }, 3000);
  const [query, setQuery] = useState('');
  const shown = useMemo(() => (logs.data?.lines ?? []).filter((l) => !query || l.text.toLowerCase().includes(query.toLowerCase())), [logs.data, query]);
  if (logs.error) return <ErrorNotice error={logs.error} title="Device logs" />;
  return (
    <div className="stack">
      <div className="row">
        <label htmlFor={`${id}-search`}>Search device logs</label>
        <input id={`${id}-search`} type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
        <button type="button" disabled={shown.length === 0} onClick={() => downloadText(`${device.hostname ?? device.id}-logs.txt`, shown.map((l) => `${l.time ?? ''} ${l.source ?? ''} ${l.text}`).join('\n') + '\n')}>
          Export device logs
        </button>
      </div>
      <pre className="device-log" tabIndex={0} aria-label="Device log lines">
        {shown
          .slice(-300)
          .map((l) => `${l.time ?? ''} ${l.source ?? ''} ${l.text}`)
          .join('\n')}
      </pre>
    </div>
  );
}

export function DevicesPage() {
  const id = useId();
  const devices = useCommand<{ devices: DeviceView[] }>('devices.list', {}, 2000);
  const [found, setFound] = useState<DiscoverResult['found']>();
  const [open, setOpen] = useState<string>();

  return (
    <div className="stack">
      <section aria-labelledby={`${id}-add`} className="stack">
        <h2 id={`${id}-add`}>Add a Bitaxe</h2>
        <AddDeviceForm onAdded={() => devices.reload()} />
        <DiscoverButton onFound={(r) => setFound(r.found)} />
        {found && (
          <ul className="list" aria-label="Found on the network">
            {found.length === 0 && <li className="muted">No Bitaxe answered. Add it by address instead.</li>}
            {found.map((f) => (
              <li key={f.address} className="row">
                <span className="mono">{f.address}</span> {f.hostname} {f.model}
                <AddFound address={f.address} onAdded={() => devices.reload()} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby={`${id}-list`}>
        <h2 id={`${id}-list`}>Your devices</h2>
        {devices.error ? (
          <ErrorNotice error={devices.error} onRetry={devices.reload} />
        ) : !devices.data ? (
          <p role="status">Loading…</p>
        ) : devices.data.devices.length === 0 ? (
          <p className="muted">No devices yet.</p>
        ) : (
          <ul className="list">
            {devices.data.devices.map((d) => {
              const name = d.name ?? d.hostname ?? d.address ?? d.id;
              return (
                <li key={d.id} className="device card">
                  <div className="row wrap">
                    <strong>{name}</strong>
                    <span className="mono muted">{d.address}</span>
                    <span>{d.model}</span>
                    <span className={d.online === false ? 'bad' : 'good'}>{d.state ?? (d.online === false ? 'offline' : 'online')}</span>
                    <span>{formatHashrate(d.hashrate)}</span>
                    {d.temperature !== undefined && d.temperature !== null && <span>{d.temperature.toFixed(1)} °C</span>}
                    {d.power !== undefined && d.power !== null && <span>{d.power.toFixed(1)} W</span>}
                    <span>{d.usingProxy ? 'mining through Axewallet' : `pool: ${d.pool ?? 'unknown'}`}</span>
                    <span className="muted">seen {formatAgo(d.lastSeenAt)}</span>
                  </div>
                  {d.lastError && <p className="field-error">{d.lastError}</p>}
                  <DeviceActions device={d} onChange={devices.reload} />
                  <button type="button" aria-expanded={open === d.id} onClick={() => setOpen(open === d.id ? undefined : d.id)}>
                    {open === d.id ? 'Hide logs' : `Show logs of ${name}`}
                  </button>
                  {open === d.id && <DeviceLogs device={d} />}
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </div>
  );
}

function AddFound({ address, onAdded }: { address: string; onAdded(): void }) {
  const add = useAction(() => callOptional('devices.add', { address: toDeviceUrl(address) }));
  return (
    <>
      <button
        type="button"
        disabled={add.busy}
        onClick={async () => {
          if ((await add.run()) !== undefined) onAdded();
        }}
        aria-label={`Add ${address}`}
      >
        Add
      </button>
      {add.error && <span className="field-error">{add.error.message}</span>}
    </>
  );
}
