import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller';

/** The web console (static files only; it talks to the API like any client). */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
