export { type DeviceManager, type DeviceManagerEvent, type DeviceManagerOptions, createDeviceManager, deviceIdOf } from './manager';
export { registerDevicesApi } from './register';
export { Fleet } from './fleet';
export { FleetStore } from './fleet-store';
export { registerFleetApi } from './fleet-register';
