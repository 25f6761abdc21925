import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpClient } from "../../lib/http/index.ts";
import {
  type Cursor,
  type Page,
  paginateBodyCursor,
  paginateLink,
  paginateOffset,
  paginatePageNumber,
  parseLinkHeader,
} from "../../lib/source/index.ts";
import { expectExactResume, itemsOf } from "./helpers.ts";

// A small API serving the same list in four pagination styles, at /{size}/{style}.
const SIZE = 5;
let http: HttpClient;
let close: () => void;

beforeAll(async () => {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const [, total, style] = url.pathname.split("/");
    const list = Array.from({ length: Number(total) }, (_, i) => ({ id: i + 1 }));
    const q = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    let body: unknown;
    if (style === "link" || style === "pages") {
      const page = q("page", 1);
      body =
        style === "pages"
          ? { results: list.slice((page - 1) * SIZE, page * SIZE) }
          : list.slice((page - 1) * SIZE, page * SIZE);
      if (page * SIZE < list.length)
        res.setHeader("link", `<${url.origin}${url.pathname}?page=${page + 1}>; rel="next"`);
    } else if (style === "offset") {
      const offset = q("offset", 0);
      body = { total: list.length, items: list.slice(offset, offset + q("limit", SIZE)) };
    } else {
      const after = q("after", 0);
      const items = list.filter((i) => i.id > after).slice(0, SIZE);
      const last = items.at(-1);
      body = { items, next: last && last.id < list.length ? String(last.id) : null };
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  http = new HttpClient({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    userAgent: "tide-test",
  });
  close = () => server.close();
});
afterAll(() => close());

const get = async (path: string) => {
  const res = await http.request({ method: "GET", path });
  return { body: JSON.parse(res.text), link: res.headers.link as string | undefined };
};

const styles: Record<string, (total: number, cursor?: Cursor, signal?: AbortSignal) => AsyncIterable<Page>> =
  {
    link: (total, cursor, signal) =>
      paginateLink({
        signal,
        first: `/${total}/link`,
        cursor: cursor as string | undefined,
        fetchPage: async (url) => {
          const { body, link } = await get(url);
          return { items: body, link };
        },
      }),
    "body cursor": (total, cursor, signal) =>
      paginateBodyCursor({
        signal,
        cursor: cursor as string | undefined,
        fetchPage: async (after) => (await get(`/${total}/cursor${after ? `?after=${after}` : ""}`)).body,
      }),
    "page number": (total, cursor, signal) =>
      paginatePageNumber({
        signal,
        pageSize: SIZE,
        cursor: cursor as number | undefined,
        fetchPage: async (page) => ({ items: (await get(`/${total}/pages?page=${page}`)).body.results }),
      }),
    "offset/limit": (total, cursor, signal) =>
      paginateOffset({
        signal,
        limit: SIZE,
        cursor: cursor as number | undefined,
        fetchPage: async (offset, limit) =>
          (await get(`/${total}/offset?offset=${offset}&limit=${limit}`)).body,
      }),
  };

describe.each(Object.entries(styles))("%s pagination", (_, pagesOf) => {
  it.each([0, 1, 5, 12, 15])(
    "yields all %i items in order, and resumes exactly after any page",
    async (total) => {
      const { pages, resumes } = await expectExactResume(
        (cursor) => pagesOf(total, cursor),
        (item) => (item as { id: number }).id,
      );
      expect(itemsOf(pages).map((i) => (i as { id: number }).id)).toEqual(
        Array.from({ length: total }, (_, i) => i + 1),
      );
      expect(pages.at(-1)?.cursor).toBeNull();
      expect(pages.slice(0, -1).every((p) => p.cursor !== null)).toBe(true);
      expect(resumes).toBe(pages.length - 1);
    },
  );

  it("throws the abort reason instead of fetching the next page", async () => {
    const controller = new AbortController();
    const seen: Page[] = [];
    const run = async () => {
      for await (const page of pagesOf(12, undefined, controller.signal)) {
        seen.push(page);
        controller.abort(new Error("stop"));
      }
    };
    await expect(run()).rejects.toThrow("stop");
    expect(seen).toHaveLength(1);
  });
});

describe("parseLinkHeader", () => {
  it("reads GitHub's Link header", () => {
    const links = parseLinkHeader(
      '<https://api.github.com/repositories/1/pulls?page=3>; rel="next", <https://api.github.com/repositories/1/pulls?page=9>; rel="last", <https://api.github.com/repositories/1/pulls?page=1>; rel="first"',
    );
    expect(links).toEqual({
      next: "https://api.github.com/repositories/1/pulls?page=3",
      last: "https://api.github.com/repositories/1/pulls?page=9",
      first: "https://api.github.com/repositories/1/pulls?page=1",
    });
  });

  it("accepts unquoted and multiple relations and other parameters", () => {
    expect(parseLinkHeader('</a?page=2>; title="x"; rel=next, </a?page=2>;rel="prev first"')).toEqual({
      next: "/a?page=2",
      prev: "/a?page=2",
      first: "/a?page=2",
    });
    expect(parseLinkHeader("")).toEqual({});
  });
});
