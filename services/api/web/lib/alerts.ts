import { byId, h } from './dom.js';

export interface AlertAction {
  label: string;
  run(): void;
}

const MAX_ALERTS = 6;

/**
 * Notifications in two live regions: `status` (polite) for start, milestones and completion,
 * `alert` (assertive) for errors. Each can carry one action button (e.g. Retry) and be dismissed.
 */
export class Alerts {
  private readonly polite = byId('alerts-polite');
  private readonly urgent = byId('alerts-urgent');

  info(text: string, action?: AlertAction): void {
    this.add(this.polite, 'info', text, action);
  }

  success(text: string, action?: AlertAction): void {
    this.add(this.polite, 'success', text, action);
  }

  error(text: string, action?: AlertAction): void {
    this.add(this.urgent, 'error', text, action);
  }

  private add(region: HTMLElement, kind: string, text: string, action?: AlertAction): void {
    const close = h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss' }, '×');
    const item = h('div', { class: `alert alert-${kind}`, 'data-kind': kind }, h('span', { class: 'alert-text' }, text));
    if (action) {
      const button = h('button', { type: 'button', class: 'small' }, action.label);
      button.addEventListener('click', () => {
        item.remove();
        action.run();
      });
      item.append(button);
    }
    item.append(close);
    close.addEventListener('click', () => item.remove());
    region.prepend(item);
    while (region.children.length > MAX_ALERTS) region.lastElementChild?.remove();
  }
}
