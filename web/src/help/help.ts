import "./help.css";
import { articlePath } from "../../../src/lib/slug";

/**
 * Progressive enhancement of the help centre's server-rendered pages: everything works without this
 * script; with it, suggestions appear while a visitor types a question and a vote needs no reload.
 * Text from the API goes in through textContent; snippets are the server's escaped HTML with <mark>.
 */

const SUGGEST_DELAY_MS = 250;

interface Suggestion {
  id: string;
  title: string;
  snippet: string;
}

/**
 * A server snippet (escaped text with <mark> around matches) as DOM: parsed in an inert document, and
 * only its text and its marks are copied over, so nothing else it might hold can become markup.
 */
function snippetNode(html: string): DocumentFragment {
  const parsed = new DOMParser().parseFromString(`<!doctype html><body>${html}`, "text/html").body;
  const fragment = document.createDocumentFragment();
  for (const node of parsed.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      fragment.append(mark);
    } else fragment.append(document.createTextNode(node.textContent ?? ""));
  }
  return fragment;
}

function renderSuggestions(target: HTMLElement, items: Suggestion[]) {
  target.replaceChildren();
  if (!items.length) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = "No article matches yet. Our team can help.";
    target.append(p);
    return;
  }
  const list = document.createElement("ul");
  list.className = "article-list";
  for (const item of items) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = articlePath(item);
    a.textContent = item.title;
    const p = document.createElement("p");
    p.className = "snippet";
    p.append(snippetNode(item.snippet));
    li.append(a, p);
    list.append(li);
  }
  target.append(list);
}

function enhanceAsk() {
  const subject = document.getElementById("ask-subject") as HTMLInputElement | null;
  const description = document.getElementById("ask-description") as HTMLTextAreaElement | null;
  const target = document.getElementById("suggestions");
  if (!subject || !description || !target) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let controller: AbortController | undefined;
  const mirror = () => {
    for (const hidden of document.querySelectorAll<HTMLInputElement>("input[data-mirror]")) {
      const source = document.getElementById(hidden.dataset.mirror ?? "") as HTMLInputElement | HTMLTextAreaElement | null;
      if (source) hidden.value = source.value;
    }
  };
  const lookUp = async () => {
    controller?.abort();
    controller = new AbortController();
    const params = new URLSearchParams({ subject: subject.value.slice(0, 200), description: description.value.slice(0, 2000), limit: "5" });
    if (!subject.value.trim() && !description.value.trim()) return;
    try {
      const res = await fetch(`/api/v1/kb/suggest?${params}`, { signal: controller.signal });
      if (!res.ok) return;
      const body = (await res.json()) as { data: Suggestion[] };
      renderSuggestions(target, body.data);
    } catch {
      /* aborted by the next keystroke, or offline: the form still works */
    }
  };
  const onInput = () => {
    mirror();
    clearTimeout(timer);
    timer = setTimeout(lookUp, SUGGEST_DELAY_MS);
  };
  subject.addEventListener("input", onInput);
  description.addEventListener("input", onInput);
}

function enhanceFeedback() {
  const form = document.querySelector<HTMLFormElement>("form.feedback-form");
  const id = form?.dataset.articleId;
  if (!form || !id) return;
  const status = form.querySelector<HTMLElement>(".feedback-status");
  let native = false;
  form.addEventListener("submit", async (event) => {
    if (native) return;
    const submitter = (event as SubmitEvent).submitter as HTMLButtonElement | null;
    if (!submitter) return;
    event.preventDefault();
    const helpful = submitter.value === "yes";
    try {
      const res = await fetch(`/api/v1/kb/articles/${encodeURIComponent(id)}/feedback`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ helpful }),
      });
      if (!res.ok) throw new Error(String(res.status));
      for (const button of form.querySelectorAll("button")) button.remove();
      if (status) status.textContent = "Thank you for your feedback.";
    } catch {
      // The page's own form post still works.
      native = true;
      form.requestSubmit(submitter);
    }
  });
}

enhanceAsk();
enhanceFeedback();
