import { CanvasSyncError, type CanvasSyncClient, type ConnectionState } from '@canvas-sync/client';
import type { Alerts } from '../lib/alerts.js';
import { h, type Dom } from '../lib/dom.js';
import { duration, eta, PHASE_LABELS, RESOURCE_LABELS, RESOURCE_ORDER, summary } from '../lib/format.js';
import { isTerminal, type SyncView } from '../lib/types.js';
import { renderDiff } from './diff.view.js';

const MILESTONES = [25, 50, 75];
/** A sync Canvas stopped because the user must sign in again: Reconnect first, then Resume. */
export const needsReconnect = (view: SyncView): boolean => view.status === 'failed' && view.error?.code === 'canvas_reauth_required';

const STATUS_LABELS: Record<string, string> = { queued: 'Queued', running: 'Running', completed: 'Completed', failed: 'Failed', cancelled: 'Cancelled' };

/** The sync being watched: live progress, alerts on its milestones and end, Cancel and Retry. */
export class CurrentView {
  private get section() { return this.dom.byId('current'); }
  private get fill() { return this.dom.byId('cur-fill'); }
  private get bar() { return this.dom.byId('cur-bar'); }
  private get cancelButton() { return this.dom.byId<HTMLButtonElement>('cancel-btn'); }
  private get retryButton() { return this.dom.byId<HTMLButtonElement>('retry-btn'); }
  private get reconnectButton() { return this.dom.byId<HTMLButtonElement>('cur-reconnect'); }
  private get diffSection() { return this.dom.byId('diff'); }
  private currentId: string | null = null;
  private view: SyncView | undefined;
  private readonly announced = new Map<string, Set<number>>();
  private ticker: number | undefined;

  constructor(
    private readonly dom: Dom,
    private readonly api: CanvasSyncClient,
    private readonly alerts: Alerts,
    private readonly runForReal: (view: SyncView) => void,
    private readonly reconnect: () => void,
    private readonly onResumed: (id: string) => void = () => undefined,
  ) {
    this.cancelButton.addEventListener('click', () => void this.cancel());
    this.reconnectButton.addEventListener('click', () => this.reconnect());
    this.retryButton.addEventListener('click', () => this.currentId && void this.resume(this.currentId));
    this.dom.byId('apply-btn').addEventListener('click', () => this.view && this.runForReal(this.view));
  }

  get id(): string | null {
    return this.currentId;
  }

  show(id: string): void {
    this.currentId = id;
    this.view = undefined;
    this.section.hidden = false;
  }

  /** Nothing to watch any more (the user's data was deleted). */
  hide(): void {
    this.currentId = null;
    this.view = undefined;
    window.clearInterval(this.ticker);
    this.section.hidden = true;
  }

  /** Resumes a sync, as Retry does (after reconnecting Canvas). */
  resumeSync(id: string): Promise<void> {
    return this.resume(id);
  }

  setMode(mode: ConnectionState): void {
    const el = this.dom.byId('live-mode');
    el.className = `live-mode ${mode}`;
    const texts: Record<ConnectionState, string> = {
      live: '● Live updates',
      polling: '○ Live updates unavailable — checking for progress every 2 s',
      connecting: '… Connecting to live updates',
      closed: '○ Live updates stopped',
    };
    el.textContent = texts[mode];
  }

  /** Any sync changed: alerts for transitions of any sync seen moving, a re-render for the current one. */
  update(view: SyncView, previous: SyncView | undefined): void {
    if (previous) this.announce(view, previous);
    if (view.id !== this.currentId) return;
    this.view = view;
    this.render(view);
  }

  private announce(view: SyncView, previous: SyncView): void {
    const what = view.dryRun ? 'Preview' : 'Sync';
    if (!isTerminal(view.status)) {
      const done = this.announced.get(view.id) ?? new Set<number>();
      this.announced.set(view.id, done);
      for (const m of MILESTONES) {
        if (view.progress.percent >= m && previous.progress.percent < m && !done.has(m)) {
          done.add(m);
          this.alerts.info(`${what} ${m} % done.`);
        }
      }
      return;
    }
    if (isTerminal(previous.status)) return;
    if (view.status === 'completed') this.alerts.success(`${what} completed: ${summary(view.counts)}.`);
    else if (view.status === 'failed' && needsReconnect(view)) this.alerts.error(`${what} failed: ${view.error?.message ?? 'unknown error'}`, { label: 'Reconnect Canvas', run: () => this.reconnect() });
    else if (view.status === 'failed') this.alerts.error(`${what} failed: ${view.error?.message ?? 'unknown error'}`, { label: 'Retry', run: () => void this.resume(view.id) });
    else this.alerts.info(`${what} cancelled. It keeps its checkpoint.`, { label: 'Resume', run: () => void this.resume(view.id) });
  }

