import { describe, expect, it } from 'vitest';
import { auditUnavailable, judge, severeFindings, type AllowedAdvisory } from './audit-policy.js';

/** The shape `npm audit --json` (report v2) prints. */
const report = {
  auditReportVersion: 2,
  vulnerabilities: {
    'fast-xml': { name: 'fast-xml', severity: 'high', via: [{ source: 1, name: 'fast-xml', title: 'ReDoS', url: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc', severity: 'high' }] },
    wrapper: { name: 'wrapper', severity: 'high', via: ['fast-xml'] },
    tiny: { name: 'tiny', severity: 'moderate', via: [{ source: 2, name: 'tiny', title: 'meh', url: 'https://github.com/advisories/GHSA-1111-2222-3333', severity: 'moderate' }] },
    crit: { name: 'crit', severity: 'critical', via: [{ source: 3, name: 'crit', title: 'RCE', url: 'https://github.com/advisories/GHSA-dddd-eeee-ffff', severity: 'critical' }] },
  },
  metadata: {},
};

const entry = (id: string, pkg: string, expires = '2099-01-01'): AllowedAdvisory => ({ id, package: pkg, reason: 'explained in docs/security.md', expires });

describe('the CI audit policy', () => {
  it('picks the high and critical advisories, once each, and ignores moderate ones', () => {
    expect(severeFindings(report).map((f) => `${f.id} ${f.package} ${f.severity}`)).toEqual(['GHSA-aaaa-bbbb-cccc fast-xml high', 'GHSA-dddd-eeee-ffff crit critical']);
  });

  it('fails on every finding that is not allowlisted', () => {
    const verdict = judge(severeFindings(report), [entry('GHSA-aaaa-bbbb-cccc', 'fast-xml')], '2026-11-28');
    expect(verdict.allowed.map((f) => f.id)).toEqual(['GHSA-aaaa-bbbb-cccc']);
    expect(verdict.blocking.map((f) => f.id)).toEqual(['GHSA-dddd-eeee-ffff']);
  });

  it('still fails on a new advisory in an allowlisted package, and once an entry expires', () => {
    expect(judge(severeFindings(report), [entry('GHSA-aaaa-bbbb-cccc', 'crit'), entry('GHSA-dddd-eeee-ffff', 'fast-xml')], '2026-11-28').blocking).toHaveLength(2);
    const late = judge(severeFindings(report), [entry('GHSA-aaaa-bbbb-cccc', 'fast-xml', '2026-01-01'), entry('GHSA-dddd-eeee-ffff', 'crit')], '2026-11-28');
    expect(late.blocking.map((f) => f.id)).toEqual(['GHSA-aaaa-bbbb-cccc']);
    expect(late.expired.map((a) => a.id)).toEqual(['GHSA-aaaa-bbbb-cccc']);
  });

  it('passes a clean report and points at entries that match nothing', () => {
    const verdict = judge(severeFindings({ auditReportVersion: 2, vulnerabilities: {} }), [entry('GHSA-aaaa-bbbb-cccc', 'fast-xml')], '2026-11-28');
    expect(verdict.blocking).toEqual([]);
    expect(verdict.stale.map((a) => a.id)).toEqual(['GHSA-aaaa-bbbb-cccc']);
  });

  it('tells a report from an audit that could not run', () => {
    expect(auditUnavailable(report)).toBeUndefined();
    expect(auditUnavailable({ error: { code: 'ENOAUDIT', summary: 'audit endpoint returned an error' } })).toContain('ENOAUDIT');
    expect(auditUnavailable(null)).toBeDefined();
  });
});
