export * from './emulator';
export * from './store';
export { FLAG as NTLM_FLAG, md4, ntHash, ntowfv2, createChallengeMessage, parseAuthenticateMessage, verifyNtlmV2 } from './ntlm';
