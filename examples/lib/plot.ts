// Training curves as SVG files, rendered headless in Node by Vega-Lite → Vega (renderer 'none': no browser, no canvas, no native build).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { EpochRecord } from './fashion.js';

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Loss and accuracy per epoch (train and test) side by side; writes `path` (directories created) and returns its absolute path. */
export async function writeCurves(path: string, history: readonly EpochRecord[], title: string): Promise<string> {
  const rows = history.flatMap((h) => [
    { epoch: h.epoch, split: 'train', loss: h.trainLoss, accuracy: h.trainAcc },
    { epoch: h.epoch, split: 'test', loss: h.testLoss, accuracy: h.testAcc },
  ]);
  const panel = (field: 'loss' | 'accuracy') => ({
    width: 320,
    height: 220,
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, axis: { tickMinStep: 1 } },
      y: { field, type: 'quantitative' as const, scale: { zero: false } },
      color: { field: 'split', type: 'nominal' as const, sort: ['train', 'test'] },
    },
  });
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: rows },
    hconcat: [panel('loss'), panel('accuracy')],
  };
  const svg = await renderSvg(spec);
  const abs = resolve(path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, svg);
  return abs;
}
