// A minimal browser for flow tests: a cookie jar (path-scoped, honouring Max-Age=0), redirects taken
// one step at a time, and hidden form fields read from the page, as a person's browser would send them.
export interface Response {
  status: number;
  headers: Headers;
  body: string;
  location?: string;
  url: string;
}

interface Cookie { name: string; value: string; path: string }

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
export const unescapeHtml = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m]!);

export class Browser {
  cookies: Cookie[] = [];

  constructor(readonly extraHeaders: Record<string, string> = {}) {}

  private cookieHeader(url: URL): string {
    return this.cookies.filter((c) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)).map((c) => `${c.name}=${c.value}`).join('; ');
  }

  private remember(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((p) => p.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) ?? url.pathname;
      const removed = attrs.some((a) => /^max-age=0$/i.test(a)) || value === '';
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      if (!removed) this.cookies.push({ name, value, path });
    }
  }

  cookie(name: string): string | undefined {
    return this.cookies.find((c) => c.name === name)?.value;
  }

  async request(method: string, target: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const url = new URL(target);
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        ...this.extraHeaders,
        ...(this.cookieHeader(url) ? { cookie: this.cookieHeader(url) } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    this.remember(url, res.headers);
    const location = res.headers.get('location') ?? undefined;
    return { status: res.status, headers: res.headers, body: await res.text(), url: url.toString(), ...(location ? { location: new URL(location, url).toString() } : {}) };
  }

  get(url: string, headers?: Record<string, string>) {
    return this.request('GET', url, undefined, headers);
  }

  post(url: string, form: Record<string, string>, headers?: Record<string, string>) {
    return this.request('POST', url, form, headers);
  }

  /** Follows redirects (GET) until one leaves `origin` or the chain ends; returns the last response. */
  async follow(res: Response, origin: string): Promise<Response> {
    while (res.location && res.location.startsWith(origin)) res = await this.get(res.location);
    return res;
  }
}

/** The hidden fields of the first form on a page that posts to `action` (or the first form). */
export function formFields(page: string, action?: string): { action: string; fields: Record<string, string> } {
  const forms = [...page.matchAll(/<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)];
  const f = action ? forms.find((m) => unescapeHtml(m[1]!).endsWith(action)) : forms[0];
  if (!f) throw new Error(`no form${action ? ` posting to ${action}` : ''} on the page:\n${page.slice(0, 2000)}`);
  const fields: Record<string, string> = {};
  for (const m of f[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  return { action: unescapeHtml(f[1]!), fields };
}
