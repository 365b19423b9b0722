/** A local part could not start. The CLI prints `message` and `hint` and exits 2. */
export class LocalStackError extends Error {
  public constructor(
    message: string,
    public readonly hint: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LocalStackError';
  }
}
