"""`sarschema site`: the static website of a record set.

Four sites are built once each (module fixtures) and read back with the standard
library's `html.parser` (`site_links.py`): the shipped records (through the CLI), a
generated set of 1,000 records (`benchmarks/generate.py`, format 1.0), a crafted 1.1
set made for the wording, the dates, the timeline, the translations and the filters,
and a set whose text is hostile markup. What each page must hold is worked out here
from the record models, not from the site's own index, so that a filter, a sentence or
a date the site gets wrong fails.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from sarschema import cli, vocab
from sarschema.api import validate_paths
from sarschema.cli import app
from sarschema.codes import Code
from sarschema.errors import UsageError
from sarschema.site import build_site
from sarschema.site import render as site_render
from sarschema.site.index import FACETS, FOLDERS, KINDS
from sarschema.site.render import MANIFEST, NAV
from sarschema.site.strings import DATE_FORMATS, LABELS, MONTHS, STRINGS
from sarschema.site.timeline import MIN_WIDTH
from sarschema.site.timeline import WIDTH as TRACK_WIDTH
from sarschema.versions import VERSION_FILE, version_text
from site_links import Element, Page, check_links, read_site

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "records"
SITE_PACKAGE = ROOT / "src" / "sarschema" / "site"
TEMPLATES = SITE_PACKAGE / "templates"
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import generate  # noqa: E402

runner = CliRunner()

STATUSES = ("selected", "targeted", "attempted", "infected", "unknown")
CERTAINTIES = (None, "stated", "likely", "possible")
#: Markup and template syntax a record's text may hold; the site must print it.
HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(1)> {{ 7*7 }} {% raw %}'


# --------------------------------------------------------------------------
# Building and reading sites


@dataclass
class Built:
    """A site built into `folder` from `records`, its pages parsed."""

    folder: Path
    records: list[Any]
    written: list[str]
    pages: dict[str, Page]

    def page(self, relative: str) -> Element:
        return self.pages[relative].document

    def record(self, kind: str, record_id: str) -> Any:
        return next(r for r in self.records if r.kind == kind and r.id == record_id)


def build(paths: list[Path], out: Path) -> Built:
    report, written = build_site(paths, out)
    errors = [f"{d.file}:{d.line}: {d.code} {d.message}" for d in report.diagnostics]
    assert report.ok, errors[:10]
    return Built(out, list(report.records), written, read_site(out))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def write_records(root: Path, records: list[dict[str, Any]], version: str | None) -> Path:
    """Write `records` as YAML files into a record set at `root` (`version` None: no
    version file, a 1.0 set)."""
    for record in records:
        folder = root / f"{record['kind']}s"
        folder.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=1000)
        (folder / f"{record['id']}.yaml").write_text(text, encoding="utf-8")
    if version is not None:
        (root / VERSION_FILE).write_text(version_text(version), encoding="utf-8")
    return root


def source(**changes: Any) -> dict[str, Any]:
    return {
        "title": "Example report: journalists on a leaked list",
        "publisher": "Example Rights Group",
        "published": "2021-07-18",
        "language": "en",
        "url": "https://example.org/reports/leaked-list",
        **changes,
    }


def record_href(record: Any) -> str:
    return f"{FOLDERS[record.kind]}/{record.id}.html"


def link_target(page: Page, href: str) -> str:
    """A relative link's page, relative to the site."""
    return page.resolve(href.split("#")[0])


def items(page: Page, list_id: str | None = None) -> dict[str, Element]:
    """The record items of a list page (`ul.records.list`), by the page each links to."""
    lists = page.document.find_all("ul", class_="list")
    if list_id is not None:
        lists = [u for u in lists if u.get("id") == list_id]
    assert len(lists) == 1, page.path
    found = {}
    for li in lists[0].children:
        if isinstance(li, Element) and li.tag == "li":
            a = li.find("a")
            found[link_target(page, a.attrs["href"])] = li
    return found


def lead(page: Element) -> list[str]:
    return [p.text() for p in page.find("div", class_="lead").find_all("p")]


# --------------------------------------------------------------------------
# The sets


def crafted_records() -> list[dict[str, Any]]:
    """A 1.1 set made to exercise the site: an incident per status and certainty, one
    per status with three targets, two operators with different attributions and a
    denial, partial dates at each precision, an incident known only by `revealed`,
    translations, and aliases whose case folding differs between Python and JavaScript."""
    sources = [source()]
    records: list[dict[str, Any]] = [
        {
            "id": "agency-a",
            "kind": "operator",
            "name": "Example Security Service",
            "type": "intelligence-agency",
            "country": "MA",
            "sources": sources,
        },
        {
            "id": "police-b",
            "kind": "operator",
            "name": "Example Police Unit",
            "type": "law-enforcement",
            "country": "FR",
            "sources": sources,
        },
        {
            "id": "vendor-a",
            "kind": "operator",
            "name": "Example Spyware Ltd",
            "type": "vendor",
            "country": "IL",
            "products": [{"id": "spyware-a", "name": "Spyware A"}],
            "sources": sources,
        },
        {
            "id": "person-a",
            "kind": "target",
            "name": "Journalist A",
            "visibility": "pseudonymous",
            "type": "person",
            "roles": ["journalist"],
            "aliases": ["Maâti Éloïse Ñúñez"],
            "nationalities": ["MA"],
            "residence": "FR",
            "sources": sources,
        },
        {
            "id": "person-b",
            "kind": "target",
            "name": "Journalist B",
            "visibility": "pseudonymous",
            "type": "person",
            "roles": [{"role": "editor", "held": "former", "as_of": "2019"}, "lawyer"],
            "aliases": ["Journalistin Groß"],
            "nationalities": ["ES"],
            "sources": sources,
        },
        {
            "id": "person-c",
            "kind": "target",
            "name": "Activist C",
            "visibility": "pseudonymous",
            "type": "person",
            "roles": ["activist", "human-rights-defender"],
            "aliases": ["Ακτιβιστής Παππάς"],
            "nationalities": ["MA", "FR"],
            "sources": sources,
        },
    ]

    def incident(ident: str, status: str, targets: list[str], **fields: Any) -> None:
        records.append(
            {
                "id": ident,
                "kind": "incident",
                "title": f"Example incident {ident}",
                "summary": "Example Rights Group reported it.",
                **fields,
                "targets": targets,
                "status": status,
                "evidence": ["media-report"],
                "sources": fields.pop("sources", sources),
            }
        )

    n = 0
    for status in STATUSES:
        for certainty in CERTAINTIES:
            n += 1
            extra: dict[str, Any] = {"date": f"2018-{n % 12 + 1:02d}"}
            if certainty:
                extra["certainty"] = certainty
            if certainty == "stated":
                extra["alleged_operators"] = [{"operator": "agency-a", "attribution": "reported"}]
                extra["location"] = "MA"
            incident(f"{status}-{certainty or 'unassessed'}", status, ["person-a"], **extra)
        incident(
            f"{status}-many",
            status,
            ["person-a", "person-b", "person-c"],
            date=f"2019-0{STATUSES.index(status) + 1}",
            certainty="possible",
        )
    incident(
        "two-operators",
        "attempted",
        ["person-c"],
        date="2019-02-10",
        certainty="stated",
        alleged_operators=[
            {"operator": "agency-a", "attribution": "confirmed"},
            {"operator": "police-b", "attribution": "alleged"},
        ],
        spyware=["spyware-a"],
        location="FR",
    )
    incident(
        "police-elsewhere",
        "targeted",
        ["person-b"],
        date="2019-06",
        alleged_operators=[{"operator": "police-b", "attribution": "reported"}],
    )
    incident("year-only", "selected", ["person-b"], date="2019")
    incident("month-only", "selected", ["person-b"], date="2019-05")
    incident("revealed-only", "unknown", ["person-c"], revealed="2020-03", certainty="likely")
    incident(
        "translated",
        "targeted",
        ["person-a"],
        date="2020-01",
        translations={
            "ar": {"title": "عنوان الحادثة بالعربية", "summary": "ملخص الحادثة بالعربية."},
            "fr": {"title": "Incident traduit en français"},
        },
        sources=[
            source(
                title="عنوان المصدر بالعربية",
                publisher="Example Arabic News",
                published="2020-02",
                language="ar",
                url="https://example.org/ar/source",
            ),
            source(
                title="Rapport d'exemple traduit",
                publisher="Exemple Média",
                published="2020-02-03",
                language="fr",
                url="https://example.org/fr/source",
                translation_of={
                    "title": "Example original report",
                    "language": "en",
                    "url": "https://example.org/reports/original",
                },
            ),
        ],
    )
    # the newest date of the set, known to the year only
    incident("late-year", "selected", ["person-c"], date="2023", sources=[source(published="2023")])
    records += [
        {
            "id": "police-denial",
            "kind": "response",
            "title": "Example Police Unit denies the allegations",
            "summary": "The unit rejected the allegations.",
            "type": "denial",
            "date": "2019-03-01",
            "by": [{"operator": "police-b"}],
            "about": {"incidents": ["two-operators"]},
            "sources": sources,
        },
        {
            "id": "agency-statement",
            "kind": "response",
            "title": "Example Security Service comments on the report",
            "summary": "The service commented on the report.",
            "type": "statement",
            "date": "2019-03-05",
            "by": [{"operator": "agency-a"}],
            "about": {"incidents": ["two-operators"]},
            "sources": sources,
        },
        {
            "id": "ngo-call",
            "kind": "response",
            "title": "Rights groups call for a moratorium",
            "summary": "Example Rights Group called for a moratorium.",
            "type": "call-to-action",
            "date": "2020-06-15",
            "by": [{"name": "Example Rights Group", "type": "ngo", "country": "GB"}],
            "about": {"targets": ["person-a"], "operators": ["vendor-a"]},
            "translations": {"fr": {"title": "Appel à un moratoire"}},
            "sources": sources,
        },
    ]
    return records


