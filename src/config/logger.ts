import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './index.js';

export type { Logger };

/**
 * The one root logger. Children carry request or job ids. Secrets and anything a submitter
 * controls that could carry a token (authorization, signatures, URLs' query strings) are
 * redacted; media bytes are never logged anywhere.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  const options = {
    level: config.logLevel,
    base: { service: 'tiphash' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-tiphash-signature"]',
        'req.headers.cookie',
        'headers.authorization',
        '*.key',
        '*.secret',
        'key',
      ],
      censor: '[redacted]',
    },
    serializers: {
      // Only the path of a request URL: query strings can carry tokens.
      req: (req: { method?: string; url?: string; id?: unknown }) => ({ id: req.id, method: req.method, path: req.url?.split('?')[0] }),
      err: pino.stdSerializers.err,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
