/** Files bundled as their text by wrangler.toml's [[rules]] (the chat widget's stylesheet). */
declare module "*.css" {
  const text: string;
  export default text;
}
