// A minimal browser for redirect flows in tests: follows redirects by hand, keeps cookies per
// host, and submits the first form of a page. Enough to walk a real provider's sign-in pages.

export class CookieJar {
  readonly #jar = new Map<string, Map<string, string>>();

  header(url: URL): string {
    return [...(this.#jar.get(url.host) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  store(url: URL, res: Response): string[] {
    const set = res.headers.getSetCookie();
    const jar = this.#jar.get(url.host) ?? new Map<string, string>();
    this.#jar.set(url.host, jar);
    for (const line of set) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return set;
  }

  get(host: string, name: string): string | undefined {
    return this.#jar.get(host)?.get(name);
  }
}

export interface Visit {
  url: URL;
  res: Response;
  body: string;
  /** Every Set-Cookie line seen on the way, by host. */
  setCookies: { host: string; line: string }[];
}

/** GET (or POST a form) and follow redirects until a page that is not one. */
export async function visit(
  jar: CookieJar,
  start: string,
  init: { method?: string; form?: Record<string, string> } = {},
): Promise<Visit> {
  let url = new URL(start);
  let method = init.method ?? 'GET';
  let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : undefined;
  const setCookies: Visit['setCookies'] = [];
  for (let hop = 0; hop < 20; hop++) {
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        cookie: jar.header(url),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body } : {}),
    });
    for (const line of jar.store(url, res)) setCookies.push({ host: url.host, line });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url);
      method = 'GET';
      body = undefined;
      continue;
    }
    return { url, res, body: await res.text(), setCookies };
  }
  throw new Error('too many redirects');
}

/** The first form of a page: where it posts and its hidden fields. */
export function firstForm(page: Visit): { action: URL; fields: Record<string, string> } {
  const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(page.body);
  if (!form) throw new Error(`no form on ${page.url.href}: ${page.body.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const m of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g))
    fields[m[1]!] = m[2]!;
  return { action: new URL(form[1]!.replace(/&amp;/g, '&'), page.url), fields };
}
