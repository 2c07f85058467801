/** "1.2.3.4", "1.2.3.4:5678", "[::1]:5678" or "::ffff:1.2.3.4" -> the host part. */
export function hostOfAddress(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  const host = bracketed?.[1] ?? (address.split(':').length === 2 ? (address.split(':')[0] ?? '') : address);
  return host.replace(/^::ffff:/i, '');
}
