import { runCaptured } from '../testing/run-cli';
import { table } from '../support/output';
import { describeTrace } from './publish-trace.commands';

describe('readable output', () => {
  it('explains a trace: verdict, correlation, parties, server state, outgoing failure, partial answers', () => {
    const lines = describeTrace({
      items: [
        { direction: 'incoming', messageId: '<r1@x>', subject: 'RE: offer CRM:0001001', from: 'carol@example.net', to: ['alice@contoso.test'],
          mailbox: { address: 'alice@contoso.test', kind: 'user' }, receivedAt: 't1', stage: 'settled',
          verdict: { outcome: 'tracked', reason: 'correlation-match', reasonText: 'token in subject', correlation: { activityId: 'a1', rule: 'token' } },
          activityId: 'a2', parties: [{ role: 'from', address: 'carol@example.net', recordType: 'contact', recordId: 'c1' }], server: { state: 'settled', settledAt: 't2' } },
        { direction: 'outgoing', messageId: '<o1@x>', subject: 'offer', from: 'alice@contoso.test', to: ['nobody@example.org'], status: 'failed', deliveryAttempts: 3, failureReason: '550 5.1.1 user unknown' },
      ],
      partial: true, missing: ['incoming'], problems: [{ service: 'incoming', message: 'timed out after 5 s' }],
    });
    expect(lines).toEqual([
      'INCOMING <r1@x>  "RE: offer CRM:0001001"',
      '  from carol@example.net to alice@contoso.test',
      '  received t1 in user mailbox alice@contoso.test; stage: settled',
      '  verdict: tracked (correlation-match) — token in subject; correlated by token to activity a1',
      '  activity: a2',
      '  party from carol@example.net → contact c1',
      '  on the mail server: settled at t2',
      'OUTGOING <o1@x>  "offer"',
      '  from alice@contoso.test to nobody@example.org',
      '  status: failed after 3 attempt(s) — 550 5.1.1 user unknown',
      'PARTIAL: incoming did not answer',
      '  incoming: timed out after 5 s',
    ]);
  });

  it('pads tables to the widest cell', () => {
    expect(table(['A', 'BB'], [['xxx', 'y'], ['z', '']])).toBe('A    BB\n---  --\nxxx  y\nz');
  });

  it('--help works everywhere without a token; unknown commands and options are usage errors (exit 2)', async () => {
    for (const argv of [['--help'], ['config', 'export', '--help'], ['rules', 'deploy', '-h'], ['import-legacy', '--help'], ['config', '--help']]) {
      const run = await runCaptured(argv, {});
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('usage: ');
    }
    expect((await runCaptured([], {})).code).toBe(2);
    const unknown = await runCaptured(['config', 'export', '--bogus'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--bogus'");
    const noToken = await runCaptured(['publish'], { MAILROUTER_URL: 'http://127.0.0.1:1' });
    expect(noToken).toMatchObject({ code: 2, stderr: expect.stringContaining('set MAILROUTER_TOKEN') });
  });
});
