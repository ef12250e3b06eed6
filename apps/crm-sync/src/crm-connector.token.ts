/** The CrmConnector (port from @mailrouter/domain) the flows use; the built-in one by default. */
export const CRM_CONNECTOR = Symbol('CRM_CONNECTOR');
