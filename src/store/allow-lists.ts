/**
 * The review loop: an analyst who marks a match as a false positive may add the item's
 * matched hash to an allow list, so that the same item stops matching once workers reload.
 * The addition is a new list version (the current entries copied plus the new ones), made in
 * the review's own transaction: the review, the version, the NOTIFY and the audit rows
 * commit together or not at all.
 */
import { AppError, invalidArgument } from '../core/errors.js';
import { isDigestAlgo, PDQ_TRIM_VARIANTS, type HashAlgo } from '../core/hash.js';
import { appendAudit } from './audit.js';
import type { Db, Tx } from './db.js';
import { announceChange } from './lists.js';
import { insertReview, reviewAudit, type NewReview, type Review } from './reviews.js';

export interface AllowListAddition {
  listId: number;
  listName: string;
  /** The list's current version afterwards: the new one, or the old one when nothing was added. */
  version: number;
  algorithm: HashAlgo;
  /** Entries added: one per hash (a video adds one per frame), 0 when all were listed already. */
  added: number;
  alreadyListed: boolean;
}

export interface ReviewOutcome {
  review: Review;
  allowList: AllowListAddition | null;
}

/** `format` of a list version made by reviews rather than imported from a file. */
export const REVIEW_VERSION_FORMAT = 'review';

/**
 * Which of the item's stored hashes (item_hashes.variant, a LIKE pattern; see hashRecords in
 * src/pipeline/service-item.ts) made a perceptual match reported with `via`.
 */
function matchedVariant(algorithm: HashAlgo, via: string | null): string {
  if (algorithm === 'vpdq') return via === 'vpdqTrimmed' ? 't%' : 'f%';
  if (algorithm !== 'pdq') return algorithm;
  const trimmed = via === 'pdqTrimmed' || (PDQ_TRIM_VARIANTS as readonly string[]).includes(via ?? '');
  return trimmed ? via! : 'pdq';
}

/**
 * The item's hash(es) that made the match, as lowercase hex: the digest for a digest match;
 * the stored PDQ hash for a PDQ match — the trimmed one (or trim variant) if that matched, else
 * the item's own orientation, since every list is probed with it while dihedral probes are
 * opt-in per list; the blockhash; for a video every frame hash (those inside its bars if that is
 * what matched), which the video matcher groups by entry id.
 */
async function matchedHashes(tx: Tx, matchId: number): Promise<{ algorithm: HashAlgo; hashes: string[] }> {
  const [m] = await tx.query<{
    item_id: number;
    algorithm: HashAlgo;
    via: string | null;
    md5: string | null;
    sha1: string | null;
    sha256: string | null;
  }>(
    `SELECT m.item_id, m.algorithm, m.via,
       encode(i.md5, 'hex') AS md5, encode(i.sha1, 'hex') AS sha1, encode(i.sha256, 'hex') AS sha256
     FROM matches m JOIN items i ON i.id = m.item_id WHERE m.id = $1`,
    [matchId],
  );
  if (!m) throw new AppError('not_found', `No match with id ${matchId}`);
  const algorithm = m.algorithm;
  let hashes: string[];
  if (isDigestAlgo(algorithm)) {
    const digest = m[algorithm];
    hashes = digest === null ? [] : [digest];
  } else {
    const rows = await tx.query<{ hash: string }>(
      `SELECT encode(hash, 'hex') AS hash FROM item_hashes
       WHERE item_id = $1 AND algorithm = $2 AND variant LIKE $3
       ORDER BY frame_ts NULLS FIRST, variant`,
      [m.item_id, algorithm, matchedVariant(algorithm, m.via)],
    );
    hashes = [...new Set(rows.map((r) => r.hash))];
  }
  if (hashes.length === 0)
    throw new AppError(
      'not_found',
      `The item of match ${matchId} has no stored ${algorithm} hash, so it cannot be added to an allow list`,
    );
  return { algorithm, hashes };
}

/** Which of `hashes` the list version already holds, enabled, for `algorithm`. */
async function listed(
  tx: Tx,
  listId: number,
  version: number,
  algorithm: HashAlgo,
  hashes: string[],
): Promise<Set<string>> {
  const rows = await tx.query<{ hash: string }>(
    `SELECT encode(hash, 'hex') AS hash FROM hash_entries
     WHERE list_id = $1 AND version = $2 AND algorithm = $3 AND enabled
       AND hash IN (SELECT decode(h, 'hex') FROM unnest($4::text[]) AS h)`,
    [listId, version, algorithm, hashes],
  );
  return new Set(rows.map((r) => r.hash));
}

