/**
 * Integrations: /health and /metrics for Prometheus and uptime monitors, MQTT for Home Assistant, webhooks for
 * phones and chat. Secrets are written here and never shown again, except a webhook's signing secret on request.
 */
import { useId, useState } from 'react';
import { ALERT_KINDS, DEFAULT_WEBHOOK_EVENTS, type WebhookView } from '../../../core/api/integrations';
import type { CommandOutput } from '../../../core/api/contract';
import { call } from '../api';
import { CopyButton } from '../components/CopyButton';
import { ErrorNotice } from '../components/ErrorNotice';
import { Check, Field } from '../components/Field';
import { formatAgo } from '../format';
import { useApp } from '../store';
import { useAction, useCommand } from '../useCommand';

type IntegrationsView = CommandOutput<'integrations.get'>;
type MqttView = IntegrationsView['mqtt'];

const KIND_WORDS: Record<(typeof ALERT_KINDS)[number], string> = {
  offline: 'Bitaxe offline',
  'hashrate-drop': 'Hashrate drop',
  overheat: 'Overheating',
  'upstream-down': 'Pool unreachable',
  failover: 'Backup pool in use',
  'backup-failing': 'Backup failing',
  'ehash-expiring': 'ehash about to expire',
  'pool-change': 'Pool changed on a device',
  'best-difficulty': 'New best difficulty',
  'no-mint': 'No mint set',
  'spent-elsewhere': 'ehash spent on another machine',
  'stratum-port': 'Proxy port unavailable',
  'settings-file': 'Settings file unreadable',
};

function MetricsSection({ open, onChange }: { open: boolean; onChange(): void }) {
  const id = useId();
  const status = useApp((s) => s.status);
  const origin = typeof window !== 'undefined' ? window.location.origin : '';
  const headless = status?.mode === 'headless';
  const save = useAction(async (next: boolean) => {
    await call('integrations.metrics', { open: next });
    onChange();
  });
  return (
    <section aria-labelledby={`${id}-title`} className="stack">
      <h2 id={`${id}-title`}>Health and Prometheus metrics</h2>
      {headless ? (
        <dl className="facts">
          <dt>Health (no token)</dt>
          <dd className="mono">{origin}/health</dd>
          <dt>Metrics</dt>
          <dd className="mono">{origin}/metrics</dd>
        </dl>
      ) : (
        <p className="muted">/health and /metrics are served by the headless mode (axewallet serve); the desktop app has no HTTP server.</p>
      )}
      <p className="hint">
        /health answers anyone who can reach this server with only whether mining works, the wallet state and the backup age. A Grafana dashboard for /metrics is in docs/grafana-dashboard.json.
      </p>
      <Check checked={open} disabled={save.busy} onChange={(e) => void save.run(e.target.checked)}>
        Serve /metrics without the API token
      </Check>
      <p className="hint">
        {open
          ? 'Anyone who can reach this server can read your hashrate, shares and ehash figures.'
          : 'Your scraper sends Authorization: Bearer followed by the token in the api-token file of the Axewallet home folder.'}
      </p>
      {save.error && <ErrorNotice error={save.error} />}
    </section>
  );
}

function mqttStatusText(mqtt: MqttView): string {
  const s = mqtt.status;
  switch (s.state) {
    case 'off':
      return 'Off.';
    case 'connecting':
      return 'Connecting…';
    case 'connected':
      return `Connected (${formatAgo(s.connectedAt)}); ${s.published} messages published.`;
    case 'waiting':
    case 'error':
      return `Not connected: ${s.lastError ?? 'no answer'}. Trying again ${s.retryAt ? `in ${Math.max(1, Math.round((Date.parse(s.retryAt) - Date.now()) / 1000))} s` : 'soon'}.`;
  }
}

