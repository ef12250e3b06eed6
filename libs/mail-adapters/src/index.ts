export * from './lib/endpoint';
export * from './lib/incoming';
export * from './lib/smtp';
export * from './lib/rules';
export * from './lib/ews';
export * from './lib/graph';
export * from './lib/sieve';
export * from './lib/sending';
