import { basename } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import type { NewItem } from '../store/index.js';
import type { Staging } from './deps.js';
import { fieldError } from './errors.js';

export interface UploadForm {
  caseRef: string | undefined;
  items: NewItem[];
}

const MAX_CASE_REF = 200;
const MAX_FILENAME = 255;

/** What people see for an upload: the file's base name, printable, or its position. */
function uploadLabel(filename: string | undefined, seq: number): string {
  const name = basename((filename ?? '').replace(/\\/g, '/')).replace(/\p{Cc}/gu, '');
  return name === '' ? `upload-${seq}` : name.slice(0, MAX_FILENAME);
}

/**
 * Reads a multipart batch: a `caseRef` field and `file` parts, each streamed into the
 * encrypted staging store as it arrives (never held whole). The part limits are set where
 * @fastify/multipart is registered. If anything fails — a file over the size limit, too
 * many files, a stray field, the client going away — every file staged so far is removed
 * before the error is passed on.
 */
export async function readUploadForm(
  request: FastifyRequest,
  staging: Staging,
  limits: { maxBytes: number; maxFiles: number },
): Promise<UploadForm> {
  const { maxBytes } = limits;
  const staged: string[] = [];
  const form: UploadForm = { caseRef: undefined, items: [] };
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (part.fieldname !== 'caseRef')
          throw fieldError(part.fieldname, 'only caseRef and file parts', 'another field');
        const value = String(part.value);
        if (value === '' || value.length > MAX_CASE_REF || part.valueTruncated || /\p{Cc}/u.test(value)) {
          throw fieldError('caseRef', `1 to ${MAX_CASE_REF} printable characters`, `${value.length} characters`);
        }
        form.caseRef = value;
        continue;
      }
      if (part.fieldname !== 'file') {
        part.file.resume();
        throw fieldError(part.fieldname, 'file parts named "file"', 'another name');
      }
      const { key } = await staging.put(part.file, maxBytes);
      staged.push(key);
      // busboy ends a file at the limit instead of failing it: a truncated file is too large.
      if (part.file.truncated) {
        throw new AppError(
          'payload_too_large',
          `The file ${form.items.length + 1} is larger than the upload limit of ${maxBytes} bytes`,
        );
      }
      form.items.push({
        sourceKind: 'upload',
        sourceLabel: uploadLabel(part.filename, form.items.length + 1),
        sourceRef: key,
      });
    }
  } catch (err) {
    await removeAll(staging, staged, request);
    throw explained(err, limits);
  }
  return form;
}

/** @fastify/multipart's limit errors, told in terms of this API's settings. */
function explained(err: unknown, limits: { maxBytes: number; maxFiles: number }): unknown {
  switch ((err as { code?: unknown }).code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new AppError('payload_too_large', `A file is larger than the upload limit of ${limits.maxBytes} bytes`);
    case 'FST_FILES_LIMIT':
      return new AppError('payload_too_large', `Expected at most ${limits.maxFiles} files in one batch`);
    case 'FST_FIELDS_LIMIT':
      return new AppError('payload_too_large', 'Expected one caseRef field and file parts only');
    default:
      return err;
  }
}

/** Best effort: a file that cannot be removed now is left to the staging sweeper. */
export async function removeAll(staging: Staging, keys: readonly string[], request: FastifyRequest): Promise<void> {
  const results = await Promise.allSettled(keys.map((k) => staging.remove(k)));
  const failed = results.filter((r) => r.status === 'rejected').length;
  if (failed > 0) request.log.warn({ failed }, 'staged uploads could not be removed; the sweeper will');
}
