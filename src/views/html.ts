// Server-rendered pages: a tagged template that escapes every interpolated value unless it is
// already Html, and the one layout every hosted page uses (no outside assets, readable on a phone).
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

type Part = Html | string | number | null | undefined | false | Part[];
const render = (p: Part): string =>
  p instanceof Html ? p.value : Array.isArray(p) ? p.map(render).join('') : p === null || p === undefined || p === false ? '' : escapeHtml(String(p));

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new Html(out);
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330}
main{max-width:24rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:10px;box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.35rem;margin:0 0 .25rem}p.pool{margin:0 0 1.25rem;color:#5b6475}
label{display:block;font-weight:600;margin:.9rem 0 .25rem}input{width:100%;padding:.65rem .7rem;font-size:1rem;border:1px solid #b8bfcc;border-radius:6px}
input:focus{outline:2px solid #2f5bea;border-color:#2f5bea}button{width:100%;margin-top:1.25rem;padding:.75rem;font-size:1rem;font-weight:600;border:0;border-radius:6px;background:#2f5bea;color:#fff;cursor:pointer}
.alt{margin-top:.6rem;background:#fff;color:#1d2330;border:1px solid #b8bfcc}.error{background:#fdecec;color:#8a1c1c;padding:.6rem .75rem;border-radius:6px}
.notice{background:#e8f3ec;color:#1d5b34;padding:.6rem .75rem;border-radius:6px}.links{margin-top:1.25rem;font-size:.95rem}.links a{color:#2f5bea}
.hint{font-size:.85rem;color:#5b6475;margin:.25rem 0 0}a.idp{display:block;text-align:center;padding:.7rem;border:1px solid #1d2330;border-radius:6px;color:#1d2330;font-weight:600;text-decoration:none}p.or{text-align:center;color:#5b6475;margin:1rem 0 0}.qr svg{display:block;width:12rem;height:12rem;margin:.5rem auto}ol.codes{columns:2;font-size:1.05rem}@media (max-width:30rem){main{margin:0;border-radius:0;min-height:100vh}}`;

export function page(o: { title: string; poolName: string; body: Html; error?: string | null; notice?: string | null }): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${o.title} · ${o.poolName}</title><style>${new Html(STYLE)}</style></head>
<body><main><h1>${o.title}</h1><p class="pool">${o.poolName}</p>
${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}${o.notice ? html`<p class="notice" role="status">${o.notice}</p>` : ''}
${o.body}</main></body></html>`.value;
}

export const hidden = (fields: Record<string, string | undefined>): Html =>
  html`${Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}`;
