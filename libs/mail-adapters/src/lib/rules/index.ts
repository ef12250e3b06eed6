export * from './forward-rule';
export * from './apply-forward-rule';
