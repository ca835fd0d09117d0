/**
 * The embeddable panel, built as one ES module and served by the api at `GET /embed/canvas-sync.js`
 * (docs/embedding.md): importing it defines `<canvas-sync-panel>`.
 */
import { defineCanvasSyncPanel } from './element/canvas-sync-panel.element.js';

export { CanvasSyncPanelElement } from './element/canvas-sync-panel.element.js';
export type { PanelEventMap } from './element/panel-events.js';
export type { TokenProvider } from '@canvas-sync/client';

defineCanvasSyncPanel();
