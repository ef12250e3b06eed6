export { openGraphSession, MAX_DELTA_PAGES, DELTA_PAGE_SIZE } from './graph-session';
export { GraphMailSender } from './graph-sender';
export { testGraphAccess } from './graph-access';
export { deployGraphForwardRule, removeGraphForwardRule } from './graph-rules';
export {
  DEFAULT_GRAPH_BASE_URL, DEFAULT_GRAPH_RETRY, GraphClient, GraphError, type GraphOptions, type GraphRetryPolicy,
} from './graph-client';
export { GRAPH_MAILBOX_CONCURRENCY } from './mailbox-limiter';
export { GraphTokenError, GRAPH_SCOPE } from './graph-token';
