export * from './emulator';
export * from './store';
export { REASON, TRACKING_TOKEN_PATTERN } from './tracking';
