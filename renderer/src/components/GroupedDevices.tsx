/** The dashboard's device view, filtered by a device group: how each chosen Bitaxe is doing, and their sum. */
import { useId, useState } from 'react';
import { formatHashrate } from '../format';
import { useApp } from '../store';
import { useCommand } from '../useCommand';
import { Field } from './Field';

export function GroupedDevices() {
  const id = useId();
  const deviceEvents = useApp((s) => s.events.filter((e) => e.type === 'device.state' || e.type === 'device.removed').length);
  const devices = useCommand('devices.list', {}, 5000, deviceEvents);
  const groups = useCommand('devices.groups.list', {}, 30_000);
  const [groupId, setGroupId] = useState('');
  const all = devices.data?.devices ?? [];
  if (all.length === 0) return null;
  const group = groups.data?.groups.find((g) => g.id === groupId);
  const shown = group ? all.filter((d) => group.devices.includes(d.id)) : all;
  const total = shown.reduce((sum, d) => sum + (d.status === 'online' ? d.hashrate10m * 1e9 : 0), 0);
  return (
    <section aria-labelledby={`${id}-title`} className="stack">
      <div className="row">
        <h2 id={`${id}-title`}>Devices</h2>
        <Field id={`${id}-group`} label="Group">
          {(control) => (
            <select {...control} value={groupId} onChange={(e) => setGroupId(e.target.value)}>
              <option value="">All devices</option>
              {(groups.data?.groups ?? []).map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <span>
          {shown.filter((d) => d.status === 'online').length} of {shown.length} online, {formatHashrate(total)} (10 min)
        </span>
      </div>
      <table aria-label="Devices in the group" className="fixed-table">
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">State</th>
            <th scope="col">Hashrate (10 min)</th>
            <th scope="col">Temperature</th>
            <th scope="col">Power</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((d) => (
            <tr key={d.id}>
              <td>{d.hostname || d.address}</td>
              <td className={d.status === 'online' ? 'good' : 'bad'}>{d.miningPaused ? 'paused' : d.status}</td>
              <td>{formatHashrate(d.hashrate10m * 1e9)}</td>
              <td>{d.status === 'online' ? `${d.temperature.toFixed(1)} °C` : '—'}</td>
              <td>{d.status === 'online' ? `${d.power.toFixed(1)} W` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
