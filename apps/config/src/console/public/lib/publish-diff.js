// What publishing would change: the live (draft) objects against the running version's snapshot,
// computed in the browser. Secrets are compared only as set / not set; anything edited after the
// version was published is flagged even when the snapshot cannot show the difference.

/** JSON with sorted keys: the same settings compare equal whatever order the API wrote them in. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  return JSON.stringify(value);
}

function effective(mailbox, deployment, profiles, direction) {
  const id = mailbox[`${direction}ProfileId`] ?? deployment?.[`${direction}ProfileId`];
  return id ? profiles.find((p) => p.id === id) : undefined;
}

/** The endpoint fields the snapshot shows that a draft can be compared on. */
function draftEndpoint(mailbox, profile) {
  if (!profile) return undefined;
  // As endpoint resolution does: no username without authentication, none for Graph (an app, not an account).
  const username = profile.auth.type === 'none' || profile.auth.type === 'oauth2' ? ''
    : profile.credentials === 'profile' ? profile.username : mailbox.username ?? mailbox.address;
  return { protocol: profile.protocol, host: profile.host ?? '', port: profile.port, security: profile.security, username: username ?? '' };
}

function publishedEndpoint(e) {
  if (!e) return undefined;
  return { protocol: e.protocol, host: e.host ?? '', port: e.port, security: e.security, username: e.auth?.username ?? '' };
}

function endpointChange(label, draft, published) {
  if (!draft && !published) return [];
  if (!draft) return [`${label}: no endpoint any more (was ${published.protocol} ${published.host}:${published.port})`];
  if (!published) return [`${label}: now ${draft.protocol} ${draft.host}:${draft.port}`];
  return Object.keys(draft).filter((k) => String(draft[k]) !== String(published[k]))
    .map((k) => `${label} ${k}: ${published[k] || '—'} → ${draft[k] || '—'}`);
}

export function diffDraft({ snapshot, deployments, mailboxes, profiles }) {
  const changes = [];
  const publishedAt = snapshot ? Date.parse(snapshot.publishedAt) : 0;
  const edited = (o) => Date.parse(o.updatedAt) > publishedAt;
  const snapDeployments = new Map((snapshot?.deployments ?? []).map((d) => [d.id, d]));
  const snapMailboxes = new Map((snapshot?.mailboxes ?? []).map((m) => [m.id, m]));

  for (const d of deployments) {
    const s = snapDeployments.get(d.id);
    if (!s) { changes.push({ what: 'deployment', name: d.name, change: 'added', details: [] }); continue; }
    const details = [];
    if (s.name !== d.name) details.push(`name: ${s.name} → ${d.name}`);
    if (s.crm.type !== d.crm.type) details.push(`CRM: ${s.crm.type} → ${d.crm.type}`);
    for (const k of ['incomingProfileId', 'outgoingProfileId']) if ((s[k] ?? null) !== (d[k] ?? null)) details.push(`${k.replace('ProfileId', '')} profile changed`);
    if (canonical(s.tracking) !== canonical(d.tracking)) details.push('tracking settings changed');
    if (details.length || edited(d)) changes.push({ what: 'deployment', name: d.name, change: 'changed', details: details.length ? details : ['edited since this version'] });
  }
  for (const s of snapDeployments.values()) {
    if (!deployments.some((d) => d.id === s.id)) changes.push({ what: 'deployment', name: s.name, change: 'removed', details: [] });
  }

  const byDeployment = new Map(deployments.map((d) => [d.id, d]));
  for (const m of mailboxes) {
    const s = snapMailboxes.get(m.id);
    if (!s) { changes.push({ what: 'mailbox', name: m.address, change: 'added', details: [] }); continue; }
    const d = byDeployment.get(m.deploymentId);
    const details = [];
    for (const k of ['address', 'kind', 'enabled', 'deleteAfterProcessing']) if (s[k] !== m[k]) details.push(`${k}: ${s[k]} → ${m[k]}`);
    details.push(...endpointChange('incoming', draftEndpoint(m, effective(m, d, profiles, 'incoming')), publishedEndpoint(s.incoming)));
    details.push(...endpointChange('outgoing', draftEndpoint(m, effective(m, d, profiles, 'outgoing')), publishedEndpoint(s.outgoing)));
    const profileEdited = ['incoming', 'outgoing'].some((dir) => { const p = effective(m, d, profiles, dir); return p && edited(p); });
    if (details.length || edited(m) || profileEdited) {
      changes.push({ what: 'mailbox', name: m.address, change: 'changed',
        details: details.length ? details : [edited(m) ? 'edited since this version (e.g. credentials)' : 'its profile was edited since this version'] });
    }
  }
  for (const s of snapMailboxes.values()) {
    if (!mailboxes.some((m) => m.id === s.id)) changes.push({ what: 'mailbox', name: s.address, change: 'removed', details: [] });
  }
  return changes;
}
