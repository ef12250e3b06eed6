import { useEffect } from 'preact/hooks';
import { html } from '../lib/html.js';
import { del, get, patch, post } from '../lib/api.js';
import { can } from '../lib/access.js';
import { bodyOf, flatten, useForm } from '../lib/form.js';
import { useLoad } from '../lib/load.js';
import { navigate } from '../lib/router.js';
import { CheckField, ErrorBanner, FormFailure, NumberField, PageHead, SecretField, SelectField, TextField } from '../lib/ui.js';
import { PROTOCOL_LABEL } from './profiles.js';

const PROTOCOLS = { incoming: ['imap', 'pop3', 'ews', 'graph'], outgoing: ['smtp', 'ews', 'graph'] };
const AUTH = { imap: ['basic', 'none'], pop3: ['basic', 'none'], smtp: ['basic', 'none'], ews: ['basic', 'ntlm'], graph: ['oauth2'] };
const SECRETS = ['password', 'graph.clientSecret', 'graph.certificate.privateKey'];

function defaultPort(protocol, security) {
  if (protocol === 'imap') return security === 'tls' ? 993 : 143;
  if (protocol === 'pop3') return security === 'tls' ? 995 : 110;
  if (protocol === 'smtp') return security === 'tls' ? 465 : security === 'starttls' ? 587 : 25;
  return undefined;
}

function blank(direction) {
  return {
    name: '', direction, protocol: PROTOCOLS[direction][0], host: '', port: '', security: 'tls', 'auth.type': 'basic', 'auth.domain': '',
    credentials: 'mailbox', username: '', pollIntervalSeconds: '', maxConnections: '', allowInvalidCertificates: false,
    'ews.server': 'url', 'ews.url': '', 'ews.autodiscoverUrl': '', 'ews.mailboxAccess': 'impersonation',
    'graph.tenantId': '', 'graph.clientId': '', 'graph.credential': 'secret', 'graph.certificate.thumbprint': '',
    'graph.authority': '', 'graph.baseUrl': '', sendAccess: 'send-as', sendingAccount: '', processedFolder: '', manageSievePort: '',
  };
}

/** The form's values for a stored profile (secrets stay undefined: keep). */
function valuesOf(view) {
  const flat = flatten(view);
  return {
    ...blank(view.direction),
    ...Object.fromEntries(Object.entries(flat).filter(([, v]) => v !== null)),
    'ews.server': view.ews?.autodiscover ? 'autodiscover' : 'url',
    'graph.credential': view.graph?.certificate ? 'certificate' : 'secret',
  };
}

/** The fields a direction + protocol uses, under their API names. */
function fieldsOf(v) {
  const { direction, protocol } = v;
  const keys = ['name', 'direction', 'protocol', 'maxConnections'];
  if (direction === 'incoming') keys.push('pollIntervalSeconds');
  if (protocol !== 'graph') keys.push('auth.type', 'credentials', 'allowInvalidCertificates');
  if (['imap', 'pop3', 'smtp'].includes(protocol)) keys.push('host', 'port', 'security');
  if (protocol === 'ews') {
    keys.push(...(v['ews.server'] === 'url' ? ['ews.url'] : ['ews.autodiscoverUrl']), 'ews.autodiscover');
    if (v['auth.type'] === 'ntlm') keys.push('auth.domain');
    if (v.credentials === 'profile') keys.push('ews.mailboxAccess');
  }
  if (protocol !== 'graph' && v.credentials === 'profile' && v['auth.type'] !== 'none') keys.push('username', 'password');
  if (protocol === 'graph') {
    keys.push('graph.tenantId', 'graph.clientId', 'graph.authority', 'graph.baseUrl');
    keys.push(...(v['graph.credential'] === 'secret' ? ['graph.clientSecret'] : ['graph.certificate.thumbprint', 'graph.certificate.privateKey']));
  }
  if (direction === 'outgoing' && (protocol === 'ews' || protocol === 'graph')) keys.push('sendAccess', 'sendingAccount');
  if (direction === 'incoming' && protocol !== 'pop3') keys.push('processedFolder');
  if (direction === 'incoming' && (protocol === 'imap' || protocol === 'pop3')) keys.push('manageSievePort');
  return keys;
}

function requestBody(values, initial, view) {
  const v = { ...values, 'ews.autodiscover': values['ews.server'] === 'autodiscover' };
  const start = view ? { ...initial, 'ews.autodiscover': initial['ews.server'] === 'autodiscover' } : {};
  const body = bodyOf(v, start, fieldsOf(v), { create: !view, secrets: SECRETS });
  if (v.protocol === 'graph') {
    const graph = (body.graph ??= {});
    // The API takes the certificate as one object: the thumbprint goes with any change of it.
    if (graph.certificate) graph.certificate.thumbprint ??= v['graph.certificate.thumbprint'];
    if (view?.graph?.certificate && v['graph.credential'] === 'secret') graph.certificate = null;
    if (view?.graph?.hasClientSecret && v['graph.credential'] === 'certificate') graph.clientSecret = null;
    if (Object.keys(graph).length === 0) delete body.graph;
  }
  return body;
}

