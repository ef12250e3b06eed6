import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ReceivedMessageEntity } from '../entities/received-message.entity';
import { IncomingTraceNatsController } from './incoming-trace.nats-controller';
import { IncomingTraceRepository } from './incoming-trace.repository';
import { IncomingTraceUseCase } from './incoming-trace.usecase';

/** The incomingTrace request-reply handler (reads received_message and stored headers, writes nothing). */
@Module({
  imports: [TypeOrmModule.forFeature([ReceivedMessageEntity])],
  controllers: [IncomingTraceNatsController],
  providers: [IncomingTraceRepository, IncomingTraceUseCase],
})
export class IncomingTraceModule {}
