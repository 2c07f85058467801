export * from './logger';
export * from './sinks';
