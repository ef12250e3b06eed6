import { Injectable } from '@nestjs/common';
import type { MailReceivedV1 } from '@mailrouter/contracts';
import { EventPublisher, RawMailStore, StoredRaw } from '@mailrouter/messaging';

/** The broker side of receiving: raw MIME into the object store, mailReceived onto INBOUND. */
@Injectable()
export class InboundEventsRepository {
  constructor(private readonly raws: RawMailStore, private readonly publisher: EventPublisher) {}

  get bucket(): string {
    return this.raws.bucket;
  }

  storeRaw(receivedId: string, raw: Buffer): Promise<StoredRaw> {
    return this.raws.put(receivedId, raw);
  }

  /** Nats-Msg-Id = receivedId: a repeated publish of the same message is dropped by the server. */
  async publishReceived(event: MailReceivedV1): Promise<void> {
    await this.publisher.publish('mailReceived', event, event.receivedId);
  }
}
