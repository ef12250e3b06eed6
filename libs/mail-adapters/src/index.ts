export * from './lib/endpoint';
export * from './lib/incoming';
export * from './lib/smtp';
export * from './lib/rules';
