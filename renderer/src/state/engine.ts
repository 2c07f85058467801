import { asApiError, call } from '../api';
import type { EngineSlice, SliceCreator } from './shape';

export const createEngineSlice: SliceCreator<EngineSlice> = (set) => ({
  status: null,
  settings: null,
  alerts: [],
  async load() {
    try {
      const [status, settings, alerts, logs] = await Promise.all([call('status.get', {}), call('settings.get', {}), call('alerts.recent', {}), call('logs.recent', { limit: 500 })]);
      set({ status, settings, alerts: alerts.alerts, logs: logs.records, connection: 'online' });
    } catch (error) {
      set({ connection: 'offline', error: asApiError(error) });
    }
  },
  async saveSettings(patch) {
    const settings = await call('settings.update', patch);
    set({ settings });
    return settings;
  },
});
