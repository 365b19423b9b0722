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

/**
 * The DSSE envelope a stored document holds: the document itself (a `.att` layer) or its `dsseEnvelope` (a Sigstore
 * bundle). Unreadable JSON is an empty envelope, which no freshness check accepts.
 */
export const dsseEnvelopeIn = (
  json: Buffer,
  holder: 'envelope' | 'bundle',
): { readonly payload?: unknown } => {
  try {
    const parsed = JSON.parse(json.toString('utf8')) as { dsseEnvelope?: unknown } | null;
    const envelope = holder === 'bundle' ? parsed?.dsseEnvelope : parsed;
    return typeof envelope === 'object' && envelope !== null ? envelope : {};
  } catch {
    return {};
  }
};