  private render(view: SyncView): void {
    const status = this.dom.byId('cur-status');
    status.textContent = STATUS_LABELS[view.status] ?? view.status;
    status.className = `badge ${view.status}`;
    this.dom.byId('cur-kind').textContent = `${view.dryRun ? 'Preview (dry run)' : 'Sync'} · ${view.mode}`;
    this.dom.byId('cur-phase').textContent = `· ${PHASE_LABELS[view.phase] ?? view.phase}`;
    const percent = Math.max(0, Math.min(100, view.progress.percent));
    this.fill.style.width = `${percent}%`;
    this.bar.setAttribute('aria-valuenow', String(Math.round(percent)));
    this.bar.setAttribute('aria-valuetext', `${percent} %`);
    this.dom.byId('cur-percent').textContent = `${percent} %`;
    this.dom.byId('cur-units').textContent = view.progress.total > 0 ? `${view.progress.done} of ${view.progress.total}` : '–';
    this.dom.byId('cur-eta').textContent = eta(view.etaSeconds, view.status === 'running');
    this.renderElapsed();
    window.clearInterval(this.ticker);
    if (!isTerminal(view.status)) this.ticker = window.setInterval(() => this.renderElapsed(), 1_000);
    this.renderCounts(view);
    this.dom.byId('cur-message').textContent = view.status === 'completed' ? `Synced ${summary(view.counts)}.` : (view.message ?? '');
    const error = this.dom.byId('cur-error');
    error.hidden = !view.error;
    error.textContent = view.error ? `${view.error.message} (${view.error.code})` : '';
    this.cancelButton.hidden = isTerminal(view.status);
    this.retryButton.hidden = view.status !== 'failed' && view.status !== 'cancelled';
    this.reconnectButton.hidden = !needsReconnect(view);
    // Reconnecting comes first; a resume before it would fail the same way.
    this.retryButton.classList.toggle('secondary', needsReconnect(view));
    this.diffSection.hidden = !(view.dryRun && view.status === 'completed' && view.diff);
    if (view.dryRun && view.diff) this.dom.byId('diff-body').replaceChildren(renderDiff(view.diff));
  }

  private renderElapsed(): void {
    const v = this.view;
    if (!v?.startedAt) {
      this.dom.byId('cur-elapsed').textContent = '–';
      return;
    }
    const end = v.finishedAt ? Date.parse(v.finishedAt) : Date.now();
    this.dom.byId('cur-elapsed').textContent = duration((end - Date.parse(v.startedAt)) / 1000);
  }

  private renderCounts(view: SyncView): void {
    const rows = RESOURCE_ORDER.flatMap((key) => (view.counts[key] ? [[key, view.counts[key]] as const] : []));
    const head = h('tr', {}, h('th', { scope: 'col' }, 'Records'), ...['New', 'Updated', 'Unchanged', 'Deleted'].map((t) => h('th', { scope: 'col' }, t)));
    const body = rows.map(([key, c]) => h('tr', {}, h('th', { scope: 'row' }, RESOURCE_LABELS[key] ?? key), ...[c!.created, c!.updated, c!.unchanged, c!.deleted].map((n) => h('td', {}, String(n)))));
    this.dom.byId('cur-counts').replaceChildren(h('thead', {}, head), h('tbody', {}, ...body));
    this.dom.byId('cur-counts').hidden = rows.length === 0;
  }

  private async cancel(): Promise<void> {
    if (!this.currentId) return;
    this.cancelButton.disabled = true;
    try {
      await this.api.cancelSync(this.currentId);
      this.alerts.info('Cancelling… the sync stops within seconds and keeps its checkpoint.');
    } catch (err) {
      this.alerts.error(`Cancel failed: ${err instanceof CanvasSyncError ? err.message : 'unknown error'}`);
    } finally {
      this.cancelButton.disabled = false;
    }
  }

  private async resume(id: string): Promise<void> {
    try {
      await this.api.resumeSync(id);
      this.alerts.info('Resuming from the checkpoint: finished work is skipped.');
      this.onResumed(id);
      this.show(id);
      const fresh = await this.api.getSync(id).catch(() => undefined);
      if (fresh) this.update(fresh, undefined);
    } catch (err) {
      this.alerts.error(`Retry failed: ${err instanceof CanvasSyncError ? err.message : 'unknown error'}`);
    }
  }
}
