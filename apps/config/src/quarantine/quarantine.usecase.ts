import { HttpException, Inject, Injectable } from '@nestjs/common';
import type { QuarantineActionReplyV1, QuarantineActionRequestV1, QuarantineListReplyV1, RpcName, RpcReply, RpcRequest } from '@mailrouter/contracts';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { badGateway, serviceUnavailable } from '../shared/http-errors';
import { ServicesRpcRepository } from '../shared/services-rpc.repository';

/** HTTP status of each quarantine action outcome. */
const ACTION_STATUS: Record<QuarantineActionReplyV1['status'], number> = {
  reprocessed: 200, discarded: 200, 'not-found': 404, 'not-quarantined': 409, 'not-reprocessable': 422,
};

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

  private async ask<R extends RpcName>(name: R, payload: RpcRequest<R>): Promise<RpcReply<R>> {
    const answer = await this.services.ask(name, payload, this.settings.mailboxStatusTimeoutSeconds);
    if (answer.ok) return answer.reply;
    if (answer.timedOut) throw serviceUnavailable(`the incoming service ${answer.message}`);
    throw badGateway(`the incoming service answered with an error: ${answer.message}`);
  }
}
