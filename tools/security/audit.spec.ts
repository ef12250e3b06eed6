import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Advisory, compareVersions, findAdvisories, installedPackages, isAffected } from './audit';

const advisories = (JSON.parse(readFileSync(join(__dirname, 'advisories.json'), 'utf8')) as { advisories: Advisory[] }).advisories;

describe('offline dependency audit', () => {
  it('orders versions numerically, a prerelease before its release', () => {
    expect(compareVersions('9.0.10', '9.0.9')).toBe(1);
    expect(compareVersions('4.0.3', '4.0.4')).toBe(-1);
    expect(compareVersions('0.9.0-beta.4', '0.9.0')).toBe(-1);
    expect(compareVersions('1.2.3', 'v1.2.3')).toBe(0);
  });

  it('matches only inside [introduced, fixed) ranges', () => {
    const ranges = [{ fixed: '2.5.4' }, { introduced: '4.0.0', fixed: '4.0.4' }];
    expect(isAffected('2.5.3', ranges)).toBe(true);
    expect(isAffected('3.0.5', ranges)).toBe(false);
    expect(isAffected('4.0.3', ranges)).toBe(true);
    expect(isAffected('4.0.4', ranges)).toBe(false);
  });

  it('finds a vulnerable nodemailer and form-data nested anywhere in the tree, and nothing in patched ones', () => {
    const tree = {
      dependencies: {
        nodemailer: { version: '10.6.1' },
        mailparser: { version: '3.14.2', dependencies: { nodemailer: { version: '9.0.0' }, 'linkify-it': { version: '5.0.2' } } },
        axios: { version: '1.18.1', dependencies: { 'form-data': { version: '4.0.2' } } },
        xmldom: { missing: true, version: '0.6.0' },
      },
    };
    const found = findAdvisories(installedPackages(tree), advisories).map((f) => `${f.advisory.id} ${f.advisory.package}@${f.version}`);
    expect(found).toEqual(expect.arrayContaining([
      'GHSA-2x7j-588g-ccc2 nodemailer@9.0.0', 'GHSA-268h-hp4c-crq3 nodemailer@9.0.0', 'GHSA-fjxv-7rqg-78g4 form-data@4.0.2',
    ]));
    expect(found.some((f) => f.includes('@10.6.1') || f.includes('linkify-it') || f.includes('xmldom'))).toBe(false);
  });
});
