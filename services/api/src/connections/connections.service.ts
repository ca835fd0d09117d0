import { AppError, checkCanvasBaseUrl, type CanvasUrlPolicy, type HostResolver, type TokenCipher } from '@canvas-sync/shared';
import type { CanvasSelfClient, CanvasSelfResult } from '../canvas/canvas-self.client.js';
import type { ConnectionStore } from './connections.repository.js';
import type { ConnectionView, PutConnectionBody } from './connections.schemas.js';

/** The ports the connection handlers work with. */
export interface ConnectionPorts {
  connections: ConnectionStore;
  cipher: TokenCipher;
  policy: CanvasUrlPolicy;
  canvasSelf: CanvasSelfClient;
  /** DNS for the URL policy; the system resolver unless a test injects one. */
  resolve?: HostResolver;
}

/** Checks the URL against the SSRF policy, encrypts the token (AES-256-GCM, key id kept) and upserts. */
export async function saveConnection(ports: ConnectionPorts, userId: string, body: PutConnectionBody): Promise<void> {
  const baseUrl = await checkCanvasBaseUrl(body.baseUrl, ports.policy, ports.resolve);
  const { keyId, ciphertext } = ports.cipher.encrypt(body.accessToken, userId);
  await ports.connections.upsert(userId, { baseUrl, tokenCiphertext: ciphertext, tokenKeyId: keyId });
}

/** The user's connection as clients may see it. */
export async function viewConnection(ports: ConnectionPorts, userId: string): Promise<ConnectionView> {
  const row = await ports.connections.find(userId);
  if (!row) return { baseUrl: null, connected: false };
  if (row.token_ciphertext === null) return { baseUrl: row.base_url, connected: false };
  return { baseUrl: row.base_url, connected: true, ...(row.canvas_user ? { canvasUser: row.canvas_user } : {}) };
}

/** Calls Canvas with the stored token; remembers who it belongs to when Canvas accepts it. */
export async function testConnection(ports: ConnectionPorts, userId: string): Promise<CanvasSelfResult> {
  const row = await ports.connections.find(userId);
  if (!row || row.token_ciphertext === null || row.token_key_id === null) throw new AppError('no_connection');
  let token: string;
  try {
    token = ports.cipher.decrypt(row.token_ciphertext, row.token_key_id, userId);
  } catch (err) {
    // A key that was removed from the config: the user can fix it by saving the token again.
    throw new AppError('internal', 'The stored Canvas token cannot be read; save the connection again.', { cause: err });
  }
  const result = await ports.canvasSelf(row.base_url, token);
  if (result.ok) await ports.connections.setCanvasUser(userId, result.user);
  return result;
}
