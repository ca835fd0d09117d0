import { h } from '../lib/dom.js';
import { RESOURCE_LABELS } from '../lib/format.js';
import type { SyncView } from '../lib/types.js';

const SHOWN_IDS = 50;

/** The preview's diff: per resource, how many rows a real sync would create, update and delete. */
export function renderDiff(diff: NonNullable<SyncView['diff']>): HTMLElement {
  const entries = Object.entries(diff).filter(([, d]) => d.create.length + d.update.length + d.delete.length > 0);
  if (entries.length === 0) return h('p', {}, 'Nothing would change: your copy is up to date.');
  const ids = (list: number[]) =>
    list.length === 0 ? '–' : h('details', {}, h('summary', {}, String(list.length)), h('p', { class: 'ids' }, list.slice(0, SHOWN_IDS).join(', ') + (list.length > SHOWN_IDS ? ` … and ${list.length - SHOWN_IDS} more` : '')));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'diff' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Records'), h('th', { scope: 'col' }, 'Would create'), h('th', { scope: 'col' }, 'Would update'), h('th', { scope: 'col' }, 'Would delete'))),
      h('tbody', {}, ...entries.map(([key, d]) => h('tr', {}, h('th', { scope: 'row' }, RESOURCE_LABELS[key] ?? key), h('td', {}, ids(d.create)), h('td', {}, ids(d.update)), h('td', {}, ids(d.delete))))),
    ),
  );
}
