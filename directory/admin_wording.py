"""Stock Django admin wording that reads badly in French, rewritten in our French catalogue
(locale/fr, written by scripts/french_catalogue.py) and kept as is in English.

The msgids are Django's own; marking them here lets ``makemessages`` put them in our catalogues,
which take precedence over Django's (``LOCALE_PATHS``)."""


def gettext_noop(message: str) -> str:
    """Marks ``message`` for ``makemessages`` (found by this name), as Django's does; Django's
    reads the settings, and scripts/french_catalogue.py imports this module without any."""
    return message


FRENCH = {
    # « Sélectionnez l'objet lieu de médiation numérique à changer »
    gettext_noop("Select %s to change"): "Choisir la fiche à modifier (%s)",
    gettext_noop("Select %s to view"): "Choisir la fiche à consulter (%s)",
    # « Aucun(e) disponible » (recent actions on the admin's home page)
    gettext_noop("None available"): "Rien pour l'instant",
    gettext_noop("Forgotten your login credentials?"): "Mot de passe oublié ?",
}
