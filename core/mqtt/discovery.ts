/**
 * Home Assistant MQTT discovery, per component (`<prefix>/<component>/<node_id>/<object_id>/config`, retained),
 * the form every Home Assistant release reads (checked against home-assistant/core components/mqtt:
 * discovery.py, schemas.py at 0f5c1b54, event.py at 03ffd74c). Each Bitaxe is one device (identifiers
 * and its MAC as a connection) with sensors, a connectivity binary sensor and an event entity for its
 * alerts; Axewallet itself is one device with the wallet, proxy and backup sensors and an event entity
 * for every alert. Pure: topics and payloads only.
 */
import { ALERT_KINDS } from '../api/integrations';
import type { Device } from '../api/devices';

export interface MqttTopics {
  /** retained "online" / "offline" (the last will): Axewallet's own availability */
  status: string;
  /** retained JSON: wallet, proxy and backup */
  state: string;
  /** not retained: every alert as an event */
  events: string;
  device(id: string): { state: string; availability: string; events: string };
}

export function topicsFor(baseTopic: string, instance: string): MqttTopics {
  const root = `${baseTopic}/${instance}`;
  return {
    status: `${root}/status`,
    state: `${root}/state`,
    events: `${root}/events`,
    device: (id) => ({ state: `${root}/devices/${id}/state`, availability: `${root}/devices/${id}/availability`, events: `${root}/devices/${id}/events` }),
  };
}

export interface DiscoveryMessage {
  topic: string;
  /** JSON, or "" to remove the entity */
  payload: string;
}

interface SensorSpec {
  key: string;
  name: string;
  unit?: string;
  deviceClass?: string;
  stateClass?: 'measurement' | 'total_increasing';
  precision?: number;
  icon?: string;
  category?: 'diagnostic';
}

/** Event types an event entity accepts: each alert kind, and the same with "-cleared" when it is over; "test" for "send a test". */
export const EVENT_TYPES = [...ALERT_KINDS, ...ALERT_KINDS.map((k) => `${k}-cleared`), 'test'];

const DEVICE_SENSORS: SensorSpec[] = [
  { key: 'hashrate_1m', name: 'Hashrate', unit: 'GH/s', stateClass: 'measurement', precision: 1, icon: 'mdi:pickaxe' },
  { key: 'hashrate_10m', name: 'Hashrate (10 min)', unit: 'GH/s', stateClass: 'measurement', precision: 1, icon: 'mdi:pickaxe' },
  { key: 'hashrate_1h', name: 'Hashrate (1 h)', unit: 'GH/s', stateClass: 'measurement', precision: 1, icon: 'mdi:pickaxe' },
  { key: 'temperature', name: 'ASIC temperature', unit: '°C', deviceClass: 'temperature', stateClass: 'measurement', precision: 1 },
  { key: 'vr_temperature', name: 'Regulator temperature', unit: '°C', deviceClass: 'temperature', stateClass: 'measurement', precision: 1, category: 'diagnostic' },
  { key: 'power', name: 'Power', unit: 'W', deviceClass: 'power', stateClass: 'measurement', precision: 1 },
  { key: 'efficiency', name: 'Efficiency', unit: 'J/TH', stateClass: 'measurement', precision: 1, icon: 'mdi:leaf' },
  { key: 'fan_rpm', name: 'Fan', unit: 'RPM', stateClass: 'measurement', icon: 'mdi:fan', category: 'diagnostic' },
  { key: 'best_difficulty', name: 'Best difficulty', stateClass: 'measurement', icon: 'mdi:trophy' },
  { key: 'session_best_difficulty', name: 'Best difficulty since boot', stateClass: 'measurement', icon: 'mdi:trophy-outline' },
  { key: 'shares_accepted', name: 'Shares accepted', stateClass: 'total_increasing', icon: 'mdi:check' },
  { key: 'shares_rejected', name: 'Shares rejected', stateClass: 'total_increasing', icon: 'mdi:close' },
  { key: 'uptime', name: 'Uptime', unit: 's', deviceClass: 'duration', stateClass: 'measurement', category: 'diagnostic' },
  { key: 'status', name: 'Status', icon: 'mdi:state-machine', category: 'diagnostic' },
];

