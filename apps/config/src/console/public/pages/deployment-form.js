import { useEffect } from 'preact/hooks';
import { html } from '../lib/html.js';
import { del, get, patch, post } from '../lib/api.js';
import { can } from '../lib/access.js';
import { bodyOf, flatten, useForm } from '../lib/form.js';
import { useLoad } from '../lib/load.js';
import { navigate } from '../lib/router.js';
import { CheckField, ErrorBanner, FormFailure, NumberField, PageHead, SecretField, SelectField, TextField } from '../lib/ui.js';
import { LoadData } from './load-data.js';

/** The tracking settings as flat API names, with the API's defaults. */
const TRACKING_DEFAULTS = {
  'tracking.token.enabled': true, 'tracking.token.prefix': 'CRM:', 'tracking.token.baseNumber': 0,
  'tracking.token.userNumberDigits': 3, 'tracking.token.counterDigits': 4,
  'tracking.smartMatching.enabled': false, 'tracking.smartMatching.minSharedAddresses': 2,
  'tracking.trackBetweenUsersAsTwo': false, 'tracking.trackAutomaticReplies': false,
  'tracking.loopGuard.maxMessages': 20, 'tracking.loopGuard.windowMinutes': 120,
  'tracking.distrustDmarcFailures': true, 'tracking.leaveAmbiguousUnresolved': false, 'tracking.maxAttachmentBytes': 25 * 1024 * 1024,
};

function blank() {
  return { name: '', 'crm.type': 'builtin', 'crm.url': '', 'crm.tenantId': '', 'crm.clientId': '', 'crm.authority': '',
    incomingProfileId: '', outgoingProfileId: '', ...TRACKING_DEFAULTS };
}

function valuesOf(view) {
  return { ...blank(), ...Object.fromEntries(Object.entries(flatten(view)).filter(([, v]) => v !== null)) };
}

function fieldsOf(v) {
  const keys = ['name', 'crm.type', 'incomingProfileId', 'outgoingProfileId', ...Object.keys(TRACKING_DEFAULTS)];
  if (v['crm.type'] === 'dataverse') keys.push('crm.url', 'crm.tenantId', 'crm.clientId', 'crm.clientSecret', 'crm.authority');
  return keys;
}