def hostile_records() -> list[dict[str, Any]]:
    """Every free text of every kind holds markup and template syntax."""
    hostile_source = source(
        title=f"Source {HOSTILE}", publisher=f"Publisher {HOSTILE}", notes=f"Note {HOSTILE}"
    )
    return [
        {
            "id": "hostile-operator",
            "kind": "operator",
            "name": f"Operator {HOSTILE}",
            "type": "vendor",
            "country": "IL",
            "aliases": [f"Alias {HOSTILE}"],
            "products": [{"id": "hostile-product", "name": f"Product {HOSTILE}"}],
            "sources": [hostile_source],
            "notes": f"Operator notes {HOSTILE}",
        },
        {
            "id": "hostile-target",
            "kind": "target",
            "name": f"Target {HOSTILE}",
            "visibility": "pseudonymous",
            "type": "person",
            "roles": ["journalist"],
            "aliases": [f"Another {HOSTILE}"],
            "affiliations": [f"Weekly {HOSTILE}"],
            "related": [{"name": f"Relative {HOSTILE}", "relation": "spouse"}],
            "sources": [hostile_source],
            "notes": f"Target notes {HOSTILE}",
        },
        {
            "id": "hostile-incident",
            "kind": "incident",
            "title": f"Incident {HOSTILE}",
            "summary": f"Summary {HOSTILE}",
            "date": "2021-07",
            "targets": ["hostile-target"],
            "alleged_operators": [{"operator": "hostile-operator", "attribution": "alleged"}],
            "spyware": ["hostile-product"],
            "status": "infected",
            "evidence": ["forensic-analysis"],
            "forensic_analyses": [
                {
                    "by": f"Lab {HOSTILE}",
                    "result": "infection-confirmed",
                    "method": f"Method {HOSTILE}",
                }
            ],
            "translations": {"fr": {"title": f"Titre {HOSTILE}", "summary": f"Résumé {HOSTILE}"}},
            "sources": [hostile_source],
            "notes": f"Incident notes {HOSTILE}",
        },
        {
            "id": "hostile-response",
            "kind": "response",
            "title": f"Response {HOSTILE}",
            "summary": f"Response summary {HOSTILE}",
            "type": "denial",
            "date": "2021-08-02",
            "by": [{"name": f"Responder {HOSTILE}", "type": "company"}],
            "about": {"incidents": ["hostile-incident"]},
            "demands": [f"Demand {HOSTILE}"],
            "sources": [hostile_source],
        },
    ]


