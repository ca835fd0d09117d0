import { CanvasSyncError, type CanvasSyncClient, type Connection, type ConnectOptions } from '@canvas-sync/client';
import type { Alerts } from '../lib/alerts.js';
import { canvasHostOf, hasDeveloperKey } from '../lib/canvas-hosts.js';
import { canvasErrorText, type CanvasReturn } from '../lib/canvas-return.js';
import type { Dom } from '../lib/dom.js';

const NOT_CONNECTED: Connection = { baseUrl: null, connected: false };

/**
 * Step 1: "Connect with Canvas" (OAuth2) for hosts with a developer key, the pasted-token form where
 * the deployment allows it, and Reconnect, Test and Disconnect once connected.
 */
export class ConnectionView {
  private get form() { return this.dom.byId<HTMLFormElement>('conn-form'); }
  private get url() { return this.dom.byId<HTMLInputElement>('conn-url'); }
  private get hint() { return this.dom.byId('conn-url-hint'); }
  private get token() { return this.dom.byId<HTMLInputElement>('conn-token'); }
  private get status() { return this.dom.byId('conn-status'); }
  private get oauthActions() { return this.dom.byId('conn-oauth-actions'); }
  private get tokenPart() { return this.dom.byId('conn-token-part'); }
  private get manage() { return this.dom.byId('conn-manage'); }
  private get reconnectButton() { return this.dom.byId<HTMLButtonElement>('conn-reconnect'); }
  private get tokenToggle() { return this.dom.byId<HTMLButtonElement>('conn-token-toggle'); }
  /** The user chose the pasted token although Connect with Canvas is offered. */
  private tokenChosen = false;
  private options: ConnectOptions = { hosts: [], personalTokens: 'allow' };
  private connection: Connection = NOT_CONNECTED;

