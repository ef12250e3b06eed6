import { schemaDrift } from '@mailrouter/testing';
import { dataSourceOptions } from './data-source';

describe('config schema', () => {
  it('has migrations that match the entities', async () => {
    expect(await schemaDrift(dataSourceOptions)).toEqual([]);
  });
});