function MqttSection({ mqtt, onChange }: { mqtt: MqttView; onChange(): void }) {
  const id = useId();
  const [form, setForm] = useState({
    enabled: mqtt.enabled,
    url: mqtt.url,
    username: mqtt.username,
    password: '',
    caCertificate: mqtt.caCertificate,
    rejectUnauthorized: mqtt.rejectUnauthorized,
    homeAssistant: mqtt.homeAssistant,
    discoveryPrefix: mqtt.discoveryPrefix,
    baseTopic: mqtt.baseTopic,
    intervalSeconds: String(mqtt.intervalSeconds),
  });
  const [problem, setProblem] = useState<{ field: string; message: string }>();
  const [saved, setSaved] = useState(false);
  const set = (patch: Partial<typeof form>) => {
    setForm({ ...form, ...patch });
    setSaved(false);
  };
  const save = useAction(async () => {
    const { password, intervalSeconds, ...rest } = form;
    await call('integrations.mqtt.update', { ...rest, url: rest.url.trim(), intervalSeconds: Number(intervalSeconds), ...(password ? { password } : {}) });
    setForm({ ...form, password: '' });
    setSaved(true);
    onChange();
  });
  const test = useAction(() => call('integrations.mqtt.test', {}));
  const [tested, setTested] = useState<string>();
  const fieldError = (field: string) => (problem?.field === field ? problem.message : save.error?.field === field ? save.error.message : undefined);
  return (
    <section aria-labelledby={`${id}-title`} className="stack">
      <h2 id={`${id}-title`}>MQTT and Home Assistant</h2>
      <p className="hint">Each Bitaxe appears in Home Assistant as a device with its sensors, Axewallet as one with the wallet and pool; alerts arrive as events. Nothing secret is published.</p>
      <p role="status">{mqttStatusText(mqtt)}</p>
      <form
        className="stack"
        aria-label="MQTT settings"
        onSubmit={async (e) => {
          e.preventDefault();
          const interval = Number(form.intervalSeconds);
          const p =
            form.enabled && !/^(mqtts?|wss?):\/\/\S+$/.test(form.url.trim())
              ? { field: 'url', message: 'A broker address looks like mqtt://192.168.1.5:1883 or mqtts://broker.lan:8883.' }
              : !(Number.isInteger(interval) && interval >= 5 && interval <= 3600)
                ? { field: 'intervalSeconds', message: 'Publish every 5 to 3600 seconds.' }
                : undefined;
          setProblem(p);
          if (!p) await save.run();
        }}
      >
        <Check checked={form.enabled} onChange={(e) => set({ enabled: e.target.checked })}>
          Publish to an MQTT broker
        </Check>
        <Field id={`${id}-url`} label="Broker address" error={fieldError('url')} inline>
          {(control) => <input {...control} placeholder="mqtt://192.168.1.5:1883" value={form.url} onChange={(e) => set({ url: e.target.value })} />}
        </Field>
        <div className="row">
          <Field id={`${id}-user`} label="User name">
            {(control) => <input {...control} autoComplete="off" value={form.username} onChange={(e) => set({ username: e.target.value })} />}
          </Field>
          <Field id={`${id}-password`} label="Password">
            {(control) => (
              <input
                {...control}
                type="password"
                autoComplete="new-password"
                placeholder={mqtt.passwordSet ? 'saved (type to replace)' : ''}
                value={form.password}
                onChange={(e) => set({ password: e.target.value })}
              />
            )}
          </Field>
        </div>
        <details>
          <summary>TLS and topics</summary>
          <div className="stack">
            <Field id={`${id}-ca`} label="CA certificate of your broker (PEM), for mqtts:// with a private CA">
              {(control) => <textarea {...control} rows={4} className="mono" value={form.caCertificate} onChange={(e) => set({ caCertificate: e.target.value })} />}
            </Field>
            <Check checked={!form.rejectUnauthorized} onChange={(e) => set({ rejectUnauthorized: !e.target.checked })}>
              Accept a certificate nobody vouches for (encrypted, but anyone could pretend to be your broker)
            </Check>
            <Check checked={form.homeAssistant} onChange={(e) => set({ homeAssistant: e.target.checked })}>
              Home Assistant discovery
            </Check>
            <div className="row">
              <Field id={`${id}-prefix`} label="Discovery prefix">
                {(control) => <input {...control} value={form.discoveryPrefix} onChange={(e) => set({ discoveryPrefix: e.target.value })} />}
              </Field>
              <Field id={`${id}-base`} label="Base topic">
                {(control) => <input {...control} value={form.baseTopic} onChange={(e) => set({ baseTopic: e.target.value })} />}
              </Field>
              <Field id={`${id}-interval`} label="Publish every (s)" error={fieldError('intervalSeconds')}>
                {(control) => <input {...control} inputMode="numeric" value={form.intervalSeconds} onChange={(e) => set({ intervalSeconds: e.target.value })} />}
              </Field>
            </div>
          </div>
        </details>
        {save.error && !save.error.field && <ErrorNotice error={save.error} />}
        <div className="row">
          <button type="submit" className="primary" disabled={save.busy}>
            {save.busy ? 'Saving…' : 'Save MQTT settings'}
          </button>
          <button
            type="button"
            disabled={test.busy || !mqtt.enabled}
            onClick={async () => {
              setTested(undefined);
              const result = await test.run();
              if (result) setTested(result.topic);
            }}
          >
            {test.busy ? 'Sending…' : 'Send a test to MQTT'}
          </button>
          {saved && <span role="status">Saved.</span>}
          {tested && <span role="status">Test sent to {tested}.</span>}
        </div>
        {test.error && <ErrorNotice error={test.error} title="The MQTT test did not arrive" />}
      </form>
    </section>
  );
}

