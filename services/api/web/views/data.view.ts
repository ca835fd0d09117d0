import { CanvasSyncError, type CanvasSyncClient } from '@canvas-sync/client';
import type { Alerts } from '../lib/alerts.js';
import type { Dom } from '../lib/dom.js';

/** "Delete my synced data", behind an inline confirmation (a page can click it; a dialog box it cannot style). */
export class DataView {
  private get ask() { return this.dom.byId<HTMLButtonElement>('data-delete'); }
  private get confirm() { return this.dom.byId('data-confirm'); }
  private get yes() { return this.dom.byId<HTMLButtonElement>('data-confirm-yes'); }
  private get status() { return this.dom.byId('data-status'); }

  constructor(
    private readonly dom: Dom,
    private readonly api: CanvasSyncClient,
    private readonly alerts: Alerts,
    private readonly onDeleted: () => Promise<void>,
  ) {
    this.ask.addEventListener('click', () => this.open(true));
    this.dom.byId('data-confirm-no').addEventListener('click', () => {
      this.open(false);
      this.ask.focus();
    });
    this.yes.addEventListener('click', () => void this.erase());
  }

  private open(on: boolean): void {
    this.confirm.hidden = !on;
    this.ask.setAttribute('aria-expanded', String(on));
    this.status.textContent = '';
    this.status.className = 'status-text';
    if (on) this.dom.byId('data-confirm-no').focus();
  }

  private async erase(): Promise<void> {
    this.yes.disabled = true;
    try {
      await this.api.deleteData();
      this.open(false);
      this.show('Your synced data was deleted.', 'ok');
      this.alerts.success('Your synced data was deleted: courses, assignments, grades and sync history.');
      await this.onDeleted();
    } catch (err) {
      const text =
        err instanceof CanvasSyncError && err.code === 'sync_in_progress'
          ? 'A sync is running, so nothing was deleted. Cancel it or let it finish, then delete again.'
          : `Nothing was deleted: ${err instanceof CanvasSyncError ? err.message : 'unknown error'}`;
      this.open(false);
      this.show(text, 'error');
      this.alerts.error(text);
    } finally {
      this.yes.disabled = false;
    }
  }

  private show(text: string, kind: 'ok' | 'error'): void {
    this.status.textContent = text;
    this.status.className = `status-text ${kind}`;
  }
}
