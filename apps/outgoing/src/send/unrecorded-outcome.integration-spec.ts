import type { INestApplication } from '@nestjs/common';
import type { SendResultV1 } from '@mailrouter/contracts';
import { SmtpScriptAction, SmtpSink, SunkMessage } from '@mailrouter/testing';
import { OutgoingApp, smtpEndpoint, testSendCommand } from '../testing/outgoing-app';
import { SendEmailUseCase } from './send-email.usecase';
import { SendLogRepository } from './send-log.repository';
import { UnrecordedOutcomes } from './unrecorded-outcomes';

/**
 * Issue 6, fault 3 at the scale of one email: PostgreSQL goes away between the server's reply
 * and recording it in the send log. The consumer runs the command again (in place, while the
 * database is away); the re-run must record the outcome this process already has, not talk to
 * the server again. The send log's writes fail on purpose, with the error PostgreSQL gives when
 * it shuts down (57P01), for one email at a time. Each test prints one count line.
 */
/** Short, so that the "another process" case (the lease must run out) stays quick. */
const LEASE_MS = 1_500;

function databaseGone(): Error {
  return Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
}

/** `local@` → what the sink answers to each offer (1-based); undefined accepts. */
const SCRIPTS: Record<string, (n: number) => SmtpScriptAction | undefined> = {
  'r550': () => ({ code: 550, message: '5.1.1 no such user' }),
  'r451': (n) => (n === 1 ? { code: 451, message: '4.3.0 try again later' } : undefined),
};