const BRIDGE_SENSORS: SensorSpec[] = [
  { key: 'ehash_balance', name: 'ehash balance', unit: 'ehash', stateClass: 'measurement', icon: 'mdi:wallet' },
  { key: 'ehash_earned', name: 'ehash earned', unit: 'ehash', stateClass: 'total_increasing', icon: 'mdi:cash-plus' },
  { key: 'quotes_pending', name: 'Quotes waiting', stateClass: 'measurement', icon: 'mdi:timer-sand' },
  { key: 'hashrate', name: 'Hashrate through the proxy', unit: 'GH/s', stateClass: 'measurement', precision: 2, icon: 'mdi:pickaxe' },
  { key: 'miners', name: 'Miners connected', stateClass: 'measurement', icon: 'mdi:lan-connect' },
  { key: 'shares_accepted', name: 'Shares accepted', stateClass: 'total_increasing', icon: 'mdi:check' },
  { key: 'shares_rejected', name: 'Shares rejected', stateClass: 'total_increasing', icon: 'mdi:close' },
  { key: 'upstream', name: 'Pool', icon: 'mdi:server-network' },
  { key: 'wallet', name: 'Wallet', icon: 'mdi:lock' },
  { key: 'backup_age', name: 'Backup age', unit: 's', deviceClass: 'duration', stateClass: 'measurement', category: 'diagnostic' },
];

export interface DiscoveryContext {
  prefix: string;
  topics: MqttTopics;
  instance: string;
  version: string;
}

function sensorConfig(spec: SensorSpec, uniqueId: string, stateTopic: string, device: Record<string, unknown>, availability: Array<{ topic: string }>, version: string): Record<string, unknown> {
  const config: Record<string, unknown> = {
    name: spec.name,
    unique_id: uniqueId,
    state_topic: stateTopic,
    value_template: `{{ value_json.${spec.key} }}`,
    availability,
    availability_mode: 'all',
    device,
    origin: { name: 'Axewallet', sw_version: version },
  };
  if (spec.unit) config.unit_of_measurement = spec.unit;
  if (spec.deviceClass) config.device_class = spec.deviceClass;
  if (spec.stateClass) config.state_class = spec.stateClass;
  if (spec.precision !== undefined) config.suggested_display_precision = spec.precision;
  if (spec.icon) config.icon = spec.icon;
  if (spec.category) config.entity_category = spec.category;
  return config;
}

export const deviceNodeId = (id: string) => `bitaxe_${id}`;
export const bridgeNodeId = (instance: string) => `axewallet_${instance}`;

export type DiscoverableDevice = Pick<Device, 'id' | 'mac' | 'hostname' | 'asicModel' | 'boardVersion' | 'firmware' | 'address'>;

