import { Injectable } from '@nestjs/common';
import type { SendResultV1 } from '@mailrouter/contracts';
import { EventPublisher, PublishResult } from '@mailrouter/messaging';

/** The Nats-Msg-Id of an email's result: one result per email, a republished one is dropped by JetStream. */
export function sendResultMsgId(emailId: string): string {
  return `${emailId}:result`;
}

/** Publishes `sendResult` events (stream OUTBOUND). */
@Injectable()
export class SendResultsRepository {
  constructor(private readonly publisher: EventPublisher) {}

  publish(result: SendResultV1): Promise<PublishResult> {
    return this.publisher.publish('sendResult', result, sendResultMsgId(result.emailId));
  }
}
