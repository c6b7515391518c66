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
  sortMatches,
  type ListKind,
  type ListSpec,
  type ItemHashes,
  type MatchOutcome,
  type RadiusIndex,
} from './list-matcher.js';
export {
  distinctFrames,
  vpdqCompare,
  vpdqVerdict,
  VPDQ_DISTANCE_THRESHOLD,
  VPDQ_MATCH_THRESHOLD_PCT,
  VPDQ_QUALITY_THRESHOLD,
  VPDQ_RULES,
  type VpdqPercentages,
  type VpdqRule,
} from './vpdq.js';
export { ItemMatcher, type ItemQuery } from './item-matcher.js';
export { VideoMatcher, timeRanges, type QueryFrame, type VideoMatchOptions, type VideoQuery } from './vpdq-matcher.js';
