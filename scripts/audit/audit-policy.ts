/**
 * The decision of `scripts/audit.ts` (CI's `npm audit --omit=dev --audit-level=high`), kept pure so
 * it is tested: which high/critical advisories in an `npm audit --json` report are new (fail), which
 * are explained in docs/security.md and allowlisted (pass, until their entry expires), and which
 * allowlist entries no longer match anything (reported, so the list shrinks).
 */

/** One allowlisted advisory; every entry has its explanation in docs/security.md. */
export interface AllowedAdvisory {
  /** The advisory id, `GHSA-xxxx-xxxx-xxxx`. */
  id: string;
  /** The package it is reported on. */
  package: string;
  /** Why it does not affect canvas-sync (a one-line summary of the docs/security.md entry). */
  reason: string;
  /** `YYYY-MM-DD`: after this day the entry no longer counts and CI fails until it is reviewed again. */
  expires: string;
}

/** A high or critical advisory found in the production dependency tree. */
export interface Finding {
  id: string;
  package: string;
  severity: string;
  title: string;
  url: string;
}

export interface AuditVerdict {
  /** Findings neither fixed nor allowlisted: CI fails on any. */
  blocking: Finding[];
  allowed: Finding[];
  /** Entries whose date has passed: they count as blocking for their findings. */
  expired: AllowedAdvisory[];
  /** Entries that match no finding any more: remove them. */
  stale: AllowedAdvisory[];
}

const SEVERE = new Set(['high', 'critical']);

/** The advisories of an `npm audit --json` (v2) report at high or critical severity. */
export function severeFindings(report: unknown): Finding[] {
  const vulnerabilities = (report as { vulnerabilities?: Record<string, { via?: unknown[] }> } | null)?.vulnerabilities ?? {};
  const found = new Map<string, Finding>();
  for (const entry of Object.values(vulnerabilities)) {
    for (const via of entry.via ?? []) {
      // A string `via` names another vulnerable package; its own entry carries the advisory.
      if (typeof via !== 'object' || via === null) continue;
      const v = via as { name?: string; severity?: string; title?: string; url?: string; source?: number };
      if (!v.severity || !SEVERE.has(v.severity)) continue;
      const id = /GHSA-[\w-]+/.exec(v.url ?? '')?.[0] ?? `npm-${v.source ?? 'unknown'}`;
      found.set(`${id}:${v.name}`, { id, package: v.name ?? '?', severity: v.severity, title: v.title ?? '', url: v.url ?? '' });
    }
  }
  return [...found.values()];
}

/** Splits the findings by the allowlist as of `today` (`YYYY-MM-DD`). */
export function judge(findings: Finding[], allowlist: AllowedAdvisory[], today: string): AuditVerdict {
  const live = allowlist.filter((a) => a.expires >= today);
  const expired = allowlist.filter((a) => a.expires < today);
  const covers = (a: AllowedAdvisory, f: Finding) => a.id === f.id && a.package === f.package;
  return {
    blocking: findings.filter((f) => !live.some((a) => covers(a, f))),
    allowed: findings.filter((f) => live.some((a) => covers(a, f))),
    expired,
    stale: live.filter((a) => !findings.some((f) => covers(a, f))),
  };
}

/** True when the JSON npm printed says the audit itself could not run (no endpoint, no network). */
export function auditUnavailable(report: unknown): string | undefined {
  const r = report as { error?: { code?: string; summary?: string }; message?: string } | null;
  // npm prints `{error}` for its own failures, and the HTTP error (`message`, `statusCode`) when the endpoint refuses.
  if (r?.error) return [r.error.code, r.error.summary, r.message].filter((s) => s).join(': ') || 'npm audit failed';
  if (!report || typeof report !== 'object' || !('vulnerabilities' in report)) return 'npm audit printed no report';
  return undefined;
}
