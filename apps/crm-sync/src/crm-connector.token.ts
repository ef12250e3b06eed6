/**
 * The built-in CrmConnector (port from @mailrouter/domain). The flows ask CrmConnectors
 * (connectors/crm-connectors.registry.ts) for the connector of a deployment instead.
 */
export const CRM_CONNECTOR = Symbol('CRM_CONNECTOR');
