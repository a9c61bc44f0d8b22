"""Hand-written core replies, one list per label and language.

Each core is one thing a lead could say. generate.py combines them with the surface variations of
real traffic (greetings, politeness, SMS spelling, missing accents, typos, emoji, email wrapping
with quoted history and signatures). Labels follow shared/INTENTS.md; the rule a core illustrates
is noted where it is an edge case.
"""

CORES = {
    "interested": {
        "fr": [
            "oui ça m'intéresse", "Oui je suis intéressé", "je suis intéressée par l'offre", "ça me plait bien, je prends",
            "Je suis partant", "partante !", "ok je prends", "ok ça marche pour moi", "je veux bien", "Oui avec plaisir",
            "génial, je suis preneur", "top, je valide", "c'est parfait, on y va", "ça m'interesse grave", "Oui merci, je confirme",
            "Bonne idée, je suis chaud", "ça m'intéresse, comptez sur moi", "trop bien, j'en veux un", "Oui pour 2 places svp",
            "c'est tentant, je dis oui", "Carrément, ça me tente bien", "ok pour moi, je valide l'offre", "grave chaud pour la promo",
            "avec plaisir, je suis partante", "Je prends ! C'est exactement ce qu'il me fallait",
            # rule 7: double and soft negatives that accept
            "je dis pas non", "je dis pas non 😏", "pas contre", "je suis pas contre", "pourquoi pas", "pourquoi pas, ça peut être sympa",
            "pas bête votre truc", "pas mal du tout, je suis partant", "c'est pas de refus", "ce serait pas de refus",
            "j'avoue que ça me tente", "ça se refuse pas", "je ne suis pas contre l'idée", "pas inintéressant, on peut avancer",
            "on peut voir ça oui", "pourquoi pas, à voir", "pas contre un essai", "faut voir... allez ok", "bon ok, vous m'avez convaincu",
            "je vais pas dire non à -30%", "ça peut m'intéresser", "ça pourrait m'intéresser", "ça m'intéresserait assez",
            # rule 4: asking for more about the offer, "send me the details"
            "Vous pouvez m'en dire plus sur la formule pro ?", "envoyez-moi les détails", "je veux bien plus d'infos sur l'offre",
            "j'aimerais en savoir plus", "dites m'en plus", "Envoyez moi la brochure par mail", "Pouvez-vous m'envoyer plus de détails ?",
            "je voudrais un devis", "vous pouvez m'envoyer le détail de l'offre", "Je souhaite recevoir une documentation",
            "envoyez moi les infos par mail", "je veux bien la plaquette", "des détails sur l'offre svp", "Donnez moi les détails",
            "je serais curieux d'en savoir plus", "ça a l'air bien, vous avez un lien vers l'offre ?",
            "Merci de m'envoyer une proposition détaillée.", "vous pouvez me faire un devis pour 3 personnes ?",
            # rule 5: interest stated, then a question
            "Ça m'intéresse, c'est combien par mois ?", "intéressé ! c'est dispo quand ?", "oui ça me tente, ça marche comment ?",
            "je suis partante, il faut faire quoi ?", "ok ça m'intéresse, on fait comment pour s'inscrire ?",
            "Ça m'intéresse beaucoup. Est-ce que je peux payer en 3 fois ?", "super offre, je prends, vous livrez à Lyon ?",
            # rule 6: a meeting that is not a phone call
            "ok pour un rendez-vous en agence", "je peux passer en boutique samedi pour voir ?", "on peut se voir mardi pour en parler ?",
            "je veux bien une démo", "réservez-moi un créneau en magasin", "ok pour un rdv à domicile la semaine prochaine",
            "rdv jeudi en agence ça me va", "Je passerai au showroom demain pour signer",
            # rule 3: partial stop that wants the offer
            "Arrêtez les appels, envoyez-moi plutôt la brochure par mail", "pas d'appel svp mais envoyez moi l'offre par écrit",
            "ne m'appelez pas, envoyez un mail avec les détails", "plutôt par mail que par sms, ça m'intéresse",
            # rule 1: keyword inside a sentence
            "On peut commencer la semaine prochaine ?", "on commence quand ?", "je veux démarrer au plus vite",
            "Votre offre nous intéresse, nous souhaitons aller plus loin.", "Oui, nous sommes intéressés par votre proposition commerciale.",
            "Je suis intéressée par votre offre, merci de me réserver une place.", "oui oui je veux profiter de la promo",
            "offre intéressante, je suis dedans", "je suis ok, on fait ça", "je m'inscris à l'atelier", "inscrivez-moi pour l'essai gratuit",
            "je réserve pour samedi", "c'est d'accord, on part là-dessus", "allez banco", "vendu !", "go pour moi", "ok on y va",
            "oui je veux bien essayer", "j'ai besoin de ça justement", "ça tombe bien je cherchais ça", "je suis intéressé mais pour le mois prochain",
            "ça m'intéresse pour mon entreprise", "mon mari et moi sommes intéressés", "oui c'est bon pour moi",
            "je prends l'offre à 29€", "je valide pour la formule premium", "c'est noté, je prends 2 boîtes",
        ],
        "en": [
            "Yes I'm interested", "yes interested", "Interested!", "I'm very interested", "sounds good to me", "count me in",
            "Let's do it", "I want it", "yes please, I'll take it", "Great offer, I'm in", "that works for me, go ahead",
            "absolutely, I'll take the deal", "sure thing", "yep sounds good", "definitely interested", "love it, want one",
            "Perfect, let's proceed", "We are interested in your proposal and would like to proceed.", "I'd be happy to move forward with this.",
            "deal", "i'm keen", "yea why not, let's go", "Sounds great, I'm in!", "yess definitely want this", "very interested",
            "This looks great, we'd like to go ahead with the offer.", "awesome, sign me up for the offer", "I would love to take advantage of this offer",
            # rule 7
            "no objection", "no objection from me", "not opposed to it", "I wouldn't say no", "can't say no to that",
            "not a bad idea actually", "why not", "why not, let's try", "not bad at all, I'm in", "wouldn't hurt to try, go ahead",
            "I don't see why not", "could be interesting", "might be interested", "I could be interested", "this could work for us",
            # rule 4
            "send me the details", "send me more info about the offer", "Can you send me more details?", "tell me more",
            "Tell me more about the offer", "I'd like to know more", "Please email me the details", "Could you send me a quote?",
            "Can you send me a brochure?", "I'd like more information about the offer", "Could you email me the full terms",
            "would love to hear more about the pro plan", "what else is in the package? sounds interesting",
            # rule 5
            "I'm interested, how much per month?", "Interested! When can I start?", "count me in, do you deliver to London?",
            "sounds good, how do I sign up?", "yes I want it, is it available in blue?",
            # rule 6
            "book me a demo", "happy to meet at your office next week", "can I come by the store on Saturday to see it?",
            "ok for an in-person meeting tuesday", "let's set up a video demo", "I'd like to schedule a showroom visit",
            # rule 3 and 1
            "Stop texting me and send an email instead", "don't call, just email me the offer", "email is better for me, send the details there",
            "Can we start next week?", "when can we start?", "let's get started",
            "yes, I'll take two", "please reserve one for me", "I'm in for the premium plan", "ok go ahead and book it",
            "we need exactly this, let's talk numbers", "yes thanks, sounds good", "that's what I was looking for",
        ],
        "mixed": [
            "yes interessé", "ok interested, c'est top", "oui I'm interested", "trop cool, count me in", "je suis in 👍",
            "ok let's go pour l'offre", "grave interested", "oui send me the details stp", "why not, ça peut le faire",
            "ça m'intéresse, how much ?", "deal, je prends", "ok for me, on fait ça",
        ],
    },
    "not_interested": {
        "fr": [
            "non merci", "Non, merci", "pas intéressé merci", "pas interessée", "Ça ne m'intéresse pas", "ça m'interesse pas du tout",
            "Nous ne sommes pas intéressés.", "non pas pour moi", "non ça ira merci", "Non merci, j'ai déjà un fournisseur",
            "merci mais non", "pas le temps, non merci", "pas maintenant merci", "trop cher", "non", "nan", "Non c'est bon merci",
            "Je ne suis plus intéressé", "Aucun intérêt", "j'en ai pas besoin", "Nous n'avons pas besoin de vos services.",
            "non désolé", "déjà équipé merci", "J'ai déjà tout ce qu'il me faut", "Merci pour votre proposition mais nous ne donnerons pas suite.",
            "ça ne me concerne pas", "Je ne vais pas donner suite, merci", "c'est pas pour moi", "sans façon merci",
            "C'est trop cher pour moi, je passe mon tour", "bof pas convaincu", "je passe", "non c'est mort", "pas besoin",
            "ça ira", "ça ira merci", "c'est gentil mais non", "très peu pour moi", "je ne suis pas preneur", "pas preneuse",
            # rule 7: interest taken back
            "j'étais partant mais finalement non", "finalement je vais m'abstenir", "j'ai réfléchi, ce sera non",
            "après réflexion je ne donne pas suite", "j'avais dit oui mais j'ai changé d'avis", "ça m'intéressait mais plus maintenant",
            # rule 6: vague deferral, no call or time
            "peut-être l'an prochain", "pas pour l'instant, peut-être plus tard", "revenez vers moi dans quelques mois",
            "pas le moment", "on verra plus tard", "une autre fois peut-être",
            # rule 2: turning down a call
            "pas besoin de me rappeler", "inutile de m'appeler, c'est non", "ne me rappelez pas, ça ne m'intéresse pas",
            "pas la peine de rappeler", "non merci, pas besoin d'appel",
            "on a déjà signé ailleurs", "je suis déjà client chez un concurrent", "mon budget ne le permet pas",
            "pas dans mes moyens", "non je ne suis pas intéressé par cette offre", "je décline", "je refuse, merci",
            "non on est bien comme ça", "merci mais ça ne correspond pas à nos besoins", "je ne souhaite pas donner suite",
            "non, je garde mon opérateur", "je n'en ai pas l'utilité", "ça fait trop cher pour moi", "non merci j'ai ce qu'il faut",
            "pas intéressé pour le moment", "c'est non", "non non", "ah non merci",
        ],
        "en": [
            "no", "No thank you", "no thx", "not interested", "Not interested, thanks", "I'm not interested", "not for me thanks",
            "no I don't need it", "Nah I'm good", "No, we already have a supplier.", "Thanks but we're not looking for this right now.",
            "too expensive for me", "Not at this time", "I don't want it", "nope", "no way", "No thanks, maybe next year",
            "not this time, we'll pass", "Thank you for reaching out, but we will not be moving forward.", "I don't think this is for us.",
            "not really my thing, thx", "no thank u", "I'm good thanks, don't need it", "Not for us, sorry", "no interest thanks",
            "We've decided to go with another provider", "thx but no", "I'll pass, thanks anyway", "sorry not interested at all",
            "no need", "no need, thanks", "I'm all set", "we're good", "pass", "hard pass", "not now", "not right now, thanks",
            # rule 7
            "I was keen but changed my mind", "I said yes earlier but actually no", "on second thought, no thanks",
            # rule 6
            "try again some other time", "maybe some other time", "maybe later", "ask me again next year", "perhaps in the spring",
            # rule 2
            "no need to call me back", "don't bother calling, not interested", "no call needed, I'm not interested",
            "we already have this covered", "can't afford it right now", "not in the budget this year", "decline, thanks",
            "I'm not looking for this", "thanks, but no", "no, I'll stick with my current provider", "not something I need",
        ],
        "mixed": [
            "not interested merci", "no merci", "non thanks", "nope pas pour moi", "no need, ça ira", "non sorry",
            "pas interested", "thanks mais non",
        ],
    },
    "question": {
        "fr": [
            "c'est combien ?", "Quel est le prix ?", "Ça coûte combien par mois ?", "Il y a des frais de livraison ?",
            "La livraison prend combien de temps ?", "C'est sans engagement ?", "Comment ça marche ?", "On peut payer en plusieurs fois ?",
            "L'offre est valable jusqu'à quand ?", "Vous livrez en Suisse ?", "C'est compatible avec android ?", "y a t il une garantie ?",
            "quelle est la durée du contrat ?", "c'est pour les nouveaux clients seulement ?", "Est-ce que vous acceptez les chèques ?",
            "Quels sont les tarifs pour une entreprise ?", "le prix c'est TTC ou HT ?", "ya des tailles enfant ?",
            "c'est quoi la diff entre les 2 formules ?", "ça marche sur mac ?", "Pourquoi le prix a augmenté ?",
            "Il reste des places pour samedi ?", "Vous avez quoi comme couleurs ?", "quel est le délai pour être livré",
            "le code promo marche en ligne ?", "Vous prenez la carte bleue ?", "Est-il possible de résilier à tout moment ?",
            # rule 1
            "Est-ce que je pourrai arrêter l'abonnement quand je veux ?", "si je veux arrêter en cours de route c'est possible ?",
            # rule 5
            "Avant de dire oui : c'est sans engagement ?", "avant de m'engager, il y a des frais cachés ?",
            # rule 4: who is writing, where the number came from, eligibility, area
            "c'est qui ?", "Qui êtes-vous ?", "vous êtes qui ?", "c'est quelle société ?", "c'est pour quoi exactement ?",
            "D'où vous avez mon 06 ?", "où avez-vous eu mon numéro ?", "comment vous avez eu mon numéro ?", "qui vous a donné mon numéro ?",
            "vous avez eu mes coordonnées comment ?", "je suis éligible si je suis auto-entrepreneur ?", "vous intervenez dans le 93 ?",
            "vous couvrez la Bretagne ?", "c'est valable dans les DOM ?", "il faut être propriétaire pour en profiter ?",
            "ça marche comment le parrainage ?", "c'est quoi l'arnaque ?", "c'est une vraie offre ou un spam ?",
            "combien de temps dure l'installation ?", "je peux changer de formule après ?", "la TVA est comprise ?",
            "il y a un essai gratuit ?", "ça inclut la maintenance ?", "c'est remboursable ?", "le prix est garanti combien de temps ?",
            "quelle différence avec l'offre du mois dernier ?", "c'est cumulable avec ma carte fidélité ?", "ça fonctionne sans wifi ?",
            "on peut être livré en point relais ?", "les frais de dossier c'est combien ?", "faut un apport ?",
        ],
        "en": [
            "How much does it cost?", "what's the price?", "Do you ship internationally?", "How long is delivery?", "Is there a free trial?",
            "Can I cancel anytime?", "how does it work?", "what's included in the premium plan?", "Is this offer still valid?",
            "do you accept paypal", "When does the sale end?", "Is the price per month or per year?", "what sizes do you have",
            "Is VAT included?", "Do I need to book an appointment?", "Is it available in blue?", "How do I use the discount code?",
            "Quick question: what's the minimum order amount?", "Could you tell me whether the discount applies to existing customers?",
            "what's the warranty on this?", "the code works online too?", "Which stores have it in stock?", "what are the fees?",
            "do u have it in size M?", "Is parking available?", "how long does the offer last?", "Does the price include installation?",
            "Is there a minimum commitment period?", "do you deliver to Belgium?", "can I pay in 3 installments?", "is it compatible with iphone?",
            # rule 4
            "who is this", "who is this?", "who's texting me?", "which company is this?", "where did you get my number?",
            "how did you get my number?", "how did you get this email address?", "who gave you my details?",
            "am I eligible if I'm self-employed?", "do you cover the north of France?", "is this available outside Paris?",
            "is this a scam?", "what's the catch?", "is there a contract?", "before I say yes, is it no commitment?",
            "can I switch plans later?", "is the price locked in?", "do you offer refunds?", "does it work offline?",
            "can I stop the subscription whenever I want?",
        ],
        "mixed": [
            "and the price? c'est combien", "does it work en France?", "c'est combien the premium?", "c'est qui this?",
            "how much pour 2 ?", "is it sans engagement?", "vous shippez in Belgium?",
        ],
    },
    "callback_request": {
        "fr": [
            "Rappelez-moi svp", "rappelez moi jeudi matin", "Merci de me rappeler", "vous pouvez me rappeler ?", "appelez-moi",
            "Appelez moi après 18h", "Je préfère un appel, appelez-moi au 0601020304", "rappelle moi stp", "tu peux m'appeler ?",
            "Un conseiller peut-il me contacter par téléphone ?", "Je souhaite être rappelé", "besoin d'être rappelé rapidement",
            "rappel demain 10h svp", "Appelez-moi lundi", "dispo pour un appel cet aprem", "on peut s'appeler ?", "téléphonez-moi au bureau",
            "mon numéro : 07 88 99 00 11, appelez moi", "Je suis joignable au 01 23 45 67 89 entre 9h et 12h", "Pouvez-vous me joindre par téléphone ?",
            "J'aimerais être contacté par un commercial par téléphone.", "passez moi un coup de fil", "un coup de fil svp",
            "J'ai raté votre appel, vous pouvez rappeler ?", "Je voudrais en discuter de vive voix, appelez-moi", "on s'appelle ?",
            "vous pouvez m'appeler demain ?", "rapellez moi au plus vite", "appelle moi quand t'es dispo", "je veux bien un appel vendredi",
            "Je suis disponible pour un échange téléphonique jeudi après-midi.", "merci de m'appeler sur mon portable",
            "Pouvez-vous me rappeler cet après-midi ?", "tel moi ce soir stp", "Merci de me recontacter par téléphone demain matin",
            "Vous pouvez m'appeler entre midi et deux ?", "J'aimerais qu'un conseiller m'appelle",
            # rule 6
            "oui téléphonez-moi", "oui appelez moi", "ok pour un appel jeudi 14h", "ok pour un appel demain", "intéressé, appelez-moi",
            "ça m'intéresse, rappelez-moi ce soir", "pas maintenant, rappelez-moi en janvier", "là je peux pas, rappelez dans 1h",
            "je suis en réunion, rappelez-moi après 17h", "pas avant 19h svp, après c'est bon", "plutôt le matin avant 9h pour m'appeler",
            "appelez après 18h, je travaille", "le mieux c'est de m'appeler le samedi", "pas le mercredi, sinon appelez quand vous voulez",
            "je serai joignable lundi matin", "dispo demain entre 14h et 16h pour un appel", "appel ok mardi", "vous pouvez tenter vers 12h30",
            "ok pour être rappelé la semaine prochaine", "rappelez-moi à la rentrée", "je préfère par téléphone, je suis dispo ce soir",
            "Plutôt que des sms, appelez-moi", "j'ai essayé de vous joindre, rappelez-moi", "un commercial peut m'appeler ?",
            "vous pouvez m'appeler au 06 12 34 56 78 ?", "appelez ma femme au 07 11 22 33 44, c'est elle qui gère",
        ],
        "en": [
            "Call me", "call me pls", "Please call me", "call me on friday at 10", "Can you call me?", "Could someone call me back?",
            "Give me a ring", "phone me pls", "I'd like a callback", "Request a callback please", "Please have someone call me",
            "can we hop on a call?", "let's talk on the phone", "My number is 555 0199, call anytime", "call back at 3pm",
            "best to reach me by phone after 6", "I prefer a phone call", "Call me when you're free", "please call my mobile",
            "Can your team contact me by phone this afternoon?", "I missed your call, please call again", "Could you give me a call to discuss?",
            "call me back pls", "could you phone me tonight?", "pls ring me, can't type much", "I'm available for a quick call tomorrow between 2 and 4.",
            "reach me on my cell after work", "Call me tomorrow morning please", "can someone give me a ring? easier to talk",
            "give me a call when you can", "ring me back on this number pls",
            # rule 6
            "yes call me", "interested, call me tonight", "ok for a call on thursday 2pm", "not now, call me in january",
            "busy now, call me back in an hour", "not before 7pm please, after that is fine", "only call after work hours please, I'm keen",
            "mornings are best to call me", "free for a call monday", "call me next week", "weekends are better for a call",
            "I'm in a meeting, call me at 5", "can we do a phone call instead?",
        ],
        "mixed": [
            "call moi stp", "rappelez me please", "can you rappeler demain", "tu peux me call ce soir ?", "call me svp",
            "call moi après 18h", "ok pour un call demain", "rappel me asap svp",
        ],
    },
    "opt_out": {
        "fr": [
            "Stop svp", "STOP SMS", "stop pub", "arretez", "Arrêtez de m'écrire", "arretez vos messages", "Ne m'envoyez plus rien",
            "je ne veux plus de vos sms", "Désabonnement", "désinscription svp", "me désinscrire", "supprimez mon numéro",
            "enlevez moi de votre liste", "retirez moi de la liste de diffusion", "Je n'ai jamais donné mon numéro, arrêtez",
            "c'est du harcèlement, stop", "fin des messages", "plus de sms", "laissez-moi tranquille", "Merci de ne plus me contacter",
            "Je ne souhaite plus recevoir vos communications.", "Veuillez me retirer de votre liste de diffusion.", "je veux me désabonner de la newsletter",
            "stop merci", "stop svp merci", "sortez moi de ce groupe", "vous avez pas compris ? STOP", "annulez mon abonnement aux sms",
            "je me désabonne", "pas de pub merci", "pas de sms svp", "n'envoyez plus de pub", "effacez mon numéro de vos fichiers",
            "je veux plus de messages de votre part", "arrete de m'ecrire stp", "Merci de me désinscrire de vos envois.",
            "STOP PUB merci", "Arrêtez de m'envoyer des SMS svp", "Supprimez mes coordonnées de votre fichier", "je veux plus recevoir vos pubs",
            "Désinscrivez moi", "plus de messages svp merci", "Retirez-moi de ce groupe svp, je n'ai rien demandé", "stop les messages",
            "halte aux SMS publicitaires, désabonnez-moi", "enlevez-moi de votre fichier", "désinscription", "je veux plus recevoir vos sms",
            # rule 2: opt_out wins over a refusal or a question
            "Non merci et arrêtez de m'envoyer des messages", "pas intéressé, et ne m'écrivez plus", "non merci, retirez mon numéro",
            "Qui vous a donné mon numéro ? Effacez-le", "d'où vous avez mon numéro ? supprimez-le immédiatement",
            "comment vous avez eu mon 06 ? je veux être retiré de vos listes", "vous avez eu mon numéro où ? enlevez le svp",
            # erasure requests
            "supprimez mes données", "je demande la suppression de mes données personnelles (RGPD)", "droit à l'oubli : effacez mes infos",
            "conformément au RGPD merci de supprimer toutes mes données", "effacez mes coordonnées de votre base",
            # wrong number that asks to stop
            "mauvais numéro, arrêtez de m'écrire", "vous vous trompez de personne, ne m'envoyez plus rien", "je ne suis pas Kevin, stop",
            "c'est pas le bon numéro, retirez le de votre liste",
            # unsubscribe questions
            "comment je fais pour me désinscrire ?", "comment on se désabonne ?", "comment ne plus recevoir vos messages ?",
            "il faut faire quoi pour que ça s'arrête ?", "je peux me désinscrire comment ?", "comment arrêter de recevoir ces sms ?",
            "arrêtez de me harceler", "ça suffit les messages", "je n'en peux plus de vos sms, stop", "lâchez-moi",
            "ne me contactez plus jamais", "oubliez mon numéro", "rayez-moi de vos listes", "je ne veux plus rien recevoir",
            "stop stop stop", "STOP !!!", "Stop.", "stop 🙅", "ARRET", "arrête", "arret svp", "stp stop", "STOPP",
            "stop à vos pubs", "plus de mails svp", "desinscrivez moi de la newsletter", "je me désinscris de vos mails",
            "merci de ne plus m'envoyer de messages whatsapp", "retirez-moi de ce groupe whatsapp", "je quitte, ne m'ajoutez plus",
        ],
        "en": [
            "stop please", "please stop", "Stop messaging me", "quit sending me this stuff", "Remove me", "remove my number",
            "unsubscribe please", "unsub", "opt me out", "don't text me again", "Do not contact me again", "Leave me alone",
            "I didn't sign up for this, stop", "enough with the messages", "erase my data and stop contacting me", "This is spam. Stop.",
            "Please remove this address from your mailing list.", "I no longer wish to receive these emails.",
            "GDPR request: delete my personal data and never email me again.", "stop ✋", "please remove me from this group",
            "block this number from your system", "no more messages pls", "stop sending these", "cancel my subscription to your texts",
            "quit messaging this number", "Please stop emailing me.", "I want to opt out", "who added me? remove me pls",
            "stop spamming me", "take me off this list now", "Unsubscribe me from all your emails please",
            "how did you get my number? remove it immediately", "Please stop texting me", "I never signed up for this, delete my number",
            "no more texts please",
            # the misses of issue 9: "take me off ..." and free text
            "take me off", "take me off your list", "take me off your mailing list please", "take my number off your list",
            "take me off this", "pls take me off ur list", "lose my number", "lose this number", "please lose my number",
            "remove me from your database", "delete my number", "delete my details", "delete my info please",
            "stop contacting me", "don't message me anymore", "never text me again", "I don't want these messages",
            "I don't want to receive these texts anymore", "no more emails", "stop emailing me", "please stop sending me offers",
            "remove me from all lists", "I'm not interested, stop texting me", "no thanks and please stop messaging me",
            "where did you get my number? delete it", "who gave you my number? remove it now",
            "wrong number, please stop texting me", "wrong person, remove this number", "I'm not John, stop messaging me",
            "how can I opt out of these?", "how do I unsubscribe?", "how do I stop these messages?", "how do I get off this list?",
            "is there a way to stop receiving these?", "can you unsubscribe me?", "please delete all my personal data (GDPR)",
            "under GDPR I request erasure of my data", "I withdraw my consent, delete my data", "STOP!!", "stop.", "Stop !!",
            "opt-out", "opt out", "UNSUBSCRIBE", "cancel", "end", "quit", "stop all", "remove", "Stop it", "STOP NOW",
            "please stop, this is harassment", "I've asked you to stop twice already",
        ],
        "mixed": [
            "stop les sms please", "unsubscribe svp", "remove me svp", "stop merci bye", "take me off la liste svp",
            "arrêtez please", "stop spam svp", "désinscription please", "delete mon numéro",
        ],
    },
    "opt_in": {
        "fr": [
            "Je veux recevoir vos offres", "Inscrivez-moi", "Je m'inscris", "abonnez moi aux alertes sms", "je souhaite m'abonner",
            "réinscrivez moi svp", "Je veux de nouveau recevoir vos messages", "remettez moi dans la liste", "Je m'abonne à la newsletter",
            "Vous pouvez m'envoyer vos promos", "Je donne mon accord pour recevoir les promos", "Oui je veux recevoir la newsletter",
            "je veux être tenu au courant de vos offres", "tenez moi informé des prochaines promos", "recommencez à m'envoyer les messages svp",
            "oups je me suis désinscrit par erreur, réinscrivez moi", "abonnement aux alertes", "Oui, j'accepte les messages",
            "inscris moi stp", "Je souhaiterais m'inscrire à votre lettre d'information.", "Merci de m'ajouter à votre liste de diffusion.",
            "Je veux rejoindre le groupe des bons plans", "ajoutez moi au groupe whatsapp svp", "unstop svp", "envoyez moi vos offres de nouveau",
            "je veux bien recevoir vos alertes promo", "je veux bien recevoir la newsletter", "mettez moi sur la liste svp",
            "j'aimerais m'inscrire aux alertes sms", "vous pouvez m'ajouter à la liste des bons plans ?", "réactivez mes notifications",
            "Je souhaite à nouveau recevoir vos emails.", "abonnez-moi svp", "Je souhaite recevoir vos offres par SMS",
            "Réabonnez-moi svp, j'avais fait stop par erreur", "inscrivez moi à la newsletter", "Ok pour recevoir vos bons plans par whatsapp",
            "je veux bien être informé de vos prochaines ventes", "J'accepte de recevoir des communications de votre part", "réactivez les sms svp",
            # rule 1 and rule 8
            "J'ai tapé STOP sans faire exprès, remettez-moi dans la liste", "j'ai fait stop par erreur, je veux continuer à recevoir vos sms",
            "si si gardez-moi dans la liste", "non non gardez moi dans vos contacts, j'aime bien vos promos", "ne me retirez pas de la liste svp",
            "je veux continuer à recevoir vos offres", "ok pour recevoir vos offres sur WhatsApp", "oui je consens à recevoir vos sms",
            "j'accepte d'être contacté par sms pour vos promos", "c'est bon vous pouvez reprendre les envois", "je me réabonne",
            "START svp", "start", "Start !", "UNSTOP", "unstop", "démarrer les alertes", "je veux recevoir les alertes de nouveau",
        ],
        "en": [
            "Subscribe me", "Please subscribe me to your newsletter", "sign me up for the newsletter", "Add me to the list",
            "I'd like to receive your offers", "I want to get your text updates", "opt me in", "Resubscribe", "please resubscribe me",
            "Keep me posted on future deals", "Yes, send me your promotions", "I consent to receive SMS marketing",
            "I accidentally unsubscribed, please add me back", "Can I join the mailing list?", "I want to subscribe to alerts",
            "Please start sending me messages again", "turn notifications back on pls", "I'd like to sign up for your SMS club",
            "subscribe pls", "Yes please keep me updated", "Please add my email to your distribution list.", "please add me to the whatsapp group",
            "Start again please", "restart", "I want to sign up for your texts", "pls add my number to the list", "opt in",
            "I'd like to get updates on whatsapp", "I would like to subscribe to your newsletter.", "re-subscribe me please",
            "START", "Add me to your mailing list please", "I want to receive your promos again", "sign me up for text alerts",
            "Please resume sending me notifications", "can you put me back on the list? I miss your deals", "subscribe",
            "Yes I agree to receive marketing messages", "I texted STOP by mistake, please put me back on the list",
            "keep me on the list please", "don't remove me, I still want the offers", "ok to receive your offers on WhatsApp",
            "start texts again", "UNSTOP", "unstop please", "Start.", "I'd like to opt back in", "please re-enable messages",
        ],
        "mixed": [
            "subscribe moi à la newsletter", "add me svp", "inscris moi please", "start svp", "keep me dans la liste svp",
            "réabonne me please",
        ],
    },
    "info_request": {
        "fr": [
            # service keywords and variants
            "info", "INFO", "Info ?", "infos ?", "info svp", "info stp", "infos svp", "aide", "AIDE", "aide stp", "aide svp", "besoin d'aide",
            "HORAIRES", "horaires", "horaires ?", "horaires svp", "CONTACT", "contact", "contact ?", "contact svp",
            "j'ai besoin d'aide avec mon compte", "aide : comment je me connecte à mon espace ?",
            # short practical requests: hours, address, website, phone, email
            "C'est quoi vos horaires ?", "Vous êtes ouverts samedi ?", "Vous fermez à quelle heure ?", "Où se trouve votre magasin ?",
            "c ou exactement ?", "vous etes ouvert jusqu'a quelle heure", "Vous êtes ouverts le dimanche ?", "vous ouvrez à quelle heure ?",
            "quels sont vos horaires d'ouverture ?", "vous êtes ouverts le lundi ?", "c'est ouvert entre midi et deux ?",
            "l'adresse svp", "c'est quoi l'adresse ?", "votre adresse ?", "vous êtes où exactement ?", "l'agence est où ?",
            "c'est quoi votre site ?", "un lien vers le site svp", "le site internet svp", "vous avez un site web ?",
            "À quel numéro je peux vous joindre ?", "quel est votre numéro de téléphone ?", "un numéro pour vous appeler ?",
            "c'est quoi votre mail ?", "votre adresse mail svp", "je peux vous écrire à quelle adresse email ?",
            "le numéro du service client svp", "vous avez une adresse postale ?", "c'est quoi le numéro du SAV ?",
            "horaires du magasin de Lille ?", "ouvert demain ?", "fermé le 15 août ?", "vous faites nocturne jeudi ?",
            # rule 3
            "Ne m'appelez pas pendant mes heures de travail, vous êtes ouverts jusqu'à quand ?",
            "pas d'appel svp, c'est quoi votre adresse mail ?",
        ],
        "en": [
            "Help", "HELP", "help please", "help!", "help?", "I need help", "INFO", "info pls", "info?", "CONTACT",
            "HELP - what's the support line?", "help, how do I log in?", "need help with my account",
            "are you open on sundays?", "where are you located?", "What's the address?", "where is your shop located?",
            "what time do you close today", "hi, u open tmrw?", "what are your opening hours?", "opening hours?", "hours?",
            "what time do you open?", "are you open on bank holidays?", "open today?", "what's your website?", "website?",
            "send me the link", "link to your site pls", "what's your phone number?", "what number can I reach you on?",
            "what's your email address?", "support email?", "customer service number please", "what's the postcode of the store?",
            # rule 3
            "Don't call me during work hours, what are your opening times?", "no calls please, what's your email?",
        ],
        "mixed": [
            "horaires please", "c'est open le dimanche ?", "adresse du shop svp", "aide please", "info svp thx",
            "what time vous fermez ?", "le website svp",
        ],
    },
    "auto_reply": {
        # built from templates in generate.py; these are the short or channel-specific ones
        "fr": [
            "Je conduis avec la fonction Ne pas déranger activée. Je verrai votre message une fois arrivé à destination.",
            "Ce numéro n'accepte pas les SMS. Message automatique.", "[Réponse automatique] Absent jusqu'au 3/09",
            "[Réponse automatique] Je suis en rendez-vous, je vous recontacte dès que possible.",
            "[Réponse automatique] Merci pour votre message, je vous recontacte rapidement. Pour toute urgence appelez le 06 12 34 56 78.",
            "Bonjour et merci pour votre message 🙂 Nous vous répondrons dans les meilleurs délais.",
            "Bonjour, nous avons bien reçu votre message. Un conseiller vous répondra du lundi au vendredi de 9h à 18h.",
            "Bonjour, merci de votre message ! Nous sommes fermés pour le moment, nous reviendrons vers vous dès que possible.",
            "Merci de nous avoir contactés ! Notre équipe est hors ligne et vous répondra demain.",
            "Message automatique : le correspondant que vous cherchez à joindre ne peut pas recevoir de SMS.",
            "Réponse automatique : je suis occupé(e), rappelez-moi plus tard ou laissez un message.",
            "Votre correspondant n'est pas joignable actuellement. Ceci est un message automatique de l'opérateur.",
            "Échec de l'envoi : le numéro n'est pas attribué. (Message de l'opérateur)",
            "Merci ! Votre message a bien été reçu par Boulangerie Martin. Nous sommes ouverts du mardi au samedi de 7h à 19h. Pour ne plus recevoir nos messages envoyez STOP.",
        ],
        "en": [
            "I'm driving with Do Not Disturb While Driving turned on. I'll see your message when I get where I'm going.",
            "Auto-reply: I'm not available right now", "I'm on holiday, back on the 5th. This is an automated response.",
            "Automatic reply: this number is not monitored. Please contact us by email.", "[Auto-reply] Busy right now, will get back to you later.",
            "We're currently closed. Our business hours are Mon-Fri 9am-5pm. We'll get back to you soon!",
            "Thanks for your message! We'll respond as soon as we can.", "Hi! Thanks for reaching out. We are offline and will answer during business hours.",
            "We're away right now, we'll reply as soon as possible.", "This is an automated message: the number you texted cannot receive SMS.",
            "Message failed: the recipient's carrier rejected this message (error 30007).", "Undelivered: the number is not in service. Carrier notice.",
            "Thanks for texting Joe's Plumbing! We'll call you back shortly. Reply STOP to unsubscribe.",
            "Sorry, I can't talk right now. Call me later.",
        ],
        "mixed": [],
    },
    "unknown": {
        "fr": [
            "ok merci", "merci bcp", "Bien reçu", "reçu", "reçu 5 sur 5", "c'est noté", "ok", "OK", "d'accord", "dac", "ça marche merci",
            "Merci", "merci beaucoup", "oui", "Oui.",  # lone "oui" without offer context is still "interested": handled below, not here
            "Bonjour", "Bonsoir", "salut", "coucou", "Bonjour ?", "allo", "Salut c'est Julien", "bonne journée à vous", "bon week-end",
            "bonne nuit", "bon appétit", "cc ça va ?", "Joyeux anniversaire mamie !! 🎂", "on se retrouve à 20h devant le ciné",
            "haha trop bien la photo", "je suis au travail là", "Chéri tu peux acheter du pain en rentrant", "on mange où ce soir les gars",
            "qui ramène les boissons samedi", "vous avez vu le match hier soir", "trop drôle ta vidéo 😂", "Il fait beau aujourd'hui",
            "mon chat a vomi sur le canapé", "je suis en retard désolé", "Bravo à l'équipe pour hier !", "félicitations aux jeunes mariés !",
            "tu rentres à quelle heure ?", "j'ai adoré le film hier", "quelqu'un a le numéro du plombier ?", "t'as pris les clés ?",
            "maman tu peux me rappeler quand tu sors du boulot", "c'est à quelle heure le foot de Lucas ?", "t'es où ?",
            # wrong numbers that do not ask to stop
            "oups mauvais numéro", "je pense que vous vous êtes trompé de numéro", "vous faites erreur, je ne suis pas Mme Dupont",
            "mauvais destinataire", "ce n'est pas le bon numéro", "je connais pas de Sophie désolé",
            "mdr", "ptdr", "lol", "test", "...", "?", "??", "!!!", "azerty", "qsdfghjk", "jsqkdjqsd", "kjhkjh", "aaaaaa",
            "1", "2", "0", "k", "👍", "👌", "👍👍", "🙏", "😂😂😂", "🎉🎉", "🛑", "❤️", "😊", "👋", "🤔", "😅",
            "<Media omitted>", "<Médias omis>", "image absente", "‎image omitted", "‎audio omitted", "‎vidéo absente", "[Message vocal]",
            "[Voice message]", "Ce message a été supprimé", "This message was deleted", "Vous avez supprimé ce message", "[Photo]",
            "‎sticker omitted", "IMG_2045.jpg", "(pièce jointe)", "Message vocal (0:14)", "<attached: 00000012-PHOTO-2024-03-02.jpg>",
        ],
        "en": [
            "ok thanks", "thanks", "thank you", "noted", "got it", "received", "k", "kk", "ok", "okay", "cool", "alright",
            "hi", "hey", "Hi there", "hello?", "Hi?", "yo", "good morning", "good night", "have a nice day", "Happy new year!",
            "lol", "lmao", "haha", "hmm", "I'm at the supermarket, need anything?", "see you at 8 then", "love you mum",
            "are we still on for dinner?", "did you guys watch the game", "running late sorry", "It's raining again here",
            "the weather is crazy today", "good morning everyone ☀️", "hey whats up", "how are you?", "i love pizza",
            "can you pick up the kids at 5?", "where did you park?", "happy birthday bro!!",
            # wrong numbers that do not ask to stop
            "wrong number", "wrong number sorry", "I think you have the wrong person", "this isn't Mike", "who's Sarah? wrong number I think",
            "Sent from my iPhone", "[image]", "<media omitted>", "voice message", "audio omitted", "This message was deleted",
            "asdfgh", "jjjjjj", "???", ".", "👀", "🙂", "😎", "💯",
        ],
        "mixed": [
            "ok thx", "merci thanks", "lol ok", "salut hello", "mdr ok", "okk merci", "wrong numéro désolé",
        ],
    },
}