@pytest.fixture(scope="module")
def shipped_cli(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The shipped records' site, built by the CLI; and what the CLI printed."""
    out = tmp_path_factory.mktemp("shipped") / "site"
    result = runner.invoke(app, ["site", str(SHIPPED), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="module")
def shipped(shipped_cli: tuple[Path, str]) -> Built:
    out, _ = shipped_cli
    report = validate_paths([SHIPPED])
    assert report.ok
    return Built(out, list(report.records), [], read_site(out))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """1,000 generated records (format 1.0: no version file), their site."""
    folder = tmp_path_factory.mktemp("generated")
    counts = generate(folder / "records", 1000, seed=7)
    assert sum(counts.values()) == 1000
    return build([folder / "records"], folder / "site")


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("crafted")
    write_records(folder / "records", crafted_records(), "1.1")
    return build([folder / "records"], folder / "site")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("hostile")
    write_records(folder / "records", hostile_records(), "1.1")
    return build([folder / "records"], folder / "site")


SITES = ["shipped", "generated", "crafted", "hostile"]


@pytest.fixture(params=SITES)
def any_site(request: pytest.FixtureRequest) -> Built:
    built: Built = request.getfixturevalue(request.param)
    return built


# --------------------------------------------------------------------------
# 1. The shipped records build


def test_shipped_records_build_every_page(shipped: Built, shipped_cli: tuple[Path, str]) -> None:
    out, output = shipped_cli
    files = snapshot(out)
    pages = sorted(p for p in files if p.endswith(".html"))
    # every record has its page at a stable address, and no page is left without a record
    for kind in KINDS:
        ids = {r.id for r in shipped.records if r.kind == kind}
        assert ids, kind
        found = {
            p.split("/")[1].removesuffix(".html")
            for p in pages
            if p.startswith(f"{FOLDERS[kind]}/")
        }
        assert found == ids, kind
        # its list page links to every one of them
        listed = set(items(shipped.pages[f"{FOLDERS[kind]}.html"], "list"))
        assert listed == {f"{FOLDERS[kind]}/{i}.html" for i in ids}, kind
    for name in ("index.html", "timeline.html", "about.html", "assets/site.css", "assets/site.js"):
        assert name in files, name
    manifest = json.loads(files[MANIFEST])
    counts = {kind: sum(r.kind == kind for r in shipped.records) for kind in KINDS}
    assert manifest["records"] == counts
    assert manifest["format_version"] == "1.1"
    assert manifest["pages"] == len(pages)
    # the CLI says how many pages for how many records, and where to open the site
    assert output.strip() == (
        f"wrote {len(pages)} pages for {len(shipped.records)} records in {out}; "
        f"open {out / 'index.html'}"
    )
    # built in a staging folder beside the output, which is gone afterwards
    assert [p.name for p in out.parent.iterdir()] == ["site"]


def test_build_site_returns_exactly_the_files_it_wrote(crafted: Built) -> None:
    assert sorted(crafted.written) == sorted(snapshot(crafted.folder))
    assert crafted.written[-1] == MANIFEST  # written last: a site half written is never one


def test_python_dash_m_builds_the_site(base_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "sarschema", "site", str(base_tree), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    pages = len(list(out.rglob("*.html")))
    assert f"wrote {pages} pages for 8 records in {out}" in done.stdout


# --------------------------------------------------------------------------
# 2. Links


def test_link_checker_finds_what_is_broken(tmp_path: Path) -> None:
    """The checker below is worth something only if it fails a broken site."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "style.css").write_text("", encoding="utf-8")
    (tmp_path / "sub" / "a.html").write_text(
        '<!DOCTYPE html><html><head><link rel="stylesheet" href="../style.css">'
        '<link rel="stylesheet" href="https://cdn.example.org/x.css">'
        '<script src="//cdn.example.org/x.js"></script></head><body>'
        '<a id="here" href="#here">ok</a> <a href="#nowhere">missing id</a>'
        '<a href="../b.html#top">ok</a> <a href="../b.html#bottom">missing id</a>'
        '<a href="../missing.html">missing page</a> <a href="../../outside.html">out</a>'
        '<a href="/b.html">root-relative</a> <a href="https://example.org/">a source</a>'
        '<img src="http://example.org/pixel.gif"><a href="javascript:alert(1)">js</a>'
        '<link rel="icon" href="data:image/svg+xml,%3Csvg%3E%3C/svg%3E">'
        "</body></html>",
        encoding="utf-8",
    )
    (tmp_path / "b.html").write_text('<p id="top">b</p>', encoding="utf-8")
    problems = check_links(tmp_path, read_site(tmp_path))
    expected = [
        "https://cdn.example.org/x.css",
        "//cdn.example.org/x.js",
        "#nowhere",
        "../b.html#bottom",
        "../missing.html",
        "../../outside.html",
        "/b.html",
        "http://example.org/pixel.gif",
        "javascript:alert(1)",
    ]
    assert len(problems) == len(expected), problems
    for value, problem in zip(expected, problems, strict=True):
        assert repr(value) in problem


@pytest.mark.parametrize("name", ["shipped", "generated", "crafted", "hostile"])
def test_every_link_resolves_inside_the_site(name: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(name)
    assert check_links(built.folder, built.pages) == []
    # the only links leaving the site are a reader's way to a source
    external = set()
    for page in built.pages.values():
        for element, attribute, value in page.links():
            if value.startswith(("http://", "https://")):
                assert (element.tag, attribute) == ("a", "href")
                assert {"noopener", "noreferrer"} <= set(element.attrs["rel"].split())
                external.add(value)
            assert not any(a.startswith("on") for a in element.attrs), element.attrs
    urls = {
        url
        for record in built.records
        for s in record.sources
        for url in (s.url, s.archived_url, getattr(s.translation_of, "url", s.translation_of))
        if url
    }
    assert external == urls
    # the stylesheet fetches nothing either, nor does an inline style
    css = (built.folder / "assets" / "site.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css
    for page in built.pages.values():
        for element in page.document.iter():
            assert "url(" not in element.attrs.get("style", ""), page.path


def test_every_page_is_linked_from_somewhere(crafted: Built) -> None:
    linked = {"index.html"}
    for page in crafted.pages.values():
        for _, _, value in page.links():
            if not value.startswith(("http", "data:", "#")):
                linked.add(link_target(page, value))
    assert set(crafted.pages) <= linked, sorted(set(crafted.pages) - linked)


# --------------------------------------------------------------------------
# 3. Hostile text


def test_hostile_text_is_printed_not_run(hostile: Built) -> None:
    for path, page in hostile.pages.items():
        raw = (hostile.folder / path).read_text(encoding="utf-8")
        assert "<script>alert" not in raw and "<img" not in raw, path
        for element in page.document.iter():
            assert not [a for a in element.attrs if a.startswith("on")], (path, element.attrs)
            assert element.tag not in {"img", "iframe", "object", "embed", "style"}, path
            if element.tag == "script":  # only the site's own, and only on list pages
                depth = "../" * path.count("/")
                assert element.attrs == {"src": f"{depth}assets/site.js", "defer": ""}, path
                assert element.text() == ""
    # the text reads as written, template syntax included
    incident = hostile.page("incidents/hostile-incident.html")
    assert incident.find("h1").text() == f"Incident {HOSTILE}"
    assert incident.find("p", class_="summary").text() == f"Summary {HOSTILE}"
    assert incident.find("title").text().startswith(f"Incident {HOSTILE} · ")
    assert incident.find("p", class_="notes").text() == f"Incident notes {HOSTILE}"
    cites = [c.text() for c in incident.find_all("cite")]
    assert cites == [f"Source {HOSTILE}"]
    texts = incident.text()
    for piece in (
        f"Lab {HOSTILE}",
        f"Method {HOSTILE}",
        f"Titre {HOSTILE}",
        f"Résumé {HOSTILE}",
        f"Target {HOSTILE}",
        f"Operator {HOSTILE}",
        f"Product {HOSTILE}",
        f"Publisher {HOSTILE}",
        f"Note {HOSTILE}",
        f"Response {HOSTILE}",
    ):
        assert piece in texts, piece
    target = hostile.page("targets/hostile-target.html").text()
    for piece in (f"Another {HOSTILE}", f"Weekly {HOSTILE}", f"Relative {HOSTILE}"):
        assert piece in target
    response = hostile.page("responses/hostile-response.html").text()
    assert f"Demand {HOSTILE}" in response and f"Responder {HOSTILE}" in response
    # in an attribute, it stays inside the attribute
    (item,) = items(hostile.pages["targets.html"], "list").values()
    assert '"><img src=x onerror=alert(1)>' in item.attrs["data-text"]
    # in the SVG charts, as text
    chart = hostile.page("index.html").find("figure", id="chart-operators")
    assert f"Operator {HOSTILE}: 1" in [t.text() for t in chart.find_all("title")]


@pytest.mark.parametrize("field", ["url", "archived_url", "translation_of"])
@pytest.mark.parametrize(
    "address", ["javascript:alert(1)", "JavaScript://example.org/%0Aalert(1)", "data:text/html,x"]
)
def test_a_source_address_that_is_not_http_is_refused(
    base_tree: Path, tmp_path: Path, field: str, address: str
) -> None:
    path = base_tree / "responses" / "denial-a.yaml"
    text = path.read_text(encoding="utf-8")
    line = f"    {field}: {json.dumps(address)}\n"
    if field == "url":
        text = text.replace("    url: https://example.org/news/denial\n", line)
    else:
        text += line  # the last lines are the source's
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "site"
    report, written = build_site([base_tree], out)
    assert not report.ok and written == []
    assert Code.BAD_URL in {d.code for d in report.diagnostics}
    assert not out.exists()


# --------------------------------------------------------------------------
# 4. Refusals


def run_main(args: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """`sarschema ARGS` as the installed command runs it (`cli.main`); its exit code."""
    monkeypatch.setattr(sys, "argv", ["sarschema", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    code = exit_info.value.code
    assert isinstance(code, int)
    return code


def break_record(root: Path) -> None:
    path = root / "incidents" / "journalist-a-2020.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("status: infected", "status: hacked"),
        encoding="utf-8",
    )


def test_invalid_records_write_nothing(base_tree: Path, tmp_path: Path) -> None:
    break_record(base_tree)
    out = tmp_path / "out" / "site"
    result = runner.invoke(app, ["site", str(base_tree), "--out", str(out)])
    assert result.exit_code == 1
    assert "site refused" in result.output
    assert "journalist-a-2020.yaml" in result.output and "hacked" in result.output
    assert not (tmp_path / "out").exists()


def test_invalid_records_leave_the_previous_site(base_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build([base_tree], out)
    before = snapshot(out)
    break_record(base_tree)
    result = runner.invoke(app, ["site", str(base_tree), "--out", str(out)])
    assert result.exit_code == 1
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records", "site"]


def test_a_failed_build_leaves_the_previous_site(
    base_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    build([base_tree], out)
    before = snapshot(out)

    def boom(self: Any, incident: Any) -> None:
        raise RuntimeError("simulated failure while writing")

    monkeypatch.setattr(site_render.SiteWriter, "incident", boom)
    with pytest.raises(RuntimeError):
        build_site([base_tree], out)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records", "site"]


def test_a_folder_of_other_files_is_refused(
    base_tree: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "documents"
    (out / "sub").mkdir(parents=True)
    (out / "thesis.txt").write_text("years of work\n", encoding="utf-8")
    (out / "sub" / "index.html").write_text("<p>my own page</p>\n", encoding="utf-8")
    before = snapshot(out)
    with pytest.raises(UsageError):
        build_site([base_tree], out)
    # README: exit code 2 is a usage error (1 is for problems in the records)
    assert run_main(["site", str(base_tree), "--out", str(out)], monkeypatch) == 2
    err = capsys.readouterr().err
    assert "is not empty and is not a site sarschema built" in err and MANIFEST in err
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents", "records"]


def test_a_file_as_out_is_refused(
    base_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    out.write_text("not a folder\n", encoding="utf-8")
    assert run_main(["site", str(base_tree), "--out", str(out)], monkeypatch) == 2
    assert out.read_text(encoding="utf-8") == "not a folder\n"


def test_an_empty_folder_is_used(base_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    build([base_tree], out)
    assert (out / MANIFEST).is_file()


def test_a_previous_site_is_replaced_whole(base_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = build([base_tree], out)
    assert "responses/call-a.html" in first.pages
    assert "browse/responses/type/call-to-action.html" in first.pages
    (base_tree / "responses" / "call-a.yaml").unlink()
    second = build([base_tree], out)
    files = snapshot(out)
    assert "responses/call-a.html" not in files
    assert "browse/responses/type/call-to-action.html" not in files  # no stale filter page
    assert sorted(files) == sorted(second.written)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records", "site"]


@pytest.mark.parametrize("where", ["out", "parent", "inside-cwd"])
def test_out_through_a_symlink_is_refused(
    base_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "keep.txt").write_text("kept\n", encoding="utf-8")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    if where == "out":
        (real / "keep.txt").unlink()  # an empty folder: only the link is wrong
        out = link
    elif where == "parent":
        out = link / "site"
    else:
        monkeypatch.chdir(tmp_path)
        out = Path("link") / "deeper" / "site"
    before = snapshot(real)
    with pytest.raises(UsageError, match="symbolic link"):
        build_site([base_tree], out)
    assert run_main(["site", str(base_tree), "--out", str(out)], monkeypatch) == 2
    assert snapshot(real) == before
    assert link.is_symlink()


# --------------------------------------------------------------------------
# 5. Determinism


def test_two_builds_are_identical_byte_for_byte(shipped: Built, tmp_path: Path) -> None:
    """Another hash seed, another folder for the records and for the site, another
    working folder: the same bytes."""
    copy = tmp_path / "elsewhere" / "records"
    shutil.copytree(SHIPPED, copy)
    expected = snapshot(shipped.folder)
    for seed in ("0", "987654321"):
        out = tmp_path / f"site-{seed}"
        done = subprocess.run(
            [sys.executable, "-m", "sarschema", "site", str(copy), "--out", str(out)],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert done.returncode == 0, done.stderr
        found = snapshot(out)
        assert sorted(found) == sorted(expected)
        differ = [name for name in expected if found[name] != expected[name]]
        assert differ == []


def test_the_generated_site_is_the_same_under_another_hash_seed(
    generated: Built, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    records = generated.folder.parent / "records"
    done = subprocess.run(
        [sys.executable, "-m", "sarschema", "site", str(records), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": "31337"},
    )
    assert done.returncode == 0, done.stderr
    found, expected = snapshot(out), snapshot(generated.folder)
    assert sorted(found) == sorted(expected)
    assert [name for name in expected if found[name] != expected[name]] == []


def test_pages_rendered_in_two_processes_are_those_of_one(
    generated: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pages are shared among processes (forked, each writing its own): the same
    files, bytes and list of files as one process writing them all in order."""
    import sarschema.site.render as render

    forked: list[int] = []
    real = render._in_processes

    def counted(writer: Any, tasks: list[Any], jobs: int) -> list[str]:
        forked.append(jobs)
        return real(writer, tasks, jobs)

    monkeypatch.setattr(render, "_in_processes", counted)
    records = generated.folder.parent / "records"
    report, parallel = build_site([records], tmp_path / "two", jobs=2)
    assert report.ok and forked == [2]
    report, serial = build_site([records], tmp_path / "one", jobs=1)
    assert report.ok and forked == [2]
    assert parallel == serial == generated.written
    assert len(serial) > render.PARALLEL_MIN_TASKS
    assert snapshot(tmp_path / "two") == snapshot(tmp_path / "one") == snapshot(generated.folder)


def test_a_rebuild_of_the_crafted_set_is_identical(crafted: Built, tmp_path: Path) -> None:
    again = build([crafted.folder.parent / "records"], tmp_path / "again")
    assert snapshot(again.folder) == snapshot(crafted.folder)


def test_what_many_pages_share_is_rendered_once_for_each_variant(
    crafted: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The top of a page is rendered once for each depth and section, the foot once
    for the build and the evidence ladder once for each status, not once for each
    page; the pages are those of the site built the usual way."""
    from collections import Counter

    from sarschema.__about__ import __version__
    from sarschema.export.common import DATA_LICENSE
    from sarschema.site import newest_date
    from sarschema.site.index import SiteIndex, plain

    meta = site_render.Meta(__version__, "1.1", DATA_LICENSE, newest_date(crafted.records))
    writer = site_render.SiteWriter(SiteIndex(crafted.records), tmp_path / "site", meta)
    counts: Counter[str] = Counter()
    for name in ("header.html", "footer.html", "ladder.html"):
        template = writer.env.get_template(name)

        def counted(
            *args: Any, _name: str = name, _render: Any = template.render, **kw: Any
        ) -> str:
            counts[_name] += 1
            result: str = _render(*args, **kw)
            return result

        monkeypatch.setattr(template, "render", counted)
    written = writer.build(1)
    pages = [p for p in written if p.endswith(".html")]
    statuses = {plain(r.status) for r in crafted.records if r.kind == "incident"}
    assert counts["footer.html"] == 1
    depths = {p.count("/") for p in pages}  # 0, 1 (a record's page) and 3 (a filter's)
    assert 0 < counts["header.html"] <= len(depths) * len(NAV) < len(pages)
    assert counts["ladder.html"] == len(statuses) > 1
    assert snapshot(tmp_path / "site") == snapshot(crafted.folder)

    class Uncached(site_render.SiteWriter):
        """Every page renders its own top, foot and ladder: what the cache must equal."""

        def chrome(self, root: str, section: str) -> dict[str, Any]:
            self._headers.clear()
            self._footer = None
            return super().chrome(root, section)

        def ladder(self, status: str) -> Any:
            self._ladders.clear()
            return super().ladder(status)

    Uncached(SiteIndex(crafted.records), tmp_path / "uncached", meta).build(1)
    assert snapshot(tmp_path / "uncached") == snapshot(tmp_path / "site")


def test_every_page_has_its_top_and_foot_on_lines_of_their_own(any_site: Built) -> None:
    """The top and foot, rendered apart, join the page at line ends; each page marks
    its own section, and only an incident of unknown status says so on its ladder."""
    from sarschema.site.index import plain

    nav_pages = {page for _, page in NAV}
    unknown = STRINGS["incident_ladder_unknown"]
    for path in any_site.pages:
        text = (any_site.folder / path).read_text(encoding="utf-8")
        assert '</header>\n<main id="main" tabindex="-1">\n' in text, path
        assert '</main>\n<footer class="site-footer">\n' in text, path
        assert text.endswith("</footer>\n</body>\n</html>\n"), path
        parts = path.split("/")
        own = path if len(parts) == 1 else f"{parts[parts[0] == 'browse']}.html"
        assert own in nav_pages, path
        current = re.findall(r'<a href="([^"]*)" aria-current="page">', text)
        assert current == ["../" * path.count("/") + own], path
        if parts[0] == "incidents":
            record = any_site.record("incident", parts[1].removesuffix(".html"))
            assert (unknown in text) == (plain(record.status) == "unknown"), path


# --------------------------------------------------------------------------
# 6. Wording never stronger than the record


def phrase_parts(status: str) -> list[str]:
    """The fixed words of a status's lead sentences (around the names)."""
    parts = []
    for number in ("one", "many"):
        parts += [p for p in STRINGS[f"lead_{status}_{number}"].split("{targets}") if p.strip()]
    return parts


@pytest.mark.parametrize("certainty", CERTAINTIES)
@pytest.mark.parametrize("status", STATUSES)
def test_the_lead_says_the_status_at_the_certainty(
    crafted: Built, status: str, certainty: str | None
) -> None:
    ident = f"{status}-{certainty or 'unassessed'}"
    page = crafted.page(f"incidents/{ident}.html")
    sentences = lead(page)
    hedge = STRINGS[f"lead_hedge_{certainty or 'none'}"]
    what = STRINGS[f"lead_{status}_one"].format(targets="Journalist A")
    assert sentences[0] == STRINGS["lead_intro"] + hedge + what
    text = " ".join(sentences)
    for other in STATUSES:
        if other != status:
            for part in phrase_parts(other):
                assert part not in text, (other, part)
    for level in ("likely", "possible"):
        if level != certainty:
            assert STRINGS[f"lead_hedge_{level}"].strip() not in text
    # the certainty is shown as recorded, and never as "stated" when it was not assessed
    facts = {
        dt.text(): dd.text()
        for dt, dd in zip(page.find_all("dt"), page.find_all("dd"), strict=False)
    }
    if certainty is None:
        assert STRINGS["incident_certainty"] not in facts
    else:
        assert facts[STRINGS["incident_certainty"]].startswith(LABELS["Certainty"][certainty] + ":")
    # the step reached on the ladder is the status, and no further step
    current = page.find_all("li", class_="current")
    if status == "unknown":
        assert current == [] and page.find_all("li", class_="reached") == []
    else:
        assert [li.find("span", class_="step").text() for li in current] == [
            LABELS["Status"][status]
        ]


@pytest.mark.parametrize("status", STATUSES)
def test_the_lead_names_several_targets(crafted: Built, status: str) -> None:
    sentences = lead(crafted.page(f"incidents/{status}-many.html"))
    names = "Journalist A, Journalist B and Activist C"
    assert sentences[0] == (
        STRINGS["lead_intro"]
        + STRINGS["lead_hedge_possible"]
        + STRINGS[f"lead_{status}_many"].format(targets=names)
    )


def test_lead_examples_read_as_english(crafted: Built) -> None:
    assert lead(crafted.page("incidents/infected-likely.html"))[0] == (
        "According to the sources cited below, it is likely that a device of Journalist A "
        "was infected with spyware."
    )
    assert lead(crafted.page("incidents/selected-many.html"))[0] == (
        "According to the sources cited below, it is possible that Journalist A, "
        "Journalist B and Activist C were selected as possible targets of surveillance."
    )
    assert lead(crafted.page("incidents/targeted-unassessed.html")) == [
        "According to the sources cited below, Journalist A was targeted with spyware.",
        "They name no operator.",
    ]


def allegation_rows(page: Element) -> dict[str, tuple[Element, Element, Element]]:
    """The allegations table: operator page -> (its cell, attribution cell, responses cell)."""
    rows = {}
    for tr in page.find("table", class_="allegations").find("tbody").find_all("tr"):
        th = tr.find("th")
        tds = tr.find_all("td")
        assert len(tds) == 2
        rows[th.find("a").attrs["href"].removeprefix("../")] = (th, tds[0], tds[1])
    return rows


def test_attribution_beside_each_operator_and_the_denial_beside_its_allegation(
    crafted: Built,
) -> None:
    page = crafted.page("incidents/two-operators.html")
    sentences = lead(page)
    assert sentences[1] == STRINGS["lead_operators"].format(
        operators="Example Security Service (confirmed) and Example Police Unit (alleged)"
    )
    # a denial is in the lead; a statement that denies nothing is not
    assert sentences[2] == STRINGS["lead_denials"].format(names="Example Police Unit")
    assert len(sentences) == 3
    rows = allegation_rows(page)
    assert set(rows) == {
        "operators/agency-a.html",
        "operators/police-b.html",
        "operators/vendor-a.html",
    }
    _, attribution, said = rows["operators/agency-a.html"]
    assert attribution.find("strong").text() == LABELS["Attribution"]["confirmed"]
    assert [a.attrs["href"] for a in said.find_all("a")] == ["../responses/agency-statement.html"]
    _, attribution, said = rows["operators/police-b.html"]
    assert attribution.find("strong").text() == LABELS["Attribution"]["alleged"]
    (denial,) = said.find_all("li")
    assert denial.classes() == ["denial"]
    assert denial.find("a").attrs["href"] == "../responses/police-denial.html"
    # the vendor of the spyware named is beside them, with no attribution of its own
    vendor, attribution, said = rows["operators/vendor-a.html"]
    assert "Spyware A" in vendor.text() and attribution.find_all("strong") == []
    assert said.text() == STRINGS["incident_no_operator_response"]
    # where the list and the operator pages name an operator, its attribution
    (item,) = [
        li
        for href, li in items(crafted.pages["incidents.html"], "list").items()
        if href == "incidents/two-operators.html"
    ]
    meta = item.find("span", class_="meta").text()
    assert (
        "Example Security Service (confirmed)" in meta and "Example Police Unit (alleged)" in meta
    )
    for operator, level in (("agency-a", "confirmed"), ("police-b", "alleged")):
        operator_page = crafted.page(f"operators/{operator}.html")
        line = next(
            li
            for li in operator_page.find("section", **{"aria-labelledby": "incidents-h"}).find_all(
                "li"
            )
            if li.find("a").attrs["href"] == "../incidents/two-operators.html"
        )
        assert line.find("span", class_="attribution").text() == LABELS["Attribution"][level]


def test_a_denial_about_one_incident_is_not_shown_for_another(crafted: Built) -> None:
    page = crafted.page("incidents/police-elsewhere.html")
    sentences = lead(page)
    assert sentences[1] == STRINGS["lead_operators"].format(
        operators="Example Police Unit (reported)"
    )
    assert not any(s.startswith(STRINGS["lead_denials"].split("{")[0]) for s in sentences)
    ((_, attribution, said),) = allegation_rows(page).values()
    assert attribution.find("strong").text() == LABELS["Attribution"]["reported"]
    assert said.text() == STRINGS["incident_no_operator_response"]
    assert "police-denial" not in "".join(
        v for _, _, v in crafted.pages["incidents/police-elsewhere.html"].links()
    )


def test_shipped_denials_are_in_the_lead(shipped: Built) -> None:
    """Every shipped incident whose page lists a denial says so in its lead, naming
    who denied; and none says so without one."""
    denials = {r.id: r for r in shipped.records if r.kind == "response" and r.type == "denial"}
    assert denials
    seen = 0
    for incident in (r for r in shipped.records if r.kind == "incident"):
        page = shipped.page(f"incidents/{incident.id}.html")
        listed = [
            link_target(shipped.pages[f"incidents/{incident.id}.html"], li.find("a").attrs["href"])
            for li in page.find("section", **{"aria-labelledby": "responses-h"}).find_all("li")
        ]
        denied = [d for d in denials.values() if record_href(d) in listed]
        said = [s for s in lead(page) if s.startswith(STRINGS["lead_denials"].split("{")[0])]
        assert len(said) == bool(denied), incident.id
        for denial in denied:
            for by in denial.by:
                name = str(getattr(by, "name", ""))
                for kind in ("operator", "target"):
                    if getattr(by, kind, None):
                        name = shipped.record(kind, getattr(by, kind)).name
                assert name and name in said[0], (incident.id, name)
        seen += bool(denied)
    assert seen


# --------------------------------------------------------------------------
# 7. Translations


def test_translations_are_marked_with_their_language(crafted: Built) -> None:
    page = crafted.page("incidents/translated.html")
    arabic = page.find_all("div", lang="ar")
    assert len(arabic) == 1 and arabic[0].attrs["dir"] == "auto"
    assert arabic[0].find("h3").text().endswith("عنوان الحادثة بالعربية")
    assert arabic[0].find("p").text() == "ملخص الحادثة بالعربية."
    # the language's name is English, and marked so inside the Arabic block
    name = arabic[0].find("span")
    assert name.attrs["lang"] == "en" and name.text().startswith("Arabic")
    french = page.find("div", lang="fr")
    assert french.attrs["dir"] == "auto" and "Incident traduit en français" in french.text()
    # a response's translation too
    response = crafted.page("responses/ngo-call.html")
    assert "Appel à un moratoire" in response.find("div", lang="fr").text()


@pytest.mark.parametrize("name", ["shipped", "crafted"])
def test_source_titles_carry_their_language(name: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(name)
    checked = set()
    for record in built.records:
        page = built.page(record_href(record))
        cites = [
            (c.attrs.get("lang"), c.attrs.get("dir"), c.text())
            for c in page.find("ol", class_="sources").find_all("cite")
        ]
        for s in record.sources:
            assert (str(s.language), "auto", s.title) in cites, (record.id, s.title)
            checked.add(str(s.language))
            original = s.translation_of
            if getattr(original, "title", None) and getattr(original, "language", None):
                assert (str(original.language), "auto", original.title) in cites
    if name == "crafted":
        assert {"en", "ar", "fr"} <= checked


# --------------------------------------------------------------------------
# 8. Partial dates


def date_words(iso: str) -> str:
    """How the site must write a date of each precision: only what is known."""
    parts = iso.split("-")
    month = MONTHS[int(parts[1]) - 1] if len(parts) > 1 else ""
    precision = ("year", "month", "day")[len(parts) - 1]
    day = int(parts[2]) if len(parts) == 3 else 0
    return DATE_FORMATS[precision].format(year=parts[0], month=month, day=day)


def test_date_words_keep_the_precision() -> None:
    assert date_words("2016") == "2016"
    assert date_words("2021-07") == "July 2021"
    assert date_words("2021-07-05") == "5 July 2021"


def test_every_time_element_keeps_its_precision(any_site: Built) -> None:
    precisions = set()
    for path, page in any_site.pages.items():
        for time in page.document.iter("time"):
            iso = time.attrs["datetime"]
            assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", iso), (path, iso)
            assert time.text() == date_words(iso), (path, iso)
            precisions.add(iso.count("-"))
    assert precisions
    if any_site.folder.parent.name.startswith(("crafted", "shipped")):
        assert precisions == {0, 1, 2}  # years, months and days


def test_a_year_is_never_a_first_of_january(crafted: Built) -> None:
    page = crafted.page("incidents/year-only.html")
    (time,) = page.find("dl", class_="facts").find_all("time")
    assert (time.attrs["datetime"], time.text()) == ("2019", "2019")
    for path in crafted.pages:
        raw = (crafted.folder / path).read_text(encoding="utf-8")
        assert "1 January" not in raw and "-01-01" not in raw, path


def test_dates_in_sentences_keep_their_precision(crafted: Built) -> None:
    roles = crafted.page("targets/person-b.html").find("dl", class_="facts").find("ul").text()
    assert STRINGS["target_role_as_of"].format(role="editor", held="former", date="2019") in roles
    sources = crafted.page("incidents/translated.html").find("ol", class_="sources").text()
    assert (
        STRINGS["source_published"].format(date="February 2020", publisher="Example Arabic News")
        in sources
    )
    assert (
        STRINGS["source_published"].format(date="3 February 2020", publisher="Exemple Média")
        in sources
    )
    (item,) = [
        li
        for href, li in items(crafted.pages["incidents.html"], "list").items()
        if href == "incidents/revealed-only.html"
    ]
    assert STRINGS["timeline_revealed"].format(date="March 2020") in item.text()


def test_the_footer_gives_the_newest_date_at_its_precision(crafted: Built) -> None:
    """The newest date of the crafted set is `2023` (an incident's date and its source's
    publication); the footer must not make it a day no record gives."""
    footer = crafted.page("index.html").find("footer").text()
    assert STRINGS["footer_data_as_of"].format(date="2023") in footer, footer


def timeline_rows(built: Built) -> dict[str, dict[str, tuple[float, float]]]:
    """The timeline: record page -> {rect class: (x, width)}."""
    page = built.pages["timeline.html"]
    rows = {}
    for li in page.document.find_all("li", class_="tl-row"):
        href = li.find("p", class_="tl-text").find("a").attrs["href"]
        rects = {
            r.attrs["class"]: (float(r.attrs["x"]), float(r.attrs["width"]))
            for r in li.find("svg").find_all("rect")
        }
        assert href not in rows
        rows[href] = rects
    return rows


def test_the_timeline_draws_dates_across_what_they_cover(crafted: Built) -> None:
    rows = timeline_rows(crafted)
    dated = [r for r in crafted.records if r.kind in ("incident", "response")]
    assert set(rows) == {record_href(r) for r in dated}
    axis = crafted.page("timeline.html").find("div", class_="tl-axis")
    ticks = {
        int(year.text()): float(line.attrs["x1"])
        for line, year in zip(axis.find_all("line"), axis.find_all("span"), strict=True)
    }
    assert sorted(ticks) == list(range(2018, 2024))
    year_x, year_width = rows["incidents/year-only.html"]["tl-event"]
    month_x, month_width = rows["incidents/month-only.html"]["tl-event"]
    # a year is drawn from its first day across the whole year, not as 1 January
    assert year_x == pytest.approx(ticks[2019], abs=0.01)
    assert year_width == pytest.approx(ticks[2020] - ticks[2019], abs=0.05)
    # May is 31 of 365 days: a year-span is about twelve month-spans
    assert 11 < year_width / month_width < 13
    assert year_x < month_x < year_x + year_width - month_width
    # a day is a short mark, the narrowest drawn
    ((day_x, day_width),) = rows["responses/ngo-call.html"].values()
    assert day_width == pytest.approx(MIN_WIDTH) and day_width < month_width
    assert ticks[2020] < day_x < ticks[2021]
    # known only by when it was revealed: the outlined bar, no event bar
    assert set(rows["incidents/revealed-only.html"]) == {"tl-revealed"}
    revealed_x, revealed_width = rows["incidents/revealed-only.html"]["tl-revealed"]
    assert ticks[2020] < revealed_x < ticks[2021]
    assert revealed_width == pytest.approx(month_width, rel=0.05)  # March and May: 31 days
    # every incident with a date has its event bar; responses have theirs
    for record in dated:
        drawn = rows[record_href(record)]
        if record.kind == "response":
            assert set(drawn) == {"tl-response"}
        elif record.date is not None:
            assert "tl-event" in drawn
        for x, width in drawn.values():
            assert x >= 0 and x + width <= TRACK_WIDTH + 0.01


def test_the_shipped_timeline_keeps_year_spans(shipped: Built) -> None:
    rows = timeline_rows(shipped)
    axis = shipped.page("timeline.html").find("div", class_="tl-axis")
    ticks = [float(line.attrs["x1"]) for line in axis.find_all("line")]
    gap = ticks[1] - ticks[0]
    checked = 0
    for record in shipped.records:
        if record.kind == "incident" and record.date is not None:
            _, width = rows[record_href(record)]["tl-event"]
            end = record.date_end or record.date
            if record.date.precision == end.precision == "year":  # whole years, ends included
                assert width == pytest.approx(gap * (end.year - record.date.year + 1), rel=0.01)
                checked += 1
        if record.kind == "incident" and record.date is None:
            assert set(rows[record_href(record)]) == {"tl-revealed"}
            checked += 1
    assert checked


# --------------------------------------------------------------------------
# 9. Filters without JavaScript, and the search text


def _role(entry: Any) -> str:
    return str(entry.role) if hasattr(entry, "role") else str(entry)


def expected_facets(records: list[Any]) -> dict[str, dict[str, dict[str, set[str]]]]:
    """kind -> facet -> value -> ids of the records having it, from the record fields:
    what each list's filters must select."""
    by_id = {(r.kind, r.id): r for r in records}
    incidents_of: dict[str, list[Any]] = defaultdict(list)
    for r in records:
        if r.kind == "incident":
            for t in r.targets:
                incidents_of[t].append(r)
    out: dict[str, dict[str, dict[str, set[str]]]] = {
        kind: {facet: defaultdict(set) for facet in FACETS[kind]} for kind in KINDS
    }

    def year(incident: Any) -> str:
        # an incident's year is its date's, or when it was revealed (1.1) without one
        date: Any = incident.date or getattr(incident, "revealed", None)
        return str(date.year)

    for r in records:
        values: dict[str, list[str]] = defaultdict(list)
        if r.kind == "incident":
            values["status"] = [str(r.status)]
            values["operator"] = [a.operator for a in r.alleged_operators or []]
            values["country"] = [r.location] if r.location else []
            for t in r.targets:
                target = by_id["target", t]
                values["country"] += target.nationalities or []
                values["role"] += [_role(e) for e in target.roles]
            values["year"] = [year(r)]
        elif r.kind == "target":
            values["role"] = [_role(e) for e in r.roles]
            values["country"] = [*(r.nationalities or []), *([r.residence] if r.residence else [])]
            for incident in incidents_of[r.id]:
                values["status"].append(str(incident.status))
                values["operator"] += [a.operator for a in incident.alleged_operators or []]
                values["year"].append(year(incident))
        elif r.kind == "operator":
            values["type"] = [str(r.type)]
            values["country"] = [r.country] if r.country else []
        else:
            values["type"] = [str(r.type)]
            values["year"] = [str(r.date.year)]
            operators = [b.operator for b in r.by if getattr(b, "operator", None)]
            operators += r.about.operators or []
            values["operator"] = operators
            values["country"] = [b.country for b in r.by if getattr(b, "country", None)]
            values["country"] += [c for o in operators if (c := by_id["operator", o].country)]
        for facet, found in values.items():
            for value in found:
                out[r.kind][facet][value].add(r.id)
    return out


@pytest.mark.parametrize("name", ["shipped", "generated", "crafted"])
def test_filter_pages_list_the_records_having_the_value(
    name: str, request: pytest.FixtureRequest
) -> None:
    built: Built = request.getfixturevalue(name)
    expected = expected_facets(built.records)
    checked = 0
    for kind in KINDS:
        folder = FOLDERS[kind]
        for facet in FACETS[kind]:
            wanted = expected[kind][facet]
            pages = {
                p.removeprefix(f"browse/{folder}/{facet}/").removesuffix(".html")
                for p in built.pages
                if p.startswith(f"browse/{folder}/{facet}/")
            }
            assert pages == set(wanted), (kind, facet)
            # the form site.js shows offers the same values (no select for no value)
            selects = built.page(f"{folder}.html").find_all("select", id=f"f-{facet}")
            offered = {o.attrs["value"] for s in selects for o in s.find_all("option")}
            assert offered == ({"", *wanted} if wanted else set()), (kind, facet)
            for value, ids in wanted.items():
                page = built.pages[f"browse/{folder}/{facet}/{value}.html"]
                linked = set(items(page))
                assert linked == {f"{folder}/{i}.html" for i in ids}, (kind, facet, value)
                checked += 1
        # the list page: each item's data attributes, and the counts beside the links
        listed = items(built.pages[f"{folder}.html"], "list")
        for href, li in listed.items():
            record_id = href.split("/")[1].removesuffix(".html")
            for facet in FACETS[kind]:
                have = set(li.attrs[f"data-{facet}"].split())
                want = {v for v, ids in expected[kind][facet].items() if record_id in ids}
                assert have == want, (href, facet)
        browse = built.page(f"{folder}.html").find_all("ul", class_="facet-links")
        for ul in browse:
            for li in ul.find_all("li"):
                a = li.find("a")
                _, _, facet, value = (
                    link_target(built.pages[f"{folder}.html"], a.attrs["href"])
                    .removesuffix(".html")
                    .split("/")
                )
                assert li.text().endswith(f"({len(expected[kind][facet][value])})")
    assert checked > 20


def test_the_search_text_folds_accents(crafted: Built) -> None:
    listed = items(crafted.pages["targets.html"], "list")
    text = listed["targets/person-a.html"].attrs["data-text"]
    assert "maati eloise nunez" in text and "journalist a" in text
    assert text == text.lower()


def run_site_js(query: str, texts: list[str]) -> list[bool]:
    """site.js under Node with a stand-in for the page: which items a search for
    `query` (from the address, as a linked search) leaves visible."""
    node = shutil.which("node")
    assert node, "Node.js is needed (the browser tests need it too; see README)"
    stub = """
const fs = require("fs");
const vm = require("vm");
const [script, query, texts] = JSON.parse(process.argv[1]);
const items = texts.map((t) => ({hidden: false, getAttribute: (n) => (n === "data-text" ? t : null)}));
const search = {value: ""};
const nodes = {
  filters: {
    hidden: true, querySelectorAll: () => [], querySelector: () => search,
    addEventListener: () => {}, reset: () => {},
  },
  list: {children: items, setAttribute: () => {}},
  "filter-status": {textContent: "", getAttribute: () => "{shown} of {total}"},
};
const inert = {addEventListener: () => {}, setAttribute: () => {}, getAttribute: () => null};
const context = {
  document: {getElementById: (id) => nodes[id] || inert},
  window: {location: {search: "?q=" + encodeURIComponent(query)}, setTimeout: setTimeout},
  URLSearchParams: URLSearchParams,
  CSS: {escape: (s) => s},
};
vm.runInNewContext(fs.readFileSync(script, "utf8"), context);
console.log(JSON.stringify(items.map((i) => !i.hidden)));
"""
    argument = json.dumps([str(SITE_PACKAGE / "assets" / "site.js"), query, texts])
    done = subprocess.run(
        [node, "-e", stub, argument], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    shown: list[bool] = json.loads(done.stdout)
    return shown


@pytest.mark.parametrize(
    ("query", "target"),
    [
        ("Maâti Éloïse", "person-a"),
        ("maati", "person-a"),
        ("MAÂTI ÑÚÑEZ", "person-a"),
        ("journalist b", "person-b"),
        ("Journalistin Groß", "person-b"),
        ("Ακτιβιστής Παππάς", "person-c"),
    ],
)
def test_a_name_typed_as_shown_finds_its_record(crafted: Built, query: str, target: str) -> None:
    """The search (site.js) folds what is typed as index.fold folded the names: an
    alias typed exactly as the page shows it finds its target, and only it."""
    listed = items(crafted.pages["targets.html"], "list")
    hrefs = sorted(listed)
    shown = run_site_js(query, [listed[h].attrs["data-text"] for h in hrefs])
    found = [h for h, ok in zip(hrefs, shown, strict=True) if ok]
    assert found == [f"targets/{target}.html"], (query, found)


# --------------------------------------------------------------------------
# 10. Strings in one place


def test_every_vocabulary_value_has_a_label() -> None:
    enums = [
        value
        for value in vars(vocab).values()
        if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum
    ]
    assert {e.__name__ for e in enums} >= {"Status", "Attribution", "Role", "ResponseType"}
    for enum in enums:
        assert enum.__name__ in LABELS, enum.__name__
        members = {m.value for m in enum}
        missing = members - set(LABELS[enum.__name__])
        assert not missing, (enum.__name__, missing)
        assert all(LABELS[enum.__name__][m].strip() for m in members)
    # no label for a vocabulary that does not exist (a typo would hide a missing one)
    assert set(LABELS) == {e.__name__ for e in enums}


def template_sources() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(TEMPLATES.glob("*.html"))}


def test_every_string_key_used_exists() -> None:
    used: dict[str, set[str]] = defaultdict(set)
    for name, text in template_sources().items():
        for key in re.findall(r"(?<![\w.])t\.([A-Za-z_]\w*)", text):
            used[key].add(name)
        for key in re.findall(r"(?<![\w.])t\[\s*[\"']([^\"']+)[\"']\s*\]", text):
            used[key].add(name)
    python = "".join(
        p.read_text(encoding="utf-8")
        for p in sorted(SITE_PACKAGE.glob("*.py"))
        if p.name != "strings.py"  # its docstring shows the syntax with a made-up key
    )
    for key in re.findall(r"STRINGS\[\s*\"([^\"]+)\"\s*\]", python):
        used[key].add("python")
    assert len(used) > 50
    # keys made up at run time, from the names they are made of
    dynamic = [f"nav_{key}" for key, _ in NAV]
    dynamic += [f"kind_{kind}" for kind in KINDS] + [f"kind_{kind}s" for kind in KINDS]
    for facets in FACETS.values():
        dynamic += [f"facet_{f}" for f in facets] + [f"facet_{f}_label" for f in facets]
    dynamic += [f"lead_{s}_{n}" for s in STATUSES for n in ("one", "many")]
    dynamic += [f"lead_hedge_{c or 'none'}" for c in CERTAINTIES]
    dynamic += ["about_incident", "about_target", "about_operator", "about_product"]
    missing = sorted({*used, *dynamic} - set(STRINGS))
    assert missing == [], missing
    # vocabularies named in templates exist
    for name, text in template_sources().items():
        for vocabulary in re.findall(r"(?:label|type_badge)\(\s*\"(\w+)\"", text):
            assert vocabulary in LABELS, (name, vocabulary)
    # every placeholder a template fills is one the string has
    for name, text in template_sources().items():
        for call in re.finditer(r"(?<![\w.])t\.(\w+)\.format\(", text):
            depth, end = 1, call.end()
            while depth:
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                end += 1
            given = set(re.findall(r"(\w+)=(?!=)", text[call.end() : end]))
            wanted = set(re.findall(r"\{(\w+)\}", STRINGS[call.group(1)]))
            assert given == wanted, (name, call.group(1))


JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
#: Attributes read out to people.
READ_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder", "aria-description")


def test_templates_hold_no_words_of_their_own() -> None:
    """Words come from `strings`: between tags, a template has only punctuation."""
    from html.parser import HTMLParser

    class Words(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.found: list[str] = []

        def handle_data(self, data: str) -> None:
            if re.search(r"[^\W\d_]", data):
                self.found.append(data.strip())

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            for name, value in attrs:
                if name in READ_ATTRIBUTES and value and re.search(r"[^\W\d_]", value):
                    self.found.append(f"{tag} {name}={value!r}")

    words = {}
    for name, text in template_sources().items():
        parser = Words()
        parser.feed(JINJA.sub("", text))
        parser.close()
        if parser.found:
            words[name] = parser.found
    assert words == {}


# --------------------------------------------------------------------------
# 11. Format 1.0


@pytest.mark.parametrize("declared", [False, True])
def test_a_format_1_0_set_builds(base_tree: Path, tmp_path: Path, declared: bool) -> None:
    if declared:
        (base_tree / VERSION_FILE).write_text(version_text("1.0"), encoding="utf-8")
    built = build([base_tree], tmp_path / "site")
    assert [s.version for s in validate_paths([base_tree]).sets] == ["1.0"]
    assert (
        json.loads((built.folder / MANIFEST).read_text(encoding="utf-8"))["format_version"] == "1.0"
    )
    assert check_links(built.folder, built.pages) == []
    for record in built.records:
        assert record_href(record) in built.pages
    footer = built.page("index.html").find("footer").text()
    assert "in format 1.0." in footer
    incident = built.page("incidents/journalist-a-2020.html")
    assert STRINGS["incident_revealed"] not in incident.text()  # no such field in 1.0
    assert STRINGS["incident_certainty"] not in incident.text()
    spans = [
        (t.attrs["datetime"], t.text())
        for t in incident.find("dl", class_="facts").find_all("time")
    ]
    assert spans == [("2020-03", "March 2020"), ("2020-06-15", "15 June 2020")]
    target = built.page("targets/journalist-a.html")
    roles = target.find("dl", class_="facts").find_all("ul")[0].text()
    assert roles == "journalisteditor"
    about = built.page("about.html").find("main").find("p").text()
    assert about == STRINGS["about_format"].format(format="1.0")


def test_a_set_without_responses_builds(base_tree: Path, tmp_path: Path) -> None:
    for path in (base_tree / "responses").iterdir():
        path.unlink()
    built = build([base_tree], tmp_path / "site")
    assert check_links(built.folder, built.pages) == []
    assert items(built.pages["responses.html"], "list") == {}
    assert STRINGS["list_empty"] in built.page("responses.html").find("main").text()
    chart = built.page("index.html").find("figure", id="chart-responses")
    assert STRINGS["chart_empty"] in chart.find("table").text()
    assert not [p for p in built.pages if p.startswith("browse/responses/")]


# --------------------------------------------------------------------------
# 12. Accessibility, statically


def test_every_page_has_the_accessible_basics(any_site: Built) -> None:
    for path, page in any_site.pages.items():
        document = page.document
        assert page.doctype is not None and page.doctype.lower() == "doctype html", path
        (html,) = document.find_all("html")
        assert html.attrs.get("lang") == "en", path
        (title,) = document.find("head").find_all("title")
        heading = title.text().rsplit(" · ", 1)[0]
        assert heading.strip() and heading != title.text(), path
        assert len(document.find_all("h1")) == 1, path
        (main,) = document.find_all("main")
        assert main.attrs.get("id") == "main", path
        body = document.find("body")
        first_link = body.find("a")
        assert first_link.attrs["href"] == "#main" and first_link.text().strip(), path
        levels = [int(e.tag[1]) for e in document.iter() if re.fullmatch(r"h[1-6]", e.tag)]
        assert levels[0] == 1, path
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, (path, levels)
        ids = page.ids
        assert [i for i, n in ids.items() if n > 1] == [], path
        for element in document.iter():
            assert element.repeated == [], (path, element.tag, element.repeated)
            for attribute in ("aria-labelledby", "aria-describedby", "for"):
                for ref in element.attrs.get(attribute, "").split():
                    assert ref in ids, (path, attribute, ref)
            if element.tag == "svg" and element.attrs.get("role") == "img":
                assert element.attrs.get("aria-labelledby"), path
            if element.tag == "a":
                assert element.text().strip(), (path, element.attrs)
        nav = document.find("nav")
        current = [a for a in nav.find_all("a") if a.attrs.get("aria-current") == "page"]
        assert len(current) <= 1, path


# --------------------------------------------------------------------------
# Packaging


def test_the_runtime_needs_are_declared() -> None:
    """`sarschema site` renders with Jinja2: a plain `pip install sarschema` must bring
    it. The declared runtime dependencies of the project, followed through what each
    installed distribution requires (extras left out), must reach jinja2 and markupsafe."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    todo = [Requirement(r) for r in project["dependencies"]]
    reached: set[str] = set()
    while todo:
        requirement = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name in reached:
            continue
        reached.add(name)
        with contextlib.suppress(metadata.PackageNotFoundError):  # not installed here
            todo += [Requirement(r) for r in metadata.requires(name) or []]
    assert {"jinja2", "markupsafe"} <= reached, sorted(reached)
