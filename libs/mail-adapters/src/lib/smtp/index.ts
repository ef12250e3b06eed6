export * from './mail-sender';
export * from './smtp-options';
export * from './smtp-sender';
export * from './smtp-sender-pool';
export * from './smtp-access';
export * from './compose-mime';