# Lone "oui" (rule 8): interested. Lone YES is a Twilio keyword resolved by the interpreter with the
# contact's state; without a state it reads as interested (it answers an offer).
CORES["interested"]["fr"] += ["oui", "Oui !", "ouiii", "oui oui", "Oui 👍", "ouais", "oui bien sûr", "oui volontiers"]
CORES["interested"]["en"] += ["yes", "Yes!", "YES", "yes please", "yeah sure", "yep", "Yes 👍"]
CORES["unknown"]["fr"] = [t for t in CORES["unknown"]["fr"] if t not in ("oui", "Oui.")]

# Second batch: registers and situations the first batch lacked (cross-validation errors by group
# showed them: soft interest, bare acknowledgements, group chatter, questions without "?", partial
# stops, long emails that say one thing in the middle of a paragraph).
MORE = {
    "interested": {
        "fr": [
            "Bonjour, suite à votre message de la semaine dernière, je vous confirme que l'offre nous intéresse. Pouvez-vous nous dire comment procéder ?",
            "J'ai bien reçu votre proposition et j'en ai parlé avec mon associé : on est partants pour tester sur un trimestre.",
            "Votre offre tombe à pic, nous cherchions justement un prestataire. Je suis preneur d'une proposition chiffrée.",
            "ça a l'air pas mal, je veux bien tenter", "oui ça peut me servir", "ah oui carrément", "oui grave", "chaud !", "ok chaud",
            "j'en veux bien un", "je suis intéressé par le pack famille", "ça m'intéresse pour ma fille", "intéressée par la formule à 19€",
            "faites moi une offre", "je suis partant pour l'essai", "je veux bien tester gratuitement", "comment je fais pour en profiter ?",
            "je peux en profiter moi aussi ? ça m'intéresse", "c'est exactement ce que je cherchais", "enfin une offre intéressante",
            "on valide", "ok je signe", "je suis convaincu", "je me laisse tenter", "allez je me lance", "on tente !",
            "moi je veux bien", "ça me dit bien", "ça me branche", "ça me parle", "c'est oui", "oui pour moi", "oui c'est ok",
            "j'suis chaud pour samedi", "ok pour l'offre découverte", "je prends rdv en boutique", "je viendrai à la journée portes ouvertes",
            "vous pouvez m'envoyer le contrat ?", "envoyez-moi le bon de commande", "je veux bien recevoir le devis détaillé par mail",
            "pas de souci, je prends", "sans problème, on part là-dessus", "évidemment que ça m'intéresse",
        ],
        "en": [
            "Following up on your message last week: we'd like to go ahead. What are the next steps?",
            "I talked it over with my partner and we're happy to try it for three months.",
            "Your timing is perfect, we were looking for exactly this. Please send over a proposal.",
            "looks good, I'll give it a go", "oh nice, yes", "yes please!", "sure, why not", "I'm down", "I'm up for it",
            "sign me up for the trial", "I'd like to try it", "happy to give it a shot", "how do I get this deal?",
            "this is what I needed", "ok let's do it", "go for it", "I'll take the 12 month plan", "put me down for one",
            "please send me the contract", "send me the order form", "sounds interesting, send me the pricing sheet",
            "no problem, let's go ahead", "of course I'm interested", "absolutely", "you had me at 50% off",
        ],
        "mixed": ["ok chaud, send me the details", "yes je prends", "carrément interested", "oui let's go", "ça me tente, sign me up"],
    },
    "not_interested": {
        "fr": [
            "Bonjour, merci pour votre relance mais nous avons finalement choisi un autre prestataire. Bonne continuation.",
            "Après étude de votre proposition, elle ne correspond pas à nos besoins actuels. Nous ne donnerons pas suite.",
            "non merci ça ira", "non vraiment pas", "non c'est bon", "pas intéressée du tout", "ça me dit rien", "bof", "bof non",
            "non j'ai pas besoin", "j'ai pas le budget", "je suis pas intéressé", "pas intéressé par ça", "j'ai déjà ce qu'il faut",
            "on est déjà équipés", "je viens de signer ailleurs", "non je n'en veux pas", "ce n'est pas le moment pour nous",
            "non, c'est pas pour nous", "c'est non pour moi", "non merci sans façon", "merci, mais je ne suis pas intéressé",
            "pas pour le moment, merci", "je ne cherche rien", "ça ne m'intéresse plus", "merci de votre offre mais c'est non",
            "je ne suis pas concerné", "je n'ai pas de voiture, ça ne me concerne pas", "je suis locataire, pas concerné",
        ],
        "en": [
            "Thanks for following up, but we went with another vendor. All the best.",
            "After reviewing your proposal, it doesn't fit our needs right now. We won't be proceeding.",
            "no thanks I'm fine", "not for me", "nah", "nah thanks", "not really", "no, I'm ok", "not interested anymore",
            "don't need it", "no budget for this", "we just signed with someone else", "doesn't apply to me, I rent",
            "I'm not the right person, and we don't need it", "not today", "nope, all good", "thanks but I'll pass",
        ],
        "mixed": ["nope merci", "non not interested", "pas besoin thanks", "no ça ira", "bof not for me"],
    },
    "question": {
        "fr": [
            "Bonjour, avant d'aller plus loin j'aimerais savoir si votre offre est valable pour les professionnels et s'il y a une durée minimale d'engagement.",
            "Je voudrais comprendre comment est calculé le prix : il dépend de la surface ou du nombre de pièces ?",
            "combien ça coûte", "c'est combien pour un studio", "prix ?", "tarif ?", "c'est payant ?", "c'est gratuit ?",
            "il y a des frais d'installation", "quel est le délai", "c'est quoi le principe", "ça consiste en quoi ?",
            "c'est vous qui m'avez appelé hier ?", "vous êtes une vraie entreprise ?", "c'est quoi votre numéro de SIRET ?",
            "je dois fournir quels documents ?", "c'est possible pour une copropriété ?", "ça marche aussi pour une maison ancienne ?",
            "ça prend combien de temps ?", "vous faites aussi les fenêtres ?", "il faut être client chez vous ?",
            "c'est quoi la différence avec un abonnement classique", "et si ça ne me plait pas ?", "on peut annuler si ça convient pas ?",
            "le prix comprend la pose ?", "c'est en ligne ou en présentiel ?", "c'est pour combien de personnes ?",
            "qui m'envoie ce message ?", "c'est quoi ce numéro ?", "vous êtes qui exactement ?", "c'est une pub ?",
        ],
        "en": [
            "Hi, before going further I'd like to know whether the offer applies to businesses and if there is a minimum term.",
            "How is the price calculated, by square metre or by room?",
            "how much", "price?", "is it free?", "any setup fees", "what's the lead time", "what does it involve?",
            "was it you who called me yesterday?", "are you a real company?", "what documents do I need?", "does it work for an old house?",
            "how long does it take?", "do you also do windows?", "do I need to be an existing customer?", "what if I don't like it?",
            "does the price include fitting?", "is it online or in person?", "who is sending this?", "what is this number?", "is this an ad?",
        ],
        "mixed": ["c'est how much ?", "is it gratuit ?", "vous êtes who ?", "c'est quoi le deal exactly ?"],
    },
    "callback_request": {
        "fr": [
            "Bonjour, je préférerais en discuter de vive voix. Vous pouvez me joindre au 06 45 12 78 90 demain entre 10h et 12h.",
            "Votre offre m'intéresse mais j'ai quelques questions, le plus simple serait qu'un conseiller m'appelle en fin de journée.",
            "rappelez moi", "rappel svp", "appelez moi svp", "vous pouvez me téléphoner ?", "tél moi", "un appel ce serait mieux",
            "je suis dispo pour un appel", "dispo demain pour en parler au tel", "appelez-moi vers 18h", "rappelez-moi la semaine pro",
            "je vous laisse m'appeler", "appelez quand vous voulez", "j'attends votre appel", "on en parle au téléphone ?",
            "rappelez moi après mes vacances, le 20 août", "pas dispo là, rappelez demain matin", "en réunion, rappelez à 14h",
        ],
        "en": [
            "Hi, I'd rather talk it through. You can reach me on 07700 900123 tomorrow between 10 and 12.",
            "The offer looks interesting but I have a few questions, easiest would be for someone to call me late afternoon.",
            "call me", "pls call", "phone me", "ring me", "I'm free for a call", "free tomorrow to talk on the phone",
            "call me around 6", "call me next week please", "feel free to call", "waiting for your call", "can we talk on the phone?",
            "call me after my holiday, on the 20th", "can't talk now, call me tomorrow morning", "in a meeting, call at 2",
        ],
        "mixed": ["call me demain svp", "rappelez-moi tomorrow", "phone moi ce soir"],
    },
    "opt_out": {
        "fr": [
            "Bonjour, je reçois vos SMS depuis des semaines sans jamais m'être inscrite. Merci de retirer mon numéro de vos fichiers.",
            "Madame, Monsieur, conformément au RGPD, je vous demande de supprimer l'ensemble de mes données personnelles et de ne plus me contacter.",
            "Je ne suis pas intéressé et je ne veux plus recevoir de messages de votre part.",
            "merci de me retirer de votre liste", "retirez mon numéro svp", "enlevez mon numéro", "supprimez moi de vos contacts",
            "plus de pub svp", "arrêtez svp", "stop merci bonne journée", "ne plus m'envoyer de sms", "je souhaite ne plus être contacté",
            "je ne souhaite plus recevoir de sms", "je veux plus être contacté", "ça fait 3 fois que je dis stop",
            "désabonnez-moi", "désinscrivez-moi de tout", "je veux être désinscrit", "stop à ces messages", "stop aux sms",
            "j'ai jamais demandé à recevoir ça, retirez moi", "qui vous a autorisé à m'écrire ? supprimez mon numéro",
            "vous avez eu mon numéro comment ? effacez-le de votre base", "mauvais numéro, merci de le supprimer de vos listes",
            "je ne connais pas cette personne, arrêtez de m'écrire", "comment faire pour ne plus recevoir ces messages ?",
            "vous pouvez arrêter de m'envoyer ces sms ?", "je peux ne plus recevoir vos pubs ?", "arret des sms svp",
        ],
        "en": [
            "Hi, I've been getting your texts for weeks and never signed up. Please remove my number from your records.",
            "Under GDPR I request that you delete all personal data you hold about me and stop contacting me.",
            "I'm not interested and I don't want any more messages from you.",
            "please take me off your list", "take me off the list", "please remove my number", "remove me from your contacts",
            "stop the texts please", "stop please thanks", "no more ads", "don't contact me anymore", "I do not want to be contacted",
            "unsubscribe me", "unsubscribe me from everything", "I want to be removed", "that's the third time I say stop",
            "I never asked for this, remove me", "who told you to text me? delete my number", "wrong number, please remove it from your list",
            "I don't know this person, stop texting", "how can I stop getting these?", "can you stop sending me these texts?",
            "can I be removed from this list?", "please don't text this number again", "take this number off your list",
            "get me off your list", "I'd like to unsubscribe", "remove me from the mailing list please",
        ],
        "mixed": ["take me off svp", "plus de sms please", "remove mon numéro please", "stop texting moi", "unsubscribe moi svp"],
    },
    "opt_in": {
        "fr": [
            "Bonjour, j'ai répondu STOP par erreur à votre dernier message. Pouvez-vous me réinscrire ? J'aime bien recevoir vos offres.",
            "oui je veux bien recevoir vos promos par sms", "ajoutez mon numéro à vos alertes", "je veux m'inscrire à la newsletter",
            "c'était une erreur le stop, remettez moi", "gardez-moi dans la liste svp", "je souhaite rester inscrit",
            "je veux continuer à recevoir les bons plans", "inscrivez mon mail à la lettre d'info", "je veux être sur la liste vip",
            "ajoutez-moi à la liste whatsapp", "j'accepte de recevoir vos offres",
        ],
        "en": [
            "Hi, I replied STOP to your last message by mistake. Could you add me back? I like getting your offers.",
            "yes I'd like to get your promos by text", "add my number to your alerts", "I want to join the newsletter",
            "the stop was a mistake, put me back", "keep me subscribed please", "I want to stay on the list",
            "I'd like to keep getting the deals", "add my email to the newsletter", "I want to be on the VIP list",
            "add me to the whatsapp list", "I agree to receive your offers",
        ],
        "mixed": ["ajoutez me to the list svp", "keep me inscrit please"],
    },
    "info_request": {
        "fr": [
            "horaires d'ouverture ?", "vous ouvrez quand ?", "vous êtes ouvert aujourd'hui ?", "ouvert le samedi ?", "fermé le lundi ?",
            "vous fermez à quelle heure ce soir ?", "c'est où votre boutique ?", "l'adresse de l'agence svp", "où êtes vous situés ?",
            "votre site web ?", "lien du site ?", "c'est quoi votre numéro ?", "un numéro de téléphone svp", "votre mail ?",
            "à quelle adresse je peux envoyer le dossier ?", "le numéro du standard svp", "vous êtes joignables à quel numéro ?",
            "les horaires du service client ?", "aide, je n'arrive pas à me connecter", "aide svp mon code ne marche pas",
            "CONTACT svp", "Horaires ?", "INFOS", "info ?", "infos stp", "aide !", "besoin d'aide svp",
            "quel est le numéro pour vous joindre ?", "vous avez une adresse mail pour le SAV ?", "où se garer près du magasin ?",
        ],
        "en": [
            "opening times?", "when do you open?", "open on saturday?", "are you closed on mondays?", "what time do you close tonight?",
            "where's your store?", "address of the branch please", "where are you based?", "your website?", "link to the site?",
            "what's your number?", "phone number please", "your email?", "which address do I send the form to?",
            "customer service hours?", "help, I can't log in", "help please my code doesn't work", "HELP me", "info please", "Hours please",
            "what number can I call you on?", "do you have a support email?",
        ],
        "mixed": ["opening hours svp", "c'est quoi your address ?", "help svp", "horaires today ?"],
    },
    "unknown": {
        "fr": [
            "ok", "Ok.", "ok 👍", "oki", "okay", "entendu", "compris", "ça marche", "d'acc", "vu", "bien noté", "noté merci", "merci 🙏",
            "merci pour l'info", "merci à vous", "top merci", "super merci", "parfait merci", "👍 merci", "ah ok", "ah d'accord",
            "hein ?", "quoi ?", "pardon ?", "hm", "euh", "bonjour à vous", "bonjour 🙂", "bonsoir madame", "coucou toi",
            "tu viens ce soir ?", "je t'appelle après le boulot", "n'oublie pas le pain", "on se voit demain ?", "bisous",
            "je rentre tard ce soir", "Maman, tu peux venir me chercher ?", "Paul tu as les clés ?", "ça va toi ?",
            "c'est pour l'anniversaire de Léa samedi, tu viens ?", "qui vient au resto jeudi ?", "Chéri tu peux m'appeler ?",
            "désolé, erreur de destinataire", "je crois que vous avez le mauvais numéro", "je ne suis pas la personne que vous cherchez",
            "message envoyé par erreur", "oups pas pour vous", "mauvaise conversation dsl", "je ne comprends pas ce message",
            "<pièce jointe supprimée>", "null", "undefined", "[sticker]", "GIF omis", "‎Document omis", "Appel vocal manqué",
        ],
        "en": [
            "ok 👍", "okie", "understood", "sure", "seen", "noted thanks", "thanks 🙏", "thanks for the info", "great thanks",
            "perfect thanks", "ah ok", "oh I see", "what?", "huh?", "sorry?", "hmm ok", "hi 🙂", "hello there", "morning",
            "are you coming tonight?", "I'll call you after work", "don't forget the milk", "see you tomorrow?", "xoxo",
            "mom can you pick me up?", "Paul do you have the keys?", "how are you doing?", "who's coming to dinner thursday?",
            "babe can you call me?", "sorry wrong chat", "sent to the wrong person", "I'm not who you think I am",
            "I don't understand this message", "<attachment removed>", "[sticker]", "GIF omitted", "Missed voice call",
        ],
        "mixed": ["ok merci thanks", "lol wrong numéro", "mdr sorry wrong chat", "ok noted merci"],
    },
}
for _label, _by_lang in MORE.items():
    for _lang, _cores in _by_lang.items():
        CORES[_label][_lang] += _cores

