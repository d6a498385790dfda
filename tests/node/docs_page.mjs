// Opens peerd's /docs in Debian's Chromium (headless, through playwright-core) and checks
// that the page renders openapi.yaml: every operation's summary is listed, nothing was
// loaded from anywhere but peerd, and the browser reported no error (a script or style
// the Content-Security-Policy blocks shows up as one). Saves a screenshot.
//
//   node tests/node/docs_page.mjs BASE_URL SCREENSHOT.png OPENAPI.yaml
// Exits 0 when the page passes, 1 with the reasons otherwise.
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { chromium } from 'playwright-core';

const [baseUrl, screenshotPath, specPath] = process.argv.slice(2);
if (!baseUrl || !screenshotPath || !specPath) {
  console.error('usage: node docs_page.mjs BASE_URL SCREENSHOT.png OPENAPI.yaml');
  process.exit(2);
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function operationSummaries(spec) {
  const summaries = [];
  for (const item of Object.values(spec.paths)) {
    for (const method of METHODS) {
      if (item[method]?.summary) summaries.push(item[method].summary);
    }
  }
  return summaries;
}

const spec = yaml.load(readFileSync(specPath, 'utf8'));
const summaries = operationSummaries(spec);
const problems = [];
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const origin = new URL(baseUrl).origin;
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith('blob:') && !url.startsWith('data:')) {
      problems.push(`the page loaded ${url}, which is not peerd`);
    }
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`browser console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));

  const response = await page.goto(`${baseUrl}/docs`, { waitUntil: 'networkidle' });
  if (response?.status() !== 200) problems.push(`GET /docs answered ${response?.status()}`);
  // Redoc has rendered once the API's title heading is on the page.
  await page.waitForSelector(`h1:has-text("${spec.info.title}")`, { timeout: 30000 });
  const text = await page.evaluate(() => document.body.innerText);
  const missing = summaries.filter((summary) => !text.includes(summary));
  if (missing.length > 0) {
    problems.push(`${missing.length} of ${summaries.length} operations are not listed: ${missing.join('; ')}`);
  }
  await page.screenshot({ path: screenshotPath });
  console.log(`${summaries.length - missing.length} of ${summaries.length} operations listed; screenshot: ${screenshotPath}`);
} catch (error) {
  problems.push(error.message);
} finally {
  await browser.close();
}

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
