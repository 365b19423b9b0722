/**
 * When the scan an attestation vouches for finished (`metadata.scanFinishedOn` of its vuln predicate), read from a
 * DSSE envelope's statement. Pure and forgiving: anything unreadable is `undefined`, which counts as outdated.
 */
export const attestedScanFinishedOn = (envelope: { readonly payload?: unknown }): string | undefined => {
  if (typeof envelope.payload !== 'string') return undefined;
  try {
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      predicate?: { metadata?: { scanFinishedOn?: unknown } };
    };
    const finished = statement.predicate?.metadata?.scanFinishedOn;
    return typeof finished === 'string' && !Number.isNaN(Date.parse(finished)) ? finished : undefined;
  } catch {
    return undefined;
  }
};

/** An attestation is current when it vouches for a scan at least as recent as the one now on record. */
export const attestsAtLeast = (attested: string | undefined, wanted: string): boolean =>
  attested !== undefined && Date.parse(attested) >= Date.parse(wanted);
