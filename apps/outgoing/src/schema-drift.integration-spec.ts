import { schemaDrift } from '@mailrouter/testing';
import { dataSourceOptions } from './data-source';

// The per-project testTimeout of jest.config.js is not applied: give real servers time.

describe('outgoing schema', () => {
  it('migrations create exactly what the entities describe', async () => {
    expect(await schemaDrift(dataSourceOptions)).toEqual([]);
  });
});
