import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';

/** What the console serves for one request path. */
export interface ConsoleFile {
  body: Buffer;
  contentType: string;
  cacheControl: string;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
};

/** The app's own files change with the code: the browser revalidates them (ETag) every time. */
const APP_CACHE = 'no-cache';
/** Vendor URLs carry the package version, so a URL's bytes never change. */
const VENDOR_CACHE = 'public, max-age=31536000, immutable';

const SAFE_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._/-]*$/;

/** A package's version, from the package.json above its entry (htm does not export ./package.json). */
function packageVersion(name: string): string {
  for (let dir = dirname(require.resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version: string };
      if (pkg.name === name) return pkg.version;
    } catch {
      // no package.json at this level: go up
    }
  }
  throw new Error(`cannot find the version of ${name}`);
}

/** The ES modules the console imports by bare name, resolved from node_modules. */
function vendorModules(): { specifier: string; url: string; file: string }[] {
  const preact = packageVersion('preact');
  const htm = packageVersion('htm');
  // htm's `require` export is CommonJS; its ES module sits next to it.
  const htmModule = join(dirname(require.resolve('htm')), 'htm.mjs');
  return [
    { specifier: 'preact', url: `vendor/preact@${preact}/preact.mjs`, file: require.resolve('preact') },
    { specifier: 'preact/hooks', url: `vendor/preact@${preact}/hooks.mjs`, file: require.resolve('preact/hooks') },
    { specifier: 'htm', url: `vendor/htm@${htm}/htm.mjs`, file: htmModule },
  ];
}

function etagOf(body: Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/**
 * The console's files: the static app under `public/` and the vendor modules named by the
 * import map. Paths are checked before they touch the disk: no `..`, no absolute paths, no
 * hidden files, nothing outside `public/`; vendor files are an exact list.
 */
export class ConsoleFiles {
  private readonly root: string;
  private readonly vendor = new Map<string, string>();
  readonly importMap: string;
  /** CSP hash of the inline import map (the only inline script). */
  readonly importMapHash: string;

  constructor(root = resolve(__dirname, 'public')) {
    this.root = root;
    const imports: Record<string, string> = {};
    for (const m of vendorModules()) {
      imports[m.specifier] = `/console/${m.url}`;
      this.vendor.set(m.url, m.file);
      // Source maps sit next to the modules (the browser asks for them only with devtools open).
      this.vendor.set(`${m.url}.map`, `${m.file}.map`);
    }
    this.importMap = JSON.stringify({ imports }, null, 2);
    this.importMapHash = `sha256-${createHash('sha256').update(this.importMap).digest('base64')}`;
  }

  /** The security headers of every console response. */
  headers(): Record<string, string> {
    return {
      'Content-Security-Policy':
        `default-src 'self'; script-src 'self' '${this.importMapHash}'; style-src 'self'; img-src 'self' data:; ` +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    };
  }

  /** index.html with the import map in place. */
  index(): ConsoleFile {
    const html = readFileSync(join(this.root, 'index.html'), 'utf8').replace(
      '<!--IMPORT_MAP-->',
      `<script type="importmap">${this.importMap}</script>`,
    );
    const body = Buffer.from(html);
    return { body, contentType: CONTENT_TYPES['.html']!, cacheControl: APP_CACHE, etag: etagOf(body) };
  }

  /** A file by its path under /console/, or undefined (a 404) when there is none or the path is not allowed. */
  file(path: string): ConsoleFile | undefined {
    if (path === '' || path === 'index.html') return this.index();
    const vendorFile = this.vendor.get(path);
    if (vendorFile) return this.read(vendorFile, VENDOR_CACHE);
    if (!SAFE_PATH.test(path) || path.split('/').some((seg) => seg === '' || seg.startsWith('.'))) return undefined;
    const full = resolve(this.root, path);
    if (!full.startsWith(this.root + sep)) return undefined;
    return this.read(full, APP_CACHE);
  }

  private read(file: string, cacheControl: string): ConsoleFile | undefined {
    const contentType = CONTENT_TYPES[extname(file)];
    if (!contentType) return undefined;
    try {
      if (!statSync(file).isFile()) return undefined;
      const body = readFileSync(file);
      return { body, contentType, cacheControl, etag: etagOf(body) };
    } catch {
      return undefined;
    }
  }
}
