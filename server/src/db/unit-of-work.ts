import type { Knex } from 'knex';

/**
 * Work across several stores in one Postgres transaction. `bind` builds the stores on the
 * transaction, so a service asks for a unit of work and never holds knex or a transaction itself.
 */
export class UnitOfWork<Stores> {
  constructor(
    private readonly db: Knex,
    private readonly bind: (trx: Knex) => Stores,
  ) {}

  /** Runs `work` with stores bound to a new transaction: it commits when `work` resolves and rolls back when it throws. */
  run<T>(work: (stores: Stores) => Promise<T>): Promise<T> {
    return this.db.transaction((trx) => work(this.bind(trx)));
  }
}
