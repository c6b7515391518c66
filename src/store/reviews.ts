import { AppError } from '../core/errors.js';
import { appendAudit, type AuditInput } from './audit.js';
import type { Db, Queryable, Tx } from './db.js';
import type { ReviewVerdict } from './matches.js';

export interface Review {
  id: number;
  matchId: number;
  verdict: ReviewVerdict;
  note: string | null;
  reviewer: string;
  at: Date;
}

interface ReviewRow {
  id: number;
  match_id: number;
  verdict: ReviewVerdict;
  note: string | null;
  reviewer: string;
  at: Date;
}

const toReview = (r: ReviewRow): Review => ({
  id: r.id,
  matchId: r.match_id,
  verdict: r.verdict,
  note: r.note,
  reviewer: r.reviewer,
  at: r.at,
});

export interface NewReview {
  matchId: number;
  verdict: ReviewVerdict;
  note?: string | null;
  reviewer: string;
}

/** Inserts the review row only, inside the caller's transaction, which must also audit it (`reviewAudit`). */
export async function insertReview(tx: Tx, input: NewReview): Promise<Review> {
  const [row] = await tx.query<ReviewRow>(
    `INSERT INTO reviews (match_id, verdict, note, reviewer)
     SELECT id, $2, $3, $4 FROM matches WHERE id = $1
     RETURNING id, match_id, verdict, note, reviewer, at`,
    [input.matchId, input.verdict, input.note ?? null, input.reviewer],
  );
  if (!row) throw new AppError('not_found', `No match with id ${input.matchId}`);
  return toReview(row);
}

/** The audit row of a review; `extra` adds what else the review did (e.g. an allow-list entry). */
export function reviewAudit(review: Review, extra: Record<string, unknown> = {}): AuditInput {
  return {
    actor: review.reviewer,
    action: 'match.review',
    target: `match:${review.matchId}`,
    details: { verdict: review.verdict, reviewId: review.id, ...extra },
  };
}

/** Records an analyst's verdict and its audit row together. Reviews accumulate; the latest counts. */
export function addReview(db: Db, input: NewReview): Promise<Review> {
  return db.withTx(async (tx) => {
    const review = await insertReview(tx, input);
    await appendAudit(tx, reviewAudit(review));
    return review;
  });
}

export async function reviewsFor(q: Queryable, matchId: number): Promise<Review[]> {
  return (
    await q.query<ReviewRow>(
      'SELECT id, match_id, verdict, note, reviewer, at FROM reviews WHERE match_id = $1 ORDER BY id',
      [matchId],
    )
  ).map(toReview);
}
