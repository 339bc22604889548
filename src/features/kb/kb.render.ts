import MarkdownIt from "markdown-it";

/**
 * Article Markdown → HTML that is safe to put in a page. markdown-it with `html: false` escapes any
 * raw HTML in the source instead of passing it through, and its link validator (kept as is)
 * refuses javascript:, vbscript:, file: and data: URLs other than plain images. Everything else
 * it emits is its own markup with escaped text and attributes, so no DOM sanitiser is needed on top.
 */
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });

// Links in articles lead away from the helpdesk: they get no referrer and no opener, and are not endorsed.
const defaultLinkOpen = markdown.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
markdown.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet("rel", "nofollow noopener noreferrer");
  return defaultLinkOpen(tokens, idx, options, env, self);
};

export function renderMarkdown(source: string): string {
  return markdown.render(source);
}
