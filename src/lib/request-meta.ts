/** Who did something and from where: written into the audit log. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}
