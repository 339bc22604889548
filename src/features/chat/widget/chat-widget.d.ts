/** chat-widget.js is served, not run by the Worker: bundled as its text (wrangler.toml [[rules]]). */
declare const source: string;
export default source;
