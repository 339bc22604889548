export {};

declare module "vitest" {
  interface ProvidedContext {
    /** Base URL of the local webhook receiver test/global-setup.mjs started (scripts/webhook-receiver.mjs). */
    webhookReceiver: string;
  }
}
