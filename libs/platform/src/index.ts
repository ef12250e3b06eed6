export * from './lib/env';
export * from './lib/secrets';
export * from './lib/database';
export * from './lib/http';
export * from './lib/errors';
export * from './lib/msal-network';
export * from './lib/coalescer';
