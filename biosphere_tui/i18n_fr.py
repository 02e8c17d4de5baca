"""French translations of the interface, keyed by the English text (see ``i18n``).

Every string the code passes to ``_``/``t``/``plural`` as a literal, every key binding's
description, column header and screen title has an entry here (a test checks it).
"""

FR: dict[str, str] = {
    # screen titles (screens/registry.py)
    "Home": "Accueil",
    "Catalogue": "Catalogue",
    "myVM": "myVM",
    "Members": "Membres",
    "Sites": "Sites",
    "Consumption": "Consommation",
    "Groups": "Groupes",
    "Journal": "Journal",
    "Launch": "Lancer",
    "Request a new project group": "Demander un nouveau groupe projet",
    # key bindings (footer and help)
    "Help": "Aide",
    "Jump": "Aller à",
    "Refresh": "Rafraîchir",
    "Back": "Retour",
    "Quit": "Quitter",
    "Privacy mode": "Confidentialité",
    "Close": "Fermer",
    "Cancel": "Annuler",
    "Yes": "Oui",
    "No": "Non",
    "Next": "Suivant",
    "Previous": "Précédent",
    "Filter": "Filtrer",
    "Search": "Chercher",
    "Detail": "Détail",
    "Approve": "Approuver",
    "Reject": "Refuser",
    "Mark": "Marquer",
    "Keep filter": "Garder le filtre",
    "Clear filter": "Effacer le filtre",
    "Clear filters": "Effacer les filtres",
    "Category": "Catégorie",
    "Tool": "Outil",
    "Topic": "Thème",
    "Star": "Favori",
    "★ only": "★ seuls",
    "Quick launch": "Lancement rapide",
    "Take proposal": "Prendre la proposition",
    "Reveal secrets": "Voir les secrets",
    "Copy SSH command": "Copier la commande SSH",
    "Copy SSH": "Copier SSH",
    "Secrets": "Secrets",
    "Mine/All": "Les miennes/Toutes",
    "Finished": "Terminées",
    "Sort": "Trier",
    "Reverse": "Inverser",
    "Describe": "Décrire",
    "Delete": "Supprimer",
    "30/90 days": "30/90 jours",
    "Metric": "Mesure",
    "Export CSV": "Exporter en CSV",
    "Use group": "Utiliser ce groupe",
    "Ask to join": "Demander à rejoindre",
    "New project group": "Nouveau groupe projet",
    "Send request": "Envoyer la demande",
    "Up": "Haut",
    "Down": "Bas",
    "Page up": "Page préc.",
    "Page down": "Page suiv.",
    "Top": "Début",
    "Bottom": "Fin",
    # column headers
    "name": "nom",
    "appliance": "appliance",
    "site": "site",
    "state": "état",
    "server": "serveur",
    "flavor": "gabarit",
    "vCPU": "vCPU",
    "RAM": "RAM",
    "IP": "IP",
    "owner": "propriétaire",
    "age": "âge",
    "category": "catégorie",
    "OS": "OS",
    "summary": "résumé",
    "★": "★",
    "API": "API",
    "latency": "latence",
    "vCPU free": "vCPU libres",
    "RAM GB free": "Go RAM libres",
    "disk TB free": "To disque libres",
    "GPU free": "GPU libres",
    "features": "fonctions",
    "updated": "mis à jour",
    "when (UTC)": "quand (UTC)",
    "ago": "il y a",
    "who": "qui",
    "action": "action",
    "result": "résultat",
    "username": "identifiant",
    "email": "e-mail",
    "message": "message",
    "asked": "demandé",
    "role": "rôle",
    "joined": "arrivé",
    "ends": "fin",
    "group": "groupe",
    "full name": "nom complet",
    "kind": "type",
    "total": "total",
    "share": "part",
    "key": "touche",
    "account": "compte",
    "day": "jour",
    "request": "demande",
    # states and roles
    "Ready": "Prête",
    "Done": "Terminée",
    "Aborted": "Échouée",
    "Cancelled": "Annulée",
    "Initializing": "Initialisation",
    "Provisioning": "Provisionnement",
    "Executing": "Exécution",
    "SendingReports": "Rapports",
    "Finalizing": "Finalisation",
    "admin": "admin",
    "member": "membre",
    "up": "en service",
    "down": "hors service",
    "degraded": "dégradé",
    "maintenance": "maintenance",
    # app: header, palette, toasts
    "read-only": "lecture seule",
    "demo cloud": "cloud de démo",
    "{n} pending request": "{n} demande en attente",
    "{n} pending requests": "{n} demandes en attente",
    "TLS verification is OFF for the portal": "La vérification TLS du portail est DÉSACTIVÉE",
    "{tls_off} (portal.verify_tls = false): its identity is not checked.":
        "{tls_off} (portal.verify_tls = false) : son identité n'est pas vérifiée.",
    "Your preferences could not be saved ({error}).": "Vos préférences n'ont pas pu être enregistrées ({error}).",
    "Go to {title}": "Aller à {title}",
    "Show the {title} screen (key {key})": "Afficher l'écran {title} (touche {key})",
    "Refresh now": "Rafraîchir maintenant",
    "Pull fresh data from the portal and every site": "Relire le portail et chaque site maintenant",
    "Every key of this screen": "Toutes les touches de cet écran",
    "Privacy mode on/off": "Mode confidentialité oui/non",
    "Mask IP and e-mail addresses on screen (key P)": "Masquer les adresses IP et e-mail à l'écran (touche P)",
    "Privacy mode on: addresses are masked.": "Mode confidentialité activé : les adresses sont masquées.",
    "Privacy mode off.": "Mode confidentialité désactivé.",
    "Read-only mode: nothing can be changed from this app (--read-only or app.read_only).":
        "Mode lecture seule : rien ne peut être modifié depuis l'application (--read-only ou app.read_only).",
    "The refresh failed ({error}).": "Le rafraîchissement a échoué ({error}).",
    "{sources}: {error}. Showing its last known data.": "{sources} : {error}. Affichage de ses dernières données.",
    "{sources}: {error}. Showing their last known data.": "{sources} : {error}. Affichage de leurs dernières données.",
    "Source failed": "Source en échec",
    "{n} sources failed": "{n} sources en échec",
    "{sources} answers again.": "{sources} répond de nouveau.",
    "{sources} answer again.": "{sources} répondent de nouveau.",
    "Source recovered": "Source rétablie",
    "{action} failed: {error}": "{action} a échoué : {error}",
    "{action} failed ({error}).": "{action} a échoué ({error}).",
    "The action journal could not be written ({error}).": "Le journal des actions n'a pas pu être écrit ({error}).",
    # help and jump
    "move around": "se déplacer",
    "Screens:": "Écrans :",
    "jump to a screen by name": "aller à un écran par son nom",
    "every command": "toutes les commandes",
    "privacy mode": "mode confidentialité",
    "back": "retour",
    ":screen": ":écran",
    # confirmation dialogs
    "Confirm": "Confirmer",
    "Send": "Envoyer",
    "\n… and {n} more": "\n… et {n} de plus",
    "reason": "motif",
    "Please give a reason: it is sent to the person.": "Donnez un motif : il est envoyé à la personne.",
    # freshness bar
    "never": "jamais",
    "no data yet": "pas encore de données",
    "data {age} old": "données vieilles de {age}",
    "retrying in {wait}": "nouvel essai dans {wait}",
    "retrying at the next refresh": "nouvel essai au prochain rafraîchissement",
    "{family} ({n} sources)": "{family} ({n} sources)",
    "No data yet: the first refresh is running…": "Pas encore de données : le premier rafraîchissement est en cours…",
    "{fresh}/{total} sources fresh": "{fresh}/{total} sources à jour",
    ", oldest {age} ago": ", la plus ancienne il y a {age}",
    " (stale)": " (périmée)",
    # home
    "VMs": "VM",
    "{up}/{total} up": "{up}/{total} en service",
    "Requests": "Demandes",
    "Quota use": "Quota utilisé",
    "RAM GB": "Go RAM",
    # help paragraphs
    "Home: your VMs by state, the sites, pending requests and quota use; every VM you can see below.":
        "Accueil : vos VM par état, les sites, les demandes en attente et l'usage des quotas ; "
        "en dessous, toutes les VM que vous pouvez voir.",
    "Catalogue: the RAINBio appliances. Search by word (name, description, tools, EDAM topics) with /, by category "
    "with c, by tool with t and by EDAM topic with e; star favourites with f. Enter opens the launch form; L launches "
    "at once with your last group, site and flavour.":
        "Catalogue : les appliances RAINBio. Cherchez par mot (nom, description, outils, thèmes EDAM) avec /, par "
        "catégorie avec c, par outil avec t et par thème EDAM avec e ; f marque un favori. Entrée ouvre le formulaire "
        "de lancement ; L lance aussitôt avec vos derniers groupe, site et gabarit.",
    "Consumption of the current group (choose it on the Groups screen): quota use by live deployments, the daily "
    "usage record of the last 30 or 90 days, totals per member and per site, and a CSV export. A member sees only "
    "their own consumption: the portal filters it.":
        "Consommation du groupe courant (à choisir sur l'écran Groupes) : quota utilisé par les déploiements actifs, "
        "usage quotidien des 30 ou 90 derniers jours, totaux par membre et par site, et export CSV. Un membre ne voit "
        "que sa propre consommation : le portail la filtre.",
    "Groups: the groups you belong to, their quotas and dates (accounts tied to a group end with it). Enter or g makes "
    "the highlighted group the current one (the other screens show it); j asks to join another group; n requests a "
    "new project group from the IFB committee (a refused request is kept: n opens it again).":
        "Groupes : vos groupes, leurs quotas et leurs dates (les comptes liés à un groupe finissent avec lui). Entrée "
        "ou g en fait le groupe courant (les autres écrans le montrent) ; j demande à rejoindre un autre groupe ; n "
        "demande un nouveau groupe projet au comité de l'IFB (une demande refusée est gardée : n la rouvre).",
    "Journal: every action you did through this app (launch, delete, approve, reject, join, group request), newest "
    "first: who, when, the result item by item, and the portal requests that were sent. It is kept on this computer "
    "only, in your data folder, and never holds your token.":
        "Journal : chaque action faite depuis cette application (lancement, suppression, approbation, refus, demande "
        "d'adhésion, demande de groupe), la plus récente d'abord : qui, quand, le résultat élément par élément et les "
        "requêtes envoyées au portail. Il reste sur cet ordinateur, dans votre dossier de données, sans votre jeton.",
    "Launch: name the VM, choose the group whose quota it spends, then a cell of the matrix: a flavour (row) on a site "
    "(column). Each cell says whether it fits the group's remaining quota and the site's free room; the line under it "
    "says why not, and p takes the proposed way out. ctrl+s launches; the screen then follows the deployment until it "
    "is Ready.":
        "Lancer : nommez la VM, choisissez le groupe dont elle consomme le quota, puis une case de la matrice : un "
        "gabarit (ligne) sur un site (colonne). Chaque case dit si elle tient dans le quota restant du groupe et la "
        "place libre du site ; la ligne dessous dit pourquoi sinon, et p prend la solution proposée. ctrl+s lance ; "
        "l'écran suit ensuite le déploiement jusqu'à ce qu'il soit prêt.",
    "Members: for the admins of the current group (7 to change it), the pending membership requests (space marks "
    "several; a approves, x rejects with a reason sent to the person) and the members, those whose account ends "
    "within 30 days highlighted. Accounts tied to a group are deactivated at the group's end date.":
        "Membres : pour les admins du groupe courant (7 pour en changer), les demandes d'adhésion en attente (espace "
        "en marque plusieurs ; a approuve, x refuse avec un motif envoyé à la personne) et les membres, ceux dont le "
        "compte finit sous 30 jours en évidence. Les comptes liés à un groupe sont désactivés à sa date de fin.",
    "myVM: your deployments on every site with their live servers; group admins switch to all the group's VMs with a. "
    "Space marks VMs, ctrl+d deletes the marked ones (or the one under the cursor) after a confirmation. Done and "
    "Cancelled deployments are hidden until h.":
        "myVM : vos déploiements sur tous les sites avec leurs serveurs ; les admins d'un groupe voient toutes ses VM "
        "avec a. Espace marque des VM, ctrl+d supprime celles marquées (ou celle sous le curseur) après confirmation. "
        "Les déploiements terminés ou annulés sont cachés jusqu'à h.",
    "Sites: each site of the federation, its state on the portal, whether its OpenStack API answered on the last "
    "refresh, and the resources free there. A site whose API fails is shown in red with its last known data.":
        "Sites : chaque site de la fédération, son état sur le portail, si son API OpenStack a répondu au dernier "
        "rafraîchissement, et ses ressources libres. Un site dont l'API échoue est en rouge avec ses dernières données.",
}
