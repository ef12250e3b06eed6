export * from './forward-rule';
