import { useEffect } from 'preact/hooks';
import { html } from '../lib/html.js';
import { del, get, patch, post } from '../lib/api.js';
import { can } from '../lib/access.js';
import { bodyOf, useForm } from '../lib/form.js';
import { useLoad } from '../lib/load.js';
import { BackfillPanel } from './quarantine.js';
import { CheckField, ErrorBanner, FormFailure, PageHead, SecretField, SelectField, TestResult, TextField } from '../lib/ui.js';

const FIELDS = ['deploymentId', 'kind', 'address', 'name', 'crmId', 'username', 'password', 'incomingProfileId', 'outgoingProfileId',
  'deleteAfterProcessing', 'enabled'];

function blank(deploymentId) {
  return { deploymentId: deploymentId ?? '', kind: 'user', address: '', name: '', crmId: '', username: '', incomingProfileId: '',
    outgoingProfileId: '', deleteAfterProcessing: false, enabled: true };
}

function valuesOf(m) {
  const v = { ...blank(m.deploymentId) };
  for (const key of FIELDS) if (key !== 'password' && m[key] !== null && m[key] !== undefined) v[key] = m[key];
  return v;
}

export function MailboxForm({ id, params }) {
  const loaded = useLoad(() => Promise.all([
    id ? get(`/api/v1/mailboxes/${id}`) : null, get('/api/v1/deployments'), get('/api/v1/profiles'),
  ]), [id]);
  const [view, deployments = [], profiles = []] = loaded.data ?? [];
  const form = useForm(blank(params.deploymentId));
  const initial = view ? valuesOf(view) : {};
  useEffect(() => view && form.reset(valuesOf(view)), [view]);
  useEffect(() => {
    if (!view && !form.values.deploymentId && deployments[0]) form.set('deploymentId', deployments[0].id);
  }, [deployments.length]);
  const v = form.values;
  const back = `/mailboxes?deploymentId=${v.deploymentId}`;

  const save = (e) => {
    e.preventDefault();
    form.submit(async () => {
      const body = bodyOf(v, initial, FIELDS, { create: !view, secrets: ['password'] });
      await (view ? patch(`/api/v1/mailboxes/${view.id}`, body) : post('/api/v1/mailboxes', body));
      location.hash = `#${back}`;
    });
  };
  const remove = () => form.submit(async () => {
    if (!confirm(`Delete the mailbox ${view.address}?`)) return;
    await del(`/api/v1/mailboxes/${view.id}`);
    location.hash = `#${back}`;
  });

  if (loaded.loading && !loaded.data) return html`<p class="muted">Loading…</p>`;
  if (loaded.error) return html`<${ErrorBanner} error=${loaded.error} what="Could not load the mailbox" />`;
  const deployment = deployments.find((d) => d.id === v.deploymentId);
  const defaultName = (pid) => profiles.find((p) => p.id === pid)?.name ?? 'none';
  const options = (direction, pid) => [['', `deployment default (${defaultName(pid)})`],
    ...profiles.filter((p) => p.direction === direction).map((p) => [p.id, `${p.name} (${p.protocol})`])];
  const writable = can('mailboxes.write');

  return html`
    <${PageHead} title=${view ? `Mailbox: ${view.address}` : 'New mailbox'}><a href=${`#${back}`}>← Mailboxes</a></${PageHead}>
    ${view && html`<div class="panel narrow"><dl class="kv">
      <dt>Incoming test</dt><dd><${TestResult} result=${view.test.incoming} /></dd>
      <dt>Outgoing test</dt><dd><${TestResult} result=${view.test.outgoing} /></dd>
      <dt>Quarantine</dt><dd><a href=${`#/quarantine?mailboxId=${encodeURIComponent(view.id)}`}>this mailbox's quarantined mail</a></dd>
    </dl></div>`}
    ${view && html`<${BackfillPanel} mailboxId=${view.id} />`}
    <form class="form" onSubmit=${save} novalidate>
      <${FormFailure} form=${form} what=${view ? 'Saving the mailbox' : 'Creating the mailbox'} />
      <fieldset><legend>Mailbox</legend>
        <div class="grid3">
          <${SelectField} form=${form} name="deploymentId" label="Deployment" options=${deployments.map((d) => [d.id, d.name])} />
          <${SelectField} form=${form} name="kind" label="Kind" options=${[['user', 'user'], ['queue', 'queue'], ['forward', 'forward mailbox']]} />
          <${TextField} form=${form} name="address" label="Address" placeholder="alice@contoso.com" />
          <${TextField} form=${form} name="name" label="Name" />
          <${TextField} form=${form} name="crmId" label="CRM id" hint="The CRM user or queue (Load Data fills it in)." />
        </div>
      </fieldset>
      <fieldset><legend>Credentials and profiles</legend>
        <p class="muted" style=${{ marginTop: 0 }}>Used when a profile's credentials are "each mailbox's own". Changing how a mailbox connects resets its test results.</p>
        <div class="grid2">
          <${TextField} form=${form} name="username" label="Username" placeholder=${v.address || 'defaults to the address'} />
          ${can('secrets.write') && html`<${SecretField} form=${form} name="password" label="Password" has=${view?.hasPassword} />`}
          <${SelectField} form=${form} name="incomingProfileId" label="Incoming profile" options=${options('incoming', deployment?.incomingProfileId)} />
          <${SelectField} form=${form} name="outgoingProfileId" label="Outgoing profile" options=${options('outgoing', deployment?.outgoingProfileId)} />
        </div>
        <${CheckField} form=${form} name="deleteAfterProcessing" label="Delete mail from the server after processing" />
        <${CheckField} form=${form} name="enabled" label="Enabled (the router reads and sends for this mailbox)" />
      </fieldset>
      <div class="actions">
        <button class="primary" type="submit" disabled=${!writable || form.busy}>${form.busy ? 'Saving…' : view ? 'Save mailbox' : 'Create mailbox'}</button>
        <a href=${`#${back}`}>Cancel</a>
        <span style=${{ flex: 1 }}></span>
        ${view && html`<button type="button" class="danger" disabled=${!writable || form.busy} onClick=${remove}>Delete mailbox</button>`}
      </div>
    </form>`;
}
