import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LabeledExample } from './model.ts';
import { isIntentLabel } from './types.ts';
import type { ReplyChannel } from './types.ts';

/** The training split shipped with the package. */
export const TRAINING_DATA_PATH = fileURLToPath(new URL('../data/replies.jsonl', import.meta.url));
/**
 * The independent held-out set, written from INTENTS.md alone by someone who never saw the training
 * data: for evaluation only, never read to train or tune.
 */
export const INDEPENDENT_DATA_PATH = fileURLToPath(new URL('../data/replies.independent.jsonl', import.meta.url));

/** One dataset line. `group` ties the variants of one written reply together (cross-validation keeps a group in one fold). */
export type DatasetRow = LabeledExample & { lang: 'fr' | 'en' | 'mixed'; group?: string };

const CHANNELS: ReadonlySet<string> = new Set(['sms', 'whatsapp', 'email', 'whatsapp-group']);
const LANGS: ReadonlySet<string> = new Set(['fr', 'en', 'mixed']);

/** Parses JSONL dataset text, validating every line; throws with the line number on a bad line. */
export function parseDataset(jsonl: string): DatasetRow[] {
  const rows: DatasetRow[] = [];
  const lines = jsonl.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const o = JSON.parse(line) as Record<string, unknown>;
    const { text, label, lang, channel, subject, group } = o;
    if (typeof text !== 'string' || !isIntentLabel(label) || typeof lang !== 'string' || !LANGS.has(lang) || typeof channel !== 'string' || !CHANNELS.has(channel) || (subject !== undefined && typeof subject !== 'string') || (group !== undefined && typeof group !== 'string')) {
      throw new Error(`invalid dataset line ${i + 1}`);
    }
    const row: DatasetRow = { text, label, lang: lang as DatasetRow['lang'], channel: channel as ReplyChannel };
    if (subject !== undefined) row.subject = subject;
    if (group) row.group = group;
    rows.push(row);
  }
  return rows;
}

/** Reads and validates a JSONL dataset file. */
export function loadDataset(path: string): DatasetRow[] {
  return parseDataset(readFileSync(path, 'utf8'));
}
