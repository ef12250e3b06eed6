import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleFiles } from './console-files';

describe('ConsoleFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'console-files-'));
  const root = join(dir, 'public');
  mkdirSync(join(root, 'pages'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<head><!--IMPORT_MAP--></head>');
  writeFileSync(join(root, 'app.js'), 'export {}');
  writeFileSync(join(root, 'pages', 'a.js'), 'export const a = 1');
  writeFileSync(join(root, 'notes.txt'), 'not served');
  writeFileSync(join(root, '.env'), 'SECRET=1');
  writeFileSync(join(root, '..', 'outside.js'), 'nope');
  const files = new ConsoleFiles(root);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('puts the import map of preact, preact/hooks and htm (versioned URLs) into index.html, and its hash into the CSP', () => {
    const index = files.index().body.toString();
    const map = JSON.parse(/<script type="importmap">([\s\S]*)<\/script>/.exec(index)![1]!) as { imports: Record<string, string> };
    expect(map.imports).toEqual({
      preact: expect.stringMatching(/^\/console\/vendor\/preact@11\.[\d.]+\/preact\.mjs$/),
      'preact/hooks': expect.stringMatching(/^\/console\/vendor\/preact@11\.[\d.]+\/hooks\.mjs$/),
      htm: expect.stringMatching(/^\/console\/vendor\/htm@3\.[\d.]+\/htm\.mjs$/),
    });
    expect(files.headers()['Content-Security-Policy']).toContain(files.importMapHash);
  });

  it('serves vendor ES modules from node_modules as immutable JavaScript', () => {
    const map = JSON.parse(files.importMap) as { imports: Record<string, string> };
    for (const url of Object.values(map.imports)) {
      const file = files.file(url.replace('/console/', ''))!;
      expect(file.contentType).toBe('text/javascript; charset=utf-8');
      expect(file.cacheControl).toContain('immutable');
      expect(file.body.toString()).toMatch(/export\s*(\{|default)/);
    }
  });

  it('serves the app files with their content type, revalidated by ETag', () => {
    expect(files.file('app.js')).toMatchObject({ contentType: 'text/javascript; charset=utf-8', cacheControl: 'no-cache', etag: expect.any(String) });
    expect(files.file('pages/a.js')?.body.toString()).toBe('export const a = 1');
  });

  it.each(['../outside.js', 'pages/../../outside.js', '/etc/passwd', '.env', 'pages//a.js', 'notes.txt', 'missing.js', 'pages', 'a\0.js'])(
    'refuses %j',
    (path) => expect(files.file(path)).toBeUndefined(),
  );
});
