import { Module } from '@nestjs/common';
import { CrmTraceNatsController } from './crm-trace.nats-controller';
import { CrmTraceRepository } from './crm-trace.repository';
import { CrmTraceUseCase } from './crm-trace.usecase';

/** The crmTrace request-reply handler (reads the trail and the email tables, writes nothing). */
@Module({
  controllers: [CrmTraceNatsController],
  providers: [CrmTraceRepository, CrmTraceUseCase],
})
export class CrmTraceModule {}
