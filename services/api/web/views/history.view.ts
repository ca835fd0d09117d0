import type { CanvasSyncClient } from '@canvas-sync/client';
import { h, type Dom } from '../lib/dom.js';
import { dateTime, duration, scopeText, summary, warningsText } from '../lib/format.js';
import type { SyncView } from '../lib/types.js';

/** Past syncs, newest first, with counts, duration and errors; rows follow live updates. */
export class HistoryView {
  private get body() { return this.dom.byId('history-body'); }
  private get more() { return this.dom.byId<HTMLButtonElement>('more-btn'); }
  private cursor: string | null = null;
  private readonly rows = new Map<string, HTMLTableRowElement>();

  constructor(
    private readonly dom: Dom,
    private readonly api: CanvasSyncClient,
    private readonly names: { term(id: number): string; course(id: number): string },
    private readonly onView: (id: string) => void,
  ) {
    this.more.addEventListener('click', () => void this.load(true));
  }

  /** First page (or the next one); returns the syncs it read. */
  async load(append = false): Promise<SyncView[]> {
    const page = await this.api.listSyncs({ limit: 10, cursor: append ? this.cursor : null });
    if (!append) {
      this.body.replaceChildren();
      this.rows.clear();
    }
    for (const view of page.items) this.upsert(view, true);
    this.cursor = page.nextCursor;
    this.more.hidden = !page.nextCursor;
    this.dom.byId('history-empty').hidden = this.rows.size > 0;
    return page.items;
  }

  /** A sync changed (or started): update its row, adding it on top when new. */
  upsert(view: SyncView, atEnd = false): void {
    const row = this.row(view);
    const existing = this.rows.get(view.id);
    if (existing) existing.replaceWith(row);
    else if (atEnd) this.body.append(row);
    else this.body.prepend(row);
    this.rows.set(view.id, row);
    this.dom.byId('history-empty').hidden = true;
  }

  private row(view: SyncView): HTMLTableRowElement {
    const seconds = view.elapsedSeconds ?? (view.startedAt ? ((view.finishedAt ? Date.parse(view.finishedAt) : Date.now()) - Date.parse(view.startedAt)) / 1000 : null);
    const errors = view.error ? view.error.message : warningsText(view.warnings) || '–';
    const button = h('button', { type: 'button', class: 'small secondary', 'aria-label': `View sync started ${dateTime(view.createdAt)}` }, 'View');
    button.addEventListener('click', () => this.onView(view.id));
    return h(
      'tr',
      { 'data-sync-id': view.id, 'data-status': view.status },
      h('td', {}, dateTime(view.createdAt ?? view.startedAt), view.trigger === 'schedule' ? h('span', { class: 'badge scheduled', title: 'Started by your schedule' }, 'scheduled') : null),
      h('td', {}, scopeText(view.scope, this.names)),
      h('td', {}, view.mode + (view.dryRun ? ' (preview)' : '')),
      h('td', {}, h('span', { class: `badge ${view.status}` }, view.status)),
      h('td', {}, duration(seconds)),
      h('td', {}, view.status === 'queued' ? '–' : summary(view.counts)),
      h('td', { class: view.error ? 'error' : '' }, errors),
      h('td', {}, button),
    );
  }
}
