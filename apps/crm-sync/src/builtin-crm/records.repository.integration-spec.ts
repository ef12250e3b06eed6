import { RecordsRepository } from './records.repository';
import { TrackingWorld } from './tracking-world.testing';

describe('RecordsRepository.matchAddresses: every record type of every address in one query (real PostgreSQL)', () => {
  let w: TrackingWorld;

  beforeAll(async () => {
    w = await TrackingWorld.start();
  });

  afterAll(async () => {
    await w?.close();
  });

  it('lists an address\'s records in resolution order (user, contact, account, lead, queue), oldest first within a type', async () => {
    const user = await w.create('users', { fullName: 'Sam Shared', email: 'sam@shared.test' });
    const olderLead = await w.create('leads', { fullName: 'Lead One', email: 'sam@shared.test' });
    const account = await w.create('accounts', { name: 'Shared Inc', email: 'sam@shared.test' });
    const contact = await w.create('contacts', { fullName: 'Sam Contact', email: 'sam@shared.test', accountId: account });
    const newerLead = await w.create('leads', { fullName: 'Lead Two', email: 'sam@shared.test' });
    const queue = await w.create('queues', { name: 'Shared queue', email: 'sam@shared.test' });
    const olga = await w.create('contacts', { fullName: 'Olga Other', email: 'olga@shared.test', accountId: account });

    const matches = await w.crm.app.get(RecordsRepository).matchAddresses(
      ['sam@shared.test', 'olga@shared.test', 'nobody@shared.test', 'sam@shared.test', ''],
    );

    expect([...matches.keys()].sort()).toEqual(['olga@shared.test', 'sam@shared.test']);
    expect(matches.get('sam@shared.test')).toEqual([
      { type: 'user', id: user },
      { type: 'contact', id: contact },
      { type: 'account', id: account },
      { type: 'lead', id: olderLead },
      { type: 'lead', id: newerLead },
      { type: 'queue', id: queue },
    ]);
    expect(matches.get('olga@shared.test')).toEqual([{ type: 'contact', id: olga }]);
    expect((await w.crm.app.get(RecordsRepository).matchAddresses([])).size).toBe(0);
  });
});
