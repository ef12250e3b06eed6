import { Controller, Get, Headers, NotFoundException, Req, Res } from '@nestjs/common';
import { ConsoleFiles } from './console-files';

/** The little of express's request and response the console uses (no @types/express here). */
interface HttpRequest {
  originalUrl: string;
  params: Record<string, string | string[] | undefined>;
}
interface HttpResponse {
  status(code: number): HttpResponse;
  set(headers: Record<string, string>): HttpResponse;
  redirect(status: number, url: string): void;
  send(body: Buffer | string): void;
  end(): void;
}

/**
 * Serves the web console at /console/: static ES modules as they are (no build step) and the
 * vendor modules (preact, htm) from node_modules through an import map. The API token is not
 * needed for these files; every API call the console makes carries it.
 */
@Controller('console')
export class ConsoleController {
  private readonly files = new ConsoleFiles();

  @Get()
  root(@Req() req: HttpRequest, @Res() res: HttpResponse, @Headers('if-none-match') etag?: string): void {
    // Relative module URLs need the trailing slash.
    if (!req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, '/console/');
    this.send(res, '', etag);
  }

  @Get('*path')
  file(@Req() req: HttpRequest, @Res() res: HttpResponse, @Headers('if-none-match') etag?: string): void {
    const raw = req.params['path'];
    const path = Array.isArray(raw) ? raw.join('/') : raw ?? '';
    this.send(res, path, etag);
  }

  private send(res: HttpResponse, path: string, ifNoneMatch: string | undefined): void {
    const file = this.files.file(path);
    if (!file) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `no console file ${path}` });
    res.set({ ...this.files.headers(), 'Cache-Control': file.cacheControl, ETag: file.etag });
    if (ifNoneMatch === file.etag) return res.status(304).end();
    res.status(200).set({ 'Content-Type': file.contentType }).send(file.body);
  }
}
