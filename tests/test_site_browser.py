"""The site in a real browser: Debian's Chromium, headless, driven by playwright-core
(`tests/interop/site-browser.mjs`, installed by `npm ci --prefix tests/interop`), and
axe-core in the page. Every page of the site of the shipped records and of a
generated set of 1,000 records is loaded from `file://`: no console error or warning,
no failed request, no request leaving the site; axe-core finds nothing serious or
critical; the filters and the search leave exactly the records the YAML says, worked
out here from the records themselves; keyboard use starts at the skip link. The
screenshots (overview, timeline, an incident, a target; laptop and phone) are saved
to `build/screenshots/` as test artefacts; `docs/screenshots/` holds the README's
copies (`python tests/test_site_browser.py` refreshes them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sarschema.api import validate_paths
from sarschema.site import build_site
from sarschema.site.index import fold

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "interop" / "site-browser.mjs"
ARTEFACTS = ROOT / "build" / "screenshots"
README_SHOTS = ROOT / "docs" / "screenshots"
SHOTS = [
    {"name": "overview", "page": "index.html"},
    {"name": "timeline", "page": "timeline.html"},
    {"name": "incident", "page": "incidents/moroccan-journalists-pegasus-list.html"},
    {"name": "target", "page": "targets/omar-radi.html"},
]
SIZES = [
    {"name": "laptop", "width": 1366, "height": 900},
    {"name": "phone", "width": 390, "height": 844},
]
SERIOUS = {"serious", "critical"}


def chromium() -> str:
    """The system's Chromium (Debian's `chromium`, which .ci/run installs), else Google
    Chrome, which GitHub's Ubuntu runners have."""
    names = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    for name in (os.environ.get("SARSCHEMA_CHROMIUM"), *names):
        if name and (path := shutil.which(name)):
            return path
    pytest.fail(
        "no Chromium found: install Debian's chromium (`apt-get install chromium`, as "
        ".ci/run does) or set SARSCHEMA_CHROMIUM to a Chromium binary"
    )


