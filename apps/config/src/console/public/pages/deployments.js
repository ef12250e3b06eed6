import { html } from '../lib/html.js';
import { get } from '../lib/api.js';
import { can } from '../lib/access.js';
import { useLoad } from '../lib/load.js';
import { navigate } from '../lib/router.js';
import { Badge, Empty, ErrorBanner, PageHead, when } from '../lib/ui.js';

export function DeploymentsPage() {
  const data = useLoad(() => Promise.all([get('/api/v1/deployments'), get('/api/v1/profiles'), get('/api/v1/mailboxes')]));
  const [deployments = [], profiles = [], mailboxes = []] = data.data ?? [];
  const profileName = (id) => (id ? profiles.find((p) => p.id === id)?.name ?? 'unknown profile' : null);
  const count = (id) => mailboxes.filter((m) => m.deploymentId === id).length;

  return html`
    <${PageHead} title="Deployments">
      ${can('deployments.write') && html`<button class="primary" onClick=${() => navigate('/deployments/new')}>New deployment</button>`}
    </${PageHead}>
    <p class="lead">A deployment is one CRM organisation (the built-in CRM or Dynamics 365 / Dataverse) with its default profiles and tracking settings.</p>
    <${ErrorBanner} error=${data.error} what="Could not load the deployments" />
    ${!data.loading && !data.error && deployments.length === 0
      ? html`<${Empty} title="No deployments yet — create one for your CRM organisation"
          action=${can('deployments.write') && html`<button class="primary" onClick=${() => navigate('/deployments/new')}>New deployment</button>`}>
          <p>${profiles.length === 0 ? 'Create its incoming and outgoing profiles first (Profiles).' : 'Pick its default incoming and outgoing profiles, then Load Data to create the mailboxes.'}</p>
        </${Empty}>`
      : html`<div class="table-wrap"><table>
          <thead><tr><th>Name</th><th>CRM</th><th>Incoming profile</th><th>Outgoing profile</th><th>Mailboxes</th><th>Updated</th><th></th></tr></thead>
          <tbody>${deployments.map((d) => html`<tr>
            <td><a href=${`#/deployments/${d.id}`}>${d.name}</a></td>
            <td>${d.crm.type === 'dataverse' ? html`<${Badge} kind="info">Dataverse</${Badge}><span class="sub">${d.crm.url}</span>` : html`<${Badge}>built-in</${Badge}>`}</td>
            <td>${profileName(d.incomingProfileId) ?? html`<span class="muted">none</span>`}</td>
            <td>${profileName(d.outgoingProfileId) ?? html`<span class="muted">none</span>`}</td>
            <td class="num"><a href=${`#/mailboxes?deploymentId=${d.id}`}>${count(d.id)}</a></td>
            <td title=${d.updatedAt}>${when(d.updatedAt)}</td>
            <td><a href=${`#/deployments/${d.id}`}>Edit · Load Data</a></td>
          </tr>`)}</tbody>
        </table></div>`}
  `;
}
