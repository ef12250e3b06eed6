export * from './lib/common';
export * from './lib/published-config';
export * from './lib/events';
export * from './lib/rpc';
export * from './lib/subjects';
