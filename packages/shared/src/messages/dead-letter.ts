import { z } from 'zod';
import { defineMessage } from './envelope.js';

/** Any consumer → DEAD_LETTERS: a message that was terminated, with why. No payload secrets: messages never carry any. */
export const DeadLetter = z.object({
  stream: z.string(),
  durable: z.string(),
  subject: z.string(),
  messageId: z.string().nullable(),
  deliveries: z.number().int(),
  reason: z.string().max(2000),
  code: z.string().max(100),
  excerpt: z.string().max(2000),
});
export type DeadLetter = z.infer<typeof DeadLetter>;
export const deadLetter = defineMessage('sync.deadletter', 1, DeadLetter);
