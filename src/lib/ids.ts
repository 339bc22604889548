const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lowercased

/**
 * Random bytes for ids, drawn from the CSPRNG in blocks and each used once: a create makes ~10
 * ids, and one `getRandomValues` call per id was ~0.04 ms of it (issue 15 item 3). Filled on first
 * use, never at module load (Workers give no randomness outside a request).
 */
const ID_RANDOM_BLOCK = 1_024;
const RANDOM_CHARS = 16;
let pool = new Uint8Array(0);
let drawn = 0;

/** Opaque, time-ordered id (ULID layout): 10 chars of milliseconds, 16 of randomness. */
export function newId(now = Date.now()): string {
  const time = idTimePrefix(now);
  if (drawn + RANDOM_CHARS > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(ID_RANDOM_BLOCK));
    drawn = 0;
  }
  let rand = "";
  for (let i = 0; i < RANDOM_CHARS; i++) rand += ALPHABET[pool[drawn + i]! % 32];
  drawn += RANDOM_CHARS;
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
