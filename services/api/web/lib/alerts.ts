import { AlertStore, type AlertKind } from './alert-store.js';
import { h, type Dom } from './dom.js';

export interface AlertAction {
  label: string;
  run(): void;
}

/** A few at once, long enough to read; errors and offers of an action stay (lib/alert-store.ts). */
const MAX_ALERTS = 3;
const ALERT_TTL_MS = 8_000;

/**
 * Notifications in two live regions: `status` (polite) for start, milestones and completion,
 * `alert` (assertive) for errors. Each can carry one action button (e.g. Retry) and be dismissed.
 */
export class Alerts {
  constructor(private readonly dom: Dom) {}

  private get polite() { return this.dom.byId('alerts-polite'); }
  private get urgent() { return this.dom.byId('alerts-urgent'); }
  private readonly elements = new Map<number, HTMLElement>();
  private readonly store = new AlertStore({
    max: MAX_ALERTS,
    ttlMs: ALERT_TTL_MS,
    onAdd: (alert) => {
      const item = this.render(alert.id, alert.kind, alert.text, this.pendingAction);
      this.elements.set(alert.id, item);
      (alert.kind === 'error' ? this.urgent : this.polite).prepend(item);
    },
    onRemove: (alert) => {
      this.elements.get(alert.id)?.remove();
      this.elements.delete(alert.id);
    },
  });
  private pendingAction: AlertAction | undefined;

  info(text: string, action?: AlertAction): void {
    this.add('info', text, action);
  }

  success(text: string, action?: AlertAction): void {
    this.add('success', text, action);
  }

  error(text: string, action?: AlertAction): void {
    this.add('error', text, action);
  }

  private add(kind: AlertKind, text: string, action?: AlertAction): void {
    // The store assigns the id inside add() and renders through onAdd; the action is handed over on the way.
    this.pendingAction = action;
    try {
      this.store.add(kind, text, action !== undefined);
    } finally {
      this.pendingAction = undefined;
    }
  }

  private render(id: number, kind: AlertKind, text: string, action: AlertAction | undefined): HTMLElement {
    const close = h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss' }, '×');
    const item = h('div', { class: `alert alert-${kind}`, 'data-kind': kind }, h('span', { class: 'alert-text' }, text));
    if (action) {
      const button = h('button', { type: 'button', class: 'small' }, action.label);
      button.addEventListener('click', () => {
        this.store.dismiss(id);
        action.run();
      });
      item.append(button);
    }
    item.append(close);
    close.addEventListener('click', () => this.store.dismiss(id));
    return item;
  }
}
