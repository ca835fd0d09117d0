import { z } from 'zod';

/** `POST /api/v1/canvas/oauth/start`. */
export const OAuthStartBody = z
  .object({
    baseUrl: z.string().min(1).max(2048),
    /** A path on the api's origin or a URL on an origin in `CORS_ORIGINS`; default `/`. */
    returnTo: z.string().max(2048).optional(),
  })
  .strict()
  .meta({ id: 'OAuthStart' });

/** Where to send the browser: Canvas's consent page. */
export const OAuthStartAnswer = z.object({ authorizeUrl: z.string() }).meta({ id: 'OAuthAuthorize' });

/** What Canvas appends to the redirect URI. Loose on purpose: anything unexpected ends as `state_invalid`. */
export const OAuthCallbackQuery = z.looseObject({
  code: z.string().max(4096).optional(),
  state: z.string().max(512).optional(),
  error: z.string().max(512).optional(),
  error_description: z.string().max(4096).optional(),
});
