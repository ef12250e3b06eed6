export * from './lib/dataverse.connector';
export * from './lib/dataverse-vocabulary';
export * from './lib/token-provider';
export * from './lib/web-api.client';
