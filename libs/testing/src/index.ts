export * from './lib/test-database';
export * from './lib/test-nats';
export * from './lib/test-dovecot';
export * from './lib/smtp-sink';
export * from './lib/mime';
export * from './lib/service-process';
export * from './lib/wait';
export * from './lib/schema-drift';
