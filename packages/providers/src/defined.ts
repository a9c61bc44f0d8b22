/** The entries that hold something (not undefined, null or ''): a normalized event's `extractedData` keeps only what the provider sent. */
export function definedOnly(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined && v !== null && v !== ''));
}
