import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import { z } from 'zod';
import { ZodPipe } from '@mailrouter/platform';
import { ROLES } from './permissions';
import type { AuthRequest, Principal } from './principal';
import { UsersUseCase } from './users.usecase';

const Password = z.string().min(12, 'must be at least 12 characters').max(1000);
const CreateUser = z.object({
  username: z.string().trim().regex(/^[A-Za-z0-9._@-]{1,100}$/, 'letters, digits, . _ @ - only, at most 100'),
  role: z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` }),
  password: Password,
}).strict();
type CreateUser = z.infer<typeof CreateUser>;
const UpdateUser = z.object({
  role: z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` }).optional(),
  password: Password.optional(),
  disabled: z.boolean().optional(),
}).strict();
type UpdateUser = z.infer<typeof UpdateUser>;
const CreateToken = z.object({
  name: z.string().trim().min(1, 'is required').max(100),
  expiresAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2030-01-01T00:00:00Z' })
    .transform((s) => new Date(s))
    .refine((d) => d.getTime() > Date.now(), 'must be in the future')
    .optional(),
}).strict();
type CreateToken = z.infer<typeof CreateToken>;

const principalOf = (req: AuthRequest) => req.principal as Principal;

/** Admin only (by the guard's rule for /api/v1/users*). */
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersUseCase) {}

  @Get()
  list() {
    return this.users.list();
  }

  @Post()
  create(@Body(new ZodPipe(CreateUser)) body: CreateUser) {
    return this.users.create(body);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.users.get(id);
  }

  @Patch(':id')
  update(@Param('id') id: string, @Body(new ZodPipe(UpdateUser)) body: UpdateUser, @Req() req: AuthRequest) {
    return this.users.update(id, body, principalOf(req));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Req() req: AuthRequest): Promise<void> {
    await this.users.remove(id, principalOf(req));
  }

  @Get(':id/tokens')
  tokens(@Param('id') id: string) {
    return this.users.listTokens(id);
  }

  /** The token is in this answer only; it is stored as its SHA-256. */
  @Post(':id/tokens')
  createToken(@Param('id') id: string, @Body(new ZodPipe(CreateToken)) body: CreateToken) {
    return this.users.createToken(id, body);
  }

  @Delete(':id/tokens/:tokenId')
  @HttpCode(204)
  async revokeToken(@Param('id') id: string, @Param('tokenId') tokenId: string): Promise<void> {
    await this.users.revokeToken(id, tokenId);
  }
}
