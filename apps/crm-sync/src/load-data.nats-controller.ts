import { Controller } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import type { LoadDataReplyV1 } from '@mailrouter/contracts';
import { parseRpcRequest, rpcPattern } from '@mailrouter/messaging';
import { errorMessage } from '@mailrouter/platform';
import { CrmConnectors } from './connectors/crm-connectors.registry';

/** Load data: the users and queues whose email the router delivers, from the request's CRM connection. */
@Controller()
export class LoadDataNatsController {
  constructor(private readonly connectors: CrmConnectors) {}

  @MessagePattern(rpcPattern('crmLoadData'))
  async loadData(@Payload() data: unknown): Promise<LoadDataReplyV1> {
    const request = parseRpcRequest('crmLoadData', data);
    try {
      const records = await this.connectors.forConnection(request.crm).retrieveMailboxes();
      return { records: records.map(({ crmId, kind, name, address }) => ({ crmId, kind, name, address })) };
    } catch (err) {
      // The asker (config) shows the CRM's own words, e.g. the token endpoint refusing the secret.
      throw new RpcException(`load data from the ${request.crm.type} CRM failed: ${errorMessage(err)}`);
    }
  }
}