function WebhookRow({ hook, onChange }: { hook: WebhookView; onChange(): void }) {
  const [secret, setSecret] = useState<string>();
  const [testResult, setTestResult] = useState<string>();
  const [confirmRemove, setConfirmRemove] = useState(false);
  const act = useAction(async (what: 'test' | 'secret' | 'toggle' | 'remove') => {
    if (what === 'test') {
      setTestResult(undefined);
      const r = await call('integrations.webhooks.test', { id: hook.id });
      setTestResult(`Test sent: the receiver answered ${r.status}${r.attempts > 1 ? ` after ${r.attempts} tries` : ''}.`);
    } else if (what === 'secret') setSecret((await call('integrations.webhooks.secret', { id: hook.id })).secret);
    else if (what === 'toggle') await call('integrations.webhooks.update', { id: hook.id, enabled: !hook.enabled });
    else await call('integrations.webhooks.remove', { id: hook.id });
    onChange();
  });
  const s = hook.status;
  return (
    <li className="card stack" aria-label={`Webhook ${hook.name}`}>
      <div className="row wrap">
        <strong>{hook.name}</strong>
        <span className="mono muted">{hook.target}</span>
        <span>{hook.format === 'json' ? 'JSON (signed)' : hook.format === 'ntfy' ? 'ntfy' : 'Discord'}</span>
        <span className={hook.enabled ? '' : 'muted'}>{hook.enabled ? 'on' : 'off'}</span>
        <span className={s.lastOk === false ? 'bad' : s.lastOk ? 'good' : 'muted'}>
          {s.lastAttemptAt ? `${s.lastOk ? 'delivered' : `failed: ${s.lastError}`} ${formatAgo(s.lastAttemptAt)}` : 'nothing sent yet'}
          {s.pending > 0 ? `, ${s.pending} waiting to be retried` : ''}
        </span>
      </div>
      <p className="hint">
        Sends: {hook.events.map((k) => KIND_WORDS[k]).join(', ')}
        {hook.includeCleared ? ', and when each is over' : ''}.
      </p>
      <div className="row wrap">
        <button type="button" disabled={act.busy} onClick={() => void act.run('test')} aria-label={`Send a test to ${hook.name}`}>
          Send a test
        </button>
        <button type="button" disabled={act.busy} onClick={() => void act.run('toggle')}>
          {hook.enabled ? 'Turn off' : 'Turn on'}
        </button>
        {hook.format === 'json' && !secret && (
          <button type="button" disabled={act.busy} onClick={() => void act.run('secret')}>
            Show signing secret
          </button>
        )}
        {confirmRemove ? (
          <>
            <span>Remove {hook.name}? Alerts stop going there.</span>
            <button type="button" disabled={act.busy} onClick={() => void act.run('remove')}>
              Yes, remove
            </button>
            <button type="button" onClick={() => setConfirmRemove(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" onClick={() => setConfirmRemove(true)}>
            Remove
          </button>
        )}
      </div>
      {testResult && <p role="status">{testResult}</p>}
      {secret && (
        <div className="row">
          <span className="mono">{secret}</span>
          <CopyButton text={secret} label="Copy secret" />
        </div>
      )}
      {act.error && <ErrorNotice error={act.error} />}
    </li>
  );
}

function AddWebhookForm({ onAdded }: { onAdded(name: string, secret: string): void }) {
  const id = useId();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [format, setFormat] = useState<WebhookView['format']>('json');
  const [events, setEvents] = useState<WebhookView['events']>(DEFAULT_WEBHOOK_EVENTS);
  const [includeCleared, setIncludeCleared] = useState(true);
  const [problem, setProblem] = useState<string>();
  const add = useAction(() => call('integrations.webhooks.add', { name: name.trim(), url: url.trim(), format, events, includeCleared }));
  return (
    <form
      className="stack"
      aria-label="Add a webhook"
      onSubmit={async (e) => {
        e.preventDefault();
        const p = !name.trim()
          ? 'Give the webhook a name.'
          : !/^https?:\/\/\S+$/.test(url.trim())
            ? 'A webhook address starts with http:// or https://.'
            : events.length === 0
              ? 'Choose at least one alert.'
              : undefined;
        setProblem(p);
        if (p) return;
        const result = await add.run();
        if (result) {
          setName('');
          setUrl('');
          onAdded(result.webhook.name, result.secret);
        }
      }}
    >
      <div className="row">
        <Field id={`${id}-name`} label="Name">
          {(control) => <input {...control} placeholder="Phone" value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field id={`${id}-format`} label="Format">
          {(control) => (
            <select {...control} value={format} onChange={(e) => setFormat(e.target.value as WebhookView['format'])}>
              <option value="json">JSON, signed (your own receiver)</option>
              <option value="ntfy">ntfy (phone notifications)</option>
              <option value="discord">Discord (or a Discord-style webhook)</option>
            </select>
          )}
        </Field>
      </div>
      <Field id={`${id}-url`} label="Address" error={problem} inline>
        {(control) => (
          <input
            {...control}
            placeholder={format === 'ntfy' ? 'https://ntfy.sh/your-secret-topic' : format === 'discord' ? 'https://discord.com/api/webhooks/…' : 'https://home.lan/hooks/axewallet'}
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
        )}
      </Field>
      <fieldset>
        <legend>Alerts to send</legend>
        <div className="row wrap">
          {ALERT_KINDS.map((kind) => (
            <Check key={kind} checked={events.includes(kind)} onChange={(e) => setEvents(e.target.checked ? [...events, kind] : events.filter((k) => k !== kind))}>
              {KIND_WORDS[kind]}
            </Check>
          ))}
        </div>
        <Check checked={includeCleared} onChange={(e) => setIncludeCleared(e.target.checked)}>
          Also say when each is over
        </Check>
      </fieldset>
      {add.error && <ErrorNotice error={add.error} />}
      <button type="submit" className="primary" disabled={add.busy}>
        {add.busy ? 'Adding…' : 'Add webhook'}
      </button>
    </form>
  );
}

/** Shown once, right after adding: the receiver needs the secret to check signatures. */
function NewWebhookSecret({ name, secret, onDone }: { name: string; secret: string; onDone(): void }) {
  return (
    <div className="notice" role="status">
      <strong>Webhook "{name}" added.</strong>
      <p>Every request carries X-Axewallet-Signature: sha256= followed by the HMAC-SHA256 of the body with this secret. Keep it for your receiver; it is shown again only on request.</p>
      <div className="row">
        <span className="mono">{secret}</span>
        <CopyButton text={secret} label="Copy secret" />
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

export function IntegrationsPage() {
  const id = useId();
  const [added, setAdded] = useState<{ name: string; secret: string }>();
  const [adding, setAdding] = useState<boolean>();
  const statusEvents = useApp((s) => s.events.filter((e) => e.type === 'integrations.status').length);
  const data = useCommand('integrations.get', {}, 5000, statusEvents);
  if (data.error) return <ErrorNotice error={data.error} onRetry={data.reload} />;
  if (!data.data) return <p role="status">Loading…</p>;
  const { metrics, mqtt, webhooks } = data.data;
  return (
    <div className="stack">
      <MetricsSection open={metrics.open} onChange={data.reload} />
      <MqttSection mqtt={mqtt} onChange={data.reload} />
      <section aria-labelledby={`${id}-hooks`} className="stack">
        <h2 id={`${id}-hooks`}>Webhooks</h2>
        <p className="hint">Alerts posted to your addresses as they start and end, retried for a few minutes when the receiver is down.</p>
        {webhooks.length > 0 ? (
          <ul className="list" aria-label="Webhooks">
            {webhooks.map((hook) => (
              <WebhookRow key={hook.id} hook={hook} onChange={data.reload} />
            ))}
          </ul>
        ) : (
          <p className="muted">No webhooks yet.</p>
        )}
        {added && <NewWebhookSecret {...added} onDone={() => setAdded(undefined)} />}
        <details open={adding ?? webhooks.length === 0} onToggle={(e) => setAdding(e.currentTarget.open)}>
          <summary>Add a webhook</summary>
          <AddWebhookForm
            onAdded={(name, secret) => {
              setAdded({ name, secret });
              data.reload();
            }}
          />
        </details>
      </section>
    </div>
  );
}
