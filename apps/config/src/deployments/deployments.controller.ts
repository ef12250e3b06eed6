import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ZodPipe } from '@mailrouter/platform';
import { CreateDeploymentBody, UpdateDeploymentBody } from './deployment.schemas';
import { DeploymentsUseCase } from './deployments.usecase';
import { LoadDataUseCase } from './load-data.usecase';

function parseDryRun(value: string | undefined): boolean {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1' || value === '') return true;
  const message = `dryRun: must be true or false, not '${value}'`;
  throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message, fields: [{ field: 'dryRun', message: 'must be true or false' }] });
}

@Controller('api/v1/deployments')
export class DeploymentsController {
  constructor(
    private readonly deployments: DeploymentsUseCase,
    private readonly loadData: LoadDataUseCase,
  ) {}

  @Post()
  create(@Body(new ZodPipe(CreateDeploymentBody)) body: CreateDeploymentBody) {
    return this.deployments.create(body);
  }

  @Get()
  list() {
    return this.deployments.list();
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.deployments.get(id);
  }

  @Patch(':id')
  update(@Param('id') id: string, @Body(new ZodPipe(UpdateDeploymentBody)) body: UpdateDeploymentBody) {
    return this.deployments.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.deployments.remove(id);
  }

  /** Reads the users and queues the CRM routes mail for into mailboxes; `?dryRun=true` previews without writing. */
  @Post(':id/load-data')
  @HttpCode(200)
  load(@Param('id') id: string, @Query('dryRun') dryRun?: string) {
    return this.loadData.run(id, parseDryRun(dryRun));
  }
}