  constructor(
    private readonly dom: Dom,
    private readonly api: CanvasSyncClient,
    private readonly alerts: Alerts,
    /** The api's origin ('' = this page's): where Canvas sends the browser back decides `returnTo`'s form. */
    private readonly apiUrl = '',
  ) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      const viaToken = event.submitter?.id === 'conn-save' || !hasDeveloperKey(this.options.hosts, this.url.value);
      void (viaToken ? this.save() : this.connectWithCanvas(this.url.value));
    });
    this.url.addEventListener('input', () => this.renderChoices());
    // Enter in the token field saves the token (the form's default button is Connect with Canvas).
    this.token.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      event.preventDefault();
      void this.save();
    });
    this.reconnectButton.addEventListener('click', () => void this.reconnect());
    this.tokenToggle.addEventListener('click', () => {
      this.tokenChosen = !this.tokenChosen;
      this.renderChoices();
      if (this.tokenChosen) this.token.focus();
    });
    this.dom.byId('conn-test').addEventListener('click', () => void this.test());
    this.dom.byId('conn-disconnect').addEventListener('click', () => void this.disconnect());
  }

  /** Whether a connection is saved (a disconnected one keeps only its URL). */
  get connected(): boolean {
    return this.connection.connected;
  }

  async load(): Promise<void> {
    const [connection, options] = await Promise.all([this.api.getConnection(), this.loadOptions()]);
    this.options = options;
    // No guess from `hosts` when nothing is saved: a host name does not say http or https.
    if (connection.baseUrl) this.url.value = connection.baseUrl;
    this.render(connection);
  }

  /** After Canvas sent the browser back: say what happened; a new connection is tested at once. */
  async afterReturn(result: CanvasReturn): Promise<void> {
    if (result.outcome === 'connected') {
      this.alerts.success('Canvas is connected.');
      await this.test(false);
      return;
    }
    const text = canvasErrorText(result.code, this.connection.connected);
    this.alerts.error(text);
    if (!this.connection.connected) this.show(text, 'error');
  }

  /** Sends the user through Canvas's sign-in again (for `reauth_required` and `canvas_reauth_required`). */
  async reconnect(): Promise<void> {
    const baseUrl = this.connection.baseUrl ?? this.url.value;
    if (hasDeveloperKey(this.options.hosts, baseUrl)) return this.connectWithCanvas(baseUrl);
    // No developer key for this host (any more): a new pasted token is the only way back in.
    this.renderChoices();
    this.show('Canvas needs a new access token: paste one below.', 'error');
    (this.tokenPart.hidden ? this.url : this.token).focus();
  }

  private async loadOptions(): Promise<ConnectOptions> {
    try {
      return await this.api.getOAuthOptions();
    } catch (err) {
      // An api without OAuth (404): the pasted-token form, as before.
      if (err instanceof CanvasSyncError && err.status === 404) return { hosts: [], personalTokens: 'allow' };
      throw err;
    }
  }

  private render(connection: Connection): void {
    this.connection = connection;
    this.manage.hidden = !connection.connected;
    const reauth = connection.connected && connection.status === 'reauth_required';
    this.reconnectButton.hidden = !reauth;
    this.token.placeholder = connection.connected && connection.authType !== 'oauth' ? 'Leave empty to keep the saved token' : '';
    this.renderChoices();
    if (!connection.connected) return this.show('Not connected yet.', '');
    if (reauth) return this.show('Canvas asks you to sign in again: access was revoked or has run out. Reconnect Canvas to go on syncing.', 'error');
    const how = connection.authType === 'oauth' ? 'with Canvas sign-in' : 'with a personal access token';
    this.show(connection.canvasUser ? `Connected as ${connection.canvasUser.name} (${how}).` : `Connected ${how}. Test it to check it still works.`, 'ok');
  }

  /** Which ways in are offered for the URL as typed. */
  private renderChoices(): void {
    const oauth = hasDeveloperKey(this.options.hosts, this.url.value);
    const tokens = this.options.personalTokens === 'allow';
    // Reconnect Canvas already says it for the saved host: one primary action, not two.
    const reauthHere = this.connection.connected && this.connection.status === 'reauth_required' && canvasHostOf(this.connection.baseUrl ?? '') === canvasHostOf(this.url.value);
    this.oauthActions.hidden = !oauth || reauthHere;
    // With a developer key the token form is second choice, behind a toggle (Canvas wants OAuth2).
    const tokenOpen = !oauth || this.tokenChosen || this.usesToken();
    this.tokenToggle.hidden = !(oauth && tokens) || this.usesToken();
    this.tokenToggle.setAttribute('aria-expanded', String(tokenOpen));
    this.tokenPart.hidden = !tokens || !tokenOpen;
    const host = canvasHostOf(this.url.value);
    const hosts = this.options.hosts;
    let hint = '';
    if (oauth) hint = 'You sign in on Canvas and approve access there, then come back here.';
    else if (host === null) hint = hosts.length > 0 ? `Connect with Canvas is set up for ${hosts.join(', ')}.` : '';
    else if (tokens) hint = hosts.length > 0 ? 'This Canvas has no developer key here: paste a personal access token instead.' : '';
    else hint = "This Canvas is not set up here (no developer key) and pasted tokens are turned off: ask your school's Canvas admin.";
    // Only a change is written: the hint is a live region and must not repeat itself on every key.
    if (this.hint.textContent !== hint) this.hint.textContent = hint;
  }

  /** A pasted-token connection on this very host keeps its form (to replace the token). */
  private usesToken(): boolean {
    return this.connection.connected && this.connection.authType === 'token' && canvasHostOf(this.connection.baseUrl ?? '') === canvasHostOf(this.url.value);
  }

  private async connectWithCanvas(baseUrl: string): Promise<void> {
    this.busy(true);
    try {
      // Back to this very page: a path on the api's own page, the whole address on a host app's
      // (the api accepts only an origin listed in CORS_ORIGINS there).
      const here = window.location;
      const sameOrigin = this.apiUrl === '' || new URL(this.apiUrl, here.href).origin === here.origin;
      const { authorizeUrl } = await this.api.startOAuth({ baseUrl: baseUrl.trim(), returnTo: sameOrigin ? here.pathname : here.origin + here.pathname + here.search });
      // Only ever a web address: the page must never run a `javascript:` URL, whoever answered.
      if (!/^https?:\/\//i.test(authorizeUrl)) throw new CanvasSyncError(0, 'bad_answer', 'The server answered with an address that is not a web page.');
      this.show('Taking you to Canvas…', '');
      window.location.assign(authorizeUrl);
    } catch (err) {
      const message = err instanceof CanvasSyncError ? err.message : 'Connecting failed.';
      this.show(message, 'error');
      this.alerts.error(`Could not start Connect with Canvas: ${message}`);
      this.busy(false);
    }
  }

  private async save(): Promise<void> {
    if (this.tokenPart.hidden) return this.show(this.hint.textContent || 'Enter your Canvas URL.', 'error');
    const token = this.token.value.trim();
    if (!token && !(this.connection.connected && this.connection.authType !== 'oauth')) return this.show('Enter an access token.', 'error');
    this.busy(true);
    try {
      if (token) await this.api.putConnection({ baseUrl: this.url.value.trim(), accessToken: token });
      this.token.value = '';
      await this.test(false);
    } catch (err) {
      if (err instanceof CanvasSyncError && err.code === 'personal_tokens_disabled') this.options = { ...this.options, personalTokens: 'deny' };
      const message = err instanceof CanvasSyncError ? err.message : 'Saving failed.';
      this.renderChoices();
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
      await this.refresh();
      if (result.ok) this.alerts.success(`Canvas connection works: signed in as ${result.user.name}.`);
      else {
        // A connection now marked reauth_required keeps the sentence that says what to do.
        if (this.connection.status !== 'reauth_required') this.show(`Connection failed: ${result.error.message}`, 'error');
        this.alerts.error(`Canvas connection failed: ${result.error.message}`);
      }
    } catch (err) {
      this.show(err instanceof CanvasSyncError && err.status === 412 ? 'Connect Canvas first.' : err instanceof Error ? err.message : 'Test failed.', 'error');
    } finally {
      if (manageBusy) this.busy(false);
    }
  }

  private async disconnect(): Promise<void> {
    this.busy(true);
    try {
      await this.api.deleteConnection();
      await this.refresh();
      this.alerts.info('Canvas is disconnected. Your synced data is kept; you can delete it below.');
    } catch (err) {
      this.alerts.error(`Disconnect failed: ${err instanceof CanvasSyncError ? err.message : 'unknown error'}`);
    } finally {
      this.busy(false);
    }
  }

  /** Re-reads the connection (a sync just failed because Canvas wants a new sign-in). */
  async refresh(): Promise<void> {
    this.render(await this.api.getConnection());
  }

  private show(text: string, kind: '' | 'ok' | 'error'): void {
    this.status.textContent = text;
    this.status.className = `status-text ${kind}`;
  }

  private busy(on: boolean): void {
    for (const button of this.dom.byId('connection').querySelectorAll('button')) button.disabled = on;
  }
}
