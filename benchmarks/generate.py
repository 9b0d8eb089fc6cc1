"""Deterministic generator of realistic, valid record sets for the benchmark.

    python benchmarks/generate.py OUT_DIR --records 10000 [--seed 1]

All four kinds in realistic proportions (about 40% targets, 35% incidents,
20% responses, 5% operators), 20 to 60 lines each, with cross-references,
several sources, accents and Arabic text. The same seed gives the same files.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

FIRST = [
    "Omar",
    "Hajar",
    "Lénaïg",
    "Maati",
    "Soulaimane",
    "Aminatou",
    "Taoufik",
    "Hicham",
    "Wadah",
    "Yahia",
    "Hanan",
    "Edwy",
    "Rodney",
    "Alaa",
    "Fatima",
    "Karim",
    "Nour",
    "Zeynep",
    "Ismaël",
    "Chloé",
    "Rania",
    "Youssef",
    "Salma",
    "Anouar",
]
LAST = [
    "Radi",
    "Raissouni",
    "Bredoux",
    "Monjib",
    "Haidar",
    "Bouachrine",
    "Mansouri",
    "Khanfar",
    "Assiri",
    "Elatr",
    "Plenel",
    "Dixon",
    "Siddiq",
    "Benali",
    "Zerrouki",
    "El Amrani",
    "Saïdi",
    "Kettani",
    "Lahlou",
    "Ouazzani",
    "Tazi",
    "Bennani",
]
ARABIC = ["صحفي", "ناشطة حقوقية", "برنامج التجسس", "منظمة غير حكومية", "قائمة مسربة"]
OUTLETS = [
    "Le Desk",
    "Akhbar Al-Yaoum",
    "Mediapart",
    "Radio France",
    "Forbidden Stories",
    "Lakome",
    "Hespress",
    "Amnesty International",
    "Citizen Lab",
]
COUNTRIES = ["MA", "FR", "EH", "ES", "GB", "AE", "SA", "BH", "MX", "IN", "HU", "RW", "TG"]
ROLES = [
    "journalist",
    "editor",
    "human-rights-defender",
    "activist",
    "lawyer",
    "academic",
    "politician",
    "family-member",
    "associate",
    "dissident",
]
STATUS = ["selected", "targeted", "attempted", "infected", "unknown"]
RESPONSES = [
    "statement",
    "call-to-action",
    "denial",
    "legal-complaint",
    "criminal-investigation",
    "court-ruling",
    "technical-report",
]


def q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tag(i: int) -> str:
    """A short letter code, unique per index: ids carry no long digit runs, as real
    ids do not (six digits could be a phone number to the personal-data guard)."""
    out = ""
    while True:
        out = "abcdefghijklmnopqrstuvwxyz"[i % 26] + out
        i //= 26
        if not i:
            return out


def sources(rng: random.Random, n: int) -> list[str]:
    lines = ["sources:"]
    for i in range(n):
        year = rng.randint(2016, 2024)
        lines += [
            f"  - title: {q(rng.choice(OUTLETS) + ' report on ' + rng.choice(LAST) + f' ({year})')}",
            f"    publisher: {q(rng.choice(OUTLETS))}",
            f"    published: {year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            f"    language: {rng.choice(['en', 'fr', 'ar', 'es'])}",
            f"    url: https://example.org/{year}/report-{rng.randint(1, 10**6)}",
        ]
        if i == 0 and rng.random() < 0.3:
            lines.append(f"    archived_url: https://archive.example.org/{rng.randint(1, 10**9)}")
    return lines


def generate(out: Path, count: int, seed: int = 1) -> dict[str, int]:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    for folder in ("incidents", "targets", "operators", "responses"):
        (out / folder).mkdir(parents=True)
    n_ops = max(3, count // 20)
    n_targets = max(2, count * 40 // 100)
    n_incidents = max(1, count * 35 // 100)
    n_responses = max(1, count - n_ops - n_targets - n_incidents)
    ops = [f"operator-{tag(i)}" for i in range(n_ops)]
    vendors = ops[: max(1, n_ops // 10)]
    products = [f"spyware-{tag(i)}" for i in range(len(vendors))]
    targets = [f"target-{tag(i)}" for i in range(n_targets)]
    incidents = [f"incident-{tag(i)}" for i in range(n_incidents)]

    def write(folder: str, ident: str, lines: list[str]) -> None:
        (out / folder / f"{ident}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    for i, ident in enumerate(ops):
        vendor = ident in vendors
        lines = [
            f"id: {ident}",
            "kind: operator",
            f"name: {q('Service ' + rng.choice(LAST) + ' ' + str(i))}",
            f"type: {'vendor' if vendor else rng.choice(['state', 'intelligence-agency', 'law-enforcement'])}",
            f"country: {rng.choice(COUNTRIES)}",
            "aliases:",
            f"  - {q('Agency ' + str(i))}",
            f"  - {q(rng.choice(ARABIC) + ' ' + str(i))}",
        ]
        if not vendor and i > len(vendors):
            lines.append(f"parent: {ops[rng.randrange(len(vendors), i)]}")
        if vendor:
            k = vendors.index(ident)
            lines += ["products:", f"  - id: {products[k]}", f"    name: {q('Spyware ' + str(k))}"]
        lines += sources(rng, rng.randint(2, 3))
        lines.append(
            f"notes: {q('According to reporting, the operator ' + rng.choice(ARABIC) + '.')}"
        )
        write("operators", ident, lines)

    for i, ident in enumerate(targets):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}"
        lines = [
            f"id: {ident}",
            "kind: target",
            f"name: {q(name)}",
            "visibility: public",
            "type: person",
            "roles:",
        ]
        lines += [f"  - {r}" for r in rng.sample(ROLES, rng.randint(1, 3))]
        lines += [
            "aliases:",
            f"  - {q(name.upper())}",
            "nationalities:",
            f"  - {rng.choice(COUNTRIES)}",
            f"residence: {rng.choice(COUNTRIES)}",
            f"exiled: {rng.choice(['true', 'false'])}",
            "affiliations:",
            f"  - {q(rng.choice(OUTLETS))}",
        ]
        if i and rng.random() < 0.3:
            lines += [
                "related:",
                f"  - target: {targets[rng.randrange(i)]}",
                "    relation: colleague",
                '  - name: "Anonymous relative"',
                "    relation: relative",
            ]
        lines += sources(rng, rng.randint(1, 4))
        lines.append(
            f"notes: >\n  Reported by {rng.choice(OUTLETS)}; {rng.choice(ARABIC)}.\n  Neutral wording: alleged."
        )
        write("targets", ident, lines)

    for i, ident in enumerate(incidents):
        year = rng.randint(2016, 2023)
        status = rng.choice(STATUS)
        evidence = ["leaked-data"] + (
            ["forensic-analysis"] if status in ("infected", "attempted") else []
        )
        lines = [
            f"id: {ident}",
            "kind: incident",
            f"title: {q('Alleged Pegasus surveillance of ' + rng.choice(LAST) + ' ' + str(i))}",
            "summary: >",
            "  According to a forensic analysis and leaked data, the phone of the",
            f"  target was allegedly selected in {year}; {rng.choice(ARABIC)}. Denied by the operator.",
            f"date: {year}-{rng.randint(1, 12):02d}",
            f"date_end: {year + 1}",
            "targets:",
        ]
        lines += [f"  - {t}" for t in rng.sample(targets, min(len(targets), rng.randint(1, 3)))]
        lines += [
            "alleged_operators:",
            f"  - operator: {rng.choice(ops[len(vendors) :] or ops)}",
            f"    attribution: {rng.choice(['reported', 'alleged', 'high-confidence'])}",
            "spyware:",
            f"  - {rng.choice(products)}",
            f"status: {status}",
            "evidence:",
        ]
        lines += [f"  - {e}" for e in evidence]
        if "forensic-analysis" in evidence:
            lines += [
                "forensic_analyses:",
                "  - by: Amnesty International Security Lab",
                f"    result: {'infection-confirmed' if status == 'infected' else 'attempt-found'}",
                f"    date: {year + 1}",
                "    method: Mobile Verification Toolkit",
            ]
        lines += [
            "vectors: [zero-click]",
            "platforms: [ios]",
            f"location: {rng.choice(COUNTRIES)}",
            "translations:",
            "  fr:",
            f"    title: {q('Surveillance présumée de la cible ' + str(i))}",
            "  ar:",
            f"    title: {q(rng.choice(ARABIC) + ' ' + str(i))}",
        ]
        lines += sources(rng, rng.randint(1, 4))
        write("incidents", ident, lines)

    for i in range(n_responses):
        ident = f"response-{tag(i)}"
        rtype = rng.choice(RESPONSES)
        lines = [
            f"id: {ident}",
            "kind: response",
            f"title: {q('Response ' + str(i) + ' to the revelations')}",
            "summary: >",
            f"  {rng.choice(OUTLETS)} responded; according to the statement,",
            "  the allegations are contested.",
            f"type: {rtype}",
            f"date: {rng.randint(2017, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "by:",
            f"  - operator: {rng.choice(ops)}",
            f"  - name: {q(rng.choice(OUTLETS))}",
            "    type: ngo",
            f"    country: {rng.choice(COUNTRIES)}",
            "about:",
            "  incidents:",
        ]
        lines += [
            f"    - {x}" for x in rng.sample(incidents, min(len(incidents), rng.randint(1, 3)))
        ]
        lines += ["  targets:", f"    - {rng.choice(targets)}"]
        if rtype == "call-to-action":
            lines += [
                "demands:",
                '  - "Implement an immediate moratorium."',
                '  - "Revoke export licences."',
            ]
        if rtype in ("legal-complaint", "criminal-investigation"):
            lines.append("status: ongoing")
        lines += sources(rng, rng.randint(1, 3))
        write("responses", ident, lines)
    return {
        "operators": n_ops,
        "targets": n_targets,
        "incidents": n_incidents,
        "responses": n_responses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    counts = generate(args.out, args.records, args.seed)
    print(f"wrote {sum(counts.values())} records to {args.out}: {counts}")


if __name__ == "__main__":
    main()
