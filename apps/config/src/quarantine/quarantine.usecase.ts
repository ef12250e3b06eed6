import { HttpException, Inject, Injectable } from '@nestjs/common';
import type {
  AttachRegardingV1, QuarantineActionReplyV1, QuarantineActionRequestV1, QuarantineAttachReplyV1, QuarantineListReplyV1, RpcName, RpcReply, RpcRequest,
} from '@mailrouter/contracts';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { badGateway, serviceUnavailable } from '../shared/http-errors';
import { ServicesRpcRepository } from '../shared/services-rpc.repository';

/** HTTP status of each quarantine action outcome. */
const ACTION_STATUS: Record<QuarantineActionReplyV1['status'], number> = {
  reprocessed: 200, discarded: 200, 'not-found': 404, 'not-quarantined': 409, 'not-reprocessable': 422,
};

/** HTTP status of each attach-by-hand outcome (an unknown record or owner is 404 naming it). */
const ATTACH_STATUS: Record<QuarantineAttachReplyV1['status'], number> = {
  attached: 200, 'not-found': 404, 'record-not-found': 404, 'owner-not-found': 404, 'not-quarantined': 409,
  'not-reprocessable': 422, 'not-supported': 422, unparseable: 422,
};

/** How long the API waits for incoming (which waits for crm-sync) to attach a message. */
export const ATTACH_WAIT_SECONDS = 25;

/** The quarantined received messages, held by incoming: listed, re-processed, discarded. */
@Injectable()
export class QuarantineUseCase {
  constructor(private readonly services: ServicesRpcRepository, @Inject(CONFIG_SETTINGS) private readonly settings: ConfigSettings) {}

  list(query: { mailboxId?: string; limit: number }): Promise<QuarantineListReplyV1> {
    return this.ask('incomingQuarantineList', query);
  }

  async act(receivedId: string, action: QuarantineActionRequestV1['action']): Promise<QuarantineActionReplyV1> {
    const reply = await this.ask('incomingQuarantineAction', { receivedId, action });
    const status = ACTION_STATUS[reply.status];
    if (status >= 400) throw new HttpException({ statusCode: status, error: reply.status, message: reply.message }, status);
    return reply;
  }

  async attach(receivedId: string, body: { regarding: AttachRegardingV1; ownerId?: string }, principal: string): Promise<QuarantineAttachReplyV1> {
    const reply = await this.ask('incomingQuarantineAttach', { receivedId, ...body, principal }, ATTACH_WAIT_SECONDS);
    const status = ATTACH_STATUS[reply.status];
    if (status >= 400) throw new HttpException({ statusCode: status, error: reply.status, message: reply.message }, status);
    return reply;
  }

  private async ask<R extends RpcName>(name: R, payload: RpcRequest<R>, timeoutSeconds = this.settings.mailboxStatusTimeoutSeconds): Promise<RpcReply<R>> {
    const answer = await this.services.ask(name, payload, timeoutSeconds);
    if (answer.ok) return answer.reply;
    if (answer.timedOut) throw serviceUnavailable(`the incoming service ${answer.message}`);
    throw badGateway(`the incoming service answered with an error: ${answer.message}`);
  }
}
