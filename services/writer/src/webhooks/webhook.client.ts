/** What one POST to the receiver came to. */
export type PostOutcome = { ok: true; status: number } | { ok: false; status: number | undefined; reason: string };

/** Sends one signed body; never throws. */
export type PostWebhook = (body: string, headers: Record<string, string>) => Promise<PostOutcome>;

/**
 * POSTs to the operator's URL. The URL may be any address, private ones included: the operator
 * chose it (the Canvas SSRF guard protects against URLs users choose, not this one). Only a 2xx
 * counts; a redirect is not followed (a moved receiver is a configuration fault to see in the
 * metrics, not something to chase). The whole exchange, connect to last byte, is bounded by
 * `timeoutMs`, and the answer's body is not read: a receiver cannot hold a slot or fill memory.
 */
export function webhookClient(url: string, timeoutMs: number): PostWebhook {
  return async (body, headers) => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'canvas-sync-webhooks/1', ...headers },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
      return { ok: false, status: res.status, reason: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, status: undefined, reason: networkReason(err) };
    }
  };
}

/** A short cause without the URL (it may carry a token of the receiver's). */
function networkReason(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timeout';
  return e?.cause?.code ?? 'network error';
}
