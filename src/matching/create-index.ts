/**
 * createHammingIndex(): the native index when the addon loads, else the TypeScript one, with
 * one log line per process saying which runs and why. TIPHASH_INDEX_IMPL=ts|native forces one
 * (native fails loudly when the addon is missing rather than falling back).
 */
import { loadNative } from '../../native/index.js';
import { AppError, invalidArgument } from '../core/errors.js';
import type { HammingIndex } from './hamming-index.js';
import type { HammingKernel } from './kernel.js';
import { nativeKernel } from './kernel-native.js';
import { tsKernel } from './kernel-ts.js';
import { SegmentedIndex, type SegmentedIndexOptions } from './segmented-index.js';

export type IndexImpl = 'native' | 'ts';

/** Compatible with a pino logger. */
export interface IndexLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface CreateIndexOptions extends SegmentedIndexOptions {
  /** Overrides TIPHASH_INDEX_IMPL. */
  impl?: IndexImpl;
  logger?: IndexLogger;
}

const stderrLogger: IndexLogger = {
  info: (msg) => process.stderr.write(`tiphash: ${msg}\n`),
  warn: (msg) => process.stderr.write(`tiphash: ${msg}\n`),
};

let announced = false;

export function requestedImpl(env: NodeJS.ProcessEnv = process.env): IndexImpl | undefined {
  const v = env.TIPHASH_INDEX_IMPL;
  if (v === undefined || v === '') return undefined;
  if (v === 'ts' || v === 'native') return v;
  throw invalidArgument('"ts" or "native"', 'TIPHASH_INDEX_IMPL', v);
}

/** The kernel to use, and the reason, without logging. */
export function chooseKernel(impl?: IndexImpl): { kernel: HammingKernel; why: string } {
  if (impl === 'ts') return { kernel: tsKernel, why: 'TypeScript forced' };
  const loaded = loadNative();
  if (loaded.binding)
    return { kernel: nativeKernel(loaded.binding), why: impl === 'native' ? 'native forced' : 'addon loaded' };
  if (impl === 'native')
    throw new AppError(
      'internal',
      `The native Hamming index was requested (TIPHASH_INDEX_IMPL=native) but ${loaded.reason}`,
    );
  return { kernel: tsKernel, why: loaded.reason };
}

export function createHammingIndex(options: CreateIndexOptions = {}): HammingIndex {
  const { kernel, why } = chooseKernel(options.impl ?? requestedImpl());
  if (!announced) {
    announced = true;
    const log = options.logger ?? stderrLogger;
    if (kernel.impl === 'native') log.info(`Hamming index: native (${kernel.detail}; ${why})`);
    else if (why === 'TypeScript forced') log.info('Hamming index: TypeScript (TIPHASH_INDEX_IMPL=ts)');
    else log.warn(`Hamming index: TypeScript fallback (${why})`);
  }
  return new SegmentedIndex(kernel, options);
}
