/**
 * A user id as one subject token. NATS subject tokens may not contain `.`, `*`, `>` or whitespace,
 * but a host app's user id (the JWT `sub`) may. Ids made only of `[A-Za-z0-9_-]` are used as they
 * are (what host apps use in practice, and what a consumer filtering on `canvas.changes.v1.42`
 * expects); any other id becomes `~` + base64url of its UTF-8 bytes. `~` is never part of a
 * verbatim id, so the two forms cannot collide.
 */
export function userSubjectToken(userId: string): string {
  return /^[A-Za-z0-9_-]+$/.test(userId) ? userId : `~${Buffer.from(userId, 'utf8').toString('base64url')}`;
}
