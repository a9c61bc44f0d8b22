import { HELDOUT_DATA_PATH, INTENT_LABELS, TRAINING_DATA_PATH, createBuiltinClassifier, loadDataset, scorePredictions } from '../src/index.ts';

const train = loadDataset(TRAINING_DATA_PATH);
const heldout = loadDataset(HELDOUT_DATA_PATH);

describe('dataset and quality gate', () => {
  test('the training split has at least 400 examples and at least 25 per label, in both languages', () => {
    expect(train.length).toBeGreaterThanOrEqual(400);
    for (const label of INTENT_LABELS) expect(train.filter((r) => r.label === label).length).toBeGreaterThanOrEqual(25);
    for (const lang of ['fr', 'en', 'mixed'] as const) expect(train.some((r) => r.lang === lang)).toBe(true);
  });

  test('the held-out split has at least 120 examples, at least 10 per label, none copied from training', () => {
    expect(heldout.length).toBeGreaterThanOrEqual(120);
    for (const label of INTENT_LABELS) expect(heldout.filter((r) => r.label === label).length).toBeGreaterThanOrEqual(10);
    const seen = new Set(train.map((r) => r.text.trim().toLowerCase()));
    expect(heldout.filter((r) => seen.has(r.text.trim().toLowerCase())).map((r) => r.text)).toEqual([]);
  });

  test('trained on the training split, the built-in classifier reaches macro-F1 >= 0.90 on the held-out split', () => {
    const classifier = createBuiltinClassifier({ trainingData: train });
    const report = scorePredictions(
      heldout.map((r) => r.label),
      heldout.map((r) => classifier.classifySync(r).label),
    );
    expect(report.macroF1).toBeGreaterThanOrEqual(0.9);
  });
});