# Third batch: auto-replies in short channels (the templates in generate.py cover email) and
# everyday chatter that reaches a campaign number by mistake.
THIRD = {
    "auto_reply": {
        "fr": [
            "Réponse automatique : je suis en congés jusqu'au 28/08. Pour toute urgence, contactez le 01 45 67 89 00.",
            "Bonjour, vous êtes bien chez Garage Moreau. Nous sommes fermés le dimanche, nous vous répondrons lundi. (message automatique)",
            "Ce numéro n'est plus attribué. Message automatique de votre opérateur.",
            "Merci pour votre message ! Un conseiller vous répondra sous 24h. Répondez STOP pour ne plus recevoir de messages.",
            "[Message automatique] Je suis en consultation, je vous rappelle dès que possible.",
            "Absente du cabinet jusqu'à lundi. Message automatique, merci de ne pas répondre.",
            "Votre demande a bien été enregistrée sous le numéro 48213. Ceci est un message automatique.",
            "Bonjour, nous sommes actuellement fermés. Nos horaires : du lundi au vendredi 9h-12h / 14h-18h. Merci de votre compréhension.",
            "Le correspondant ne peut pas lire vos SMS pour le moment (mode Concentration activé).",
            "Notifications désactivées : votre contact a activé le mode Ne pas déranger.",
        ],
        "en": [
            "Auto-reply: I'm on vacation until Aug 28. For urgent matters call 555 0142.",
            "Hi, you've reached Moreau Garage. We're closed on Sundays and will reply on Monday. (automated message)",
            "This number is no longer in service. Automated carrier message.",
            "Thanks for your message! An agent will reply within 24 hours. Reply STOP to opt out.",
            "[Automated] I'm with a patient, I'll call you back as soon as I can.",
            "Out of the office until Monday. This is an automatic reply, please do not respond.",
            "Your request has been logged as #48213. This is an automated message.",
            "Hello, we're currently closed. Our hours are Mon-Fri 9am-6pm. Thank you for your patience.",
            "The person you're texting has notifications silenced (Focus mode on).",
            "Message not delivered: recipient unavailable. Carrier error 30006.",
        ],
        "mixed": [],
    },
    "unknown": {
        "fr": [
            "tu peux passer prendre Léo à l'école ?", "j'arrive dans 10 min", "t'as vu mon message ?", "on se voit au bureau demain",
            "je te laisse les clés sous le paillasson", "bien arrivé !", "t'es dispo ce weekend ?", "bonne fête maman 💐",
            "c'est l'anniversaire de papa dimanche", "qui a pris ma voiture ?", "le match commence à quelle heure ?",
            "vous vous êtes trompés de numéro je crois", "je ne suis pas madame Martin", "erreur de numéro", "pas le bon destinataire",
            "je ne comprends rien à votre message", "c'est quoi ce message ?? je comprends pas", "hein c'est pour moi ça ?",
            "appel manqué", "Appel vocal manqué", "Vous avez manqué un appel vocal", "image omise", "audio omis", "vidéo omise",
            "bonjour bonjour", "salut salut", "re", "yo ça va", "oui allo ?", "allô ?", "bien reçu merci", "ok reçu", "ok ça marche",
            "merci, bonne journée", "merci bonne soirée", "d'accord merci", "entendu merci", "parfait", "super", "top", "cool",
        ],
        "en": [
            "can you pick Leo up from school?", "be there in 10", "did you see my text?", "see you at the office tomorrow",
            "keys are under the mat", "landed!", "free this weekend?", "happy mother's day 💐", "who took my car?",
            "what time does the game start?", "I think you've got the wrong number", "I'm not Mrs Martin", "wrong recipient",
            "I don't understand your message at all", "what is this message??", "is this meant for me?", "missed call",
            "You missed a voice call", "image omitted", "video omitted", "hello hello", "hey hey", "received thanks", "ok got it",
            "thanks, have a good one", "ok thank you", "perfect", "great", "nice", "alright then",
        ],
        "mixed": ["ok merci bye", "lol c'est qui ça, wrong number", "salut hello ça va"],
    },
}
for _label, _by_lang in THIRD.items():
    for _lang, _cores in _by_lang.items():
        CORES[_label][_lang] += _cores

