// The MailRouter web console: sign in (username + password, or an API token), then the pages of
// the original router's Configuration Manager over the REST API, shown by what the role may do.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './lib/html.js';
import { onUnauthorized, session } from './lib/api.js';
import { can, currentPrincipal, signInWith, signOut } from './lib/access.js';
import { useRoute } from './lib/router.js';
import { SignIn } from './pages/sign-in.js';
import { ProfilesPage } from './pages/profiles.js';
import { ProfileForm } from './pages/profile-form.js';
import { DeploymentsPage } from './pages/deployments.js';
import { DeploymentForm } from './pages/deployment-form.js';
import { MailboxesPage } from './pages/mailboxes.js';
import { MailboxForm } from './pages/mailbox-form.js';
import { RulesPage } from './pages/rules.js';
import { PublishPage } from './pages/publish.js';
import { HealthPage } from './pages/health.js';
import { TracePage } from './pages/trace.js';
import { QuarantinePage } from './pages/quarantine.js';
import { AuditPage } from './pages/audit.js';
import { UsersPage } from './pages/users.js';

const NAV = [
  ['profiles', 'Profiles'],
  ['deployments', 'Deployments'],
  ['mailboxes', 'Mailboxes'],
  ['rules', 'Forward rules'],
  ['publish', 'Publish'],
  ['health', 'Health'],
  ['trace', 'Trace'],
  ['quarantine', 'Quarantine'],
  ['audit', 'Audit', 'audit.read'],
  ['users', 'Users', 'users.manage'],
];

function Page({ route }) {
  const [section, id] = route.parts;
  const p = route.params;
  switch (section) {
    case 'profiles':
      return id ? html`<${ProfileForm} id=${id === 'new' ? undefined : id} params=${p} />` : html`<${ProfilesPage} params=${p} />`;
    case 'deployments':
      return id ? html`<${DeploymentForm} id=${id === 'new' ? undefined : id} />` : html`<${DeploymentsPage} />`;
    case 'mailboxes':
      return id ? html`<${MailboxForm} id=${id === 'new' ? undefined : id} params=${p} />` : html`<${MailboxesPage} params=${p} />`;
    case 'rules':
      return html`<${RulesPage} params=${p} />`;
    case 'publish':
      return html`<${PublishPage} />`;
    case 'health':
      return html`<${HealthPage} params=${p} />`;
    case 'trace':
      return html`<${TracePage} params=${p} />`;
    case 'quarantine':
      return html`<${QuarantinePage} params=${p} />`;
    case 'audit':
      return can('audit.read') ? html`<${AuditPage} />` : html`<p>Your role cannot read the audit log.</p>`;
    case 'users':
      return can('users.manage') ? html`<${UsersPage} />` : html`<p>Only an admin manages users.</p>`;
    default:
      return html`<p>No page here. <a href="#/profiles">Go to profiles</a>.</p>`;
  }
}

function Shell({ onSignOut }) {
  const route = useRoute();
  const section = route.parts[0] ?? 'profiles';
  const who = currentPrincipal();
  return html`<div class="shell">
    <nav class="nav" aria-label="Console sections">
      <div class="brand">MailRouter<small>Configuration console</small></div>
      ${NAV.filter(([, , action]) => !action || can(action)).map(([key, label]) => html`<a href=${`#/${key}`} class=${section === key ? 'active' : ''}
        aria-current=${section === key ? 'page' : undefined}>${label}</a>`)}
      <div class="spacer"></div>
      <div class="brand whoami"><small>Signed in: <strong data-whoami>${who.name}</strong> (<span data-role>${who.role}</span>)</small></div>
      <button type="button" onClick=${onSignOut}>Sign out</button>
    </nav>
    <main class="main"><${Page} key=${route.parts.join('/')} route=${route} /></main>
  </div>`;
}

function App() {
  // 'checking' while a stored token is verified after a reload.
  const [state, setState] = useState(session.token ? 'checking' : 'signed-out');
  const [notice, setNotice] = useState(null);

  useEffect(() => {
    const off = onUnauthorized(() => {
      session.signOut();
      setNotice('Your session or API token was refused (401): it expired, was revoked or changed. Sign in again.');
      setState('signed-out');
    });
    if (session.token) {
      signInWith(session.token).then(() => setState('signed-in')).catch((err) => {
        if (err.status !== 401) setNotice(err.message);
        setState('signed-out');
      });
    }
    return off;
  }, []);

  if (state === 'checking') return html`<p class="boot">Checking your sign-in…</p>`;
  if (state === 'signed-out') {
    return html`<${SignIn} notice=${notice} onSignedIn=${() => { setNotice(null); setState('signed-in'); }} />`;
  }
  return html`<${Shell} onSignOut=${() => { void signOut(); setNotice('Signed out.'); setState('signed-out'); }} />`;
}

const root = document.getElementById('app');
// Preact renders next to what is there: drop the "Loading…" placeholder first.
root.textContent = '';
render(html`<${App} />`, root);
