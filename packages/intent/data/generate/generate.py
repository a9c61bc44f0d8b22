"""Builds packages/intent/data/replies.jsonl from the hand-written cores (cores.py).

Deterministic (seeded). Every core appears once as written, then again under surface variations
sampled the way they show up in real traffic: greetings and politeness, SMS spelling, missing
accents, upper/lower case, typos, emoji, and for email a greeting, a signature, a legal footer
and the quoted campaign (whose "STOP" / unsubscribe links must not change the label).

    python3 packages/intent/data/generate/generate.py > packages/intent/data/replies.jsonl
"""
import json
import random
import sys
import unicodedata

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from cores import CORES  # noqa: E402

rng = random.Random(20261129)

# How many variants of each core, per label (the rare labels get more so that each has >= 200 rows).
VARIANTS = {"interested": 2, "not_interested": 2, "question": 2, "callback_request": 2, "opt_out": 2,
            "opt_in": 2, "info_request": 3, "auto_reply": 1, "unknown": 1}


def strip_accents(s):
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


SMS_FR = [("je suis", "jsuis"), ("c'est", "c"), ("s'il vous plaît", "svp"), ("s'il vous plait", "svp"), ("beaucoup", "bcp"),
          ("pourquoi", "pk"), ("quand", "qd"), ("rendez-vous", "rdv"), ("aujourd'hui", "auj"), ("d'accord", "dac"),
          ("toujours", "tjrs"), ("message", "msg"), ("messages", "msgs"), ("vous", "vs"), ("je sais pas", "jsp"),
          ("quelque chose", "qqch"), ("est-ce que", "esque"), ("qu'est-ce que", "kesk"), ("merci", "mci"),
          ("bonjour", "bjr"), ("salut", "slt"), ("tu es", "t"), ("je t'", "jt'"), ("demain", "dem1"), ("ce soir", "ce soir"),
          ("rappelez", "rapellez"), ("intéressé", "interesser"), ("intéressée", "interessee"), ("numéro", "num"),
          ("téléphone", "tel"), ("après-midi", "aprem")]
SMS_EN = [("you", "u"), ("your", "ur"), ("please", "pls"), ("thanks", "thx"), ("tomorrow", "tmrw"), (" are ", " r "),
          ("I'm", "im"), ("don't", "dont"), ("okay", "ok"), ("because", "bc"), ("to ", "2 "), ("for ", "4 "),
          ("number", "nbr"), ("message", "msg"), ("tonight", "2nite"), ("interested", "intrested"), ("really", "rly")]

GREET_FR = ["Bonjour", "Bonjour,", "Bjr", "Salut", "Bonsoir", "Re bonjour", "Madame, Monsieur,", "Hello", "Coucou"]
GREET_EN = ["Hi", "Hi,", "Hello", "Hey", "Good morning,", "Hi there,", "Dear team,"]
TAIL_FR = ["merci", "svp", "stp", "merci d'avance", "bonne journée", "cdlt", "bonne soirée", "merci à vous", "!", "...", "?!", ""]
TAIL_EN = ["thanks", "pls", "thx", "thank you", "cheers", "!", "...", "have a good day", "ty", ""]
EMOJI = {
    "interested": ["👍", "😊", "🙏", "🔥", "😍", "🙌", "👌", "✅", "🤝"],
    "not_interested": ["🙄", "👎", "😕", "🙅‍♂️", "❌"],
    "question": ["🤔", "❓", "🙂", "🙏"],
    "callback_request": ["📞", "📱", "🙏", "☎️"],
    "opt_out": ["😡", "🙄", "🛑", "🤬", "✋", "⛔"],
    "opt_in": ["🙂", "👍", "😊"],
    "info_request": ["🙏", "🙂", "ℹ️"],
    "auto_reply": [],
    "unknown": ["😂", "🙂", "👋"],
}

NEIGHBORS = "azertyuiopqsdfghjklmwxcvbn"


