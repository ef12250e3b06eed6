import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { LoadDataReplyV1 } from '@mailrouter/contracts';
import type { CrmConnector } from '@mailrouter/domain';
import { parseRpcRequest, rpcPattern } from '@mailrouter/messaging';
import { CRM_CONNECTOR } from './crm-connector.token';

/** Load data: the users and queues whose email the router delivers. */
@Controller()
export class LoadDataNatsController {
  constructor(@Inject(CRM_CONNECTOR) private readonly connector: CrmConnector) {}

  @MessagePattern(rpcPattern('crmLoadData'))
  async loadData(@Payload() data: unknown): Promise<LoadDataReplyV1> {
    parseRpcRequest('crmLoadData', data);
    return { records: await this.connector.retrieveMailboxes() };
  }
}
