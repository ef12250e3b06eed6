import { schemaDrift } from '@mailrouter/testing';
import { dataSourceOptions } from './data-source';

it('the incoming migrations create exactly what the entities describe', async () => {
  expect(await schemaDrift(dataSourceOptions)).toEqual([]);
});