def typo(s):
    words = s.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not idx:
        return s
    i = rng.choice(idx)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    op = rng.randrange(4)
    if op == 0:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    elif op == 1:
        w = w[:j] + w[j + 1:]
    elif op == 2:
        w = w[:j] + w[j] + w[j:]
    else:
        w = w[:j] + rng.choice(NEIGHBORS) + w[j + 1:]
    words[i] = w
    return " ".join(words)


def sms(s, lang):
    table = SMS_FR if lang == "fr" else SMS_EN if lang == "en" else SMS_FR + SMS_EN
    out = s
    for a, b in table:
        if a in out and rng.random() < 0.6:
            out = out.replace(a, b)
        elif a.capitalize() in out and rng.random() < 0.6:
            out = out.replace(a.capitalize(), b)
    return out


def surface(text, label, lang):
    """A short-message variant of a core (SMS / WhatsApp)."""
    s = text
    if lang != "en" and rng.random() < 0.5:
        s = strip_accents(s)
    if rng.random() < 0.45:
        s = sms(s, lang)
    if rng.random() < 0.35:
        s = typo(s)
    r = rng.random()
    if r < 0.35:
        s = s.lower()
    elif r < 0.42 and len(s) < 40:
        s = s.upper()
    if rng.random() < 0.35 and s and s[-1] in ".!?":
        s = s[:-1]
    if label not in ("auto_reply", "unknown") and rng.random() < 0.3:
        greet = rng.choice(GREET_FR if lang == "fr" else GREET_EN if lang == "en" else GREET_FR + GREET_EN)
        s = f"{greet} {s[0].lower() + s[1:] if len(s) > 1 and not s[:2].isupper() else s}"
    if label not in ("auto_reply", "unknown") and rng.random() < 0.3:
        tail = rng.choice(TAIL_FR if lang == "fr" else TAIL_EN if lang == "en" else TAIL_FR + TAIL_EN)
        if tail in ("!", "...", "?!"):
            s = s + tail
        elif tail:
            s = f"{s} {tail}" if rng.random() < 0.5 else f"{s}, {tail}"
    if EMOJI[label] and rng.random() < 0.25:
        s = f"{s} {rng.choice(EMOJI[label])}" * 1
    return s


NAMES = ["Julie Martin", "Karim Benali", "Sophie Lefèvre", "Thomas Dubois", "Nadia Haddad", "Pierre Morel", "Emma Laurent",
         "John Smith", "Sarah Connor", "Mike O'Brien", "Laura Chen", "David Miller", "Aïcha Diallo", "Lucas Girard"]
COMPANIES = ["Maison Durand", "Solaris Énergie", "Optique Lumière", "FitClub Paris", "Assur+ Conseil", "Atelier Vélo 42",
             "BrightHome", "Nordic Windows", "CleanPro Services"]
CAMPAIGN_SUBJECTS_FR = ["-20% sur votre abonnement", "Votre devis panneaux solaires", "Offre de rentrée", "Invitation : journée portes ouvertes",
                        "Votre bilan gratuit", "Dernier jour pour profiter de l'offre", "Nouveauté : la formule Pro"]
CAMPAIGN_SUBJECTS_EN = ["20% off your plan", "Your solar quote", "Back to school offer", "Invitation: open day", "Your free assessment",
                        "Last day to save", "New: the Pro plan"]


def signature(lang, name):
    phone = f"0{rng.randint(1, 7)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
    parts = [name]
    if rng.random() < 0.6:
        parts.append(rng.choice(["Directrice commerciale", "Gérant", "Responsable achats", "Office manager", "Head of Operations", "Freelance"]))
    if rng.random() < 0.6:
        parts.append(f"{'Tél' if lang == 'fr' else 'Tel'} : {phone}" if rng.random() < 0.5 else f"Mobile: +33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}")
    if rng.random() < 0.3:
        parts.append("www.example-" + rng.choice(["conseil", "btp", "studio", "group"]) + ".fr")
    if rng.random() < 0.25:
        parts.append("Envoyé de mon iPhone" if lang == "fr" else "Sent from my iPhone")
    if rng.random() < 0.2:
        parts.append("Ce message et ses pièces jointes sont confidentiels et destinés exclusivement à leur destinataire. Si vous avez reçu ce message par erreur, merci de le supprimer."
                     if lang == "fr" else "This email and any attachments are confidential and intended solely for the addressee. If you received it in error, please delete it.")
    return "\n".join(parts)


