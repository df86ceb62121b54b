"""Keep in locale/fr only the plural entries (translated to themselves, under French rules)
and the rewritten stock Django admin wording (``directory/admin_wording.py``).

French is the source language, so it has no catalogue of its own: without one, gettext falls
back to the English rule (n != 1) and prints « 0 communes ». This catalogue holds only the
plural entries (msgstr[0] = msgid, msgstr[1] = msgid_plural) under
``Plural-Forms: nplurals=2; plural=(n > 1);`` so 0 and 1 take the singular. Run by
``make messages`` after ``makemessages -l fr``.
"""

import sys
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from directory.admin_wording import FRENCH  # a plain dict: no Django set-up needed

PO_PATH = Path(__file__).resolve().parent.parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def main() -> None:
    po = polib.pofile(str(PO_PATH))
    kept = polib.POFile()
    kept.metadata = dict(po.metadata)
    kept.metadata["Language"] = "fr"
    kept.metadata["Plural-Forms"] = "nplurals=2; plural=(n > 1);"
    kept.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    kept.header = "French plural forms and admin wording only (scripts/french_catalogue.py): the source is French."
    for entry in po:
        if entry.msgid_plural and not entry.obsolete:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
            entry.previous_msgid = entry.previous_msgid_plural = None
            kept.append(entry)
        elif entry.msgid in FRENCH and not entry.obsolete:
            entry.msgstr = FRENCH[entry.msgid]
            entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
            kept.append(entry)
    kept.save(str(PO_PATH))
    print(f"{len(kept)} entrées (pluriels, administration) dans {PO_PATH.relative_to(PO_PATH.parents[3])}")


if __name__ == "__main__":
    main()
