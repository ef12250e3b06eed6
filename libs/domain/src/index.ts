export * from './lib/vocabulary';
export * from './lib/address';
export * from './lib/tracking-token';
export * from './lib/message-id';
export * from './lib/smtp-failure';
export * from './lib/backoff';
export * from './lib/crm-connector.port';
export * from './lib/automatic-mail';
