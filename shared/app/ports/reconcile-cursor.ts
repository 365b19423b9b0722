/**
 * Where a sweep stopped, so the next run continues there instead of starting over: a run over 10,000
 * repositories spreads across as many runs as its budget needs. Tokens are ECR's own pagination tokens.
 */
export interface ReconcileCursor {
  /** When the pass this cursor belongs to began (ISO 8601): a pass spans runs, its counts too. */
  readonly passStartedAt: string;
  /** The token of the repositories page being worked through; absent for the first page. */
  readonly repositoriesToken?: string;
  /** The repository being worked through, within that page. */
  readonly repository?: string;
  /** The token of the images page being worked through; absent for its first. */
  readonly imagesToken?: string;
  /** How many images of that page are done: a resumed run skips them without reading their records again. */
  readonly imagesDone?: number;
}

export interface ReconcileCursorStore {
  load(): Promise<ReconcileCursor | undefined>;
  /** `undefined` clears it: the pass is complete, the next run starts a new one. */
  save(cursor: ReconcileCursor | undefined): Promise<void>;
}