def drive(config: dict[str, Any], work: Path) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "Node.js is needed for the browser tests (see README)"
    path = work / "browser-config.json"
    path.write_text(json.dumps({"chromium": chromium(), **config}), encoding="utf-8")
    done = subprocess.run(
        [node, str(SCRIPT), str(path)], capture_output=True, text=True, timeout=1500, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def html_pages(site: Path) -> int:
    return sum(1 for _ in site.rglob("*.html"))


def serious(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in report["axe"] if v["impact"] in SERIOUS]


# -- what the filters must leave, worked out from the records ---------------------


def _href(record: Any) -> str:
    return f"{record.kind}s/{record.id}.html"


def _year(incident: Any) -> int:
    return (incident.date or incident.revealed).year


def expected(records: list[Any]) -> dict[str, set[str]]:
    incidents = [r for r in records if r.kind == "incident"]
    targets = [r for r in records if r.kind == "target"]
    responses = [r for r in records if r.kind == "response"]

    def names(target: Any) -> str:
        return fold(" ".join([target.name, *(target.aliases or ())]))

    return {
        "status-selected": {_href(i) for i in incidents if i.status == "selected"},
        "operator-morocco": {
            _href(i)
            for i in incidents
            if "morocco" in [a.operator for a in i.alleged_operators or ()]
        },
        "year-2021": {_href(i) for i in incidents if _year(i) == 2021},
        "status-and-operator": {
            _href(i)
            for i in incidents
            if i.status == "selected"
            and "morocco" in [a.operator for a in i.alleged_operators or ()]
        },
        "search-maati": {_href(t) for t in targets if "maati" in names(t)},
        "search-two-words": {
            _href(t) for t in targets if "omar" in names(t) and "radi" in names(t)
        },
        "role-journalist-morocco": {
            _href(t)
            for t in targets
            if "journalist" in [str(getattr(r, "role", r)) for r in t.roles]
            and "MA" in [*(t.nationalities or ()), *filter(None, [t.residence])]
        },
        "denials": {_href(r) for r in responses if r.type == "denial"},
        "reset": {_href(i) for i in incidents},
    }


SCENARIOS = [
    {"name": "status-selected", "page": "incidents.html", "query": "?status=selected"},
    {
        "name": "operator-morocco",
        "page": "incidents.html",
        "actions": [{"select": "#f-operator", "value": "morocco"}],
    },
    {
        "name": "year-2021",
        "page": "incidents.html",
        "actions": [{"select": "#f-year", "value": "2021"}],
    },
    {
        "name": "status-and-operator",
        "page": "incidents.html",
        "query": "?status=selected&operator=morocco",
    },
    {
        "name": "search-maati",
        "page": "targets.html",
        "actions": [{"fill": "#f-q", "value": "Maati"}],
    },
    {"name": "search-two-words", "page": "targets.html", "query": "?q=radi+OMAR"},
    {
        "name": "role-journalist-morocco",
        "page": "targets.html",
        "actions": [
            {"select": "#f-role", "value": "journalist"},
            {"select": "#f-country", "value": "MA"},
        ],
    },
    {"name": "denials", "page": "responses.html", "query": "?type=denial"},
    {
        "name": "reset",
        "page": "incidents.html",
        "query": "?status=infected&q=zzzz",
        "actions": [{"click": "#f-reset"}],
    },
]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    work = tmp_path_factory.mktemp("site-shipped")
    report, _ = build_site([ROOT / "records"], work / "site")
    assert report.ok
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    browser = drive(
        {
            "site": str(work / "site"),
            "axe": "all",
            "scenarios": SCENARIOS,
            "nojs": ["incidents.html", "targets.html"],
            "keyboard": "index.html",
            "screenshots": {"dir": str(ARTEFACTS), "pages": SHOTS, "sizes": SIZES},
        },
        work,
    )
    return work / "site", browser


def test_every_shipped_page_loads_without_errors_or_requests_elsewhere(
    shipped: tuple[Path, dict[str, Any]],
) -> None:
    site, browser = shipped
    assert browser["pages"] == html_pages(site) > 100
    assert browser["problems"] == []


def test_axe_finds_nothing_serious_on_any_shipped_page(
    shipped: tuple[Path, dict[str, Any]],
) -> None:
    site, browser = shipped
    assert browser["axed"] == html_pages(site)
    assert serious(browser) == []


def test_filters_and_search_leave_the_records_the_yaml_says(
    shipped: tuple[Path, dict[str, Any]],
) -> None:
    _, browser = shipped
    want = expected(list(validate_paths([ROOT / "records"]).records))
    got = {s["name"]: s for s in browser["scenarios"]}
    assert set(got) == set(want)
    for name, hrefs in want.items():
        assert got[name]["formShown"], name
        assert set(got[name]["visible"]) == hrefs, name
        assert got[name]["status"].startswith(f"Showing {len(hrefs)} of "), name
    # not every scenario may be trivially empty or complete
    assert 0 < len(want["status-and-operator"]) < len(want["status-selected"])
    assert want["search-maati"] and want["denials"]


def test_without_javascript_the_lists_are_whole_and_the_filters_are_links(
    shipped: tuple[Path, dict[str, Any]],
) -> None:
    _, browser = shipped
    records = validate_paths([ROOT / "records"]).records
    counts = {"incidents.html": 0, "targets.html": 0}
    for record in records:
        if f"{record.kind}s.html" in counts:
            counts[f"{record.kind}s.html"] += 1
    for page in browser["nojs"]:
        assert not page["formShown"], page
        assert page["visible"] == counts[page["page"]], page
        assert page["browseLinks"] > 0, page


def test_keyboard_use_starts_at_the_skip_link_and_focus_is_visible(
    shipped: tuple[Path, dict[str, Any]],
) -> None:
    _, browser = shipped
    keys = browser["keyboard"]
    assert keys["first"]["href"] == "#main"
    assert keys["first"]["top"] >= 0  # shown on screen when focused
    assert keys["afterSkip"] == "main"
    assert keys["next"]["inMain"]
    for focused in (keys["first"], keys["next"]):
        assert focused["outline"] != "none" and focused["outlineWidth"] != "0px"


def test_screenshots_are_saved_for_laptop_and_phone(shipped: tuple[Path, dict[str, Any]]) -> None:
    _, browser = shipped
    expected_files = {f"{s['name']}-{z['name']}.png" for s in SHOTS for z in SIZES}
    assert {Path(p).name for p in browser["screenshots"]} == expected_files
    for path in browser["screenshots"]:
        data = Path(path).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in sorted(expected_files):
        assert (README_SHOTS / name).is_file(), name
        assert f"docs/screenshots/{name}" in readme, name


def test_every_page_of_a_generated_thousand_record_site_loads_cleanly(
    tmp_path: Path,
) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    generate(tmp_path / "records", 1000, 11)
    report, _ = build_site([tmp_path / "records"], tmp_path / "site")
    assert report.ok
    browser = drive(
        {"site": str(tmp_path / "site"), "axe": "sample", "nojs": ["incidents.html"]},
        tmp_path,
    )
    assert browser["pages"] == html_pages(tmp_path / "site") > 1000
    assert browser["problems"] == []
    assert browser["axed"] >= 20  # two pages of every folder: records, lists, filters
    assert serious(browser) == []


if __name__ == "__main__":  # refresh the README's screenshots
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        built, _ = build_site([ROOT / "records"], Path(folder) / "site")
        assert built.ok
        shots = drive(
            {
                "site": str(Path(folder) / "site"),
                "axe": False,
                "screenshots": {"dir": str(README_SHOTS), "pages": SHOTS, "sizes": SIZES},
            },
            Path(folder),
        )
        print("\n".join(shots["screenshots"]))
