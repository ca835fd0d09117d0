/** What an alert announces; only errors are urgent and stay until the user dismisses them. */
export type AlertKind = 'info' | 'success' | 'error';

export interface StandingAlert {
  id: number;
  kind: AlertKind;
  text: string;
  /** Stays until dismissed: errors, and alerts offering an action (the user must get the chance to act). */
  sticky: boolean;
}

export interface AlertStoreOptions {
  /** How many alerts stand at once; a new one pushes out the oldest non-error. */
  max: number;
  /** How long info and milestone alerts stand before they dismiss themselves. */
  ttlMs: number;
  onAdd(alert: StandingAlert): void;
  onRemove(alert: StandingAlert): void;
}

/**
 * The alerts standing on the panel, without the DOM (so it is unit-tested with fake timers). Without limits a sync with a
 * preview left six banners behind; here non-sticky alerts time out, at most `max` stand (the oldest non-error goes
 * first), and an alert with the same text as a standing one replaces it, so repeated failures do not pile up either.
 */
export class AlertStore {
  private readonly standing: StandingAlert[] = [];
  private readonly timers = new Map<number, ReturnType<typeof setTimeout>>();
  private nextId = 1;

  constructor(private readonly options: AlertStoreOptions) {}

  add(kind: AlertKind, text: string, hasAction = false): StandingAlert {
    const same = this.standing.find((a) => a.text === text);
    if (same) this.dismiss(same.id);
    const alert: StandingAlert = { id: this.nextId++, kind, text, sticky: kind === 'error' || hasAction };
    this.standing.push(alert);
    this.options.onAdd(alert);
    if (!alert.sticky) this.timers.set(alert.id, setTimeout(() => this.dismiss(alert.id), this.options.ttlMs));
    while (this.standing.length > this.options.max) {
      // Errors are never pushed out; when only errors stand, more than `max` may stand until dismissed.
      const oldest = this.standing.find((a) => a.kind !== 'error');
      if (!oldest) break;
      this.dismiss(oldest.id);
    }
    return alert;
  }

  dismiss(id: number): void {
    const index = this.standing.findIndex((a) => a.id === id);
    if (index < 0) return;
    const [alert] = this.standing.splice(index, 1);
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.options.onRemove(alert!);
  }

  /** Oldest first. */
  list(): readonly StandingAlert[] {
    return [...this.standing];
  }
}
