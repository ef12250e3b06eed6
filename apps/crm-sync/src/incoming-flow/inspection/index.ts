/**
 * Message inspection for tracking: what kind of automatic mail a message is
 * (classifyAutomaticMail, from @mailrouter/domain), what a bounce says (parseBounce), HTML
 * that is safe to store (sanitizeEmailHtml) and whether the From domain is authentic
 * (authenticateMessage, DMARC).
 */
export { classifyAutomaticMail, type AutomaticMailClassification, type AutomaticMailKind } from '@mailrouter/domain';
export { parseBounce, EMAIL_ID_HEADER, type BounceReport } from './parse-bounce';
export { sanitizeEmailHtml, MAX_SANITIZED_HTML_LENGTH } from './sanitize-email-html';
export {
  authenticateMessage,
  AUTHENTICATION_TIMEOUT_MS,
  type AuthenticateMessageOptions,
  type AuthenticationResult,
  type DmarcOutcome,
} from './authenticate-message';
export { cachingResolver, systemResolve, type DnsResolve, type DnsCacheOptions } from './dns-cache';