def quoted(lang, company, subject):
    if lang == "fr":
        body = [f"Bonjour,", f"{company} vous propose : {subject.lower()} jusqu'à dimanche.", "Appelez-nous au 01 84 88 00 00 ou répondez à ce message.",
                "Pour ne plus recevoir nos messages, répondez STOP ou cliquez sur Se désinscrire."]
        header = rng.choice([
            f"Le lun. {rng.randint(1, 28)} mars 2026 à 10:{rng.randint(10, 59)}, {company} <contact@example.fr> a écrit :",
            f"-----Message d'origine-----\nDe : {company} <contact@example.fr>\nEnvoyé : mardi {rng.randint(1, 28)} avril 2026 09:12\nObjet : {subject}",
            f"De : {company} <contact@example.fr>\nEnvoyé : jeudi 5 mars 2026 14:03\nÀ : moi\nObjet : {subject}",
        ])
    else:
        body = ["Hi,", f"{company} has a deal for you: {subject.lower()} until Sunday.", "Call us on 020 7946 0000 or just reply to this email.",
                "To stop receiving these emails, reply STOP or click Unsubscribe."]
        header = rng.choice([
            f"On Mon, Mar {rng.randint(1, 28)}, 2026 at 10:{rng.randint(10, 59)} AM {company} <hello@example.com> wrote:",
            f"-----Original Message-----\nFrom: {company} <hello@example.com>\nSent: Tuesday, April 7, 2026 9:12 AM\nSubject: {subject}",
            f"From: {company} <hello@example.com>\nSent: Thursday, March 5, 2026 2:03 PM\nTo: me\nSubject: {subject}",
        ])
    if header.startswith(("Le ", "On ")):
        return header + "\n" + "\n".join("> " + l for l in body)
    return header + "\n\n" + "\n".join(body)


def email(text, label, lang):
    """An email reply around a core: greeting, body, sign-off, signature, often the quoted campaign."""
    l = "fr" if lang == "fr" else "en" if lang == "en" else rng.choice(["fr", "en"])
    company = rng.choice(COMPANIES)
    campaign = rng.choice(CAMPAIGN_SUBJECTS_FR if l == "fr" else CAMPAIGN_SUBJECTS_EN)
    name = rng.choice(NAMES)
    greet = rng.choice(["Bonjour,", "Bonjour Madame,", "Bonjour Monsieur,", "Madame, Monsieur,", "Bonjour à vous,", ""] if l == "fr" else ["Hi,", "Hello,", "Dear Sir or Madam,", "Hi team,", ""])
    sign = rng.choice(["Cordialement,", "Bien à vous,", "Bonne journée,", "Merci,", "Cdlt", ""] if l == "fr" else ["Best regards,", "Kind regards,", "Thanks,", "Cheers,", "Best,", ""])
    body = text
    if rng.random() < 0.3 and label not in ("unknown",):
        body = body + (" " + rng.choice(["Merci pour votre retour.", "Bien cordialement.", "Merci d'avance."] if l == "fr" else ["Thanks in advance.", "Many thanks.", "Looking forward to hearing from you."]))
    parts = [p for p in [greet, body, sign, signature(l, name)] if p]
    out = "\n\n".join(parts[:-1]) + "\n" + parts[-1]
    if rng.random() < 0.65:
        out += "\n\n" + quoted(l, company, campaign)
    subject = ("RE: " if l == "fr" else "Re: ") + campaign if rng.random() < 0.85 else rng.choice(["Votre message", "Question", "Suite à votre SMS"] if l == "fr" else ["Your message", "Question", "About your text"])
    return out, subject


