/**
 * The error catalogue: every failure an item, a list or a request can end in has one code
 * here, with its HTTP status and whether retrying could help. Item failures are reported as
 * `{code, message}`; the message says what happened and, where it can, what to do.
 */
export const ERROR_CATALOGUE = {
  // input media
  empty_file: { status: 422, permanent: true },
  unreadable: { status: 422, permanent: true },
  unsupported_type: { status: 415, permanent: true },
  corrupt_media: { status: 422, permanent: true },
  too_large: { status: 413, permanent: true },
  too_many_pixels: { status: 422, permanent: true },
  decode_timeout: { status: 422, permanent: true },
  ffmpeg_missing: { status: 500, permanent: true },
  video_too_long: { status: 422, permanent: true },
  too_many_frames: { status: 422, permanent: true },
  // URL intake
  url_invalid: { status: 400, permanent: true },
  url_refused: { status: 422, permanent: true },
  too_many_redirects: { status: 422, permanent: true },
  http_status: { status: 502, permanent: true },
  fetch_failed: { status: 502, permanent: false },
  fetch_timeout: { status: 504, permanent: false },
  // hash lists
  list_invalid: { status: 400, permanent: true },
  list_empty: { status: 400, permanent: true },
  // requests and the run itself
  invalid_argument: { status: 400, permanent: true },
  not_found: { status: 404, permanent: true },
  // the HTTP API
  unauthorized: { status: 401, permanent: true },
  forbidden: { status: 403, permanent: true },
  signature_invalid: { status: 401, permanent: true },
  signature_expired: { status: 401, permanent: true },
  signature_replayed: { status: 409, permanent: true },
  payload_too_large: { status: 413, permanent: true },
  rate_limited: { status: 429, permanent: false },
  not_configured: { status: 503, permanent: true },
  not_ready: { status: 503, permanent: false },
  // the service's workers
  staging_missing: { status: 410, permanent: true },
  staging_corrupt: { status: 422, permanent: true },
  job_timeout: { status: 504, permanent: false },
  processing_interrupted: { status: 500, permanent: true },
  internal: { status: 500, permanent: false },
} as const satisfies Record<string, { status: number; permanent: boolean }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** false when a retry could succeed (network trouble, a restarting service). */
  readonly permanent: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; permanent?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.permanent = options?.permanent ?? ERROR_CATALOGUE[code].permanent;
  }

  toJSON(): ErrorInfo {
    return { code: this.code, message: this.message };
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Anything thrown becomes an AppError; unknown errors are `internal` and keep their cause. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AppError('internal', `Unexpected error: ${message}`, { cause: err });
}

/** "Expected X for Y but received Z", the shape of every argument error. */
export function invalidArgument(expected: string, what: string, received: unknown): AppError {
  const shown = typeof received === 'string' ? JSON.stringify(received) : String(received);
  return new AppError('invalid_argument', `Expected ${expected} for ${what} but received ${shown}`);
}
