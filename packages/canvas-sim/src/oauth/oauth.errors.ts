/**
 * The token endpoint's refusals, as Canvas's lib/canvas/oauth/request_error.rb maps them: `invalid_client`
 * is a 401, everything else a 400, body `{error, error_description}`.
 */
export type OAuthErrorKind =
  | 'unknownClient'
  | 'badSecret'
  | 'noCode'
  | 'badCode'
  | 'redirectMismatch'
  | 'noRefreshToken'
  | 'badRefreshToken'
  | 'unsupportedGrant';

export interface OAuthErrorAnswer {
  status: 400 | 401;
  body: { error: string; error_description: string };
}

const ERRORS: Readonly<Record<OAuthErrorKind, OAuthErrorAnswer>> = {
  unknownClient: { status: 401, body: { error: 'invalid_client', error_description: 'unknown client' } },
  badSecret: { status: 401, body: { error: 'invalid_client', error_description: 'invalid client' } },
  noCode: {
    status: 400,
    body: { error: 'invalid_request', error_description: 'You must provide the code parameter when using the authorization_code grant type' },
  },
  badCode: { status: 400, body: { error: 'invalid_grant', error_description: 'The authorization code provided is invalid or has expired' } },
  redirectMismatch: { status: 400, body: { error: 'invalid_grant', error_description: 'redirect_uri does not match' } },
  noRefreshToken: {
    status: 400,
    body: { error: 'invalid_request', error_description: 'You must provide the refresh_token parameter when using the refresh_token grant type' },
  },
  badRefreshToken: { status: 400, body: { error: 'invalid_grant', error_description: 'refresh_token not found' } },
  unsupportedGrant: { status: 400, body: { error: 'unsupported_grant_type', error_description: 'The grant_type you requested is not currently supported' } },
};

export class OAuthRequestError extends Error {
  constructor(readonly kind: OAuthErrorKind) {
    super(`oauth: ${kind}`);
  }

  get answer(): OAuthErrorAnswer {
    return ERRORS[this.kind];
  }
}