# Fourth batch: more everyday phrasings per label, and the terms questions that mention stopping
# ("can I unsubscribe anytime?" is a question about the offer, rule 1).
FOURTH = {
    "question": {
        "fr": ["je peux me désabonner quand je veux ?", "c'est résiliable à tout moment ?", "si je m'abonne je peux arrêter quand je veux ?",
               "il y a des frais si j'arrête avant la fin ?", "la résiliation est gratuite ?", "c'est un abonnement ou un achat unique ?",
               "ça marche comment concrètement ?", "vous êtes basés où ? c'est une société française ?", "c'est quoi votre entreprise exactement ?",
               "vous avez eu mes coordonnées où ?", "comment avez-vous eu mon contact ?", "c'est pour quel type de logement ?",
               "il y a un minimum de commande ?", "c'est livré en combien de temps ?", "l'offre concerne quels produits ?",
               "ça vaut pour les retraités ?", "je suis à Marseille, c'est possible ?", "vous faites les devis gratuitement ?"],
        "en": ["If I subscribe, can I unsubscribe anytime?", "can I cancel at any time?", "is there a fee if I cancel early?",
               "is it a subscription or a one-off?", "how does it actually work?", "where are you based? are you a French company?",
               "what company is this exactly?", "where did you get my contact details?", "what type of home is it for?",
               "is there a minimum order?", "which products does the offer cover?", "does it apply to retirees?", "I'm in Leeds, is that covered?"],
        "mixed": ["je peux cancel anytime ?", "c'est which company ?"],
    },
    "interested": {
        "fr": ["je suis intéressé, envoyez-moi un devis", "ok pour moi, vous m'envoyez le lien ?", "bonne idée, on fait comme ça",
               "allez, je vous fais confiance", "oui on peut essayer", "ça m'intéresse, vous pouvez passer quand ?", "je suis partant, on commence quand ?",
               "ah oui ça m'intéresse ça", "intéressant, je veux bien en savoir plus", "ça me convient", "c'est pile ce qu'il me faut",
               "oui mais pour 3 personnes", "oui mais à partir de septembre"],
        "en": ["I'm interested, send me a quote", "ok for me, can you send the link?", "good idea, let's do that", "alright, I trust you",
               "yes we can try", "interested, when can you come over?", "I'm in, when do we start?", "oh yes I'm interested in that",
               "interesting, I'd like to know more", "that suits me", "exactly what I need", "yes but for 3 people", "yes but starting in September"],
        "mixed": ["ok interested, on commence quand ?", "yes ça me convient"],
    },
    "not_interested": {
        "fr": ["non ça ne m'intéresse pas du tout", "pas pour moi merci", "non merci, je ne suis pas preneur", "j'ai pas besoin de ça",
               "non, et merci quand même", "pas intéressé, merci de votre compréhension", "j'ai déjà fait les travaux", "on a déjà tout ce qu'il faut",
               "c'est trop cher pour nous", "ça ne rentre pas dans mon budget", "non je préfère pas", "non je vais réfléchir mais a priori non"],
        "en": ["no I'm not interested at all", "not for me thanks", "no thanks, I'll pass", "I don't need that", "no, but thanks anyway",
               "not interested, thanks for understanding", "already had the work done", "we have everything we need", "too pricey for us",
               "doesn't fit my budget", "I'd rather not", "I'll think about it but probably no"],
        "mixed": ["non thanks anyway", "not interested, désolé"],
    },
    "callback_request": {
        "fr": ["vous pouvez m'appeler pour en parler ?", "appelez-moi je vous explique", "je préfère qu'on s'appelle", "rappelez-moi au 06 00 00 00 00",
               "ok, appelez-moi demain midi", "je suis joignable toute la journée", "dispo lundi 10h pour un appel", "appelez plutôt le soir"],
        "en": ["can you call me to discuss?", "call me and I'll explain", "I'd rather we talk on the phone", "call me back on 07700 900000",
               "ok, call me tomorrow at noon", "I'm reachable all day", "free monday 10am for a call", "better to call in the evening"],
        "mixed": ["appelez-moi asap", "call me plutôt le soir"],
    },
    "opt_out": {
        "fr": ["retirez-moi de votre liste svp", "je ne veux plus recevoir de messages", "merci de ne plus m'écrire", "stop, je ne suis pas intéressé",
               "arrêtez de m'envoyer vos pubs", "effacez mon numéro", "je veux être retiré de vos listes", "désinscrivez-moi de vos sms",
               "ne me contactez plus", "vous m'avez déjà écrit 5 fois, ça suffit, retirez-moi"],
        "en": ["please remove me from your list", "I don't want to receive any more messages", "please don't write to me again",
               "stop, I'm not interested", "stop sending me your ads", "erase my number", "I want to be taken off your lists",
               "unsubscribe me from your texts", "don't contact me again", "you've texted me 5 times, enough, remove me"],
        "mixed": ["please retirez-moi", "stop les pubs please"],
    },
    "info_request": {
        "fr": ["vous êtes ouverts demain ?", "c'est ouvert le dimanche ?", "votre adresse svp", "le lien de votre site ?", "un mail pour vous écrire ?",
               "vous avez un numéro fixe ?", "les horaires d'ouverture svp", "c'est où exactement votre magasin ?"],
        "en": ["are you open tomorrow?", "open on sunday?", "your address please", "link to your website?", "an email to write to you?",
               "do you have a landline number?", "opening hours please", "where exactly is your shop?"],
        "mixed": ["c'est open demain ?"],
    },
    "unknown": {
        "fr": ["ok merci beaucoup", "merci c'est gentil", "bien reçu, merci", "ok d'accord", "ah ok merci", "👍 ok", "salut !", "bonjour, ça va ?",
               "c'est qui Julie ? je crois que vous avez fait erreur", "vous devez vous tromper de numéro, bonne journée"],
        "en": ["ok thanks a lot", "thanks that's kind", "received, thank you", "ok sure", "ah ok thanks", "hey!", "hi, how are you?",
               "who's Julie? I think you made a mistake", "you must have the wrong number, have a nice day"],
        "mixed": ["ok merci, thanks"],
    },
}
for _label, _by_lang in FOURTH.items():
    for _lang, _cores in _by_lang.items():
        CORES[_label][_lang] += _cores

