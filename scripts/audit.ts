/**
 * CI's dependency audit: `npm audit --omit=dev` at high severity, with docs/security-audit-allowlist.json
 * for advisories that are explained in docs/security.md ("Dependency audit"). Exits 1 on any high or
 * critical advisory that is not allowlisted (or whose entry expired). When the registry has no audit
 * endpoint (an offline mirror, this project's sandbox), it says so loudly and exits 0, or 1 with
 * AUDIT_REQUIRED=1.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { auditUnavailable, judge, severeFindings, type AllowedAdvisory } from './audit/audit-policy.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const allowlist = (JSON.parse(readFileSync(`${ROOT}docs/security-audit-allowlist.json`, 'utf8')) as { advisories: AllowedAdvisory[] }).advisories;

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
let report: unknown = null;
try {
  report = JSON.parse(run.stdout);
} catch {
  report = null;
}

const unavailable = auditUnavailable(report);
if (unavailable) {
  console.error(`audit: npm audit could not run (${unavailable}); NO advisory was checked.`);
  process.exit(process.env.AUDIT_REQUIRED === '1' ? 1 : 0);
}

const verdict = judge(severeFindings(report), allowlist, new Date().toISOString().slice(0, 10));
for (const f of verdict.allowed) console.log(`audit: allowlisted ${f.id} (${f.severity}) in ${f.package}: see docs/security.md`);
for (const a of verdict.stale) console.log(`audit: allowlist entry ${a.id} (${a.package}) matches nothing any more; remove it`);
for (const a of verdict.expired) console.error(`audit: allowlist entry ${a.id} (${a.package}) expired on ${a.expires}; review it`);
for (const f of verdict.blocking) console.error(`audit: ${f.severity} ${f.id} in ${f.package}: ${f.title} ${f.url}`);
if (verdict.blocking.length > 0) {
  console.error(`audit: ${verdict.blocking.length} high/critical advisories in production dependencies; upgrade, or explain each in docs/security.md and allowlist it`);
  process.exit(1);
}
console.log(`audit: no unexplained high/critical advisory in production dependencies (${verdict.allowed.length} allowlisted)`);
