import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { get, post } from '../lib/api.js';
import { can } from '../lib/access.js';
import { useLoad } from '../lib/load.js';
import { Badge, Banner, Empty, ErrorBanner, PageHead, when } from '../lib/ui.js';

const shown = (v) => (v === null || v === '' ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** One line per changed setting; a secret only says set / changed / cleared (the API never sends it). */
function fieldLine(f) {
  return f.secret ? `${f.field}: ${f.change} (secret)` : `${f.field}: ${shown(f.from)} → ${shown(f.to)}`;
}

/** The API's diff (GET /api/v1/publish/diff) as table rows: deployments first, then mailboxes. */
function changeRows(diff) {
  const rows = [];
  for (const [what, key, name] of [['deployment', 'deployments', 'name'], ['mailbox', 'mailboxes', 'address']]) {
    const c = diff[key];
    rows.push(...c.added.map((o) => ({ what, name: o[name], change: 'added', details: [] })));
    rows.push(...c.removed.map((o) => ({ what, name: o[name], change: 'removed', details: [] })));
    rows.push(...c.changed.map((o) => ({ what, name: o[name], change: 'changed', details: o.fields.map(fieldLine) })));
  }
  return rows;
}

async function loadPublish() {
  const [history, diff] = await Promise.all([get('/api/v1/publish'), get('/api/v1/publish/diff')]);
  const sorted = [...history].sort((a, b) => b.version - a.version);
  return { history: sorted, current: sorted[0], changes: changeRows(diff) };
}

export function PublishPage() {
  const data = useLoad(loadPublish);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const [rolled, setRolled] = useState(null);
  const { history = [], current, changes = [] } = data.data ?? {};

  const publish = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const published = await post('/api/v1/publish', comment.trim() ? { comment: comment.trim() } : {});
      setDone(published);
      setRolled(null);
      setComment('');
      await data.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const rollback = async (version) => {
    if (!confirm(`Roll back to version ${version}? It is published again as a new version and the services switch to it. The draft is not changed: the next publish from the draft undoes the rollback.`)) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setRolled(await post(`/api/v1/publish/${version}/rollback`, comment.trim() ? { comment: comment.trim() } : {}));
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
    ${rolled && html`<${Banner} kind="ok">Rolled back to version ${rolled.rolledBackTo}: published as version <strong>${rolled.version}</strong> (${rolled.mailboxes} mailboxes).
      ${rolled.note}</${Banner}>`}
    <div class="panel">
      <p style=${{ marginTop: 0 }}>Running version: ${data.loading && !data.data ? '…' : current ? html`<strong class="current-version">${current.version}</strong>, published ${when(current.publishedAt)}${current.comment ? ` — “${current.comment}”` : ''}`
        : html`<strong>none</strong> — nothing is published yet, so the router serves no mailbox.`}</p>
      <form class="toolbar" onSubmit=${publish}>
        <label class="grow">Comment<input name="comment" placeholder="what changed (optional)" value=${comment} onInput=${(e) => setComment(e.currentTarget.value)} /></label>
        <button class="primary" type="submit" disabled=${busy || !can('publish')}>${busy ? 'Publishing…' : 'Publish'}</button>
      </form>
      <${ErrorBanner} error=${error} what="Publish or rollback failed" />
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
      : html`<div class="table-wrap"><table class="history"><thead><tr><th>Version</th><th>Published</th><th>Comment</th><th>Mailboxes</th><th></th></tr></thead>
          <tbody>${history.map((p) => html`<tr data-version=${p.version}><td class="num">${p.version}</td><td title=${p.publishedAt}>${new Date(p.publishedAt).toLocaleString()}</td>
            <td>${p.comment ?? html`<span class="muted">—</span>`}</td><td class="num">${p.mailboxes}</td>
            <td>${p.version === current?.version ? html`<span class="muted">running</span>`
              : html`<button type="button" disabled=${busy || !can('publish')} onClick=${() => rollback(p.version)}>Roll back to this version</button>`}</td></tr>`)}</tbody></table></div>`)}
    <p class="muted">Rolling back publishes the chosen version again as a new version (the comment above is added to it). The draft is not changed, so the differences above then show what the next publish would bring back.</p>
  `;
}
