import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { z } from 'zod';
import { ZodPipe } from '@mailrouter/platform';
import { AuthUseCase, TooManyAttempts } from './auth.usecase';
import type { AuthRequest, Principal } from './principal';

const LoginBody = z.object({
  username: z.string().trim().min(1, 'is required').max(100),
  password: z.string().min(1, 'is required').max(1000),
});
type LoginBody = z.infer<typeof LoginBody>;

@Controller('api/v1')
export class AuthController {
  constructor(private readonly auth: AuthUseCase) {}

  /** Open route: username + password → `{token, expiresAt, name, role, permissions}`. */
  @Post('auth/login')
  @HttpCode(200)
  async login(@Body(new ZodPipe(LoginBody)) body: LoginBody, @Req() req: AuthRequest, @Res({ passthrough: true }) res: { setHeader(n: string, v: string): void }) {
    try {
      const session = await this.auth.login(body.username, body.password, req.ip ?? '');
      // The audit log records who signed in.
      req.principal = session.principal;
      return { token: session.token, expiresAt: session.expiresAt, ...this.auth.me(session.principal) };
    } catch (err) {
      if (err instanceof TooManyAttempts) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      throw err;
    }
  }

  @Post('auth/logout')
  @HttpCode(200)
  logout(@Req() req: AuthRequest) {
    return this.auth.logout(req.principal as Principal);
  }

  @Get('me')
  me(@Req() req: AuthRequest) {
    return this.auth.me(req.principal as Principal);
  }
}
