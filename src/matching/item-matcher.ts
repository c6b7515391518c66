/**
 * One matcher for any item: digests, PDQ and blockhash through the ListMatcher, a video's
 * frames through the VideoMatcher, over the same lists. Scan and the service workers use
 * this; they never pick between the two themselves.
 */
import { isDigestAlgo, type HashAlgo } from '../core/hash.js';
import type { ListEntry } from '../core/match.js';
import {
  ListMatcher,
  sortMatches,
  type ItemHashes,
  type ListSpec,
  type MatchOutcome,
  type PagedListSpec,
  type RadiusIndex,
} from './list-matcher.js';
import { VideoMatcher, type VideoMatchOptions, type VideoQuery } from './vpdq-matcher.js';

export interface ItemQuery extends ItemHashes {
  /** A video's (or an animation's) frame hashes. */
  video?: VideoQuery;
}

export class ItemMatcher {
  private constructor(
    readonly images: ListMatcher,
    readonly videos: VideoMatcher,
  ) {}

  static build(specs: ListSpec[], createIndex: () => RadiusIndex, video: VideoMatchOptions = {}): ItemMatcher {
    // Entries may be a one-shot iterable: read once, then split.
    const read = specs.map((s) => ({ ...s, entries: [...s.entries] }));
    const stills = read.map((s) => ({ ...s, entries: s.entries.filter((e) => e.algorithm !== 'vpdq') }));
    return new ItemMatcher(new ListMatcher(stills, createIndex), new VideoMatcher(read, createIndex, video));
  }

  /**
   * Builds from pages read once: still-image entries go to the ListMatcher as they come; a
   * list's vPDQ frames (few next to its image hashes) are set aside for the VideoMatcher.
   */
  static async fromPages(
    lists: PagedListSpec[],
    createIndex: () => RadiusIndex,
    video: VideoMatchOptions = {},
  ): Promise<ItemMatcher> {
    const frames: ListEntry[][] = lists.map(() => []);
    const images = await ListMatcher.fromPages(
      lists.map((l, i) => ({ ...l, pages: withoutFrames(l.pages, frames[i]!) })),
      createIndex,
    );
    const videos = new VideoMatcher(
      lists.map(({ pages: _pages, ...meta }, i) => ({ ...meta, entries: frames[i]! })),
      createIndex,
      video,
    );
    return new ItemMatcher(images, videos);
  }

  /** Still-image entries plus videos loaded. */
  get size(): number {
    return this.images.size + this.videos.size;
  }

  /** Entries per algorithm (videos counted once each under vpdq), for metrics. */
  entriesByAlgorithm(): Partial<Record<HashAlgo, number>> {
    return { ...this.images.entriesByAlgorithm(), ...(this.videos.size > 0 ? { vpdq: this.videos.size } : {}) };
  }

  async ready(): Promise<void> {
    await Promise.all([this.images.ready(), this.videos.ready()]);
  }

  match(item: ItemQuery, opts: { dihedral?: boolean } = {}): MatchOutcome {
    const still = this.images.match(item, opts);
    if (!item.video) return still;
    // A digest on an allow list means the file itself is known: nothing else counts.
    if (still.allowListed && isDigestAlgo(still.allowListed.algorithm)) return still;
    const moving = this.videos.match(item.video);
    const outcome: MatchOutcome = { matches: sortMatches([...still.matches, ...moving.matches]) };
    const allowListed = still.allowListed ?? moving.allowListed;
    if (allowListed) outcome.allowListed = allowListed;
    return outcome;
  }
}

async function* withoutFrames(
  pages: AsyncIterable<readonly ListEntry[]>,
  frames: ListEntry[],
): AsyncGenerator<ListEntry[]> {
  for await (const page of pages) {
    const rest: ListEntry[] = [];
    for (const e of page) (e.algorithm === 'vpdq' ? frames : rest).push(e);
    yield rest;
  }
}
