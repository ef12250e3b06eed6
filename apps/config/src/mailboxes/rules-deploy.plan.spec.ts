import type { MailEndpointV1 } from '@mailrouter/contracts';
import type { EndpointResolution } from '../endpoints/endpoint-resolution';
import { ChosenMailbox, chunked, chunkResults, inChosenOrder, planRuleDeployment, summarize } from './rules-deploy.plan';

const endpoint = { protocol: 'imap', host: 'h', port: 143 } as MailEndpointV1;
const m = (id: string, over: Partial<ChosenMailbox> = {}): ChosenMailbox => ({ id, address: `${id}@contoso.test`, kind: 'user', deploymentId: 'd1', ...over });

describe('rule deployment plan', () => {
  const forward = { id: 'fw', deploymentId: 'd1' };
  const resolve = (mb: ChosenMailbox): EndpointResolution =>
    mb.id === 'nopw' ? { endpoint, problem: { status: 'failure', message: 'missing credentials: the mailbox has no password' } } : { endpoint };

  it('keeps user mailboxes of the deployment with an endpoint, and says why each other one fails', () => {
    const plan = planRuleDeployment([m('a'), m('q', { kind: 'queue' }), m('fw', { kind: 'forward' }), m('x', { deploymentId: 'd2' }), m('nopw')], forward, resolve);
    expect(plan.targets).toEqual([{ mailboxId: 'a', address: 'a@contoso.test', endpoint }]);
    expect(plan.failures.map((f) => [f.mailboxId, f.change, f.message])).toEqual([
      ['q', 'failed', "a queue mailbox gets no forward rule: only users' mailboxes do"],
      ['fw', 'failed', 'this is the forward mailbox itself'],
      ['x', 'failed', 'belongs to another deployment than the forward mailbox'],
      ['nopw', 'failed', 'no usable incoming access: missing credentials: the mailbox has no password'],
    ]);
  });

  it('chunks by 100', () => {
    expect(chunked(Array.from({ length: 250 }, (_, i) => i)).map((c) => c.length)).toEqual([100, 100, 50]);
    expect(chunked([])).toEqual([]);
  });

  it("takes incoming's result per mailbox asked, fails the ones it left out, ignores ones never asked", () => {
    const asked = [{ mailboxId: 'a', address: 'a@x', endpoint }, { mailboxId: 'b', address: 'b@x', endpoint }];
    const results = chunkResults(asked, { results: [
      { mailboxId: 'z', address: 'z@x', change: 'created', message: '' },
      { mailboxId: 'a', address: 'A@X', via: 'ews', change: 'updated', message: 'rule updated' },
    ] });
    expect(results).toEqual([
      { mailboxId: 'a', address: 'a@x', via: 'ews', change: 'updated', message: 'rule updated' },
      { mailboxId: 'b', address: 'b@x', change: 'failed', message: 'the incoming service gave no result for this mailbox' },
    ]);
    expect(summarize(results)).toEqual({ created: 0, updated: 1, unchanged: 0, removed: 0, absent: 0, failed: 1 });
    expect(inChosenOrder([{ id: 'b' }, { id: 'a' }], results).map((r) => r.mailboxId)).toEqual(['b', 'a']);
  });
});
