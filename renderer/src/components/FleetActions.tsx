/**
 * Act on many Bitaxes at once: choose devices (one by one, a group, or all), an action, and see what each
 * device answered; a pool change can be undone. Groups are made from a selection here and filter the dashboard.
 */
import { useId, useState } from 'react';
import type { FleetAction, FleetReport } from '../../../core/api/fleet';
import { call } from '../api';
import type { DeviceView } from '../shapes';
import { eventsSince, useApp } from '../store';
import { useAction, useCommand } from '../useCommand';
import { ErrorNotice, FieldError } from './ErrorNotice';
import { Check, Field } from './Field';

type Kind = FleetAction['kind'];

const KIND_LABELS: Record<Kind, string> = { pool: 'Point at a pool', restart: 'Restart', pause: 'Pause mining', resume: 'Resume mining', setting: 'Change a setting' };

const portOk = (port: string) => Number.isInteger(Number(port)) && Number(port) >= 1 && Number(port) <= 65535;

export function FleetActions({ devices, onChange }: { devices: DeviceView[]; onChange(): void }) {
  const id = useId();
  const groups = useCommand('devices.groups.list', {});
  const [selected, setSelected] = useState<string[]>([]);
  const [kind, setKind] = useState<Kind>('restart');
  const [pool, setPool] = useState({ url: '', port: '3333', user: '', fallbackUrl: '', fallbackPort: '', fallbackUser: '' });
  const [setting, setSetting] = useState({ frequency: '', coreVoltage: '', autoFan: 'keep', fanSpeed: '', tempTarget: '', restart: false });
  const [groupName, setGroupName] = useState('');
  const [problem, setProblem] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const [report, setReport] = useState<FleetReport>();
  const [startedAt, setStartedAt] = useState(0);
  const progress = useApp((s) => eventsSince(s, startedAt).filter((e) => e.type === 'device.fleet').length);

  // Bitaxes often share the hostname "bitaxe": then the address tells them apart
  const name = (d: DeviceView) => {
    const base = d.hostname || d.address;
    return devices.filter((x) => (x.hostname || x.address) === base).length > 1 ? `${base} (${d.address.replace(/^https?:\/\//, '')})` : base;
  };
  const nameById = (deviceId: string, fallback: string) => {
    const d = devices.find((x) => x.id === deviceId);
    return d ? name(d) : fallback;
  };
  const toggle = (deviceId: string, on: boolean) => setSelected(on ? [...new Set([...selected, deviceId])] : selected.filter((x) => x !== deviceId));

  const buildAction = (): FleetAction | string => {
    if (kind === 'pool') {
      if (!pool.url.trim()) return 'Enter the pool host.';
      if (!portOk(pool.port)) return 'The pool port is a number from 1 to 65535.';
      if (pool.fallbackUrl.trim() && !portOk(pool.fallbackPort)) return 'The fallback port is a number from 1 to 65535.';
      const primary = { url: pool.url.trim(), port: Number(pool.port), user: pool.user.trim() };
      return pool.fallbackUrl.trim() ? { kind, primary, fallback: { url: pool.fallbackUrl.trim(), port: Number(pool.fallbackPort), user: pool.fallbackUser.trim() } } : { kind, primary };
    }
    if (kind === 'setting') {
      const settings: Extract<FleetAction, { kind: 'setting' }>['settings'] = {};
      const num = (value: string, min: number, max: number, label: string) => {
        if (!value.trim()) return undefined;
        const n = Number(value);
        if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${label} must be from ${min} to ${max}.`);
        return n;
      };
      try {
        const frequency = num(setting.frequency, 1, 65535, 'Frequency (MHz)');
        const coreVoltage = num(setting.coreVoltage, 1, 65535, 'Core voltage (mV)');
        const fanSpeed = num(setting.fanSpeed, 0, 100, 'Fan speed (%)');
        const tempTarget = num(setting.tempTarget, 35, 66, 'Target temperature (°C)');
        if (frequency !== undefined) settings.frequency = frequency;
        if (coreVoltage !== undefined) settings.coreVoltage = Math.round(coreVoltage);
        if (fanSpeed !== undefined) settings.fanSpeed = Math.round(fanSpeed);
        if (tempTarget !== undefined) settings.tempTarget = Math.round(tempTarget);
      } catch (error) {
        return (error as Error).message;
      }
      if (setting.autoFan !== 'keep') settings.autoFan = setting.autoFan === 'on';
      if (Object.keys(settings).length === 0) return 'Choose at least one setting.';
      return { kind, settings, restart: setting.restart };
    }
    return { kind };
  };

  const apply = useAction(async (action: FleetAction) => {
    setReport(undefined);
    setStartedAt(useApp.getState().eventCount);
    const result = await call('devices.fleet.apply', { targets: { devices: selected }, action });
    setReport(result);
    onChange();
  });
  const undo = useAction(async (actionId: string) => {
    setStartedAt(useApp.getState().eventCount);
    setReport(await call('devices.fleet.undo', { actionId }));
    onChange();
  });
  const saveGroup = useAction(async () => {
    await call('devices.groups.save', { name: groupName.trim(), devices: selected });
    setGroupName('');
    groups.reload();
  });
  const removeGroup = useAction(async (groupId: string) => {
    await call('devices.groups.remove', { id: groupId });
    groups.reload();
  });

  const busy = apply.busy || undo.busy;
  const disruptive = kind === 'pool' || kind === 'restart' || (kind === 'setting' && setting.restart);
  return (
    <section aria-labelledby={`${id}-title`} className="stack">
      <h2 id={`${id}-title`}>Act on several devices</h2>
      <fieldset>
        <legend>Devices</legend>
        <div className="row wrap">
          <button type="button" onClick={() => setSelected(devices.map((d) => d.id))}>
            Select all
          </button>
          <button type="button" onClick={() => setSelected([])}>
            Select none
          </button>
          {(groups.data?.groups ?? []).map((g) => (
            <span key={g.id} className="row">
              <button type="button" onClick={() => setSelected(g.devices)} aria-label={`Select group ${g.name}`}>
                {g.name} ({g.devices.length})
              </button>
              <button type="button" disabled={removeGroup.busy} onClick={() => void removeGroup.run(g.id)} aria-label={`Delete group ${g.name}`}>
                ×
              </button>
            </span>
          ))}
        </div>
        <div className="row wrap">
          {devices.map((d) => (
            <Check key={d.id} checked={selected.includes(d.id)} onChange={(e) => toggle(d.id, e.target.checked)}>
              {name(d)} <span className="muted">({d.miningPaused ? 'paused' : d.status})</span>
            </Check>
          ))}
        </div>
        <div className="row">
          <Field id={`${id}-group`} label="Save the selection as a group">
            {(control) => <input {...control} placeholder="Shelf, Garage…" value={groupName} onChange={(e) => setGroupName(e.target.value)} />}
          </Field>
          <button type="button" disabled={!groupName.trim() || selected.length === 0 || saveGroup.busy} onClick={() => void saveGroup.run()}>
            Save group
          </button>
        </div>
        {(saveGroup.error ?? removeGroup.error) && <ErrorNotice error={(saveGroup.error ?? removeGroup.error)!} />}
      </fieldset>

      <div className="row">
        <Field id={`${id}-kind`} label="Action">
          {(control) => (
            <select {...control} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
              {(Object.keys(KIND_LABELS) as Kind[]).map((k) => (
                <option key={k} value={k}>
                  {KIND_LABELS[k]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {kind === 'pool' && (
        <div className="stack">
          <div className="row">
            <Field id={`${id}-url`} label="Pool host">
              {(control) => <input {...control} value={pool.url} onChange={(e) => setPool({ ...pool, url: e.target.value })} />}
            </Field>
            <Field id={`${id}-port`} label="Port">
              {(control) => <input {...control} inputMode="numeric" value={pool.port} onChange={(e) => setPool({ ...pool, port: e.target.value })} />}
            </Field>
            <Field id={`${id}-user`} label="User">
              {(control) => <input {...control} value={pool.user} onChange={(e) => setPool({ ...pool, user: e.target.value })} />}
            </Field>
          </div>
          <div className="row">
            <Field id={`${id}-furl`} label="Fallback host (optional; else each device keeps its current pool as fallback)">
              {(control) => <input {...control} value={pool.fallbackUrl} onChange={(e) => setPool({ ...pool, fallbackUrl: e.target.value })} />}
            </Field>
            <Field id={`${id}-fport`} label="Port">
              {(control) => <input {...control} inputMode="numeric" value={pool.fallbackPort} onChange={(e) => setPool({ ...pool, fallbackPort: e.target.value })} />}
            </Field>
            <Field id={`${id}-fuser`} label="User">
              {(control) => <input {...control} value={pool.fallbackUser} onChange={(e) => setPool({ ...pool, fallbackUser: e.target.value })} />}
            </Field>
          </div>
        </div>
      )}
      {kind === 'setting' && (
        <div className="row wrap">
          <Field id={`${id}-freq`} label="Frequency (MHz)">
            {(control) => <input {...control} inputMode="decimal" value={setting.frequency} onChange={(e) => setSetting({ ...setting, frequency: e.target.value })} />}
          </Field>
          <Field id={`${id}-volt`} label="Core voltage (mV)">
            {(control) => <input {...control} inputMode="numeric" value={setting.coreVoltage} onChange={(e) => setSetting({ ...setting, coreVoltage: e.target.value })} />}
          </Field>
          <Field id={`${id}-autofan`} label="Auto fan">
            {(control) => (
              <select {...control} value={setting.autoFan} onChange={(e) => setSetting({ ...setting, autoFan: e.target.value })}>
                <option value="keep">keep as is</option>
                <option value="on">on</option>
                <option value="off">off (manual speed)</option>
              </select>
            )}
          </Field>
          <Field id={`${id}-fan`} label="Fan speed (%)">
            {(control) => <input {...control} inputMode="numeric" value={setting.fanSpeed} onChange={(e) => setSetting({ ...setting, fanSpeed: e.target.value })} />}
          </Field>
          <Field id={`${id}-target`} label="Target temperature (°C)">
            {(control) => <input {...control} inputMode="numeric" value={setting.tempTarget} onChange={(e) => setSetting({ ...setting, tempTarget: e.target.value })} />}
          </Field>
          <Check checked={setting.restart} onChange={(e) => setSetting({ ...setting, restart: e.target.checked })}>
            Restart afterwards
          </Check>
        </div>
      )}
      <FieldError id={`${id}-error`} message={problem} />
      {confirming ? (
        <div className="row notice" role="alertdialog" aria-label="Confirm the action">
          <span>
            {KIND_LABELS[kind]} on {selected.length} device{selected.length === 1 ? '' : 's'}? {disruptive ? 'They restart and stop mining for about a minute.' : ''}
          </span>
          <button
            type="button"
            className="primary"
            onClick={() => {
              setConfirming(false);
              const action = buildAction();
              if (typeof action !== 'string') void apply.run(action);
            }}
          >
            Yes, go ahead
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() => {
            const action = buildAction();
            const p = selected.length === 0 ? 'Select at least one device.' : typeof action === 'string' ? action : undefined;
            setProblem(p);
            if (!p) setConfirming(true);
          }}
        >
          Apply to {selected.length} device{selected.length === 1 ? '' : 's'}
        </button>
      )}
      {busy && (
        <p role="status">
          Working: {progress} of {undo.busy ? (report?.results.length ?? '…') : selected.length} devices done…
        </p>
      )}
      {(apply.error ?? undo.error) && <ErrorNotice error={(apply.error ?? undo.error)!} />}
      {report && (
        <div className="stack">
          <table aria-label="Results per device">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Result</th>
                <th scope="col">What happened</th>
              </tr>
            </thead>
            <tbody>
              {report.results.map((r) => (
                <tr key={r.id}>
                  <td>{nameById(r.id, r.name)}</td>
                  <td className={r.ok ? 'good' : 'bad'}>{r.ok ? 'done' : 'failed'}</td>
                  <td>
                    {r.message}
                    {r.hint && <span className="hint"> {r.hint}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p role="status">
            {report.kind === 'undo' ? 'Undo: ' : `${KIND_LABELS[report.kind]}: `}
            {report.results.filter((r) => r.ok).length} of {report.results.length} devices done.
          </p>
          {report.undoable && (
            <button type="button" disabled={busy} onClick={() => void undo.run(report.actionId)}>
              Undo this pool change
            </button>
          )}
        </div>
      )}
    </section>
  );
}
