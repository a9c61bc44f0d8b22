import fs from 'node:fs';
import { z } from 'zod';

const text = z.string().trim().min(1).max(4000);

/** Every sentence the IVR says. An IVR_FILE may give any subset; the rest keep their defaults. */
export const ivrMenuSchema = z.strictObject({
  /** Said inside the `<Gather>`: the greeting and the choices (1, 2, 0). */
  greeting: text,
  /** Key 1. */
  information: text,
  /** Key 2, before the beep. */
  voicemailPrompt: text,
  /** After the recording. */
  voicemailThanks: text,
  /** Key 0, before the transfer. */
  operatorTransfer: text,
  /** Key 0 when OPERATOR_PHONE is not set; the menu follows. */
  operatorUnavailable: text,
  /** Any other key; the menu follows. */
  invalidChoice: text,
});
export type IvrMenu = z.infer<typeof ivrMenuSchema>;

/** The seed's menu, in French. */
export const DEFAULT_IVR_MENU: IvrMenu = {
  greeting:
    'Bonjour et bienvenue. Pour obtenir des informations, tapez 1. Pour laisser un message, tapez 2. Pour parler à un conseiller, tapez 0.',
  information: 'Nous sommes ouverts du lundi au vendredi, de 9 heures à 18 heures. Retrouvez toutes nos informations sur notre site internet. Merci de votre appel, au revoir.',
  voicemailPrompt: 'Veuillez laisser votre message après le bip sonore. Vous disposez de deux minutes.',
  voicemailThanks: 'Merci, votre message a bien été enregistré. Au revoir.',
  operatorTransfer: 'Nous vous mettons en relation avec un conseiller, veuillez patienter.',
  operatorUnavailable: 'Aucun conseiller n’est disponible pour le moment.',
  invalidChoice: 'Choix non reconnu.',
};

/** The IVR menu: the IVR_FILE (a JSON object, any subset of the sentences) over the defaults, or the defaults. */
export function loadIvrMenu(file?: string): IvrMenu {
  if (!file) return DEFAULT_IVR_MENU;
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`IVR_FILE ${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = ivrMenuSchema.partial().safeParse(json);
  if (!parsed.success) throw new Error(`IVR_FILE ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return { ...DEFAULT_IVR_MENU, ...parsed.data };
}
