import { Controller, Inject, OnApplicationBootstrap } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { MailboxStatusReplyV1, RuleDeployReplyV1, TestAccessReplyV1 } from '@mailrouter/contracts';
import { EventConsumers, parseRpcRequest, rpcPattern } from '@mailrouter/messaging';
import { DeployRulesUseCase } from './deploy-rules.usecase';
import { MailboxStatusUseCase } from './mailbox-status.usecase';
import { RecordVerdictUseCase } from './record-verdict.usecase';
import { INCOMING_SETTINGS, IncomingSettings } from './settings';
import { TestAccessUseCase } from './test-access.usecase';

/** What incoming answers and consumes on NATS: test access, mailbox status, rule deployment, verdicts. */
@Controller()
export class IncomingNatsController implements OnApplicationBootstrap {
  constructor(
    @Inject(INCOMING_SETTINGS) private readonly settings: IncomingSettings,
    private readonly consumers: EventConsumers,
    private readonly testAccess: TestAccessUseCase,
    private readonly mailboxStatus: MailboxStatusUseCase,
    private readonly recordVerdict: RecordVerdictUseCase,
    private readonly deployRules: DeployRulesUseCase,
  ) {}

  @MessagePattern(rpcPattern('incomingTestAccess'))
  testIncomingAccess(@Payload() data: unknown): Promise<TestAccessReplyV1> {
    return this.testAccess.execute(parseRpcRequest('incomingTestAccess', data));
  }

  @MessagePattern(rpcPattern('incomingMailboxStatus'))
  incomingMailboxStatus(@Payload() data: unknown): Promise<MailboxStatusReplyV1> {
    return this.mailboxStatus.execute(parseRpcRequest('incomingMailboxStatus', data));
  }

  @MessagePattern(rpcPattern('incomingRules'))
  incomingRules(@Payload() data: unknown): Promise<RuleDeployReplyV1> {
    return this.deployRules.execute(parseRpcRequest('incomingRules', data));
  }

  /** JetStream: the CRM's verdicts, one durable consumer shared by all replicas. */
  async onApplicationBootstrap(): Promise<void> {
    await this.consumers.start({
      event: 'mailVerdict',
      durable: 'incoming-verdicts',
      maxAttempts: this.settings.verdictMaxAttempts,
      handle: (verdict) => this.recordVerdict.execute(verdict),
      quarantine: (record) => this.recordVerdict.quarantine(record),
    });
  }
}
