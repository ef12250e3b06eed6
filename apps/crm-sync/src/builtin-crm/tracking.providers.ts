import { DeploymentSettingsRepository } from './deployment-settings.repository';
import { TrackingStateRepository } from './tracking-state.repository';
import { MailInspector } from '../incoming-flow/mail-inspector';

/** The providers of the built-in CRM's tracking rules (listed once in app.module). */
export const TRACKING_PROVIDERS = [DeploymentSettingsRepository, TrackingStateRepository, MailInspector];
