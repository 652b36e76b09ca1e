import { makeWidefieldPhoto, type SynthPhoto } from '@skinlesion/synth';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../src/index.js';

/*
 * The clinician's web page in headless Chromium (Debian's chromium, driven by playwright-core)
 * against the whole system running as processes: upload a generated photo, wait for the result,
 * check the boxes drawn on the photo and the ranked list against the analysis the page received.
 */


const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../../artifacts/', import.meta.url));

interface Lesion {
  id: string;
  photo: number;
  box: [number, number, number, number];
  class: string;
  udRank: number | null;
  udScore: number | null;
  probabilities: Record<string, number>;
}
interface Analysis {
  lesions: Lesion[];
  risk: string;
  counts: Record<string, number>;
  uglyDuckling: { ranked: boolean };
}

/** Polls until check() is true, failing after timeoutMs: no fixed sleeps. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A uniform grey PNG: no detail at all, which the blur gate refuses (from 1 megapixel up: its threshold is floor(sqrt(H * W) / 1000)). */
function flatPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // RGB
  const rows = Buffer.alloc((width * 3 + 1) * height, 128);
  for (let row = 0; row < height; row += 1) rows[row * (width * 3 + 1)] = 0; // filter: none
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('the web page in a browser, against the running system', () => {
  let stack: Stack;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let photo: SynthPhoto;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'skinlesion-chromium-'));
    const [started, made] = await Promise.allSettled([
      startStack({ classifierReplicas: 1, gatewayPort: 0, env: { LOG_LEVEL: 'warn' } }),
      makeWidefieldPhoto({ width: 1600, height: 1200, lesions: 16, seed: 11 }),
    ]);
    // Kept even when the photo failed, so that afterAll stops the processes.
    if (started.status === 'fulfilled') stack = started.value;
    if (started.status === 'rejected') throw started.reason;
    if (made.status === 'rejected') throw made.reason;
    photo = made.value;
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1360, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await eventually(async () => (await fetch(`${stack.url}/readyz`)).status === 200, 60_000, '/readyz');
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await stack?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  }, 60_000);

  it('analyses an uploaded photo and shows the boxes, the ranked list, counts and risk', async () => {
    await page.goto(`${stack.url}/`);
    await expect(page.locator('#analyse').isDisabled()).resolves.toBe(true);
    await page.setInputFiles('#photos', { name: 'back.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(photo.image) });
    await expect(page.locator('#chosen li').textContent()).resolves.toMatch(/^back\.jpg \(/);

    const answer = page.waitForResponse((response) => response.url().includes('/v1/analyses') && response.request().method() === 'POST');
    // Keyboard only: focus the button and press Enter.
    await page.focus('#analyse');
    await page.keyboard.press('Enter');
    // A progress indicator while it runs.
    await page.waitForSelector('#status:not([hidden]) progress', { timeout: 5_000 });
    const response = await answer;
    expect(response.status()).toBe(200);
    const analysis = (await response.json()) as Analysis;
    await page.waitForSelector('#results:not([hidden])', { timeout: 30_000 });
    await expect(page.locator('#status-text').textContent()).resolves.toMatch(/^Done: \d+ candidates in 1 photo, risk (LOW|MEDIUM|HIGH)\.$/);

    // Counts and risk as the API gave them.
    await expect(page.locator('#risk .risk-value').textContent()).resolves.toBe(analysis.risk);
    const counts = await page.locator('#counts dd').allTextContents();
    expect(counts.map(Number)).toEqual(['background', 'skin_edge', 'skin', 'nspl_a', 'nspl_b', 'spl'].map((name) => analysis.counts[name]));

    // The ranked list: every pigmented lesion, oddest first, each with its crop.
    const pigmented = analysis.lesions.filter((lesion) => ['nspl_a', 'nspl_b', 'spl'].includes(lesion.class));
    expect(pigmented.length).toBeGreaterThanOrEqual(3);
    const expectedOrder = analysis.uglyDuckling.ranked
      ? [...pigmented].sort((a, b) => (a.udRank ?? 0) - (b.udRank ?? 0))
      : [...pigmented].sort((a, b) => b.probabilities.spl - a.probabilities.spl);
    const listed = await page.locator('#lesions > li').evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.id));
    expect(listed).toEqual(expectedOrder.map((lesion) => lesion.id));
    expect(await page.locator('#lesions > li canvas.crop').count()).toBe(pigmented.length);
    if (analysis.uglyDuckling.ranked) await expect(page.locator('#lesions > li .rank').first().textContent()).resolves.toBe('#1');

    // Yellow (nspl_b) and red (spl) boxes on the photo: the middle of each box's bottom edge
    // has the box's colour on the canvas.
    const boxed = analysis.lesions.filter((lesion) => lesion.photo === 0 && (lesion.class === 'nspl_b' || lesion.class === 'spl'));
    const canvasLabel = await page.locator('canvas.view-boxes').getAttribute('aria-label');
    expect(canvasLabel).toContain(`${boxed.filter((lesion) => lesion.class === 'nspl_b').length} yellow box`);
    const samples = await page.locator('canvas.view-boxes').evaluate((canvas: HTMLCanvasElement, boxes: Array<[number, number, number, number]>) => {
      const scale = canvas.width / 1600;
      const context = canvas.getContext('2d') as CanvasRenderingContext2D;
      return boxes.map(([x0, , x1, y1]) => Array.from(context.getImageData(Math.round(((x0 + x1) / 2) * scale), Math.round(y1 * scale), 1, 1).data.slice(0, 3)));
    }, boxed.map((lesion) => lesion.box));
    const looksLike = (rgb: number[], cls: string) =>
      cls === 'nspl_b' ? rgb[0] > 200 && rgb[1] > 170 && rgb[2] < 90 : rgb[0] > 200 && rgb[1] < 90 && rgb[2] < 110;
    const coloured = samples.filter((rgb, index) => looksLike(rgb, boxed[index].class)).length;
    // Boxes may overlap one another; nearly all must show their own colour.
    expect(coloured).toBeGreaterThanOrEqual(Math.ceil(boxed.length * 0.8));

    // The heat map is one click (or key press) away, and the list marks a lesion on the photo.
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.getByRole('button', { name: 'Ugly-duckling heat map' }).click();
    await expect(page.locator('canvas.view-heatmap').isVisible()).resolves.toBe(true);
    await page.locator('.viewer').screenshot({ path: join(ARTIFACTS, 'web-page-heatmap.png') });
    await page.getByRole('button', { name: 'Boxes' }).click();
    await page.locator('#lesions > li button').first().focus();
    await expect(page.locator('#lesions > li').first().getAttribute('class')).resolves.toBe('active');

    await page.screenshot({ path: join(ARTIFACTS, 'web-page.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  it('says clearly when a photo is blurred or is not an image', async () => {
    await page.goto(`${stack.url}/`);
    await page.setInputFiles('#photos', { name: 'flat.png', mimeType: 'image/png', buffer: flatPng(1200, 900) });
    await page.click('#analyse');
    const blurred = page.locator('#error[role="alert"]:not([hidden])');
    await blurred.waitFor({ timeout: 20_000 });
    await expect(blurred.textContent()).resolves.toMatch(/too blurred to analyse/);

    await page.setInputFiles('#photos', { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('these are notes, not a photo') });
    await page.click('#analyse');
    await page.waitForFunction(() => /not an image that can be read/.test(document.getElementById('error')?.textContent ?? ''), undefined, { timeout: 20_000 });
    await expect(page.locator('#results').isHidden()).resolves.toBe(true);
  }, 60_000);
});
