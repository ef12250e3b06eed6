import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigStore } from '@mailrouter/messaging';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { notFound } from '../shared/http-errors';
import { PublicationRepository, PublicationSummary } from './publication.repository';
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
    const n = /^\d{1,9}$/.test(version) ? Number(version) : NaN;
    const found = Number.isSafeInteger(n) ? await this.publications.find(n) : null;
    if (!found) throw notFound('published version', version);
    return redactPublishedConfig(found.snapshot);
  }
}
