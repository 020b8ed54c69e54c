/**
 * Looks at a deployed service the way a user does: Debian's Chromium (headless, driven by
 * playwright-core) loads the page, applies CLAM's interface.xsl, and leaves a screenshot in
 * .lab/artifacts/ for CI to keep. One browser per test process; call closeBrowser() in
 * `test.after.always`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Request } from 'playwright-core';
import { runStreaming } from '../lab/exec.js';

export const chromiumPath = '/usr/bin/chromium';
export const artifactsDir = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), '.lab', 'artifacts');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Chromium 156 lays a banner about XSLT's coming removal over pages it transforms with XSLT: the
  // screenshots keep it, because users see it (nginx's server-side rendering has none).
];

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

let installing: Promise<void> | undefined;

/** Installs Debian's `chromium` with apt-get when /usr/bin/chromium is missing (needs root). */
export function ensureChromium(): Promise<void> {
  if (existsSync(chromiumPath)) return Promise.resolve();
  installing ??= installChromium().catch((err: unknown) => {
    installing = undefined;
    throw err;
  });
  return installing;
}

async function installChromium(): Promise<void> {
  if (!isRoot) throw new Error(`${chromiumPath} is missing; install Debian's chromium as root (apt-get install chromium)`);
  if (!existsSync('/usr/bin/apt-get')) throw new Error(`${chromiumPath} is missing and this machine has no apt-get`);
  process.stderr.write('browser: installing chromium on this machine (apt-get)…\n');
  // ava runs test files in parallel processes: flock lets one of them install while the others wait.
  const script =
    `test -x ${chromiumPath} || { apt-get update -q && ` +
    'apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 chromium; }';
  await runStreaming('flock', ['/run/lock/clamprovision-chromium.lock', 'sh', '-c', script], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    quiet: true,
  });
  if (!existsSync(chromiumPath)) throw new Error(`still no ${chromiumPath} after apt-get install chromium`);
}

/** Whether a browser can be had here: Chromium is installed, or was just installed (as root). */
export async function browserAvailable(): Promise<boolean> {
  try {
    await ensureChromium();
    return true;
  } catch {
    return false;
  }
}

let browserPromise: Promise<Browser> | undefined;

function browser(): Promise<Browser> {
  // playwright-core gives each launch a fresh, empty temporary profile and deletes it on close
  // (it refuses a --user-data-dir argument).
  browserPromise ??= ensureChromium()
    .then(() => chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, timeout: 60_000 }))
    .catch((err: unknown) => {
      browserPromise = undefined;
      throw err;
    });
  return browserPromise;
}

/** Closes this process's browser, if one was launched. */
export async function closeBrowser(): Promise<void> {
  const launched = browserPromise;
  browserPromise = undefined;
  if (launched) await (await launched.catch(() => undefined))?.close();
}

export interface OpenPageOptions {
  /** File name under .lab/artifacts/ (`.png` is added when it has no image extension). */
  screenshot: string;
  /** Wait until document.body.innerText contains this; throws (after the screenshot) if it never does. */
  waitForText?: string;
  /** For the navigation and for waitForText; 30 s by default. */
  timeoutMs?: number;
  /**
   * By default a successful answer must be XML, as CLAM pages are (the browser renders them with
   * their xml-stylesheet); an HTML answer is usually a proxy's or server's error page. Set this
   * to accept text/html too.
   */
  acceptHtml?: boolean;
}

export interface PageView {
  status: number;
  contentType: string;
  title: string;
  /** document.body.innerText after the stylesheet was applied. */
  text: string;
  /** Console messages of type error, and uncaught page exceptions. */
  consoleErrors: string[];
  /** `METHOD URL: reason` for requests that failed, `STATUS METHOD URL` for answers >= 400. */
  failedRequests: string[];
  screenshotPath: string;
}

function screenshotFile(name: string): string {
  const file = resolve(artifactsDir, /\.(png|jpe?g)$/i.test(name) ? name : `${name}.png`);
  if (!file.startsWith(artifactsDir + sep)) throw new Error(`screenshot ${JSON.stringify(name)} is not a file name under ${artifactsDir}`);
  return file;
}

/** Opens `url` in a fresh browser context (self-signed certificates accepted, as on lab hosts). */
export async function openPage(url: string, opts: OpenPageOptions): Promise<PageView> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const screenshotPath = screenshotFile(opts.screenshot);
  mkdirSync(dirname(screenshotPath), { recursive: true });

  const context = await (await browser()).newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    const failedRequests: string[] = [];
    const answeredBadly = new Set<Request>();
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const where = message.location().url;
      // The browser asks each new origin for /favicon.ico on its own (not as a page request), so
      // whether its 404 shows up depends on which page of this browser went there first.
      if (where.endsWith('/favicon.ico')) return;
      consoleErrors.push(where ? `${message.text()} (${where})` : message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() < 400) return;
      answeredBadly.add(response.request());
      failedRequests.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });
    // Chromium also aborts a stylesheet that answered 404 (net::ERR_ABORTED): one entry is enough.
    page.on('requestfailed', (request) => {
      if (answeredBadly.has(request)) return;
      failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText ?? 'failed'}`);
    });

    const response = await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
    if (!response) throw new Error(`opening ${url}: no response`);
    const status = response.status();
    const contentType = (await response.headerValue('content-type')) ?? '';

    // Expressions as strings: this project's TypeScript has no DOM types.
    const bodyText = 'document.body ? document.body.innerText : ""';
    let waitError: string | undefined;
    if (opts.waitForText !== undefined) {
      await page
        .waitForFunction(`(${bodyText}).includes(${JSON.stringify(opts.waitForText)})`, undefined, { timeout: timeoutMs })
        .catch((err: unknown) => {
          waitError = err instanceof Error ? err.message.split('\n')[0] : String(err);
        });
    }

    // An XML page whose stylesheet failed leaves a document without any element, and a full-page
    // screenshot of that never finishes.
    const hasElement = Boolean(await page.evaluate('document.documentElement !== null'));
    await page.screenshot({ path: screenshotPath, fullPage: hasElement, timeout: timeoutMs });
    const view: PageView = {
      status,
      contentType,
      title: await page.title(),
      text: String(await page.evaluate(bodyText)),
      consoleErrors,
      failedRequests,
      screenshotPath,
    };

    const describe = () =>
      `status ${status}, ${contentType || 'no content type'}; text: ${JSON.stringify(view.text.slice(0, 500))}; ` +
      `console errors: ${JSON.stringify(consoleErrors)}; failed requests: ${JSON.stringify(failedRequests)}; ` +
      `screenshot: ${screenshotPath}`;
    const isXml = /^(text|application)\/([\w.+-]+\+)?xml\b/i.test(contentType);
    const isHtml = /^text\/html\b/i.test(contentType);
    if (status < 400 && !isXml && !(opts.acceptHtml && isHtml)) {
      throw new Error(`${url} answered ${contentType || 'without a content type'}, not XML${opts.acceptHtml ? ' or HTML' : ''} (${describe()})`);
    }
    if (waitError !== undefined) {
      throw new Error(`${url}: the page never showed ${JSON.stringify(opts.waitForText)} (${waitError}; ${describe()})`);
    }
    return view;
  } finally {
    await context.close();
  }
}
