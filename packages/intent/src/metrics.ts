import { INTENT_LABELS } from './types.ts';
import type { IntentLabel } from './types.ts';

/** Precision, recall, F1 and support of one label. */
export type LabelStats = { label: IntentLabel; precision: number; recall: number; f1: number; support: number };

/** Result of scoring predictions against gold labels. */
export type EvalReport = {
  perLabel: LabelStats[];
  /** Unweighted mean F1 over all labels. */
  macroF1: number;
  accuracy: number;
  total: number;
  /** confusion[gold][predicted], in INTENT_LABELS order. */
  confusion: number[][];
};

/** Scores predictions against gold labels (same order, same length). */
export function scorePredictions(gold: readonly IntentLabel[], predicted: readonly IntentLabel[]): EvalReport {
  if (gold.length !== predicted.length) throw new Error('gold and predicted differ in length');
  const idx = new Map(INTENT_LABELS.map((l, i) => [l, i]));
  const n = INTENT_LABELS.length;
  const confusion = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  let correct = 0;
  for (let i = 0; i < gold.length; i++) {
    const g = idx.get(gold[i]!)!;
    const p = idx.get(predicted[i]!)!;
    confusion[g]![p]!++;
    if (g === p) correct++;
  }
  const perLabel = INTENT_LABELS.map((label, c) => {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((a, row) => a + row[c]!, 0);
    const precision = predictedCount ? tp / predictedCount : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  return {
    perLabel,
    macroF1: perLabel.reduce((a, s) => a + s.f1, 0) / perLabel.length,
    accuracy: gold.length ? correct / gold.length : 0,
    total: gold.length,
    confusion,
  };
}

/** Renders a report as a fixed-width table (the one pasted in the README). */
export function formatReport(report: EvalReport): string {
  const f = (x: number): string => x.toFixed(3).padStart(9);
  const lines = [`${'label'.padEnd(18)}${'precision'.padStart(9)}${'recall'.padStart(9)}${'f1'.padStart(9)}${'support'.padStart(9)}`];
  for (const s of report.perLabel) lines.push(`${s.label.padEnd(18)}${f(s.precision)}${f(s.recall)}${f(s.f1)}${String(s.support).padStart(9)}`);
  const mp = report.perLabel.reduce((a, s) => a + s.precision, 0) / report.perLabel.length;
  const mr = report.perLabel.reduce((a, s) => a + s.recall, 0) / report.perLabel.length;
  lines.push('');
  lines.push(`${'macro avg'.padEnd(18)}${f(mp)}${f(mr)}${f(report.macroF1)}${String(report.total).padStart(9)}`);
  lines.push(`${'accuracy'.padEnd(18)}${''.padStart(18)}${f(report.accuracy)}${String(report.total).padStart(9)}`);
  return lines.join('\n');
}

/** Renders the confusion matrix (rows: gold, columns: predicted). */
export function formatConfusion(report: EvalReport): string {
  const short = INTENT_LABELS.map((l) => l.slice(0, 6));
  const lines = [`${'gold \\ pred'.padEnd(18)}${short.map((s) => s.padStart(7)).join('')}`];
  INTENT_LABELS.forEach((l, i) => lines.push(`${l.padEnd(18)}${report.confusion[i]!.map((v) => String(v).padStart(7)).join('')}`));
  return lines.join('\n');
}

/** Assigns each example to one of k folds, stratified by label, deterministically (round-robin within each label). */
export function stratifiedFolds(labels: readonly IntentLabel[], k: number): number[] {
  const next = new Map<IntentLabel, number>();
  return labels.map((l) => {
    const i = next.get(l) ?? 0;
    next.set(l, i + 1);
    return i % k;
  });
}

/**
 * Assigns each example to one of k folds, keeping every group (the variants of one written reply)
 * in a single fold, so that cross-validation never scores a reply whose twin was trained on.
 * Groups are dealt round-robin within each label, in first-seen order (deterministic).
 */
export function groupedFolds(rows: readonly { label: IntentLabel; group?: string }[], k: number): number[] {
  const foldOf = new Map<string, number>();
  const next = new Map<IntentLabel, number>();
  return rows.map((r, i) => {
    const key = r.group || `row:${i}`;
    let f = foldOf.get(key);
    if (f === undefined) {
      const n = next.get(r.label) ?? 0;
      next.set(r.label, n + 1);
      f = n % k;
      foldOf.set(key, f);
    }
    return f;
  });
}
