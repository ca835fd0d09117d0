import { readCanvasReturn, type CanvasReturn } from '../lib/canvas-return.js';
import { domOf } from '../lib/dom.js';
import type { TokenProvider } from '@canvas-sync/client';
import { emitterFor } from './panel-events.js';
import { startPanel, type PanelRun } from './panel.controller.js';
import { PANEL_MARKUP } from './panel.markup.js';
import panelCss from './panel.css?inline';

/** One constructed sheet for every panel on the page: no `<style>` element, so a strict `style-src` CSP allows it. */
let sheet: CSSStyleSheet | undefined;
function panelSheet(): CSSStyleSheet {
  sheet ??= new CSSStyleSheet();
  if (sheet.cssRules.length === 0) sheet.replaceSync(panelCss);
  return sheet;
}

/** `?canvas=…` from the OAuth callback, read once per page load and removed so a reload does not repeat it. */
let canvasReturn: CanvasReturn | null | undefined;
function takeCanvasReturn(): CanvasReturn | null {
  if (canvasReturn !== undefined) return canvasReturn;
  const found = readCanvasReturn(window.location.href);
  if (found) window.history.replaceState(window.history.state, '', found.cleanUrl);
  canvasReturn = found?.result ?? null;
  return canvasReturn;
}

/**
 * `<canvas-sync-panel api-url="https://sync.example.edu">`: the whole sync panel in a shadow root
 * (DESIGN.md "Embedding"). It starts once it is in the document and has a `tokenProvider`; changing
 * `api-url` or `notifier-url`, or setting another provider, starts it again. Events: panel-events.ts.
 */
export class CanvasSyncPanelElement extends HTMLElement {
  static readonly observedAttributes = ['api-url', 'notifier-url'];
  private provider: TokenProvider | null = null;
  private run: PanelRun | undefined;
  private generation = 0;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [panelSheet()];
  }

  /** `async () => "<user JWT>"`: called at start, on a 401/4401 and before the token expires. */
  get tokenProvider(): TokenProvider | null {
    return this.provider;
  }

  set tokenProvider(provider: TokenProvider | null) {
    this.provider = typeof provider === 'function' ? provider : null;
    this.restart();
  }

  connectedCallback(): void {
    // A provider set before this module loaded sits on the instance and hides the accessor: move it over.
    if (Object.prototype.hasOwnProperty.call(this, 'tokenProvider')) {
      const early = (this as { tokenProvider?: TokenProvider | null }).tokenProvider ?? null;
      delete (this as { tokenProvider?: unknown }).tokenProvider;
      this.tokenProvider = early;
      return;
    }
    this.restart();
  }

  disconnectedCallback(): void {
    this.generation++;
    this.run?.stop();
    this.run = undefined;
  }

  attributeChangedCallback(_name: string, before: string | null, after: string | null): void {
    if (before !== after && this.isConnected) this.restart();
  }

  private restart(): void {
    const generation = ++this.generation;
    this.run?.stop();
    this.run = undefined;
    const root = this.shadowRoot!;
    root.innerHTML = PANEL_MARKUP;
    const dom = domOf(root);
    if (!this.isConnected) return;
    const status = dom.byId('panel-status');
    if (!this.provider) {
      status.textContent = 'Waiting for sign-in…';
      return;
    }
    const apiUrl = (this.getAttribute('api-url') ?? '').trim().replace(/\/+$/, '');
    const notifierUrl = this.getAttribute('notifier-url')?.trim() || null;
    void startPanel({
      dom,
      apiUrl,
      notifierUrl,
      getToken: this.provider,
      emit: emitterFor(this),
      canvasReturn: takeCanvasReturn(),
      onUnauthorized: () => this.dispatchEvent(new CustomEvent('canvas-sync:unauthorized', { bubbles: true, composed: true, detail: {} })),
    }).then((run) => {
      if (generation === this.generation) this.run = run;
      else run.stop();
    });
  }
}

/** Defines the element once (a page may load the module twice, e.g. the page bundle and /embed). */
export function defineCanvasSyncPanel(name = 'canvas-sync-panel'): void {
  if (!customElements.get(name)) customElements.define(name, CanvasSyncPanelElement);
}
