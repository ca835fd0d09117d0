/**
 * The part of the WebSocket API the client uses: the browser's `WebSocket`, or the `ws` package's
 * in Node 20 (which has no global WebSocket). Declared here so the package needs no DOM or Node types.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // Handler parameters are `any`: the DOM's and ws's event classes differ, and both must fit without a cast.
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}

export type WebSocketConstructorLike = new (url: string) => WebSocketLike;

/** `readyState` of an open socket (the same in every implementation). */
export const WS_OPEN = 1;

/** The global WebSocket of browsers (and Node 22+), if there is one. */
export function globalWebSocket(): WebSocketConstructorLike | undefined {
  return (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
}
