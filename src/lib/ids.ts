const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lowercased

/** Opaque, time-ordered id (ULID layout): 10 chars of milliseconds, 16 of randomness. */
export function newId(now = Date.now()): string {
  const time = idTimePrefix(now);
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let rand = "";
  for (const b of bytes) rand += ALPHABET[b % 32];
  return time + rand;
}

/** The first 10 characters of every id made at `ms`: ids made from that instant on sort at or after it. */
export function idTimePrefix(ms: number): string {
  let time = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time;
}

/** The instant (ms) an id was made at, or null for a string that is not one of our ids. */
export function idTime(id: string): number | null {
  if (id.length < 10) return null;
  let t = 0;
  for (const ch of id.slice(0, 10)) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    t = t * 32 + v;
  }
  return t;
}
