export { type DeviceManager, type DeviceManagerEvent, type DeviceManagerOptions, createDeviceManager, deviceIdOf } from './manager';
export { registerDevicesApi } from './api';
export { Fleet } from './fleet';
export { FleetStore } from './fleet-store';
export { registerFleetApi } from './fleet-api';
