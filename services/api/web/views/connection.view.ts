import { ApiError, type ApiClient } from '../lib/api.client.js';
import type { Alerts } from '../lib/alerts.js';
import { byId } from '../lib/dom.js';

/** Step 1: save the Canvas URL and token, and test them. */
export class ConnectionView {
  private readonly form = byId<HTMLFormElement>('conn-form');
  private readonly url = byId<HTMLInputElement>('conn-url');
  private readonly token = byId<HTMLInputElement>('conn-token');
  private readonly status = byId('conn-status');
  private readonly testButton = byId<HTMLButtonElement>('conn-test');

  constructor(
    private readonly api: ApiClient,
    private readonly alerts: Alerts,
  ) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.save();
    });
    this.testButton.addEventListener('click', () => void this.test());
  }

  async load(): Promise<void> {
    const connection = await this.api.connection();
    if (connection.baseUrl) this.url.value = connection.baseUrl;
    this.token.required = !connection.connected;
    this.show(connection.connected ? (connection.canvasUser ? `Connected as ${connection.canvasUser.name}.` : 'A token is saved. Test it to check it still works.') : 'Not connected yet.', connection.connected ? 'ok' : '');
  }

  private async save(): Promise<void> {
    const token = this.token.value.trim();
    if (!token && this.token.required) return this.show('Enter an access token.', 'error');
    this.busy(true);
    try {
      if (token) await this.api.saveConnection(this.url.value.trim(), token);
      this.token.value = '';
      this.token.required = false;
      await this.test(false);
    } catch (err) {
      const message = err instanceof ApiError ? err.message : 'Saving failed.';
      this.show(message, 'error');
      this.alerts.error(`Canvas connection not saved: ${message}`);
    } finally {
      this.busy(false);
    }
  }

  private async test(manageBusy = true): Promise<void> {
    if (manageBusy) this.busy(true);
    this.show('Testing the connection…', '');
    try {
      const result = await this.api.testConnection();
      if (result.ok) {
        this.show(`Connected as ${result.user.name}.`, 'ok');
        this.alerts.success(`Canvas connection works: signed in as ${result.user.name}.`);
      } else {
        this.show(`Connection failed: ${result.error.message}`, 'error');
        this.alerts.error(`Canvas connection failed: ${result.error.message}`);
      }
    } catch (err) {
      this.show(err instanceof ApiError && err.status === 412 ? 'Save a Canvas URL and token first.' : err instanceof Error ? err.message : 'Test failed.', 'error');
    } finally {
      if (manageBusy) this.busy(false);
    }
  }

  private show(text: string, kind: '' | 'ok' | 'error'): void {
    this.status.textContent = text;
    this.status.className = `status-text ${kind}`;
  }

  private busy(on: boolean): void {
    for (const button of this.form.querySelectorAll('button')) button.disabled = on;
  }
}