# Auto-replies (rule 9): built from full templates, with confounders (phone numbers, "appelez", STOP, unsubscribe links).
AUTO_EMAIL_FR = [
    "Bonjour,\n\nJe suis absente du bureau du {d1} au {d2} inclus. En cas d'urgence, merci d'appeler le standard au 01 23 45 67 89.\n\nCordialement,\n{name}",
    "Bonjour, je suis actuellement en congés et n'aurai pas accès à mes mails avant le {d2}. Votre message ne sera pas transféré.",
    "Ceci est une réponse automatique. Je suis en arrêt maladie et ne lirai pas vos messages. Pour toute demande, contactez accueil@example.fr.",
    "Merci pour votre email. Je suis en déplacement et consulterai mes messages à mon retour le {d2}. Pour une urgence, appelez-moi au 06 11 22 33 44.",
    "[Réponse automatique] Je suis en congés, je vous recontacte à mon retour le {d2}.",
    "Bonjour, je ne fais plus partie de la société. Merci d'adresser vos demandes à contact@example.fr",
    "Nous avons bien reçu votre message et vous répondrons sous 48h ouvrées. Ceci est un accusé de réception automatique, merci de ne pas y répondre.",
    "L'agence est fermée pour congés annuels du {d1} au {d2}. Nous traiterons votre demande à notre retour.",
    "Ne pas répondre à ce message, cette boîte aux lettres n'est pas surveillée. Pour vous désinscrire, utilisez le lien en bas de nos newsletters.",
    "Votre message n'a pas pu être remis à certains destinataires.\n\nDestinataire : {addr}\nMotif : 550 5.1.1 Adresse inconnue\n\nServeur de messagerie example.fr",
    "Le message n'a pas pu être distribué : l'adresse e-mail {addr} est introuvable. Erreur 550 5.1.1.",
    "Erreur de distribution : boîte aux lettres pleine (552 5.2.2). Votre message sera supprimé.",
    "Ce message est envoyé automatiquement. Votre ticket n°{n} a été créé, notre support vous répondra rapidement.",
    "Bonjour, je suis en congé maternité jusqu'en {month}. Pour toute question, contactez mon équipe au 01 40 00 00 00.",
    "Je suis en formation toute la journée avec un accès limité à mes emails. Je reviens vers vous demain.",
    "Message automatique : je suis en déplacement cette semaine, réponse différée. Si c'est urgent, appelez le secrétariat.",
    "Merci pour votre message. Nos bureaux sont fermés du {d1} au {d2}, nous vous répondrons à notre retour.",
    "Échec de la remise du message. Le destinataire {addr} n'existe pas. Code d'erreur : 5.1.10 RESOLVER.ADR.RecipNotFound.",
    "Réponse automatique : je suis absent. Pour ne plus recevoir de mails de ma part, répondez STOP. Sinon je vous réponds dès mon retour.",
    "Bonjour, merci pour votre message. Je suis en télétravail partiel et je vous répondrai sous 24h. Pour me joindre : 07 00 11 22 33.",
]
AUTO_EMAIL_EN = [
    "Thank you for your email. I am currently out of the office with limited access to email and will return on {d2}. For urgent matters please call +44 20 7946 0000.",
    "I'm on annual leave until {d2} and will have no access to email. For urgent matters please contact support@example.com.",
    "This is the mail system at host mx1.example.com. I'm sorry to have to inform you that your message could not be delivered to one or more recipients.\n\n<{addr}>: host mx.example.com said: 550 5.1.1 User unknown",
    "Your message to {addr} couldn't be delivered. The recipient's mailbox is full. 552 5.2.2",
    "Delivery has failed to these recipients or groups: {addr}. The email address you entered couldn't be found.",
    "Delivery to the following recipient failed permanently: {addr}. Technical details of permanent failure: 550 5.7.1 Message rejected.",
    "Address not found. Your message wasn't delivered to {addr} because the address couldn't be found or is unable to receive mail.",
    "This is an automatically generated message. Delivery has been delayed for the following recipients: {addr}. The server will keep trying for 48 hours.",
    "I'm on parental leave until {month} and will not be checking email. Please call the office on 555 0100 if you need anything.",
    "Hello, I'm on vacation and will return on {d2}. Your email will not be forwarded.",
    "I no longer work at Example Ltd. Please direct your enquiry to info@example.com.",
    "This mailbox is no longer monitored. Please do not reply. To unsubscribe from our mailings, click the link below.",
    "Thank you for contacting us. We have received your request (ticket #{n}) and a member of our team will get back to you within 2 business days.",
    "I'm at a conference this week with limited access to email. Call me if it's urgent.",
    "Out of office until {d2}. For urgent matters please contact support@example.com.",
    "Automatic reply: I'm away from my desk. If you no longer wish to hear from me, reply STOP. Otherwise I'll get back to you soon.",
    "Please note I am off work on Fridays. I will reply to your email on Monday.",
    "I am currently traveling with intermittent access to email. I will respond as soon as possible.",
]
AUTO_SUBJECT_FR = ["Réponse automatique : {s}", "Absence", "Absent(e) du bureau", "Non remis : {s}", "Notification d'état de remise (échec)",
                   "Accusé de réception", "Réponse automatique", "RE: {s}", "Fermeture annuelle"]
