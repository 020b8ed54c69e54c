/**
 * The e2e browser helper against a loopback server: an XML page rendered by its xml-stylesheet,
 * one whose stylesheet is missing, and HTML pages. Skipped where /usr/bin/chromium is not
 * installed (.ci/run installs it); nothing is installed from here.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromiumPath, closeBrowser, openPage } from '../e2e/browser.js';

const XSL = `<?xml version="1.0"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="/">
    <html><head><title>rendered</title></head><body><h1>Hello <xsl:value-of select="/doc/@name"/></h1></body></html>
  </xsl:template>
</xsl:stylesheet>`;

const xmlWithStylesheet = (href: string) =>
  `<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="${href}"?>\n<doc name="World"><p>raw</p></doc>`;

const PAGES: Record<string, { type: string; body: string }> = {
  '/ok.xml': { type: 'text/xml; charset=UTF-8', body: xmlWithStylesheet('/static/interface.xsl') },
  '/static/interface.xsl': { type: 'text/xsl', body: XSL },
  '/broken.xml': { type: 'text/xml; charset=UTF-8', body: xmlWithStylesheet('/static/missing.xsl') },
  '/page.html': {
    type: 'text/html',
    body: '<html><head><title>plain</title><link rel="stylesheet" href="/missing.css"></head><body>an HTML page</body></html>',
  },
};

const haveChromium = existsSync(chromiumPath);
const browserTest = haveChromium ? test.serial : test.serial.skip;

let server: Server | undefined;
let base = '';

test.before(async () => {
  if (!haveChromium) return;
  server = createServer((request, response) => {
    const page = PAGES[request.url ?? ''];
    response.writeHead(page ? 200 : 404, { 'content-type': page?.type ?? 'text/html' });
    response.end(page?.body ?? '<h1>not found</h1>');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after.always(async () => {
  await closeBrowser();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

browserTest('an XML page is shown through its stylesheet, with a screenshot', async (t) => {
  const view = await openPage(`${base}/ok.xml`, { screenshot: 'unit-browser-ok', waitForText: 'Hello World' });
  t.is(view.status, 200);
  t.is(view.contentType, 'text/xml; charset=UTF-8');
  t.is(view.title, 'rendered');
  t.is(view.text, 'Hello World');
  t.deepEqual(view.consoleErrors, []);
  t.deepEqual(view.failedRequests, []);
  t.true(view.screenshotPath.endsWith('/.lab/artifacts/unit-browser-ok.png'));
  t.is(readFileSync(view.screenshotPath).subarray(1, 4).toString(), 'PNG');
});

browserTest('a missing stylesheet shows as a failed request, a console error and an empty page', async (t) => {
  const view = await openPage(`${base}/broken.xml`, { screenshot: 'unit-browser-broken' });
  t.is(view.status, 200);
  t.is(view.text, '');
  t.deepEqual(view.failedRequests, [`404 GET ${base}/static/missing.xsl`]);
  t.true(view.consoleErrors.some((error) => error.includes(`${base}/static/missing.xsl`)), view.consoleErrors.join('\n'));
  t.true(existsSync(view.screenshotPath));

  const error = await t.throwsAsync(
    openPage(`${base}/broken.xml`, { screenshot: 'unit-browser-broken-wait', waitForText: 'Hello', timeoutMs: 2000 }),
  );
  t.regex(error.message, /never showed "Hello"/);
  t.regex(error.message, /404 GET .*\/static\/missing\.xsl/);
});

browserTest('HTML is an error unless accepted; its failed stylesheet is reported', async (t) => {
  const error = await t.throwsAsync(openPage(`${base}/page.html`, { screenshot: 'unit-browser-html' }));
  t.regex(error.message, /answered text\/html, not XML/);

  const view = await openPage(`${base}/page.html`, { screenshot: 'unit-browser-html', acceptHtml: true });
  t.is(view.text, 'an HTML page');
  t.deepEqual(view.failedRequests, [`404 GET ${base}/missing.css`]);
});

browserTest('an error answer is reported, not thrown', async (t) => {
  const view = await openPage(`${base}/nothing`, { screenshot: 'unit-browser-404' });
  t.is(view.status, 404);
  t.is(view.text, 'not found');
  t.deepEqual(view.failedRequests, [`404 GET ${base}/nothing`]);
});

test('screenshots stay under .lab/artifacts', async (t) => {
  await t.throwsAsync(openPage('http://127.0.0.1:9/', { screenshot: '../escape.png' }), { message: /not a file name under/ });
});
