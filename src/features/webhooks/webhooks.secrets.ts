/**
 * Endpoint secrets (webhooks and channels) at rest. A Standard Webhooks secret must be readable to
 * sign with, so it cannot be hashed like a password; it is sealed with AES-256-GCM under a key
 * derived (HKDF) from the Worker's PASSWORD_PEPPER, bound to its endpoint's id, so a copy of the
 * database alone lets nobody forge our deliveries or a channel's inbound calls. The pepper never
 * changes once set (changing it invalidates every password), which makes it the right root here.
 */
import type { Bindings } from "../../env";
import { fromBase64Url, toBase64Url } from "../../lib/crypto";
import { pepper } from "../auth/tokens";

const encoder = new TextEncoder();
const VERSION = "v1";
const IV_BYTES = 12;
const keys = new Map<string, Promise<CryptoKey>>();

function sealingKey(env: Bindings): Promise<CryptoKey> {
  const root = pepper(env);
  let key = keys.get(root);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", encoder.encode(root), "HKDF", false, ["deriveKey"])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: encoder.encode("edgedesk"), info: encoder.encode("endpoint-secrets/v1") },
          base,
          { name: "AES-GCM", length: 256 },
          false,
          ["encrypt", "decrypt"],
        ),
      );
    keys.set(root, key);
  }
  return key;
}

/** `v1.<iv>.<ciphertext>` of a secret, for the endpoint `ownerId` only. */
export async function sealSecret(env: Bindings, ownerId: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(ownerId) }, await sealingKey(env), encoder.encode(secret));
  return `${VERSION}.${toBase64Url(iv)}.${toBase64Url(sealed)}`;
}

export async function openSecret(env: Bindings, ownerId: string, sealed: string): Promise<string> {
  const [version, ivText, dataText] = sealed.split(".");
  const iv = ivText ? fromBase64Url(ivText) : null;
  const data = dataText ? fromBase64Url(dataText) : null;
  if (version !== VERSION || !iv || !data) throw new Error("malformed sealed secret");
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(ownerId) }, await sealingKey(env), data);
  return new TextDecoder().decode(plain);
}

/** The secrets that sign now: the current one, and the previous one until its 24 h are over. */
export async function signingSecrets(
  env: Bindings,
  ownerId: string,
  row: { secret: string; previousSecret: string | null; previousSecretExpiresAt: string | null },
  now: Date,
): Promise<string[]> {
  const current = await openSecret(env, ownerId, row.secret);
  if (!row.previousSecret || !row.previousSecretExpiresAt || Date.parse(row.previousSecretExpiresAt) <= now.getTime()) return [current];
  // One sealed under a former key (the pepper changed) is past use; the current secret still signs.
  const previous = await openSecret(env, ownerId, row.previousSecret).catch(() => null);
  return previous ? [current, previous] : [current];
}
