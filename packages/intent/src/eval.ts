/**
 * Evaluates the built-in classifier.
 *
 *   node packages/intent/src/eval.ts            train on data/replies.jsonl, score data/replies.heldout.jsonl,
 *                                               exit 1 if macro-F1 < --min-f1 (default 0.90)
 *   node packages/intent/src/eval.ts --cv [k]   k-fold cross-validation on the training split only (for tuning)
 *   options: --errors (list misclassified examples), --bench (measure classify throughput)
 */
import { performance } from 'node:perf_hooks';
import { createBuiltinClassifier } from './builtin.ts';
import { HELDOUT_DATA_PATH, TRAINING_DATA_PATH, loadDataset } from './dataset.ts';
import type { DatasetRow } from './dataset.ts';
import { formatConfusion, formatReport, scorePredictions, stratifiedFolds } from './metrics.ts';
import type { EvalReport } from './metrics.ts';
import type { Intent, IntentLabel } from './types.ts';

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(name);
const value = (name: string): string | undefined => {
  const i = args.indexOf(name);
  const v = i >= 0 ? args[i + 1] : undefined;
  return v && !v.startsWith('--') ? v : undefined;
};

const minF1 = Number(value('--min-f1') ?? '0.9');
const train = loadDataset(value('--train') ?? TRAINING_DATA_PATH);

function printErrors(rows: readonly DatasetRow[], predicted: readonly Intent[]): void {
  rows.forEach((row, i) => {
    const p = predicted[i]!;
    if (p.label !== row.label) console.log(`  ${row.label.padEnd(16)} -> ${p.label.padEnd(16)} ${p.confidence.toFixed(2)}  ${JSON.stringify(row.text.slice(0, 90))}`);
  });
}

/** Expected calibration error: gap between confidence and accuracy, averaged over 10 confidence bins. */
function calibrationError(rows: readonly DatasetRow[], predicted: readonly Intent[]): number {
  const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, correct: 0 }));
  predicted.forEach((p, i) => {
    const b = bins[Math.min(9, Math.floor(p.confidence * 10))]!;
    b.n++;
    b.conf += p.confidence;
    if (p.label === rows[i]!.label) b.correct++;
  });
  return bins.reduce((a, b) => a + (b.n ? Math.abs(b.conf - b.correct) : 0), 0) / predicted.length;
}

function report(title: string, rows: readonly DatasetRow[], predicted: readonly Intent[]): EvalReport {
  const r = scorePredictions(
    rows.map((x) => x.label),
    predicted.map((p) => p.label as IntentLabel),
  );
  console.log(`\n${title}\n`);
  console.log(formatReport(r));
  console.log(`\nmacro-F1 ${r.macroF1.toFixed(3)}  accuracy ${r.accuracy.toFixed(3)}  calibration error ${calibrationError(rows, predicted).toFixed(3)}`);
  if (flag('--errors')) {
    console.log(`\n${formatConfusion(r)}\n\nerrors (gold -> predicted, confidence, text):`);
    printErrors(rows, predicted);
  }
  return r;
}

if (flag('--cv')) {
  const k = Number(value('--cv') ?? '5');
  const folds = stratifiedFolds(
    train.map((r) => r.label),
    k,
  );
  const predicted = new Array<Intent>(train.length);
  const foldF1: number[] = [];
  const started = performance.now();
  for (let f = 0; f < k; f++) {
    const classifier = createBuiltinClassifier({ trainingData: train.filter((_, i) => folds[i] !== f) });
    const testIdx = train.map((_, i) => i).filter((i) => folds[i] === f);
    for (const i of testIdx) predicted[i] = classifier.classifySync(train[i]!);
    foldF1.push(
      scorePredictions(
        testIdx.map((i) => train[i]!.label),
        testIdx.map((i) => predicted[i]!.label),
      ).macroF1,
    );
  }
  const r = report(`${k}-fold cross-validation on ${train.length} training examples (${((performance.now() - started) / k).toFixed(0)} ms per fold)`, train, predicted);
  console.log(`per-fold macro-F1: ${foldF1.map((x) => x.toFixed(3)).join(' ')}  (pooled ${r.macroF1.toFixed(3)})`);
} else {
  const heldout = loadDataset(value('--heldout') ?? HELDOUT_DATA_PATH);
  const started = performance.now();
  const classifier = createBuiltinClassifier({ trainingData: train });
  const trainMs = performance.now() - started;
  const predicted = heldout.map((row) => classifier.classifySync(row));
  const r = report(`held-out evaluation: trained on ${train.length} examples in ${trainMs.toFixed(0)} ms, scored ${heldout.length} held-out examples`, heldout, predicted);
  const pass = r.macroF1 >= minF1;
  console.log(`gate: macro-F1 ${r.macroF1.toFixed(3)} ${pass ? '>=' : '<'} ${minF1} -> ${pass ? 'PASS' : 'FAIL'}`);
  if (flag('--bench')) {
    const inputs = [...train, ...heldout];
    const rounds = 40;
    const t0 = performance.now();
    for (let n = 0; n < rounds; n++) for (const x of inputs) classifier.classifySync(x);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`throughput: ${Math.round((rounds * inputs.length) / seconds)} messages/s (one core, ${rounds * inputs.length} classifications)`);
  }
  if (!pass) process.exitCode = 1;
}
