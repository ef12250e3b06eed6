import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The services run as plain Node processes (tools/register.js), where sanitize-html and its
 * ESM-only htmlparser2 load through the ordinary require(): this checks that production path,
 * which Jest (with its own module system) does not exercise.
 */
const ROOT = join(__dirname, '../../../../..');

describe('sanitizeEmailHtml in a service process', () => {
  it('loads sanitize-html through the ordinary require and sanitises', () => {
    const script = `
      require('sanitize-html');
      const { sanitizeEmailHtml } = require('./apps/crm-sync/src/incoming-flow/inspection');
      process.stdout.write(JSON.stringify(sanitizeEmailHtml('<p onclick="x()">Hi <img src="https://t.example/p.gif" alt="logo"></p><script>alert(1)</script>')));
    `;
    const output = execFileSync(process.execPath, ['-r', './tools/register.js', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(output)).toBe('<p>Hi <a href="https://t.example/p.gif" rel="noopener noreferrer nofollow" target="_blank">logo</a></p>');
  });
});
