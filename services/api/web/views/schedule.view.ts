import { CanvasSyncError, type CanvasSyncClient, type Schedule } from '@canvas-sync/client';
import type { Alerts } from '../lib/alerts.js';
import { h, type Dom } from '../lib/dom.js';
import { dateTime } from '../lib/format.js';

const CHOICES: Array<[number, string]> = [
  [15, 'Every 15 minutes'],
  [30, 'Every 30 minutes'],
  [60, 'Every hour'],
  [180, 'Every 3 hours'],
  [360, 'Every 6 hours'],
  [720, 'Every 12 hours'],
  [1440, 'Every day'],
  [10_080, 'Every week'],
];

/** "Every 6 hours", or "Every 45 minutes" for an interval set outside the panel. */
export function intervalText(minutes: number): string {
  const known = CHOICES.find(([m]) => m === minutes);
  if (known) return known[1];
  return minutes % 60 === 0 ? `Every ${minutes / 60} hours` : `Every ${minutes} minutes`;
}

/**
 * The "Automatic sync" card: shows the schedule (or that there is none), sets the interval and mode,
 * turns it off. Self-contained: it renders into `<section id="schedule">` and talks to the api only
 * through the client it is given.
 */
export class ScheduleView {
  private get root() { return this.dom.byId('schedule'); }
  private readonly state = h('p', { id: 'schedule-state', class: 'status-text', 'aria-live': 'polite' });
  private readonly interval = h('select', { id: 'schedule-interval' });
  private readonly mode = h(
    'select',
    { id: 'schedule-mode' },
    h('option', { value: 'incremental' }, 'Changes only (a full sync now and then finds deletions)'),
    h('option', { value: 'full' }, 'Full sync every time'),
  );
  private readonly save = h('button', { type: 'submit', id: 'schedule-save' }, 'Save schedule');
  private readonly off = h('button', { type: 'button', id: 'schedule-off', class: 'secondary' }, 'Turn off');

  constructor(
    private readonly dom: Dom,
    private readonly api: CanvasSyncClient,
    private readonly alerts: Alerts,
  ) {
    for (const [minutes, text] of CHOICES) this.interval.append(h('option', { value: String(minutes) }, text));
    this.interval.value = '360';
    const form = h(
      'form',
      { id: 'schedule-form' },
      h(
        'div',
        { class: 'row' },
        h('div', {}, h('label', { for: 'schedule-interval' }, 'Sync automatically'), this.interval),
        // Not labelled "Mode": the sync form's select has that label.
        h('div', {}, h('label', { for: 'schedule-mode' }, 'Each run'), this.mode),
      ),
      h('div', { class: 'actions' }, this.save, this.off),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.put();
    });
    this.off.addEventListener('click', () => void this.turnOff());
    this.root.replaceChildren(
      h('h2', { id: 'schedule-h' }, 'Automatic sync'),
      h('p', { class: 'hint' }, 'Keeps your data fresh without a click. Scheduled runs are marked in the history.'),
      this.state,
      form,
    );
  }

  async load(): Promise<void> {
    try {
      this.show(await this.api.getSchedule());
    } catch (err) {
      this.state.textContent = `The schedule could not be read: ${err instanceof CanvasSyncError ? err.message : 'unknown error'}`;
    }
  }

  private show(schedule: Schedule): void {
    this.off.hidden = !schedule.enabled;
    if (!schedule.enabled) {
      this.state.textContent = 'Off: data is synced only when you start a sync.';
      return;
    }
    const value = String(schedule.intervalMinutes);
    if (![...this.interval.options].some((o) => o.value === value)) this.interval.append(h('option', { value }, intervalText(schedule.intervalMinutes)));
    this.interval.value = value;
    this.mode.value = schedule.mode;
    const origin = 'source' in schedule && schedule.source === 'default' ? " (this service's default)" : '';
    const last = schedule.lastRunAt ? ` Last run ${dateTime(schedule.lastRunAt)}.` : '';
    const kind = schedule.mode === 'full' ? 'full syncs' : 'changes only';
    this.state.textContent = `${intervalText(schedule.intervalMinutes)}${origin}, ${kind}. Next run ${dateTime(schedule.nextRunAt)}.${last}`;
  }

  private async put(): Promise<void> {
    this.save.disabled = true;
    try {
      this.show(await this.api.putSchedule({ intervalMinutes: Number(this.interval.value), mode: this.mode.value as 'incremental' | 'full' }));
      this.alerts.success(`Automatic sync saved: ${intervalText(Number(this.interval.value)).toLowerCase()}.`);
    } catch (err) {
      this.alerts.error(`The schedule was not saved: ${err instanceof CanvasSyncError ? err.message : 'unknown error'}`);
    } finally {
      this.save.disabled = false;
    }
  }

  private async turnOff(): Promise<void> {
    try {
      await this.api.deleteSchedule();
      this.show({ enabled: false });
      this.alerts.success('Automatic sync is off.');
    } catch (err) {
      this.alerts.error(`Automatic sync is still on: ${err instanceof CanvasSyncError ? err.message : 'unknown error'}`);
    }
  }
}