/** Copies a version's entries (enabled or not, with their provenance) into a new version; returns how many. */
async function copyEntries(tx: Tx, listId: number, from: number, to: number): Promise<number> {
  const [row] = await tx.query<{ n: number }>(
    `WITH c AS (
       INSERT INTO hash_entries (list_id, version, algorithm, hash, category, external_id, enabled, added_by, added_note, added_at)
       SELECT list_id, $2, algorithm, hash, category, external_id, enabled, added_by, added_note, added_at
       FROM hash_entries WHERE list_id = $1 AND version = $3 ORDER BY id
       RETURNING 1)
     SELECT count(*)::integer AS n FROM c`,
    [listId, to, from],
  );
  return row?.n ?? 0;
}

interface AllowInput {
  matchId: number;
  listId: number;
  review: Review;
}

/**
 * Adds the matched hash to the allow list as a new version, inside the caller's transaction.
 * The list's row lock serialises this with imports and other additions; entries an analyst
 * disabled are copied disabled.
 */
async function addToAllowList(tx: Tx, input: AllowInput): Promise<AllowListAddition> {
  const [list] = await tx.query<{
    name: string;
    kind: string;
    enabled: boolean;
    current_version: number | null;
    next: number;
  }>(
    `SELECT name, kind, enabled, current_version,
       (SELECT coalesce(max(version), 0) + 1 FROM list_versions WHERE list_id = $1) AS next
     FROM hash_lists WHERE id = $1 FOR UPDATE`,
    [input.listId],
  );
  if (!list) throw new AppError('not_found', `No hash list with id ${input.listId}`);
  if (list.kind !== 'allow' || !list.enabled)
    throw invalidArgument(
      'an enabled allow list',
      'allowListId',
      `list ${input.listId} (${list.name}), ${list.enabled ? 'enabled' : 'disabled'}, of kind ${list.kind}`,
    );
  const { algorithm, hashes } = await matchedHashes(tx, input.matchId);
  const current = list.current_version;
  const present = current === null ? new Set<string>() : await listed(tx, input.listId, current, algorithm, hashes);
  const base = { listId: input.listId, listName: list.name, algorithm };
  if (current !== null && hashes.every((h) => present.has(h)))
    return { ...base, version: current, added: 0, alreadyListed: true };

  const next = list.next;
  await tx.query('INSERT INTO list_versions (list_id, version, imported_by, format) VALUES ($1, $2, $3, $4)', [
    input.listId,
    next,
    input.review.reviewer,
    REVIEW_VERSION_FORMAT,
  ]);
  const copied = current === null ? 0 : await copyEntries(tx, input.listId, current, next);
  // One external id for all the hashes: the video matcher groups frame hashes by it, and it
  // names the review (reviewer, note, match) that added them.
  await tx.query(
    `INSERT INTO hash_entries (list_id, version, algorithm, hash, category, external_id, added_by, added_note, added_at)
     SELECT $1, $2, $3, decode(h, 'hex'), NULL, $4, $5, $6, now() FROM unnest($7::text[]) WITH ORDINALITY AS t(h, n) ORDER BY n`,
    [input.listId, next, algorithm, `review:${input.review.id}`, input.review.reviewer, input.review.note, hashes],
  );
  await tx.query('UPDATE list_versions SET entries = $3 WHERE list_id = $1 AND version = $2', [
    input.listId,
    next,
    copied + hashes.length,
  ]);
  await tx.query('UPDATE hash_lists SET current_version = $2 WHERE id = $1', [input.listId, next]);
  await announceChange(tx, input.listId);
  return { ...base, version: next, added: hashes.length, alreadyListed: false };
}

/**
 * Records a verdict; with `allowListId` (false positives only) also adds the item's matched
 * hash to that allow list. Audited as `match.review`, plus `list.allow_add` when entries were
 * added, in the same transaction.
 */
export function reviewMatch(db: Db, input: NewReview & { allowListId?: number | null }): Promise<ReviewOutcome> {
  const allowListId = input.allowListId ?? null;
  if (allowListId !== null && input.verdict !== 'false_positive')
    return Promise.reject(invalidArgument('no allowListId', `a ${input.verdict} verdict`, allowListId));
  return db.withTx(async (tx) => {
    const review = await insertReview(tx, input);
    const allowList =
      allowListId === null ? null : await addToAllowList(tx, { matchId: input.matchId, listId: allowListId, review });
    const summary = allowList && {
      listId: allowList.listId,
      version: allowList.version,
      added: allowList.added,
      alreadyListed: allowList.alreadyListed,
    };
    await appendAudit(tx, reviewAudit(review, summary ? { allowList: summary } : {}));
    if (allowList && allowList.added > 0) {
      await appendAudit(tx, {
        actor: review.reviewer,
        action: 'list.allow_add',
        target: `list:${allowList.listId}`,
        details: {
          version: allowList.version,
          algorithm: allowList.algorithm,
          entries: allowList.added,
          matchId: review.matchId,
          reviewId: review.id,
          note: review.note,
        },
      });
    }
    return { review, allowList };
  });
}
