import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { AppError, isAppError } from '../core/errors.js';
import type { Deadline } from './fetch-deadline.js';
import { origin } from './fetch-target.js';

/**
 * The response body as handed to the caller: counted against maxBytes, cut off by the
 * fetch's deadline, and failing with a coded error (never a bare socket error) when the
 * connection breaks. Closing it, for whatever reason, closes the connection and the timers.
 */
export function guardBody(res: IncomingMessage, url: URL, maxBytes: number, deadline: Deadline): Readable {
  let bytes = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) done(tooLarge(url, maxBytes));
      else done(null, chunk);
    },
  });
  const fail = (err: AppError): void => {
    guard.destroy(deadline.failure() ?? err);
  };
  res.on('error', (err) => fail(networkError(err, url)));
  res.once('close', () => {
    if (!res.complete)
      fail(new AppError('fetch_failed', `The connection to ${origin(url)} closed before the whole body arrived`));
  });
  deadline.onFail(() => guard.destroy(deadline.failure()));
  guard.once('close', () => {
    deadline.clear();
    res.destroy();
  });
  res.pipe(guard);
  return guard;
}

export function tooLarge(url: URL, maxBytes: number): AppError {
  return new AppError('too_large', `The file at ${origin(url)} is larger than the limit of ${maxBytes} bytes`);
}

export function networkError(err: unknown, url: URL): AppError {
  if (isAppError(err)) return err;
  const code = (err as { code?: unknown }).code;
  // Only the code: a library's message may quote the URL, path and query included.
  const detail = typeof code === 'string' ? code : err instanceof Error ? err.name : 'error';
  return new AppError('fetch_failed', `Could not fetch from ${origin(url)} (${detail})`, { cause: err });
}