AUTO_SUBJECT_EN = ["Automatic reply: {s}", "Out of Office", "OOO", "Undeliverable: {s}", "Undelivered Mail Returned to Sender",
                   "Delivery Status Notification (Failure)", "Auto: {s}", "Re: {s}", "Mail delivery failed: returning message to sender"]
AUTO_WA = [
    ("fr", "Bonjour 👋 Merci pour votre message ! {co} est fermé le dimanche. Nous vous répondons dès lundi 9h. Pour toute urgence : 06 12 34 56 78."),
    ("fr", "Merci de votre message. Nous sommes actuellement indisponibles et vous répondrons au plus vite. (Message d'absence WhatsApp Business)"),
    ("fr", "Bienvenue chez {co} ! Un conseiller va vous répondre. Horaires : lun-ven 9h-18h. Envoyez STOP pour ne plus recevoir nos messages."),
    ("en", "Hi! Thanks for contacting {co}. We're away right now and will reply within 24h. Call 555 0100 for urgent matters."),
    ("en", "Thank you for your message. We are closed for the holidays and will be back on {d2}. (Automated away message)"),
    ("en", "Welcome to {co}! This is an automated reply: an agent will answer during business hours. Reply STOP to opt out."),
]
AUTO_SMS = [
    ("fr", "Je suis en réunion, je vous rappelle plus tard. (Réponse automatique)"),
    ("fr", "[Réponse automatique] Je suis en congés jusqu'au {d2}, je vous recontacte à mon retour."),
    ("fr", "Message de l'opérateur : votre SMS n'a pas pu être délivré au {n2}."),
    ("fr", "Je conduis, je vous répondrai plus tard. Réponse automatique de mode Conduite."),
    ("en", "I'm driving right now - I'll get back to you when I can. (auto-reply)"),
    ("en", "Auto-reply: I'm on leave until {d2}. For urgent matters call 555 0199."),
    ("en", "Carrier notice: message to {n2} failed. The number is unreachable (error 30003)."),
    ("en", "Can't talk now, I'll call you back later. Sent automatically."),
]


