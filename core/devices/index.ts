export { type DeviceManager, type DeviceManagerEvent, type DeviceManagerOptions, createDeviceManager, deviceIdOf } from './manager';
export { registerDevicesApi } from './register';
