export * from './mailbox-session';
export * from './open-session';
export * from './imap-idle';
export { unstuff as pop3Unstuff } from './pop3-session';