/** Everything Home Assistant needs to show a Bitaxe as a device (retained; "" payloads remove it). */
export function deviceDiscovery(ctx: DiscoveryContext, device: DiscoverableDevice, remove = false): DiscoveryMessage[] {
  const node = deviceNodeId(device.id);
  const t = ctx.topics.device(device.id);
  const origin = { name: 'Axewallet', sw_version: ctx.version };
  const haDevice = {
    identifiers: [node],
    connections: [['mac', device.mac.toLowerCase()]],
    name: device.hostname || `Bitaxe ${device.mac}`,
    manufacturer: 'Bitaxe (open source)',
    model: device.asicModel ? `Bitaxe ${device.asicModel}` : 'Bitaxe',
    ...(device.boardVersion ? { hw_version: device.boardVersion } : {}),
    ...(device.firmware ? { sw_version: `AxeOS ${device.firmware}` } : {}),
    via_device: bridgeNodeId(ctx.instance),
    ...(/^https?:\/\//.test(device.address) ? { configuration_url: device.address } : {}),
  };
  const availability = [{ topic: ctx.topics.status }, { topic: t.availability }];
  const configs: Array<[component: string, key: string, config: Record<string, unknown>]> = DEVICE_SENSORS.map((spec) => [
    'sensor',
    spec.key,
    sensorConfig(spec, `${node}_${spec.key}`, t.state, haDevice, availability, ctx.version),
  ]);
  configs.push([
    'binary_sensor',
    'online',
    {
      name: 'Online',
      unique_id: `${node}_online`,
      state_topic: t.availability,
      payload_on: 'online',
      payload_off: 'offline',
      device_class: 'connectivity',
      availability: [{ topic: ctx.topics.status }],
      device: haDevice,
      origin,
    },
  ]);
  configs.push([
    'binary_sensor',
    'via_axewallet',
    {
      ...sensorConfig({ key: 'via_axewallet', name: 'Mining through Axewallet', icon: 'mdi:swap-horizontal' }, `${node}_via_axewallet`, t.state, haDevice, availability, ctx.version),
      value_template: "{{ 'ON' if value_json.via_axewallet else 'OFF' }}",
    },
  ]);
  configs.push([
    'event',
    'alert',
    { name: 'Alert', unique_id: `${node}_alert`, state_topic: t.events, event_types: EVENT_TYPES, availability: [{ topic: ctx.topics.status }], device: haDevice, origin },
  ]);
  return configs.map(([component, key, config]) => ({ topic: `${ctx.prefix}/${component}/${node}/${key}/config`, payload: remove ? '' : JSON.stringify(config) }));
}

/** Axewallet itself as a Home Assistant device: wallet, proxy, pool and backup, and every alert as an event. */
export function bridgeDiscovery(ctx: DiscoveryContext, remove = false): DiscoveryMessage[] {
  const node = bridgeNodeId(ctx.instance);
  const haDevice = { identifiers: [node], name: 'Axewallet', manufacturer: 'Axewallet', model: 'Miner wallet and Bitaxe companion', sw_version: ctx.version };
  const availability = [{ topic: ctx.topics.status }];
  const out: DiscoveryMessage[] = BRIDGE_SENSORS.map((spec) => ({
    topic: `${ctx.prefix}/sensor/${node}/${spec.key}/config`,
    payload: remove ? '' : JSON.stringify(sensorConfig(spec, `${node}_${spec.key}`, ctx.topics.state, haDevice, availability, ctx.version)),
  }));
  out.push({
    topic: `${ctx.prefix}/event/${node}/alert/config`,
    payload: remove
      ? ''
      : JSON.stringify({
          name: 'Alert',
          unique_id: `${node}_alert`,
          state_topic: ctx.topics.events,
          event_types: EVENT_TYPES,
          availability,
          device: haDevice,
          origin: { name: 'Axewallet', sw_version: ctx.version },
        }),
  });
  return out;
}

/** A Bitaxe's state as its sensors read it: numbers in the units the discovery declares, nothing secret (no pools, users or passwords). */
export function deviceState(device: Device): Record<string, unknown> {
  const online = device.status === 'online';
  const efficiency = online && device.hashrate1m > 0 ? device.power / (device.hashrate1m / 1000) : null;
  return {
    status: device.status,
    hashrate_1m: online ? device.hashrate1m : 0,
    hashrate_10m: online ? device.hashrate10m : 0,
    hashrate_1h: online ? device.hashrate1h : 0,
    temperature: online ? device.temperature : null,
    vr_temperature: online && device.vrTemperature > 0 ? device.vrTemperature : null,
    power: online ? device.power : null,
    efficiency: efficiency === null ? null : Math.round(efficiency * 100) / 100,
    fan_rpm: online ? device.fanRpm : null,
    best_difficulty: device.bestDiff,
    session_best_difficulty: device.bestSessionDiff,
    shares_accepted: device.sharesAccepted,
    shares_rejected: device.sharesRejected,
    uptime: device.uptimeSeconds,
    paused: device.miningPaused,
    via_axewallet: device.viaAxewallet,
  };
}
