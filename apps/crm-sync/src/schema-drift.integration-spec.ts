import { schemaDrift } from '@mailrouter/testing';
import { dataSourceOptions } from './data-source';

// Real services: allow for a loaded machine (jest's project-level testTimeout does not apply here).

describe('crm schema', () => {
  it('the migrations build exactly what the entities describe', async () => {
    expect(await schemaDrift(dataSourceOptions)).toEqual([]);
  });
});
