/** Wires fleet actions and device groups into the API contract; progress goes out as device.fleet events. */
import type { ApiHost } from '../api/host';
import type { Fleet, FleetEvents } from './fleet';
import type { DeviceManager } from './manager';

export function registerFleetApi(host: ApiHost, fleet: Fleet, manager: DeviceManager, dropFromGroups: (deviceId: string) => void): () => void {
  host.handle('devices.groups.list', () => ({ groups: fleet.groups() }));
  host.handle('devices.groups.save', (input) => ({ group: fleet.saveGroup(input) }));
  host.handle('devices.groups.remove', ({ id }) => ({ removed: fleet.removeGroup(id) }));
  host.handle('devices.fleet.apply', ({ targets, action }) => fleet.apply(targets, action));
  host.handle('devices.fleet.undo', ({ actionId }) => fleet.undo(actionId));
  const onProgress = (progress: FleetEvents['progress'][0]) => host.emit({ type: 'device.fleet', ...progress });
  fleet.on('progress', onProgress);
  const stop = manager.subscribe((event) => {
    if (event.type === 'device.removed') dropFromGroups(event.id);
  });
  return () => {
    fleet.off('progress', onProgress);
    stop();
  };
}