export function DeploymentForm({ id }) {
  const loaded = useLoad(() => Promise.all([id ? get(`/api/v1/deployments/${id}`) : null, get('/api/v1/profiles')]), [id]);
  const [view, profiles = []] = loaded.data ?? [];
  const form = useForm(blank());
  const initial = view ? valuesOf(view) : {};
  useEffect(() => view && form.reset(valuesOf(view)), [view]);
  const v = form.values;

  const save = (e) => {
    e.preventDefault();
    form.submit(async () => {
      const body = bodyOf(v, initial, fieldsOf(v), { create: !view, secrets: ['crm.clientSecret'] });
      // On create the tracking defaults need not be sent; the API fills them in.
      if (!view && body.tracking) body.tracking = bodyOf(v, TRACKING_DEFAULTS, Object.keys(TRACKING_DEFAULTS), { create: false }).tracking;
      if (!view && !body.tracking) delete body.tracking;
      const saved = await (view ? patch(`/api/v1/deployments/${view.id}`, body) : post('/api/v1/deployments', body));
      if (view) loaded.reload();
      else navigate(`/deployments/${saved.id}`);
    });
  };
  const remove = () => form.submit(async () => {
    if (!confirm(`Delete the deployment "${view.name}"?`)) return;
    await del(`/api/v1/deployments/${view.id}`);
    navigate('/deployments');
  });

  if (loaded.loading && !loaded.data) return html`<p class="muted">Loading…</p>`;
  if (loaded.error) return html`<${ErrorBanner} error=${loaded.error} what="Could not load the deployment" />`;
  const options = (direction) => [['', 'none'], ...profiles.filter((p) => p.direction === direction).map((p) => [p.id, `${p.name} (${p.protocol})`])];
  const writable = can('deployments.write');

  return html`
    <${PageHead} title=${view ? `Deployment: ${view.name}` : 'New deployment'}><a href="#/deployments">← All deployments</a></${PageHead}>
    ${view && html`<${LoadData} deployment=${view} />`}
    <form class="form" onSubmit=${save} novalidate>
      <${FormFailure} form=${form} what=${view ? 'Saving the deployment' : 'Creating the deployment'} />
      <fieldset><legend>Deployment</legend>
        <div class="grid3">
          <${TextField} form=${form} name="name" label="Name" placeholder="Contoso CRM" />
          <${SelectField} form=${form} name="crm.type" label="CRM" options=${[['builtin', 'built-in CRM'], ['dataverse', 'Dynamics 365 / Dataverse']]} />
        </div>
        ${v['crm.type'] === 'dataverse' && html`<div class="grid2">
          <${TextField} form=${form} name="crm.url" label="Environment URL" placeholder="https://contoso.crm.dynamics.com" />
          <${TextField} form=${form} name="crm.tenantId" label="Tenant" />
          <${TextField} form=${form} name="crm.clientId" label="Application (client) id" />
          ${can('secrets.write') && html`<${SecretField} form=${form} name="crm.clientSecret" label="Client secret" has=${view?.crm?.hasClientSecret} />`}
          <${TextField} form=${form} name="crm.authority" label="Authority (optional)" placeholder="https://login.microsoftonline.com/<tenant>" />
        </div>`}
        <div class="grid2">
          <${SelectField} form=${form} name="incomingProfileId" label="Default incoming profile" options=${options('incoming')} />
          <${SelectField} form=${form} name="outgoingProfileId" label="Default outgoing profile" options=${options('outgoing')} />
        </div>
      </fieldset>
      <fieldset><legend>Tracking and correlation</legend>
        <div class="grid3">
          <${CheckField} form=${form} name="tracking.token.enabled" label="Tracking token in subjects" />
          <${TextField} form=${form} name="tracking.token.prefix" label="Token prefix" />
          <${NumberField} form=${form} name="tracking.token.baseNumber" label="Token base number" min="0" max="9999" />
          <${NumberField} form=${form} name="tracking.token.userNumberDigits" label="User number digits" min="1" max="9" />
          <${NumberField} form=${form} name="tracking.token.counterDigits" label="Counter digits" min="1" max="9" />
          <span></span>
          <${CheckField} form=${form} name="tracking.smartMatching.enabled" label="Smart matching" />
          <${NumberField} form=${form} name="tracking.smartMatching.minSharedAddresses" label="Shared addresses for a match" min="1" />
          <span></span>
          <${NumberField} form=${form} name="tracking.loopGuard.maxMessages" label="Loop guard: messages" min="1" />
          <${NumberField} form=${form} name="tracking.loopGuard.windowMinutes" label="Loop guard: window (minutes)" min="1" />
          <${NumberField} form=${form} name="tracking.maxAttachmentBytes" label="Largest attachment stored (bytes)" min="0" />
        </div>
        <${CheckField} form=${form} name="tracking.trackBetweenUsersAsTwo" label="Track mail between two CRM users as two activities" />
        <${CheckField} form=${form} name="tracking.trackAutomaticReplies" label="Track automatic replies, bounces and bulk mail" />
        <${CheckField} form=${form} name="tracking.distrustDmarcFailures" label="Do not link senders whose domain fails DMARC" />
        <${CheckField} form=${form} name="tracking.leaveAmbiguousUnresolved" label="Leave an address matching several records unresolved" />
      </fieldset>
      <div class="actions">
        <button class="primary" type="submit" disabled=${!writable || form.busy}>${form.busy ? 'Saving…' : view ? 'Save deployment' : 'Create deployment'}</button>
        <a href="#/deployments">Cancel</a>
        <span style=${{ flex: 1 }}></span>
        ${view && html`<button type="button" class="danger" disabled=${!writable || form.busy} onClick=${remove}>Delete deployment</button>`}
      </div>
    </form>`;
}
