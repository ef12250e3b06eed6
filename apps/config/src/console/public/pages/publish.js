import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { get, post } from '../lib/api.js';
import { can } from '../lib/access.js';
import { useLoad } from '../lib/load.js';
import { diffDraft } from '../lib/publish-diff.js';
import { Badge, Banner, Empty, ErrorBanner, PageHead, when } from '../lib/ui.js';

async function loadPublish() {
  const [history, deployments, mailboxes, profiles] = await Promise.all([
    get('/api/v1/publish'), get('/api/v1/deployments'), get('/api/v1/mailboxes'), get('/api/v1/profiles'),
  ]);
  const current = history.reduce((a, b) => (b.version > (a?.version ?? 0) ? b : a), undefined);
  const snapshot = current ? await get(`/api/v1/publish/${current.version}`) : undefined;
  return { history: [...history].sort((a, b) => b.version - a.version), current, changes: diffDraft({ snapshot, deployments, mailboxes, profiles }) };
}

export function PublishPage() {
  const data = useLoad(loadPublish);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const { history = [], current, changes = [] } = data.data ?? {};

  const publish = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const published = await post('/api/v1/publish', comment.trim() ? { comment: comment.trim() } : {});
      setDone(published);
      setComment('');
      await data.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return html`
    <${PageHead} title="Publish" />
    <p class="lead">Edits are a draft until published. Publishing freezes them into the next version; the services switch to it without a restart.</p>
    <${ErrorBanner} error=${data.error} what="Could not load the publish history" />
    ${done && html`<${Banner} kind="ok">Published version <strong>${done.version}</strong> (${done.mailboxes} mailboxes).</${Banner}>`}
    <div class="panel">
      <p style=${{ marginTop: 0 }}>Running version: ${data.loading && !data.data ? '…' : current ? html`<strong class="current-version">${current.version}</strong>, published ${when(current.publishedAt)}${current.comment ? ` — “${current.comment}”` : ''}`
        : html`<strong>none</strong> — nothing is published yet, so the router serves no mailbox.`}</p>
      <form class="toolbar" onSubmit=${publish}>
        <label class="grow">Comment<input name="comment" placeholder="what changed (optional)" value=${comment} onInput=${(e) => setComment(e.currentTarget.value)} /></label>
        <button class="primary" type="submit" disabled=${busy || !can('publish')}>${busy ? 'Publishing…' : 'Publish'}</button>
      </form>
      <${ErrorBanner} error=${error} what="Publish failed" />
    </div>
    <h2>Draft compared with ${current ? `version ${current.version}` : 'nothing published'}</h2>
    ${!data.loading && (changes.length === 0
      ? html`<p class="muted">No differences: the draft is what runs.</p>`
      : html`<div class="table-wrap"><table class="changes"><thead><tr><th>Object</th><th>Name</th><th>Change</th><th>Details</th></tr></thead>
          <tbody>${changes.map((c) => html`<tr><td>${c.what}</td><td>${c.name}</td>
            <td><${Badge} kind=${c.change === 'added' ? 'ok' : c.change === 'removed' ? 'bad' : 'info'}>${c.change}</${Badge}></td>
            <td>${c.details.map((d) => html`<div>${d}</div>`)}</td></tr>`)}</tbody></table></div>`)}
    <h2>History</h2>
    ${!data.loading && (history.length === 0
      ? html`<${Empty} title="No version published yet">Publish when the profiles, deployment and mailboxes are ready and tested.</${Empty}>`
      : html`<div class="table-wrap"><table class="history"><thead><tr><th>Version</th><th>Published</th><th>Comment</th><th>Mailboxes</th></tr></thead>
          <tbody>${history.map((p) => html`<tr><td class="num">${p.version}</td><td title=${p.publishedAt}>${new Date(p.publishedAt).toLocaleString()}</td>
            <td>${p.comment ?? html`<span class="muted">—</span>`}</td><td class="num">${p.mailboxes}</td></tr>`)}</tbody></table></div>`)}
  `;
}
