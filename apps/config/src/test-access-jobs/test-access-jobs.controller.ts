import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ZodPipe } from '@mailrouter/platform';
import { StartTestAccessJobBody } from './test-access-jobs.schemas';
import { TestAccessJobsUseCase } from './test-access-jobs.usecase';

@Controller('api/v1/test-access/jobs')
export class TestAccessJobsController {
  constructor(private readonly jobs: TestAccessJobsUseCase) {}

  /** Starts testing the chosen (or all) mailboxes in the background → 202 with the job and its id. */
  @Post()
  @HttpCode(202)
  start(@Body(new ZodPipe(StartTestAccessJobBody)) body: StartTestAccessJobBody) {
    return this.jobs.start(body);
  }

  /** Progress: total, done, failed, each result so far, what is pending; state running / finished / interrupted. */
  @Get(':id')
  get(@Param('id') id: string) {
    return this.jobs.get(id);
  }
}
