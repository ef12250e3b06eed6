import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ZodPipe } from '@mailrouter/platform';
import { CreateProfileBody, UpdateProfileBody } from './profile.schemas';
import { ProfilesUseCase } from './profiles.usecase';

@Controller('api/v1/profiles')
export class ProfilesController {
  constructor(private readonly profiles: ProfilesUseCase) {}

  @Post()
  create(@Body(new ZodPipe(CreateProfileBody)) body: CreateProfileBody) {
    return this.profiles.create(body);
  }

  @Get()
  list() {
    return this.profiles.list();
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.profiles.get(id);
  }

  @Patch(':id')
  update(@Param('id') id: string, @Body(new ZodPipe(UpdateProfileBody)) body: UpdateProfileBody) {
    return this.profiles.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.profiles.remove(id);
  }
}
