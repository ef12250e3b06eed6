import { Controller, Inject, OnApplicationBootstrap } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { MailboxEnableReplyV1, MailboxHealthReplyV1, MailboxStatusReplyV1, RuleDeployReplyV1, TestAccessReplyV1 } from '@mailrouter/contracts';
import { EventConsumers, parseRpcRequest, rpcPattern } from '@mailrouter/messaging';
import { DeployRulesUseCase } from './deploy-rules.usecase';
import { EnableMailboxUseCase } from './enable-mailbox.usecase';
import { MailboxHealthUseCase } from './mailbox-health.usecase';
import { MailboxStatusUseCase } from './mailbox-status.usecase';
import { RecordVerdictUseCase } from './record-verdict.usecase';
import { INCOMING_SETTINGS, IncomingSettings } from './settings';
import { TestAccessUseCase } from './test-access.usecase';

/** What incoming answers and consumes on NATS: test access, mailbox status and health, re-enabling, rule deployment, verdicts. */
@Controller()
export class IncomingNatsController implements OnApplicationBootstrap {
  constructor(
    @Inject(INCOMING_SETTINGS) private readonly settings: IncomingSettings,
    private readonly consumers: EventConsumers,
    private readonly testAccess: TestAccessUseCase,
    private readonly mailboxStatus: MailboxStatusUseCase,
    private readonly recordVerdict: RecordVerdictUseCase,
    private readonly deployRules: DeployRulesUseCase,
    private readonly mailboxHealth: MailboxHealthUseCase,
    private readonly enableMailbox: EnableMailboxUseCase,
  ) {}

  @MessagePattern(rpcPattern('incomingTestAccess'))
  testIncomingAccess(@Payload() data: unknown): Promise<TestAccessReplyV1> {
    return this.testAccess.execute(parseRpcRequest('incomingTestAccess', data));
  }

  @MessagePattern(rpcPattern('incomingMailboxStatus'))
  incomingMailboxStatus(@Payload() data: unknown): Promise<MailboxStatusReplyV1> {
    return this.mailboxStatus.execute(parseRpcRequest('incomingMailboxStatus', data));
  }

  @MessagePattern(rpcPattern('incomingMailboxHealth'))
  incomingMailboxHealth(@Payload() data: unknown): Promise<MailboxHealthReplyV1> {
    return this.mailboxHealth.execute(parseRpcRequest('incomingMailboxHealth', data));
  }

  @MessagePattern(rpcPattern('incomingMailboxEnable'))
  incomingMailboxEnable(@Payload() data: unknown): Promise<MailboxEnableReplyV1> {
    return this.enableMailbox.execute(parseRpcRequest('incomingMailboxEnable', data));
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
      concurrency: this.settings.verdictConcurrency,
      handle: (verdict) => this.recordVerdict.execute(verdict),
      quarantine: (record) => this.recordVerdict.quarantine(record),
    });
  }
}
