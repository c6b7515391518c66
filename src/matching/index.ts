/** The matching module's public surface. */
export {
  createHammingIndex,
  chooseKernel,
  requestedImpl,
  type CreateIndexOptions,
  type IndexImpl,
  type IndexLogger,
} from './create-index.js';
export { ExactSet } from './exact-set.js';
export type { HashIndex, HammingIndex, HammingIndexStats, IndexMatch } from './hamming-index.js';
export {
  ListMatcher,
  type ListKind,
  type ListSpec,
  type ItemHashes,
  type MatchOutcome,
  type RadiusIndex,
} from './list-matcher.js';