/** Protocol valid for the direction, auth type valid for the protocol — in the same update as the change. */
function keepValid(v) {
  const protocol = PROTOCOLS[v.direction].includes(v.protocol) ? v.protocol : PROTOCOLS[v.direction][0];
  const authType = AUTH[protocol].includes(v['auth.type']) ? v['auth.type'] : AUTH[protocol][0];
  return protocol === v.protocol && authType === v['auth.type'] ? v : { ...v, protocol, 'auth.type': authType };
}

export function ProfileForm({ id, params }) {
  const loaded = useLoad(() => (id ? get(`/api/v1/profiles/${id}`) : Promise.resolve(null)), [id]);
  const view = loaded.data;
  const form = useForm(blank(params.direction === 'outgoing' ? 'outgoing' : 'incoming'), keepValid);
  const initial = view ? valuesOf(view) : {};
  useEffect(() => view && form.reset(valuesOf(view)), [view]);

  const v = form.values;

  const save = (e) => {
    e.preventDefault();
    form.submit(async () => {
      const body = requestBody(v, initial, view);
      await (view ? patch(`/api/v1/profiles/${view.id}`, body) : post('/api/v1/profiles', body));
      navigate('/profiles');
    });
  };
  const remove = () => form.submit(async () => {
    if (!confirm(`Delete the profile "${view.name}"?`)) return;
    await del(`/api/v1/profiles/${view.id}`);
    navigate('/profiles');
  });

  if (id && loaded.loading) return html`<p class="muted">Loading…</p>`;
  if (loaded.error) return html`<${ErrorBanner} error=${loaded.error} what="Could not load the profile" />`;
  const writable = can('profiles.write');
  const mail = ['imap', 'pop3', 'smtp'].includes(v.protocol);
  const exchange = v.protocol === 'ews' || v.protocol === 'graph';

  return html`
    <${PageHead} title=${view ? `Profile: ${view.name}` : 'New profile'}>
      <a href="#/profiles">← All profiles</a>
    </${PageHead}>
    <form class="form" onSubmit=${save} novalidate>
      <${FormFailure} form=${form} what=${view ? 'Saving the profile' : 'Creating the profile'} />
      <fieldset><legend>Profile</legend>
        <div class="grid3">
          <${TextField} form=${form} name="name" label="Name" placeholder="Contoso IMAP" />
          <${SelectField} form=${form} name="direction" label="Direction" options=${[['incoming', 'incoming (read mailboxes)'], ['outgoing', 'outgoing (send mail)']]} />
          <${SelectField} form=${form} name="protocol" label="Protocol" options=${PROTOCOLS[v.direction].map((p) => [p, PROTOCOL_LABEL[p]])} />
        </div>
      </fieldset>
      ${mail && html`<fieldset><legend>Server</legend>
        <div class="grid3">
          <${TextField} form=${form} name="host" label="Host" placeholder="mail.contoso.com" />
          <${NumberField} form=${form} name="port" label="Port" placeholder=${`default ${defaultPort(v.protocol, v.security)}`} min="1" max="65535" />
          <${SelectField} form=${form} name="security" label="Security" options=${[['tls', 'TLS'], ['starttls', 'STARTTLS'], ['none', 'none (plain text)']]} />
        </div>
        <${CheckField} form=${form} name="allowInvalidCertificates" label="Accept any certificate (test servers only)" />
      </fieldset>`}
      ${v.protocol === 'ews' && html`<${EwsServer} form=${form} />`}
      ${v.protocol === 'graph' && html`<${GraphApp} form=${form} view=${view} />`}
      ${v.protocol !== 'graph' && html`<fieldset><legend>Authentication</legend>
        <div class="grid3">
          <${SelectField} form=${form} name="auth.type" label="Authentication" options=${AUTH[v.protocol].map((a) => [a, a === 'ntlm' ? 'NTLM' : a])} />
          <${SelectField} form=${form} name="credentials" label="Credentials" options=${[['mailbox', "each mailbox's own"], ['profile', "the profile's account"]]}
            hint=${v.credentials === 'mailbox' ? 'Set them on each mailbox.' : exchange ? 'One account opens every mailbox.' : 'One account for every mailbox.'} />
          ${v['auth.type'] === 'ntlm' && html`<${TextField} form=${form} name="auth.domain" label="NTLM domain" placeholder="CONTOSO" />`}
        </div>
        ${v.credentials === 'profile' && v['auth.type'] !== 'none' && html`<div class="grid2">
          <${TextField} form=${form} name="username" label="Username" />
          ${can('secrets.write') && html`<${SecretField} form=${form} name="password" label="Password" has=${view?.hasPassword} />`}
        </div>`}
        ${v.protocol === 'ews' && v.credentials === 'profile' && html`<${SelectField} form=${form} name="ews.mailboxAccess" label="Mailbox access"
          options=${[['impersonation', 'impersonation (ApplicationImpersonation role)'], ['delegate', 'delegate (full access to each mailbox)']]} />`}
      </fieldset>`}
      ${v.direction === 'outgoing' && exchange && html`<fieldset><legend>Sending</legend>
        <div class="grid2">
          <${SelectField} form=${form} name="sendAccess" label="Send as" options=${[['send-as', 'Send As (the mailbox is the sender)'], ['on-behalf', 'on behalf of the mailbox']]} />
          <${TextField} form=${form} name="sendingAccount" label="Sending account" placeholder="router@contoso.com"
            hint="Required for on behalf: the account shown as Sender." />
        </div>
      </fieldset>`}
      <fieldset><legend>Processing</legend>
        <div class="grid3">
          ${v.direction === 'incoming' && html`<${NumberField} form=${form} name="pollIntervalSeconds" label="Poll interval (seconds)" placeholder="service default" min="1" />`}
          <${NumberField} form=${form} name="maxConnections" label="Connections per server" placeholder="4" min="1" />
          ${v.direction === 'incoming' && v.protocol !== 'pop3' && html`<${TextField} form=${form} name="processedFolder" label="Processed folder"
            placeholder="leave empty: mark read" hint="Move mail here after the verdict instead of marking it read." />`}
          ${v.direction === 'incoming' && (v.protocol === 'imap' || v.protocol === 'pop3') && html`<${NumberField} form=${form} name="manageSievePort"
            label="ManageSieve port" placeholder="4190" hint="For deploying forward rules." />`}
        </div>
      </fieldset>
      <div class="actions">
        <button class="primary" type="submit" disabled=${!writable || form.busy}>${form.busy ? 'Saving…' : view ? 'Save profile' : 'Create profile'}</button>
        <a href="#/profiles">Cancel</a>
        <span style=${{ flex: 1 }}></span>
        ${view && html`<button type="button" class="danger" disabled=${!writable || form.busy} onClick=${remove}>Delete profile</button>`}
      </div>
    </form>`;
}

