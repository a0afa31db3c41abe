import type { Knex } from 'knex';

/**
 * The unfiltered recordings and transcriptions lists page by (created_at, id) (keyset pagination);
 * these indexes let each page start at its cursor instead of sorting the whole table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX recordings_created_at_id ON recordings (created_at, id)');
  await knex.raw('CREATE INDEX transcriptions_created_at_id ON transcriptions (created_at, id)');
  await knex.raw('CREATE INDEX webhooks_created_at_id ON webhooks (created_at, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX webhooks_created_at_id');
  await knex.raw('DROP INDEX transcriptions_created_at_id');
  await knex.raw('DROP INDEX recordings_created_at_id');
}
