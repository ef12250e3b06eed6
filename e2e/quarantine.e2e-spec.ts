/**
 * The quarantine and backfill through the four services as processes and the config API, and
 * the console's Quarantine page in Debian's Chromium: alice's mailbox published by mistake as a
 * forward mailbox quarantines her plain mail ('forward-without-message'); after the fix the
 * operator re-processes one (one activity, however often), attaches one by hand to a contact
 * (one activity regarding it, however often), discards one (gone from the list, the trace says
 * discarded) and re-processes the last in the browser. A second mailbox whose mail was read
 * (\Seen) before the router saw it is backfilled: tracked once, and a second backfill adds nothing.
 */
import { appendToInbox, buildMime, createMailUser, listInbox, MailUser, SmtpSink, TEST_DOVECOT, uniqueName, waitFor } from '@mailrouter/testing';
import { BrowserUnderTest } from './support/browser';
import { RouterUnderTest } from './support/router';
import { emailsFor, EmailView } from './support/demo-world';

interface Mailbox { id: string; address: string; crmId?: string }
interface Quarantined { receivedId: string; mailboxId: string; reason?: string; reasonText?: string; messageId?: string; subject?: string; reprocessable: boolean }
interface TraceItem { receivedId: string; verdict?: { outcome: string; reason: string; reasonText: string }; activityId?: string; server?: { state: string; settleError?: string } }