# Fifth batch: English was the weaker language in grouped cross-validation; more everyday English,
# and French/English replies to the offer that mention a channel without stopping it.
FIFTH = {
    "interested": {
        "en": ["yes I'd like that", "sure, sounds good", "yes, go ahead", "that sounds great", "I'm interested in the offer",
               "I'd like to sign up for the offer", "yes please send it over", "keen to hear more", "tell me more please, sounds good",
               "could be a good fit for us, let's talk details", "yes, we're interested. What's the next step?", "ok I'm in",
               "let's book it", "happy to go ahead", "sounds like a deal", "I'd love that", "yes that would be great",
               "ok, email me the details", "text me the link and I'll sign up", "I'll come to the open day"],
        "fr": ["oui envoyez-moi ça par mail", "ok envoyez le lien par sms je m'inscris", "je viendrai à la journée découverte",
               "oui ça m'intéresserait d'en discuter en agence"],
    },
    "not_interested": {
        "en": ["no, thank you", "not interested thank you", "we'll pass on this one", "no thanks, not at the moment",
               "I'm not looking to change", "we're happy with our current provider", "not interested in solar", "sorry, no",
               "I don't think so", "no, it's not for us", "not this year", "we're not in the market for this"],
    },
    "question": {
        "en": ["how much would it be for a 3 bed house?", "what's the monthly cost?", "is there a catch?", "what's included?",
               "do you offer financing?", "how long is the contract?", "are there any hidden fees?", "is it available in my area?",
               "who are you?", "who is this please?", "how did you get my details?", "is this legit?", "what happens after the trial?"],
    },
    "callback_request": {
        "en": ["can someone call me?", "call me after 5 please", "I'd prefer a call", "please phone me tomorrow", "ring me at lunchtime",
               "give me a call this afternoon", "you can call me on this number", "call me, it's easier"],
    },
    "unknown": {
        "en": ["ok", "ok thanks", "thank you!", "cheers", "noted, thanks", "got it thanks", "hello", "hi!", "good afternoon",
               "see you later", "on my way", "running 5 min late", "can you grab bread on the way home?", "where are you?",
               "I'm not Sarah, wrong number", "you've got the wrong person", "lol what", "?", "👍👍", "Sent from my phone"],
    },
    "opt_out": {
        "en": ["please unsubscribe me", "remove me please", "stop texting", "no more texts", "opt me out please",
               "delete my number please", "I want out of this list", "don't text me", "stop. not interested", "remove me from your list, thanks"],
    },
    "info_request": {
        "en": ["what are your hours?", "when are you open?", "what's your address?", "where are you?", "website please",
               "what's the best number to reach you?", "email address please", "are you open today?"],
    },
}
for _label, _by_lang in FIFTH.items():
    for _lang, _cores in _by_lang.items():
        CORES[_label][_lang] += _cores

