// Runs in Node once per test run: a real local webhook receiver (scripts/webhook-receiver.mjs) on a
// free port, so the Worker's queue consumer sends over real sockets. Tests find it with
// `inject("webhookReceiver")` and keep apart by endpoint key.
import { startReceiver } from "../scripts/webhook-receiver.mjs";

export default async function setup({ provide }) {
  const receiver = await startReceiver({ port: 0 });
  provide("webhookReceiver", receiver.url);
  return () => receiver.close();
}
