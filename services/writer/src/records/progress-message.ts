/** Longest course name a progress message carries (the progress frame's `message` is at most 500). */
const MAX_NAME = 200;

/**
 * The live message once a unit is written: the course list, or the course by the name users know it
 * by ("Syncing course: Introduction to Computer Science"), as the panel promised. Canvas names are
 * the school's text: control characters are dropped and a very long name is cut. Without a name
 * (a first preview writes no rows to read it from) the course's id stands in.
 */
export function unitMessage(unitKey: string, courseName: string | null): string {
  if (unitKey === 'courses') return 'Fetched the course list';
  // eslint-disable-next-line no-control-regex
  const name = (courseName ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (name !== '') return `Syncing course: ${name.length > MAX_NAME ? `${name.slice(0, MAX_NAME - 1)}…` : name}`;
  return `Syncing course ${unitKey.replace(/^course:/, '')}`;
}
