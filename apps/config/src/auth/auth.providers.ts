import type { Provider, Type } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditRepository } from './audit.repository';
import { AuditUseCase } from './audit.usecase';
import { AuthController } from './auth.controller';
import { AuthUseCase } from './auth.usecase';
import { RoleGuard } from './role.guard';
import { UserRepository } from './user.repository';
import { UsersController } from './users.controller';
import { UsersUseCase } from './users.usecase';

/** Users, roles, tokens and the audit log, as ConfigApiModule registers them (entities are in CONFIG_ENTITIES). */
export const AUTH_CONTROLLERS: Type[] = [AuthController, UsersController, AuditController];

export const AUTH_PROVIDERS: Provider[] = [
  UserRepository,
  AuditRepository,
  AuthUseCase,
  UsersUseCase,
  AuditUseCase,
  { provide: APP_GUARD, useClass: RoleGuard },
  { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
];
