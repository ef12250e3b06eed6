import { BadRequestException, Inject, Injectable, Logger } from '@nestjs/common';
import type { PublishedConfigV1 } from '@mailrouter/contracts';
import { ConfigStore } from '@mailrouter/messaging';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { notFound } from '../shared/http-errors';
import { PublicationRepository, PublicationSummary } from './publication.repository';
import { diffPublished, PublishDiff } from './publish-diff';
import { buildPublishedConfig, redactPublishedConfig } from './published-config.builder';

export interface PublicationView {
  version: number;
  publishedAt: string;
  comment: string | null;
  /** How many mailboxes the version holds. */
  mailboxes: number;
}

function publicationView(p: PublicationSummary): PublicationView {
  return { version: p.version, publishedAt: p.publishedAt.toISOString(), comment: p.comment, mailboxes: p.mailboxCount };
}

export interface PublishDiffView extends PublishDiff {
  /** The version the draft is compared with; null when nothing is published. */
  against: PublicationView | null;
}

export interface RollbackView extends PublicationView {
  rolledBackTo: number;
  /** Always false: a rollback republishes a stored version and leaves the draft as it is. */
  draftChanged: false;
  note: string;
}

/** A version number from a path or query: anything else names no version. */
function versionNumber(text: string): number | null {
  const n = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/** Publish: freezes the edited configuration into the next numbered version the services switch to. */
@Injectable()
export class PublishUseCase {
  private readonly log = new Logger(PublishUseCase.name);

  constructor(
    private readonly publications: PublicationRepository,
    private readonly store: ConfigStore,
    @Inject(CONFIG_SETTINGS) private readonly settings: ConfigSettings,
  ) {}

  async publish(comment: string | undefined): Promise<PublicationView> {
    const publication = await this.publications.publishNext(
      (state, version) => buildPublishedConfig(state, {
        version,
        publishedAt: new Date().toISOString(),
        comment,
        defaultPollIntervalSeconds: this.settings.defaultPollIntervalSeconds,
      }),
      (config) => this.store.write(config),
    );
    this.log.log(`published configuration version ${publication.version} (${publication.mailboxCount} mailboxes)`);
    return publicationView(publication);
  }

  async list(): Promise<PublicationView[]> {
    return (await this.publications.list()).map(publicationView);
  }

  async get(version: string): Promise<unknown> {
    const n = versionNumber(version);
    const found = n === null ? null : await this.publications.find(n);
    if (!found) throw notFound('published version', version);
    return redactPublishedConfig(found.snapshot);
  }

  /**
   * What publishing the draft now would change against version `against` (default: the latest,
   * which the services run): the snapshot the builder would produce now compared with the stored one.
   */
  async diff(against: string | undefined): Promise<PublishDiffView> {
    const wanted = against === undefined || against === '' ? undefined : versionNumber(against);
    if (wanted === null) {
      const message = `against: must be a published version number, not '${against}'`;
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message, fields: [{ field: 'against', message: 'must be a published version number' }] });
    }
    const { state, latest } = await this.publications.readDraft();
    const base = wanted ?? latest;
    const stored = base === null ? null : await this.publications.find(base);
    if (base !== null && !stored) throw notFound('published version', base);
    const draft = buildPublishedConfig(state, {
      version: (latest ?? 0) + 1,
      publishedAt: new Date().toISOString(),
      defaultPollIntervalSeconds: this.settings.defaultPollIntervalSeconds,
    });
    return { against: stored ? publicationView(stored) : null, ...diffPublished(stored?.snapshot, draft) };
  }

  /**
   * Rollback: publishes version N's stored snapshot again as the next version, so the services
   * switch back to it. The draft is not touched, so the next publish from the draft undoes it.
   */
  async rollback(version: string, comment: string | undefined): Promise<RollbackView> {
    const n = versionNumber(version);
    const label = `rollback to version ${n}`;
    const publication = n === null ? null : await this.publications.republish(
      n,
      (stored, next): PublishedConfigV1 => ({
        ...stored,
        version: next,
        publishedAt: new Date().toISOString(),
        comment: comment ? `${label}: ${comment}` : label,
      }),
      (config) => this.store.write(config),
    );
    if (!publication) throw notFound('published version', version);
    this.log.log(`rolled back to configuration version ${n} as version ${publication.version}`);
    return {
      ...publicationView(publication),
      rolledBackTo: n!,
      draftChanged: false,
      note: `The draft is unchanged: publishing it again would undo this rollback (GET /api/v1/publish/diff shows what it would change).`,
    };
  }
}
