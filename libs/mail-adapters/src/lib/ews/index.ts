export { openEwsSession, EWS_LIST_CAP } from './ews-session';
export { EwsMailSender, classifyEwsFailure } from './ews-sender';
export { testEwsAccess, type EwsAccessOptions } from './ews-access';
export { deployEwsForwardRule, removeEwsForwardRule } from './ews-rules';
export { EwsCallError, clearAutodiscoverCache, resolveEwsUrl, AUTODISCOVER_CACHE_MS, type EwsFailureKind } from './ews-client';
