/** One way a hostile (or broken) Canvas server answers the lists a sync walks; see README "Hostile users". */
export type SimHostileKind =
  | 'gzipBomb'
  | 'hugeBody'
  | 'endlessPages'
  | 'cyclicPages'
  | 'hugeLinkHeader'
  | 'tricklingBody'
  | 'badValues'
  | 'deepNesting';

export const HOSTILE_KINDS: readonly SimHostileKind[] = [
  'gzipBomb',
  'hugeBody',
  'endlessPages',
  'cyclicPages',
  'hugeLinkHeader',
  'tricklingBody',
  'badValues',
  'deepNesting',
];

export function isHostileKind(value: unknown): value is SimHostileKind {
  return typeof value === 'string' && (HOSTILE_KINDS as readonly string[]).includes(value);
}

/** Sizes of the hostile answers; the defaults are what README documents (tests may shrink them). */
export interface SimHostileTuning {
  /** Decoded size of the gzip bomb's JSON list; default 72 MiB (75,497,472). */
  gzipBombBytes?: number;
  /** Size of the chunked body without Content-Length; default 128 MiB (134,217,728). */
  hugeBodyBytes?: number;
  /** Length of the `Link` header value; default 16,000. */
  linkHeaderBytes?: number;
  /** Bytes written per tick of the trickling body; default 8. */
  trickleBytes?: number;
  /** Interval between ticks of the trickling body; default 1000 ms. */
  trickleIntervalMs?: number;
  /** Nesting depth of the deep-nesting field; default 10,000. */
  nestingDepth?: number;
}
