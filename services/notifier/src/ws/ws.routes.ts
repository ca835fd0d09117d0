import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { WsConfig } from '../config.js';
import type { VerifyUserToken } from '../auth/user-token.verifier.js';
import { FrameRateLimiter } from './frame-rate.limiter.js';
import { Heartbeat } from './heartbeat.js';
import { handshakeScheme, isOriginAllowed } from './origin-policy.js';
import { Outbox } from './outbox.js';
import { PendingSockets } from './pending-sockets.js';
import type { SessionHub } from './session-hub.js';
import { CLOSE, SocketSession, type SessionDeps } from './socket-session.js';

/** What `/ws` needs. */
export interface WsRouteDeps {
  config: WsConfig;
  verify: VerifyUserToken;
  views: SessionDeps['views'];
  hub: SessionHub;
  onCoalesced?(): void;
}

/** Above this many unsent bytes a socket counts as slow and its progress frames coalesce. */
const HIGH_WATER_BYTES = 64 * 1024;
const MAX_QUEUED_FRAMES = 500;
/** Frames are JSON text; the outbox hands over bytes encoded once per frame (see encodeFrame). */
const TEXT_FRAME = { binary: false } as const;

/** Registers `GET /ws`: the WebSocket protocol of DESIGN.md, with its limits. */
export async function registerWsRoutes(app: FastifyInstance, deps: WsRouteDeps): Promise<void> {
  const { config } = deps;
  await app.register(websocket, {
    // ws itself closes a socket whose frame is larger with 1009 (DESIGN.md: abuse closes 1008/1009).
    options: { maxPayload: config.maxPayloadBytes, perMessageDeflate: false },
    // On shutdown say "going away" (1001), so clients reconnect (to another replica) at once.
    preClose(done) {
      for (const client of this.websocketServer.clients) client.close(CLOSE.goingAway, 'server shutting down');
      this.websocketServer.close(() => done());
    },
  });

  const pending = new PendingSockets(config.maxUnauthenticatedPerIp);
  const heartbeat = new Heartbeat<WebSocket>(config.heartbeatMs);
  app.addHook('onClose', async () => heartbeat.stop());

  app.get(
    '/ws',
    {
      websocket: true,
      preValidation: async (request, reply) => {
        const target = { host: request.headers.host, scheme: handshakeScheme(request.headers['x-forwarded-proto'], request.protocol === 'https') };
        if (!isOriginAllowed(request.headers.origin, target, config)) {
          request.log.info({ origin: request.headers.origin }, 'ws origin refused');
          return reply.code(403).send({ error: { code: 'forbidden_origin', message: 'This origin may not open the WebSocket.' } });
        }
        // Refused before the upgrade when the address already has its share of sockets in the auth phase.
        if (pending.isFull(request.ip)) {
          request.log.info('ws refused: too many unauthenticated sockets from this address');
          return reply.code(429).send({ error: { code: 'rate_limited', message: 'Too many connections waiting to authenticate; try again shortly.' } });
        }
      },
    },
    (socket, request) => {
      const logger = request.log;
      // Handshakes that passed the check together are counted here, where the count is exact.
      if (!pending.acquire(request.ip)) {
        socket.close(CLOSE.policy, 'too many unauthenticated connections');
        return;
      }
      let pendingSlot = true;
      const releasePending = () => {
        if (pendingSlot) pending.release(request.ip);
        pendingSlot = false;
      };
      heartbeat.add(socket);
      socket.on('pong', () => heartbeat.pong(socket));
      const outbox = new Outbox(
        { get bufferedAmount() { return socket.bufferedAmount; }, send: (data, done) => socket.send(data, TEXT_FRAME, done) },
        {
          highWaterBytes: HIGH_WATER_BYTES,
          maxQueued: MAX_QUEUED_FRAMES,
          onOverflow: () => socket.close(CLOSE.tryAgainLater, 'client too slow'),
          ...(deps.onCoalesced ? { onCoalesced: deps.onCoalesced } : {}),
        },
      );
      const session = new SocketSession({
        verify: deps.verify,
        views: deps.views,
        register: (userId, s) => deps.hub.register(userId, s),
        unregister: (userId, s) => deps.hub.unregister(userId, s),
        send: (frame) => socket.readyState === socket.OPEN && outbox.push(frame),
        close: (code, reason) => socket.close(code, reason),
        authTimeoutMs: config.authTimeoutMs,
        logger,
        onAuthChecked: releasePending,
      });
      const limiter = new FrameRateLimiter(config.maxFramesPerSecond);
      socket.on('message', (data, isBinary) => {
        if (!limiter.take()) {
          socket.close(CLOSE.policy, 'too many frames');
          return;
        }
        if (isBinary) {
          outbox.push({ type: 'error', code: 'bad_frame', message: 'Send JSON text frames.' });
          return;
        }
        session.receive(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8'));
      });
      socket.on('close', () => {
        heartbeat.remove(socket);
        releasePending();
        outbox.close();
        session.dispose();
      });
      socket.on('error', (err) => logger.debug({ err }, 'ws socket error'));
    },
  );
}