describe('outgoing: the database away between the SMTP reply and recording it — the outcome is recorded, not sent again', () => {
  const outgoing = new OutgoingApp();
  const offers = new Map<string, number>();
  const sink = new SmtpSink({
    script: (_offer, _from, to) => {
      const rcpt = to[0] ?? '';
      const n = (offers.get(rcpt) ?? 0) + 1;
      offers.set(rcpt, n);
      return SCRIPTS[rcpt.split('@')[0]]?.(n);
    },
  });
  let app: INestApplication;
  let sendLog: SendLogRepository;
  /** Handler runs per email id. */
  const runs = new Map<string, number>();
  /** The send log's writes made to fail by the running test. */
  let failing: jest.SpyInstance | undefined;

  function copiesTo(rcpt: string): SunkMessage[] {
    return sink.accepted.filter((m) => m.to.includes(rcpt));
  }

  /**
   * Makes `method` of the send log fail `times` times for `emailId` with the database-gone error
   * (`finish` also in its batched form, finishMany: the statement that holds the email fails).
   * `committed`: the write reaches the database first and only its answer is lost.
   */
  function failWrites(method: 'finish' | 'releaseAfterTransient', emailId: string, times: number, committed = false, after?: () => void): { failed: number } {
    const state = { failed: 0 };
    const spies: jest.SpyInstance[] = [];
    const fail = (name: 'finish' | 'finishMany' | 'releaseAfterTransient', names: (args: unknown[]) => string[]) => {
      const real = (sendLog[name] as (...args: unknown[]) => Promise<unknown>).bind(sendLog);
      spies.push(jest.spyOn(sendLog, name).mockImplementation((async (...args: unknown[]) => {
        if (!names(args).includes(emailId) || state.failed >= times) return real(...args);
        if (committed) await real(...args);
        state.failed++;
        after?.();
        throw databaseGone();
      }) as never));
    };
    fail(method, (args) => [args[0] as string]);
    if (method === 'finish') fail('finishMany', (args) => (args[0] as { emailId: string }[]).map((i) => i.emailId));
    failing = { mockRestore: () => spies.forEach((s) => s.mockRestore()) } as jest.SpyInstance;
    return state;
  }

  beforeAll(async () => {
    await sink.start();
    await outgoing.start(smtpEndpoint(sink.port), {
      SEND_MAX_ATTEMPTS: '3',
      SEND_RETRY_INITIAL_MS: '300',
      SEND_RETRY_MAX_MS: '1000',
      SEND_ATTEMPT_LEASE_MS: String(LEASE_MS),
      SEND_IN_FLIGHT_RECHECK_MS: '200',
    }, (built) => {
      app = built;
      sendLog = app.get(SendLogRepository);
      const useCase = app.get(SendEmailUseCase);
      const execute = useCase.execute.bind(useCase);
      jest.spyOn(useCase, 'execute').mockImplementation((cmd, delivery) => {
        runs.set(cmd.emailId, (runs.get(cmd.emailId) ?? 0) + 1);
        return execute(cmd, delivery);
      });
    });
  });

  afterEach(() => failing?.mockRestore());

  afterAll(async () => {
    await outgoing.stop();
    await sink.stop();
  });

  async function send(emailId: string, rcpt: string): Promise<SendResultV1> {
    await outgoing.publish(testSendCommand(emailId, { to: [{ address: rcpt }], subject: 'Outage', text: 'Hello' }));
    return outgoing.resultOf(emailId);
  }

  it('a 250 whose `sent` could not be written (three times) is recorded on the re-run: one SMTP copy, not flagged', async () => {
    const rcpt = 'bob@example.org';
    const writes = failWrites('finish', 'email-250', 3);
    const result = await send('email-250', rcpt);
    const row = await sendLog.find('email-250');
    console.log(`unrecorded 250: failed writes ${writes.failed}, handler runs ${runs.get('email-250')}, offers ${offers.get(rcpt)}, SMTP copies ${copiesTo(rcpt).length}, outcome ${result.outcome}, attempts ${result.deliveryAttempts}, possibleDuplicate ${result.possibleDuplicate}, kept in memory ${app.get(UnrecordedOutcomes).size}`);
    expect(writes.failed).toBe(3);
    expect(runs.get('email-250')).toBe(4);
    expect(copiesTo(rcpt)).toHaveLength(1);
    expect(result).toMatchObject({ outcome: 'sent', deliveryAttempts: 1, possibleDuplicate: false });
    expect(result.serverResponse).toMatch(/^250 /);
    expect(row).toMatchObject({ state: 'sent', attempts: 1, possibleDuplicate: false, attemptLeaseUntil: null });
    expect(app.get(UnrecordedOutcomes).size).toBe(0); // dropped once recorded
  });

  it('a `sent` that did commit but whose answer was lost: the re-run finds it in the log, one copy, reported once', async () => {
    const rcpt = 'carol@example.org';
    const writes = failWrites('finish', 'email-committed', 1, true);
    const result = await send('email-committed', rcpt);
    console.log(`committed, answer lost: failed writes ${writes.failed}, handler runs ${runs.get('email-committed')}, SMTP copies ${copiesTo(rcpt).length}, outcome ${result.outcome}, possibleDuplicate ${result.possibleDuplicate}`);
    expect(writes.failed).toBe(1);
    expect(copiesTo(rcpt)).toHaveLength(1);
    expect(result).toMatchObject({ outcome: 'sent', deliveryAttempts: 1, possibleDuplicate: false });
    expect(app.get(UnrecordedOutcomes).size).toBe(0);
  });

  it('a 550 whose `failed` could not be written is recorded failed with the reply, after one offer', async () => {
    const rcpt = 'r550@example.org';
    const writes = failWrites('finish', 'email-550', 2);
    const result = await send('email-550', rcpt);
    console.log(`unrecorded 550: failed writes ${writes.failed}, handler runs ${runs.get('email-550')}, offers ${offers.get(rcpt)}, outcome ${result.outcome}, reason "${result.reason}"`);
    expect(writes.failed).toBe(2);
    expect(offers.get(rcpt)).toBe(1);
    expect(result).toMatchObject({ outcome: 'failed', deliveryAttempts: 1, possibleDuplicate: false, reason: '550 5.1.1 no such user' });
  });

  it('a 451 whose release could not be written is retried after its backoff, sent once, not flagged', async () => {
    const rcpt = 'r451@example.org';
    const writes = failWrites('releaseAfterTransient', 'email-451', 2);
    const result = await send('email-451', rcpt);
    console.log(`unrecorded 451: failed writes ${writes.failed}, handler runs ${runs.get('email-451')}, offers ${offers.get(rcpt)}, SMTP copies ${copiesTo(rcpt).length}, outcome ${result.outcome}, attempts ${result.deliveryAttempts}, possibleDuplicate ${result.possibleDuplicate}`);
    expect(writes.failed).toBe(2);
    expect(offers.get(rcpt)).toBe(2);
    expect(copiesTo(rcpt)).toHaveLength(1);
    expect(result).toMatchObject({ outcome: 'sent', deliveryAttempts: 2, possibleDuplicate: false });
  });

  it('a process that does not know the outcome (another replica, a restart) sends again: same Message-ID, flagged possible duplicate', async () => {
    const rcpt = 'dave@example.org';
    // Forgetting right after the failed write is what a restart or another replica amounts to.
    const writes = failWrites('finish', 'email-forgotten', 1, false, () => setImmediate(() => app.get(UnrecordedOutcomes).forget('email-forgotten')));
    const result = await send('email-forgotten', rcpt);
    const copies = copiesTo(rcpt);
    const messageIds = new Set(copies.map((c) => /^Message-ID: (.*)$/im.exec(c.raw.toString('utf8'))?.[1]));
    console.log(`outcome forgotten: failed writes ${writes.failed}, SMTP copies ${copies.length}, Message-IDs ${messageIds.size}, outcome ${result.outcome}, attempts ${result.deliveryAttempts}, possibleDuplicate ${result.possibleDuplicate}`);
    expect(copies).toHaveLength(2);
    expect(messageIds).toEqual(new Set([result.messageId]));
    expect(result).toMatchObject({ outcome: 'sent', deliveryAttempts: 2, possibleDuplicate: true });
  });
});
