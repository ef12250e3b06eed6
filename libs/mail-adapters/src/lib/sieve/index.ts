export * from './managesieve-response';
export * from './managesieve-client';
export * from './sieve-script';
export * from './sieve-forward-rule';
