/** Persistence of directory offers (on a directory) and of the offers a member published. */
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, DirectoryOffersTable, PublishedOffersTable } from '../storage/schema.js';

export type DirectoryOfferRow = Selectable<DirectoryOffersTable>;
export type PublishedOfferRow = Selectable<PublishedOffersTable>;

export class DirectoryRepo {
  constructor(private readonly db: Kysely<Database>) {}

  // On a directory node.

  async upsertOffer(row: Insertable<DirectoryOffersTable>): Promise<DirectoryOfferRow> {
    const { id: _id, published_at: _p, ...changes } = row;
    return this.db
      .insertInto('directory_offers')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet({ ...changes, updated_at: new Date() }))
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  offer(id: string): Promise<DirectoryOfferRow | undefined> {
    return this.db
      .selectFrom('directory_offers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
  }

  offers(): Promise<DirectoryOfferRow[]> {
    return this.db
      .selectFrom('directory_offers')
      .selectAll()
      .orderBy('updated_at', 'desc')
      .execute();
  }

  async deleteOffer(id: string, nodeId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('directory_offers')
      .where('id', '=', id)
      .where('node_id', '=', nodeId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // On a member node.

  async savePublished(row: Insertable<PublishedOffersTable>): Promise<PublishedOfferRow> {
    const { id: _id, published_at: _p, ...changes } = row;
    return this.db
      .insertInto('published_offers')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet({ ...changes, updated_at: new Date() }))
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  published(id: string): Promise<PublishedOfferRow | undefined> {
    return this.db
      .selectFrom('published_offers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** The live offer of `datasetId` on `directory`, if any (re-publishing updates it). */
  publishedDataset(directory: string, datasetId: string): Promise<PublishedOfferRow | undefined> {
    return this.db
      .selectFrom('published_offers')
      .selectAll()
      .where('directory_node_id', '=', directory)
      .where('dataset_id', '=', datasetId)
      .where('status', '=', 'published')
      .executeTakeFirst();
  }

  /** The offers of dataset `datasetId` that are published on any directory. */
  publishedOffersOf(datasetId: string): Promise<PublishedOfferRow[]> {
    return this.db
      .selectFrom('published_offers')
      .selectAll()
      .where('dataset_id', '=', datasetId)
      .where('status', '=', 'published')
      .execute();
  }

  allPublished(): Promise<PublishedOfferRow[]> {
    return this.db
      .selectFrom('published_offers')
      .selectAll()
      .orderBy('updated_at', 'desc')
      .execute();
  }

  async setPublishedStatus(id: string, status: string, reason: string | null): Promise<void> {
    await this.db
      .updateTable('published_offers')
      .set({ status, status_reason: reason, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  }
}
