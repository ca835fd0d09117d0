/** Finds the panel's elements by id inside one panel (a shadow root, or the document). */
export interface Dom {
  byId<T extends HTMLElement = HTMLElement>(id: string): T;
}

/**
 * Lookups in `root`: each `<canvas-sync-panel>` has its own shadow root, so two panels on one page never
 * reach into each other. The markup is static, so a missing id is a bug worth failing loudly on.
 */
export function domOf(root: Document | DocumentFragment): Dom {
  return {
    byId<T extends HTMLElement = HTMLElement>(id: string): T {
      const el = root.getElementById(id);
      if (!el) throw new Error(`#${id} is missing from the panel's markup`);
      return el as T;
    },
  };
}

type Child = Node | string | null | undefined | false;

/** Builds an element; text children are text nodes (never HTML), so data cannot inject markup. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}
