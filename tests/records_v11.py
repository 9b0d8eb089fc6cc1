"""A record set in format 1.1 using every construct new in 1.1, for the export tests.

`write_v11(root)` turns a copy of the base set (`tests/cases/_base/records`) into a
1.1 set: the version file, a target with held, former and bare roles, a `client`
relation and `translation_of` as a full mapping, a bare URL and a partial mapping;
an incident with `revealed` and no `date` (and `certainty`); a response about a
product and subjects; and `revealed` with `certainty` added to the base incident.
"""

from __future__ import annotations

from pathlib import Path

from sarschema.versions import VERSION_FILE, version_text

V11 = {
    "targets/person-e.yaml": """\
id: person-e
kind: target
name: Person E
visibility: pseudonymous
type: person
roles:
  - role: government-official
    held: former
    as_of: 2021-07
  - journalist
  - role: politician
    held: current
    as_of: 2022
related:
  - target: journalist-a
    relation: client
  - name: Person F
    relation: lawyer
sources:
  - title: Rapport traduit
    publisher: Exemple Média
    published: 2021-07-20
    language: fr
    url: https://example.org/fr/traduit
    translation_of:
      url: https://example.org/reports/leaked-list
      language: en
      publisher: Example Rights Group
      title: "Example report: journalists on a leaked list"
      published: 2021-07-18
  - title: Copia
    publisher: Ejemplo Diario
    published: 2021-08
    language: es
    translation_of: https://example.org/reports/leaked-list
  - title: Resumen
    publisher: Ejemplo Diario
    published: 2021
    language: es
    url: https://example.org/es/resumen
    translation_of:
      language: ar
      published: 2021-06
""",
    "incidents/person-e-2022.yaml": """\
id: person-e-2022
kind: incident
title: Reported Spyware A targeting of Person E
summary: Example Rights Group reported that Person E may have been targeted.
revealed: 2022-03
certainty: possible
targets: [person-e]
spyware: [spyware-a]
status: targeted
evidence: [media-report]
sources:
  - title: Person E possibly targeted
    publisher: Example Rights Group
    published: 2022-03-02
    language: en
    url: https://example.org/reports/person-e
""",
    "responses/licence-a.yaml": """\
id: licence-a
kind: response
title: Exampleland revokes the export licence of Spyware A
summary: The export authority revoked the licence, citing the trade in surveillance tools.
type: export-control
date: 2022-05
by:
  - name: Example Export Authority
    type: government
    country: IL
about:
  operators: [vendor-a]
  products: [spyware-a]
  subjects: [surveillance-trade, unnamed-people]
sources:
  - title: Export licence revoked
    publisher: Example News Agency
    published: 2022-05-03
    language: en
    url: https://example.org/news/licence
""",
}

#: Appended to the base incident (its `date` and `date_end` are before `revealed`).
V11_EXTRA = {"incidents/journalist-a-2020.yaml": "revealed: 2021-07-18\ncertainty: stated\n"}


def write_v11(root: Path) -> Path:
    """Make the copy of the base set at `root` a 1.1 set with the records above."""
    (root / VERSION_FILE).write_text(version_text("1.1"), encoding="utf-8")
    for name, text in V11.items():
        (root / name).write_text(text, encoding="utf-8")
    for name, extra in V11_EXTRA.items():
        path = root / name
        path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return root