def fill(t):
    return t.format(d1=f"{rng.randint(1, 14)}/0{rng.randint(1, 9)}", d2=rng.choice(["lundi", "le 2 septembre", "15 April", "Monday", "le 21 juillet", "Jan 3"]),
                    name=rng.choice(NAMES), addr=rng.choice(["jean.dupont@example.fr", "sales@example.com", "info@example.org", "k.benali@example.fr"]),
                    n=rng.randint(10000, 99999), month=rng.choice(["janvier", "March", "septembre", "June"]), co=rng.choice(COMPANIES),
                    n2=f"+336{rng.randint(10000000, 99999999)}", s=rng.choice(CAMPAIGN_SUBJECTS_FR + CAMPAIGN_SUBJECTS_EN))


def short_channel(label):
    if label == "unknown":
        return rng.choice(["sms", "whatsapp", "whatsapp", "whatsapp-group"])
    # Leads answer in campaign WhatsApp groups too: every label appears there, so that the
    # channel alone never reads as "chatter".
    if rng.random() < 0.07:
        return "whatsapp-group"
    return rng.choice(["sms", "sms", "whatsapp"])


def rows():
    out = []
    seen = set()

    def add(text, label, lang, channel, subject=None, group=""):
        key = (text.strip().lower(), channel)
        if key in seen or not text.strip():
            return
        seen.add(key)
        row = {"text": text, "label": label, "lang": lang, "channel": channel}
        if subject:
            row["subject"] = subject
        # Variants of one core share a group: cross-validation keeps a group in one fold.
        row["group"] = group
        out.append(row)

    for label, by_lang in CORES.items():
        for lang, cores in by_lang.items():
            for ci, core in enumerate(cores):
                g = f"{label}/{lang}/{ci}"
                long_core = len(core) > 60 or core.endswith(".")
                # As written, on the channel it reads most like.
                add(core, label, lang, "email" if long_core and label != "unknown" and rng.random() < 0.6 else short_channel(label),
                    (("RE: " if lang == "fr" else "Re: ") + rng.choice(CAMPAIGN_SUBJECTS_FR if lang == "fr" else CAMPAIGN_SUBJECTS_EN)) if long_core and label != "unknown" else None, g)
                for _ in range(VARIANTS[label]):
                    if label not in ("unknown",) and rng.random() < 0.18:
                        text, subject = email(surface(core, label, lang) if rng.random() < 0.3 else core, label, lang)
                        add(text, label, lang, "email", subject, g)
                    else:
                        add(surface(core, label, lang), label, lang, short_channel(label), None, g)
    # Auto-replies from templates.
    for _ in range(3):
        for i, t in enumerate(AUTO_EMAIL_FR):
            add(fill(t), "auto_reply", "fr", "email", fill(rng.choice(AUTO_SUBJECT_FR)), f"auto/email-fr/{i}")
        for i, t in enumerate(AUTO_EMAIL_EN):
            add(fill(t), "auto_reply", "en", "email", fill(rng.choice(AUTO_SUBJECT_EN)), f"auto/email-en/{i}")
    for _ in range(3):
        for i, (lang, t) in enumerate(AUTO_WA):
            add(fill(t), "auto_reply", lang, "whatsapp", None, f"auto/wa/{i}")
        for i, (lang, t) in enumerate(AUTO_SMS):
            add(fill(t), "auto_reply", lang, "sms", None, f"auto/sms/{i}")
    # Unknown in email: signatures alone, forwards with no words, a reply sent to the wrong thread.
    for _ in range(12):
        lang = rng.choice(["fr", "en"])
        text, subject = email(rng.choice(["", "Envoyé de mon iPhone" if lang == "fr" else "Sent from my iPhone", "ok merci" if lang == "fr" else "ok thanks",
                                          "Bien reçu." if lang == "fr" else "Received, thanks.", "Voir pièce jointe." if lang == "fr" else "See attached.",
                                          "Salut Marc, tu as les chiffres du trimestre ? On en parle demain." if lang == "fr" else "Hi Marc, do you have the Q3 numbers? Let's discuss tomorrow."]), "unknown", lang)
        add(text, "unknown", lang, "email", subject, "unknown/email")
    rng.shuffle(out)
    return out


if __name__ == "__main__":
    for r in rows():
        sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