# Sixth batch: negations that accept ("I don't want to miss this"), and STOP sent by mistake.
SIXTH = {
    "interested": {
        "fr": ["je ne veux pas rater ça, je prends", "je veux plus payer autant, dites-m'en plus", "je ne dirais pas non à une démo",
               "je ne veux plus attendre, je m'inscris", "je n'hésite pas, je prends", "pas d'hésitation, c'est oui"],
        "en": ["I don't want to miss this, sign me up", "I no longer want to pay so much, tell me more", "I wouldn't mind a demo",
               "don't want to wait any longer, I'm in", "no hesitation, yes", "I can't say no to that price"],
    },
    "opt_in": {
        "fr": ["non je ne veux pas me désinscrire, c'était une erreur", "ne me désinscrivez pas svp", "le STOP c'était une erreur, gardez-moi"],
        "en": ["no I don't want to unsubscribe, it was a mistake", "please don't unsubscribe me", "the STOP was a mistake, keep me on"],
    },
}
for _label, _by_lang in SIXTH.items():
    for _lang, _cores in _by_lang.items():
        CORES[_label][_lang] += _cores

# Seventh batch: call-time constraints stated indirectly, and replies posted in a campaign group.
SEVENTH = {
    "callback_request": {
        "fr": ["je finis à 18h, appelez après", "je suis joignable après 17h", "le matin c'est mieux pour m'appeler", "appelez entre 12h et 14h svp",
               "jamais le mercredi, sinon appelez quand vous voulez", "pas pendant les heures de bureau svp, appelez le soir"],
        "en": ["I finish at 6, call after that", "I'm reachable after 5pm", "mornings are better for calls", "call between 12 and 2 please",
               "never on wednesdays, otherwise call whenever", "not during office hours please, call in the evening"],
    },
    "interested": {
        "fr": ["moi ça m'intéresse !", "intéressée aussi 🙋‍♀️", "je suis partant aussi", "pareil, ça m'intéresse"],
        "en": ["me too, interested!", "count me in as well", "same here, I'm interested"],
    },
    "question": {
        "fr": ["c'est valable pour tout le monde dans le groupe ?", "quelqu'un sait combien ça coûte ?"],
        "en": ["is this for everyone in the group?", "does anyone know how much it costs?"],
    },
}
for _label, _by_lang in SEVENTH.items():
    for _lang, _cores in _by_lang.items():
        CORES[_label][_lang] += _cores

