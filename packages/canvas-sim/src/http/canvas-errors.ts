import type { CanvasAnswer } from './answer.js';

/** Canvas's error answers, byte for byte as CANVAS.md's table gives them. */

const WWW_AUTHENTICATE = { 'WWW-Authenticate': 'Bearer realm="canvas-lms"' };

export function notFound(): CanvasAnswer {
  return { status: 404, body: { errors: [{ message: 'The specified resource does not exist.' }] } };
}

/** A permission refusal: JSON, unlike the text/plain throttle 403, and never worth retrying. */
export function unauthorizedAction(): CanvasAnswer {
  return { status: 403, body: { status: 'unauthorized', errors: [{ message: 'user not authorized to perform that action' }] } };
}

export function noCredentials(): CanvasAnswer {
  return { status: 401, headers: WWW_AUTHENTICATE, body: { status: 'unauthenticated', errors: [{ message: 'user authorization required' }] } };
}

export function invalidToken(): CanvasAnswer {
  return { status: 401, headers: WWW_AUTHENTICATE, body: { errors: [{ message: 'Invalid access token.' }] } };
}

export function expiredToken(expiredAt: string): CanvasAnswer {
  return { status: 401, headers: WWW_AUTHENTICATE, body: { errors: [{ message: 'Expired access token.' }], expired_at: expiredAt } };
}

export function revokedToken(): CanvasAnswer {
  return { status: 401, headers: WWW_AUTHENTICATE, body: { errors: [{ message: 'Revoked access token.' }] } };
}

export function serverError(errorReportId: number): CanvasAnswer {
  return {
    status: 500,
    body: { errors: [{ message: 'An error occurred.', error_code: 'internal_server_error' }], error_report_id: errorReportId },
  };
}

export function badRequest(body: unknown): CanvasAnswer {
  return { status: 400, body };
}

const PROXY_HTML: Readonly<Record<number, string>> = {
  502: '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n',
  503: '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n',
  504: '<html><body><h1>504 Gateway Time-out</h1>\nThe server didn\'t respond in time.\n</body></html>\n',
};

/** A load balancer's answer: Canvas never saw the request, so no JSON and no rate headers. */
export function proxyError(status: 502 | 503 | 504, html: boolean): CanvasAnswer {
  return html ? { status, text: PROXY_HTML[status] ?? '', contentType: 'text/html' } : { status, text: '' };
}

/** request_throttle.rb's rate_limit_exceeded (403) or hosted Canvas's 429; never a Retry-After. */
export function throttled(status: 403 | 429): CanvasAnswer {
  return status === 403
    ? { status, text: '403 Forbidden (Rate Limit Exceeded)\n', contentType: 'text/plain; charset=utf-8' }
    : { status, text: '429 Too Many Requests (Rate Limit Exceeded)\n', contentType: 'text/plain; charset=utf-8' };
}