describe('quarantine (re-process, attach by hand, discard) and backfill, end to end', () => {
  const router = new RouterUnderTest({ CLAIM_INTERVAL_MS: '300' });
  const sink = new SmtpSink();
  const browser = new BrowserUnderTest();
  let alice: MailUser;
  let carol: MailUser;
  const crm: Record<string, { id: string }> = {};
  const boxes: Record<string, Mailbox> = {};
  // One quarantined message per action: re-process, attach, discard, the browser's re-process.
  const mail = ['reprocess', 'attach', 'discard', 'browser'].map((k) => ({ key: k, subject: uniqueName(`Q ${k}`), messageId: `<${uniqueName(`q-${k}`)}@customer.test>` }));
  const byKey: Record<string, Quarantined> = {};
  const started = Date.now();

  const quarantine = async () => (await router.call<{ messages: Quarantined[] }>('GET', `/api/v1/quarantine?mailboxId=${boxes.alice.id}`)).messages;
  const activities = (messageId: string) => emailsFor(router, { direction: 'incoming', messageId });
  const trace = (messageId: string) => router.call<{ items: TraceItem[] }>('GET', `/api/v1/trace/${encodeURIComponent(messageId)}`);

  beforeAll(async () => {
    await sink.start();
    await Promise.all([router.start(), browser.start()]);
    alice = createMailUser('qalice');
    carol = createMailUser('qcarol');
    const imap = await router.call<{ id: string }>('POST', '/api/v1/profiles', {
      name: 'Dovecot IMAP', direction: 'incoming', protocol: 'imap', host: '127.0.0.1', port: TEST_DOVECOT.imapPort,
      security: 'none', auth: { type: 'basic' }, credentials: 'mailbox', pollIntervalSeconds: 1,
    });
    const smtp = await router.call<{ id: string }>('POST', '/api/v1/profiles', {
      name: 'SMTP sink', direction: 'outgoing', protocol: 'smtp', host: '127.0.0.1', port: sink.port, security: 'none', auth: { type: 'none' }, credentials: 'profile',
    });
    const deployment = await router.call<{ id: string }>('POST', '/api/v1/deployments', {
      name: 'Quarantine E2E', crm: { type: 'builtin' }, incomingProfileId: imap.id, outgoingProfileId: smtp.id,
    });
    crm.dana = await router.call('POST', '/crm/v1/contacts', { fullName: 'Dana Customer', email: 'dana@customer.test' });
    crm.alice = await router.call('POST', '/crm/v1/users', { fullName: 'Alice Quarantine', email: alice.address, incomingTracking: 'all', emailRouter: true });
    crm.carol = await router.call('POST', '/crm/v1/users', { fullName: 'Carol Backfill', email: carol.address, incomingTracking: 'all', emailRouter: true });
    const loaded = await router.call<{ created: Mailbox[] }>('POST', `/api/v1/deployments/${deployment.id}/load-data`);
    const of = (id: string) => loaded.created.find((m) => m.crmId === id)!;
    // The cause: alice's own mailbox published as a forward mailbox.
    boxes.alice = await router.call<Mailbox>('PATCH', `/api/v1/mailboxes/${of(crm.alice.id).id}`, { username: alice.username, password: alice.password, kind: 'forward' });
    boxes.carol = await router.call<Mailbox>('PATCH', `/api/v1/mailboxes/${of(crm.carol.id).id}`, { username: carol.username, password: carol.password });
    for (const m of mail) {
      await appendToInbox(alice, await buildMime({ from: 'Dana Customer <dana@customer.test>', to: alice.address, subject: m.subject, messageId: m.messageId, text: `about ${m.key}` }));
    }
    // carol read these in another client before the router served her mailbox.
    for (const n of [1, 2]) {
      await appendToInbox(carol, await buildMime({ from: 'dana@customer.test', to: carol.address, subject: `Read before ${n}`, messageId: `<read-before-${n}-${carol.username}@customer.test>`, text: 'old' }), ['\\Seen']);
    }
    await router.call('POST', '/api/v1/publish', { comment: 'quarantine e2e: the mistake' });
    const listed = await waitFor('the four messages quarantined', async () => {
      const q = await quarantine();
      return q.length === mail.length ? q : undefined;
    }, 60_000);
    for (const q of listed) byKey[mail.find((m) => m.messageId === q.messageId)!.key] = q;
    // The fix: the mailbox is alice's own.
    await router.call('PATCH', `/api/v1/mailboxes/${boxes.alice.id}`, { kind: 'user' });
    await router.call('POST', '/api/v1/publish', { comment: 'quarantine e2e: the fix' });
    console.log(`quarantine e2e: setup ${Date.now() - started} ms`);
  }, 120_000);

  afterAll(async () => {
    await browser.stop();
    await router.stop();
    await sink.stop();
  });

  it('lists each quarantined message with its reason, Message-ID and subject; left untouched on the server', async () => {
    for (const m of mail) {
      expect(byKey[m.key]).toMatchObject({ mailboxId: boxes.alice.id, reason: 'forward-without-message', subject: m.subject, messageId: m.messageId, reprocessable: true });
      expect(byKey[m.key].reasonText).toMatch(/carries no forwarded message/);
    }
    expect((await listInbox(alice)).every((msg) => !msg.flags.has('\\Seen'))).toBe(true);
  });

  it('re-processed after the fix: exactly one activity; re-processed again: still one', async () => {
    const m = mail[0];
    const first = await router.call<{ status: string; newReceivedId: string }>('POST', `/api/v1/quarantine/${encodeURIComponent(byKey.reprocess.receivedId)}/reprocess`, undefined, 200);
    expect(first.status).toBe('reprocessed');
    const found = await waitFor('the re-processed message tracked', async () => {
      const list = await activities(m.messageId);
      return list.length ? list : undefined;
    }, 30_000);
    expect(found).toHaveLength(1);
    expect(found[0].owner).toEqual({ type: 'user', id: crm.alice.id });
    const again = await router.call<{ status: string; newReceivedId: string }>('POST', `/api/v1/quarantine/${encodeURIComponent(byKey.reprocess.receivedId)}/reprocess`, undefined, 200);
    expect(again.newReceivedId).toBe(`${byKey.reprocess.receivedId}#r2`);
    await waitFor('the second re-process decided', async () => (await trace(m.messageId)).items.some((i) => i.receivedId === again.newReceivedId && i.verdict));
    expect(await activities(m.messageId)).toHaveLength(1);
  }, 60_000);

  it('attached by hand to a contact: one activity regarding it, of the mailbox\'s owner; attached again: the same; an unknown record is a 404 naming it', async () => {
    const m = mail[1];
    const path = `/api/v1/quarantine/${encodeURIComponent(byKey.attach.receivedId)}/attach`;
    const unknown = await router.call<{ message: string }>('POST', path, { regarding: { type: 'contact', id: '00000000-0000-4000-8000-000000000000' } }, 404);
    expect(unknown.message).toBe('no contact 00000000-0000-4000-8000-000000000000 in the built-in CRM');
    const t0 = Date.now();
    const first = await router.call<{ status: string; activityId: string; existed: boolean }>('POST', path, { regarding: { type: 'contact', id: crm.dana.id } }, 200);
    console.log(`quarantine e2e: attach answered in ${Date.now() - t0} ms`);
    expect(first).toMatchObject({ status: 'attached', existed: false });
    const list: EmailView[] = await activities(m.messageId);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: first.activityId, owner: { type: 'user', id: crm.alice.id }, regarding: { type: 'contact', id: crm.dana.id }, subject: m.subject });
    const second = await router.call<{ status: string; activityId: string; existed: boolean }>('POST', path, { regarding: { type: 'contact', id: crm.dana.id } }, 200);
    expect(second).toMatchObject({ status: 'attached', activityId: first.activityId, existed: true });
    expect(await activities(m.messageId)).toHaveLength(1);
    expect((await quarantine()).map((q) => q.receivedId)).not.toContain(byKey.attach.receivedId);
    // The trail and the trace say who attached it; the server copy is settled as tracked mail (seen).
    const item = await waitFor('the attached message settled on the server', async () => {
      const i = (await trace(m.messageId)).items.find((x) => x.receivedId === byKey.attach.receivedId);
      return i?.server?.state === 'settled' ? i : undefined;
    }, 30_000);
    expect(item.verdict).toMatchObject({ outcome: 'tracked', reasonText: `attached by hand by ROUTER_API_TOKEN to contact ${crm.dana.id}` });
    expect(item.activityId).toBe(first.activityId);
    const server = await listInbox(alice);
    expect(server.find((s) => s.messageId === m.messageId)?.flags.has('\\Seen')).toBe(true);
  }, 60_000);

  it('discarded: gone from the list, the trace says discarded, nothing tracked', async () => {
    const m = mail[2];
    const answer = await router.call<{ status: string }>('POST', `/api/v1/quarantine/${encodeURIComponent(byKey.discard.receivedId)}/discard`, undefined, 200);
    expect(answer.status).toBe('discarded');
    expect((await quarantine()).map((q) => q.receivedId)).not.toContain(byKey.discard.receivedId);
    const item = (await trace(m.messageId)).items.find((i) => i.receivedId === byKey.discard.receivedId);
    expect(item?.verdict?.outcome).toBe('quarantined');
    expect(item?.server?.settleError).toMatch(/^discarded by an administrator at /);
    expect(await activities(m.messageId)).toHaveLength(0);
  });

  it('backfill takes mail read before the router saw it, once; a second backfill makes no duplicates', async () => {
    const ids = [1, 2].map((n) => `<read-before-${n}-${carol.username}@customer.test>`);
    for (const id of ids) expect(await activities(id)).toHaveLength(0); // \Seen: not taken by the normal polls
    const since = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const t0 = Date.now();
    const first = await router.call<{ status: string; found: number; fresh: number }>('POST', `/api/v1/mailboxes/${boxes.carol.id}/backfill`, { since }, 200);
    console.log(`quarantine e2e: backfill answered in ${Date.now() - t0} ms`);
    expect(first).toMatchObject({ status: 'done', found: 2, fresh: 2 });
    for (const id of ids) await waitFor(`${id} tracked`, async () => (await activities(id)).length === 1, 30_000);
    const second = await router.call<{ status: string; found: number; fresh: number }>('POST', `/api/v1/mailboxes/${boxes.carol.id}/backfill`, { since }, 200);
    expect(second).toMatchObject({ status: 'done', found: 2, fresh: 0 });
    for (const id of ids) expect(await activities(id)).toHaveLength(1);
  }, 60_000);

  it('the Quarantine page lists the message and re-processes it in the browser', async () => {
    const page = browser.page;
    const m = mail[3];
    await page.goto(`${router.url('config')}/console/`);
    await page.locator('[name="token"]').fill(router.token);
    await page.locator('[name="token"]').press('Enter');
    await page.getByRole('navigation').getByRole('link', { name: 'Quarantine', exact: true }).click();
    const row = page.locator(`tr[data-received-id="${byKey.browser.receivedId}"]`);
    await row.getByText(m.subject).waitFor();
    await row.getByText('forward-without-message').waitFor();
    await row.getByText(m.messageId).waitFor();
    // Only the one left: the re-processed, attached and discarded ones are off the list.
    expect(await page.locator('tr[data-received-id]').count()).toBe(1);
    await browser.screenshot('quarantine');
    await row.getByRole('button', { name: 'Re-process' }).click();
    await page.getByText(`${byKey.browser.receivedId} is published again as ${byKey.browser.receivedId}#r1`).waitFor();
    await row.waitFor({ state: 'detached' });
    await waitFor('the message re-processed in the browser tracked', async () => (await activities(m.messageId)).length === 1, 30_000);
    expect(browser.errors).toEqual([]);
  }, 60_000);
});
