/**
 * Writes `items` one after the other, each prepared ahead: item k+1's preparation starts when
 * item k's is done, so (when `prepare` yields to the event loop, as `prepareRowsAhead` does) it
 * runs while item k's statements are in flight, and the Node work of one part overlaps the
 * Postgres work of the one before (issue #15). `write` gets its item's preparation as a promise
 * and awaits it when it needs it. Returns the writes' results in order; the first failure of a
 * write ends it (a preparation still running then finishes unused).
 */
export async function eachPreparedAhead<T, P, R>(items: readonly T[], prepare: (item: T) => Promise<P>, write: (item: T, prepared: Promise<P>) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let prepared = items.length > 0 ? handled(prepare(items[0]!)) : undefined;
  for (let i = 0; i < items.length; i++) {
    const mine = prepared!;
    if (i + 1 < items.length) {
      const next = items[i + 1]!;
      prepared = handled(mine.then(() => prepare(next)));
    }
    out.push(await write(items[i]!, mine));
  }
  return out;
}

/** `p`, marked handled: a preparation nobody awaits (its write never came) must not crash the process as an unhandled rejection. */
function handled<P>(p: Promise<P>): Promise<P> {
  p.catch(() => undefined);
  return p;
}