function EwsServer({ form }) {
  const v = form.values;
  return html`<fieldset><legend>Exchange server (EWS)</legend>
    <div class="choice" role="radiogroup" aria-label="How to find the server">
      <label><input type="radio" name="ews.server" checked=${v['ews.server'] === 'url'} onChange=${() => form.set('ews.server', 'url')} />EWS URL</label>
      <label><input type="radio" name="ews.server" checked=${v['ews.server'] === 'autodiscover'} onChange=${() => form.set('ews.server', 'autodiscover')} />Autodiscover (per mailbox)</label>
    </div>
    ${v['ews.server'] === 'url'
      ? html`<${TextField} form=${form} name="ews.url" label="EWS URL" placeholder="https://mail.contoso.com/EWS/Exchange.asmx" />`
      : html`<${TextField} form=${form} name="ews.autodiscoverUrl" label="Autodiscover URL (optional)" placeholder="found from each mailbox's domain" />`}
    ${form.errors['ews.autodiscover'] && html`<p class="field-error" role="alert" data-field="ews.autodiscover">${form.errors['ews.autodiscover']}</p>`}
    <${CheckField} form=${form} name="allowInvalidCertificates" label="Accept any certificate (test servers only)" />
  </fieldset>`;
}

function GraphApp({ form, view }) {
  const v = form.values;
  return html`<fieldset><legend>Microsoft 365 app registration (Graph)</legend>
    <div class="grid2">
      <${TextField} form=${form} name="graph.tenantId" label="Tenant" placeholder="contoso.onmicrosoft.com or the tenant GUID" />
      <${TextField} form=${form} name="graph.clientId" label="Application (client) id" placeholder="00000000-0000-0000-0000-000000000000" />
    </div>
    <div class="choice" role="radiogroup" aria-label="App credential">
      <label><input type="radio" name="graph.credential" checked=${v['graph.credential'] === 'secret'} onChange=${() => form.set('graph.credential', 'secret')} />Client secret</label>
      <label><input type="radio" name="graph.credential" checked=${v['graph.credential'] === 'certificate'} onChange=${() => form.set('graph.credential', 'certificate')} />Certificate</label>
    </div>
    ${v['graph.credential'] === 'secret'
      ? can('secrets.write') && html`<${SecretField} form=${form} name="graph.clientSecret" label="Client secret" has=${view?.graph?.hasClientSecret} />`
      : html`<${TextField} form=${form} name="graph.certificate.thumbprint" label="Certificate thumbprint" placeholder="SHA-1 or SHA-256, hex" />
        ${can('secrets.write') && html`<${SecretField} form=${form} name="graph.certificate.privateKey" label="Private key (PEM)" multiline
          has=${view?.graph?.certificate?.hasPrivateKey} placeholder="-----BEGIN PRIVATE KEY-----" />`}`}
    ${form.errors['graph.certificate'] && html`<p class="field-error" role="alert" data-field="graph.certificate">${form.errors['graph.certificate']}</p>`}
    <div class="grid2">
      <${TextField} form=${form} name="graph.authority" label="Authority (optional)" placeholder="https://login.microsoftonline.com/<tenant>" />
      <${TextField} form=${form} name="graph.baseUrl" label="Graph URL (optional)" placeholder="https://graph.microsoft.com/v1.0" />
    </div>
  </fieldset>`;
}