# Eighth batch: the three weakest labels in grouped cross-validation (opt_in, question, unknown).
EIGHTH = {
    "opt_in": {
        "fr": ["je souhaite recevoir vos newsletters", "oui je veux bien être ajouté à votre liste", "vous pouvez m'inscrire aux alertes promo ?",
               "je veux être prévenu des prochaines offres", "prévenez-moi pour les prochaines ventes privées", "je m'abonne aux sms",
               "je donne mon consentement pour les sms", "ok pour être contacté par sms pour les promos", "réactivez mon abonnement aux alertes",
               "j'avais fait stop mais je veux de nouveau vos offres", "remettez-moi sur la liste whatsapp", "j'accepte les communications commerciales",
               "inscrivez-moi à la lettre d'info svp", "je veux rejoindre votre liste de diffusion", "vous pouvez m'envoyer vos offres par mail"],
        "en": ["I'd like to get your newsletter", "yes add me to your list", "can you sign me up for promo alerts?", "let me know about future offers",
               "notify me about the next private sales", "I'm subscribing to the texts", "I give my consent for texts", "ok to be contacted by text for promos",
               "turn my alerts back on", "I said stop before but I want your offers again", "put me back on the whatsapp list",
               "I accept marketing messages", "please add me to the mailing list", "I want to join your broadcast list", "you can email me your offers"],
        "mixed": ["add me à la newsletter svp", "je veux your offers par sms"],
    },
    "question": {
        "fr": ["c'est quoi exactement votre offre ?", "vous proposez quoi au juste ?", "c'est quoi le prix après la promo ?",
               "ça engage à quoi ?", "faut-il signer un contrat ?", "combien de temps dure la promo ?", "il faut payer d'avance ?",
               "c'est compatible avec mon installation actuelle ?", "vous travaillez avec quelle banque ?", "c'est remboursé par la mutuelle ?",
               "pourquoi vous me contactez ?", "on se connaît ?", "je ne comprends pas, c'est pour quoi ?", "vous avez mon numéro depuis quand ?"],
        "en": ["what exactly is the offer?", "what are you selling?", "what's the price after the promo?", "what am I committing to?",
               "do I have to sign a contract?", "how long does the promo last?", "do I pay upfront?", "is it compatible with my current setup?",
               "why are you contacting me?", "do we know each other?", "I don't get it, what is this for?", "since when do you have my number?"],
    },
    "unknown": {
        "fr": ["ok c'est noté", "ok merci pour le message", "ah d'accord merci", "merci, à bientôt", "bonne soirée à vous aussi",
               "coucou 😘", "slt cv ?", "tu fais quoi ce soir ?", "t'as vu le match ?", "je suis en route", "j'arrive !", "rdv à 18h au café ?",
               "c'est pour qui ce message ? je pense que c'est une erreur", "je ne suis pas la bonne personne", "vous avez dû faire une erreur de numéro",
               "[Message vocal - 0:32]", "📷 Photo", "🎤 Message vocal", "Ce message a été supprimé.", "null"],
        "en": ["ok noted", "ok thanks for the message", "ah ok thanks", "thanks, see you", "you too, have a good evening",
               "hey 😘", "sup", "what are you doing tonight?", "did you see the game?", "on my way", "coming!", "meet at 6 at the cafe?",
               "who is this message for? I think it's a mistake", "I'm not the right person", "you must have dialled the wrong number",
               "[Voice message - 0:32]", "📷 Photo", "🎤 Voice message", "This message was deleted."],
    },
}
for _label, _by_lang in EIGHTH.items():
    for _lang, _cores in _by_lang.items():
        CORES[_label][_lang] += _cores
