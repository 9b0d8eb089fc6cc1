"""Pages from the index: Jinja2 templates, rendered once each, written as plain files.

Every link is relative (`root` is the way back to the site's top from a page), so
the site works from `file://`, on GitHub Pages under a project path, or from any
folder. Every path written is built from ids and vocabulary values, which are
slugs, and is checked to stay inside the output folder all the same.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from sarschema.errors import InternalError
from sarschema.site import charts, fragments, timeline
from sarschema.site.index import (
    FACETS,
    FOLDERS,
    KINDS,
    LADDER,
    SiteIndex,
    country_name,
    label,
    plain,
    year_of,
)
from sarschema.site.strings import LANGUAGE, STRINGS
from sarschema.site.wording import date_text, lead

#: The files every site has besides its pages.
ASSETS = ("site.css", "site.js")
#: Written last: names the build, and marks the folder as a site sarschema may replace.
MANIFEST = "sarschema-site.json"
NAV = (
    ("overview", "index.html"),
    ("timeline", "timeline.html"),
    ("incidents", "incidents.html"),
    ("targets", "targets.html"),
    ("operators", "operators.html"),
    ("responses", "responses.html"),
    ("about", "about.html"),
)


@dataclass(frozen=True)
class Filter:
    name: str
    values: tuple[tuple[str, str, int], ...]  # (value, label, count)


@dataclass(frozen=True)
class Meta:
    """What the footer of every page says about the build."""

    tool_version: str
    format_version: str
    license: str
    newest: str | None  # the newest date of the records, as the site writes dates


def _environment() -> Any:
    import jinja2

    from sarschema.vocab import MEANINGS

    meanings = {enum.__name__: table for enum, table in MEANINGS.items()}
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sarschema.site", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # the package's templates do not change during a build
    )
    env.globals.update(
        t=_Words(STRINGS),
        lang=LANGUAGE,
        label=label,
        meaning=lambda vocabulary, value: meanings[vocabulary][plain(value)],
        date_text=date_text,
        country=country_name,
        opt=lambda obj, name: getattr(obj, name, None),
        when=fragments.when,
        span=fragments.span,
        type_badge=fragments.type_badge,
        sources=fragments.sources,
        translations=fragments.translations,
        notes=fragments.notes,
    )
    return env


class _Words:
    """The site's words for templates, each an attribute (`t.name`, found by the
    first lookup Jinja tries) and an item (`t[key]`)."""

    def __init__(self, words: dict[str, str]) -> None:
        self.__dict__.update(words)

    def __getitem__(self, key: str) -> str:
        return self.__dict__[key]  # type: ignore[no-any-return]


class SiteWriter:
    """Writes one site into `folder` (an empty staging folder)."""

    def __init__(self, index: SiteIndex, folder: Path, meta: Meta) -> None:
        self.index = index
        self.folder = folder.resolve()
        self.meta = meta
        self.env = _environment()
        self.written: list[str] = []
        self._folders: set[Path] = set()
        self._links: dict[str, dict[str, Any]] = {}
        self._headers: dict[tuple[str, str], Any] = {}
        self._footer: Any = None
        self._ladders: dict[str, Any] = {}
        self.common = {
            "site": index,
            "tool_version": meta.tool_version,
            "format_version": meta.format_version,
            "license": meta.license,
            "newest": meta.newest,
            "total": len(index.records),
            "nav": NAV,
            # inline: a browser asks for an icon file on its own, and a request it
            # abandons when the reader moves on is reported as failed
            "favicon": _favicon(),
        }

    # -- writing ----------------------------------------------------------------

    def _write(self, relative: str, text: str) -> None:
        parts = relative.split("/")
        if any(part in ("", ".", "..") or "\\" in part for part in parts):  # pragma: no cover
            raise InternalError(f"a page would be written outside the site: {relative!r}")
        path = self.folder.joinpath(*parts)
        if path.parent not in self._folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(path.parent)
        with open(path, "w", encoding="utf-8", newline="\n") as handle:  # noqa: PTH123
            handle.write(text)
        self.written.append(relative)

    def links(self, root: str) -> dict[str, Any]:
        """The page's links and lines that hold links (`href`, `ref`, `incident_line`,
        ...), made once for each `root`."""
        found = self._links.get(root)
        if found is None:
            links = fragments.Links(root, self.index)
            found = self._links[root] = {
                "href": links.href,
                "ref": links.ref,
                "response_line": links.response_line,
                "response_list": links.response_list,
                "incident_line": links.incident_line,
                "timeline_row": links.timeline_row,
            }
        return found

    def chrome(self, root: str, section: str) -> dict[str, Any]:
        """The top and foot of a page (`header.html`, `footer.html`), rendered once
        for each `root` and section and once for the build, instead of once for
        each page (about 35 µs of a page's 200 to 500)."""
        from markupsafe import Markup

        header = self._headers.get((root, section))
        if header is None:
            html = self.env.get_template("header.html").render(
                **self.common, root=root, section=section
            )
            header = self._headers[(root, section)] = Markup(html)
        if self._footer is None:
            self._footer = Markup(self.env.get_template("footer.html").render(**self.common))
        return {"header": header, "footer": self._footer}

    def page(self, relative: str, template: str, section: str = "", **context: Any) -> None:
        root = "../" * relative.count("/")
        context.setdefault("script", False)
        html = self.env.get_template(template).render(
            **self.common,
            **self.links(root),
            **self.chrome(root, section),
            root=root,
            section=section,
            **context,
        )
        self._write(relative, html)

    # -- the site ----------------------------------------------------------------

    def build(self, jobs: int = 1) -> list[str]:
        """Every page, in `jobs` processes; the files and the list of them are the
        same whatever the number."""
        for name in ASSETS:
            self._write(
                f"assets/{name}",
                resources.files("sarschema.site")
                .joinpath("assets", name)
                .read_text(encoding="utf-8"),
            )
        import multiprocessing

        tasks = self.tasks()
        forks = "fork" in multiprocessing.get_all_start_methods()
        if jobs <= 1 or len(tasks) < PARALLEL_MIN_TASKS or not forks:
            for task in tasks:
                task.run(self)
        else:
            self.written += _in_processes(self, tasks, jobs)
        self._write(MANIFEST, self.manifest())
        return self.written

    def tasks(self) -> list[Task]:
        """The pages to write, in the order they are listed: the overview, timeline and
        about pages, each kind's list (with its filter pages), then a page per record."""
        tasks = [Task("overview"), Task("timeline"), Task("about")]
        tasks += [Task("lists", kind) for kind in KINDS]
        for kind in ("incident", "target", "operator", "response"):
            tasks += [Task("record", kind, r.id) for r in self.index.sorted(kind)]
        return tasks

    def timeline(self) -> None:
        self.page("timeline.html", "timeline.html", "timeline", timeline=timeline.build(self.index))

    def about(self) -> None:
        from sarschema.vocab import Attribution, Certainty

        self.page(
            "about.html",
            "about.html",
            "about",
            ladder=LADDER,
            attributions=[a.value for a in Attribution],
            certainties=[c.value for c in Certainty],
        )

    def record(self, kind: str, ident: str) -> None:
        index = self.index
        record = index.by_kind[kind][ident]
        if kind == "incident":
            self.incident(record)
        elif kind == "target":
            self.page(
                f"targets/{ident}.html",
                "target.html",
                "targets",
                record=record,
                incidents=index.incidents_of_target.get(ident, []),
                responses=index.target_responses(ident),
                responses_by=index.responses_by.get(("target", ident), []),
                related_from=index.related_from.get(ident, []),
            )
        elif kind == "operator":
            self.page(
                f"operators/{ident}.html",
                "operator.html",
                "operators",
                record=record,
                children=index.children.get(ident, []),
                incidents=index.incidents_of_operator.get(ident, []),
                product_incidents={
                    p.id: index.incidents_of_product.get(p.id, []) for p in record.products or ()
                },
                responses_by=index.responses_by.get(("operator", ident), []),
                responses_about=index.operator_responses_about(record),
            )
        else:
            self.page(f"responses/{ident}.html", "response.html", "responses", record=record)

    def overview(self) -> None:
        index = self.index
        counts = index.counts()
        kind_rows = [(STRINGS[f"kind_{k}s"], counts[k], f"{FOLDERS[k]}.html") for k in KINDS]
        status = Counter(plain(i.status) for i in index.sorted("incident"))
        operators: Counter[str] = Counter()
        countries: Counter[str] = Counter()
        years: Counter[str] = Counter()
        for incident in index.sorted("incident"):
            facets = index.facets(incident)
            operators.update(facets["operator"] or ["-"])
            countries.update(facets["country"])
            years[year_of(incident) or "-"] += 1
        roles: Counter[str] = Counter()
        for target in index.sorted("target"):
            roles.update(index.facets(target)["role"])
        responses = Counter(plain(r.type) for r in index.sorted("response"))

        def by_count(
            counter: Counter[str], name: Callable[[str], str], facet: str, kind: str
        ) -> list[tuple[str, int, str | None]]:
            items = sorted(counter.items(), key=lambda kv: (-kv[1], name(kv[0])))
            return [(name(v), n, _browse(kind, facet, v)) for v, n in items]

        def none_or(name: Callable[[str], str]) -> Callable[[str], str]:
            return lambda v: STRINGS["chart_none"] if v == "-" else name(v)

        status_rows: list[tuple[str, int, str | None]] = [
            (label("Status", s), status[s], _browse("incident", "status", s))
            for s in (*LADDER, "unknown")
            if status[s]
        ]
        year_rows: list[tuple[str, int, str | None]] = [
            (y, n, _browse("incident", "year", y)) for y, n in sorted(years.items())
        ]
        operator_rows = [
            (name, n, None if link and link.endswith("/-.html") else link)
            for name, n, link in by_count(
                operators, none_or(lambda v: index.name("operator", v)), "operator", "incident"
            )
        ]
        built = [
            charts.bar_chart("chart-kinds", STRINGS["chart_kinds"], kind_rows),
            charts.bar_chart("chart-status", STRINGS["chart_status"], status_rows),
            charts.bar_chart("chart-operators", STRINGS["chart_operators"], operator_rows),
            charts.bar_chart(
                "chart-countries",
                STRINGS["chart_countries"],
                by_count(countries, country_name, "country", "incident"),
            ),
            charts.bar_chart("chart-years", STRINGS["chart_years"], year_rows, limit=30),
            charts.bar_chart(
                "chart-roles",
                STRINGS["chart_roles"],
                by_count(roles, lambda v: label("Role", v), "role", "target"),
            ),
            charts.bar_chart(
                "chart-responses",
                STRINGS["chart_responses"],
                by_count(responses, lambda v: label("ResponseType", v), "type", "response"),
            ),
        ]
        self.page(
            "index.html", "overview.html", "overview", counts=counts, kinds=KINDS, charts=built
        )

    def incident(self, incident: Any) -> None:
        index = self.index
        related = index.incident_responses(incident)
        allegations = [
            {
                "operator": a.operator,
                "attribution": plain(a.attribution),
                "product": None,
                "responses": index.operator_responses(related, a.operator),
            }
            for a in incident.alleged_operators or ()
        ]
        named = {a.operator for a in incident.alleged_operators or ()}
        for product in incident.spyware or ():
            vendor = index.products[product][1]
            if vendor not in named:  # the vendor of the spyware, beside the operators
                named.add(vendor)
                allegations.append(
                    {
                        "operator": vendor,
                        "attribution": None,
                        "product": product,
                        "responses": index.operator_responses(related, vendor),
                    }
                )
        self.page(
            f"incidents/{incident.id}.html",
            "incident.html",
            "incidents",
            record=incident,
            lead=lead(incident, index, related),
            ladder_section=self.ladder(plain(incident.status)),
            allegations=allegations,
            responses=related,
        )

    def ladder(self, status: str) -> Any:
        """The evidence ladder with `status` marked (`ladder.html`): the same for every
        incident at that status, so rendered once for each."""
        from markupsafe import Markup

        section = self._ladders.get(status)
        if section is None:
            html = self.env.get_template("ladder.html").render(
                **self.common,
                status=status,
                ladder=LADDER,
                ladder_reached=LADDER.index(status) if status in LADDER else -1,
            )
            section = self._ladders[status] = Markup(html)
        return section

    def lists(self, kind: str) -> None:
        """A kind's list page (every record, filters added by site.js) and a page per
        filter value (the same filters as links, for readers without JavaScript)."""
        index = self.index
        folder = FOLDERS[kind]
        records = index.sorted(kind)
        if kind in ("incident", "response"):
            records = records[::-1]  # newest first
        facets = [index.facets(r) for r in records]
        filters = []
        for name in FACETS[kind]:
            counter: Counter[str] = Counter(v for f in facets for v in f[name])
            values = sorted(
                ((v, index.facet_label(kind, name, v), n) for v, n in counter.items()),
                key=_facet_order(name),
            )
            if values:
                filters.append(Filter(name, tuple(values)))

        # Each item is rendered once, with a mark where the way back to the top goes,
        # then given the list page's root and the filter pages'. Record text cannot
        # forge the mark: it is escaped, and the mark's "<" would be "&lt;".
        from markupsafe import Markup

        mark = Markup("<ROOT>")
        item = fragments.Links(mark, index).list_item
        rendered = [
            item(r, f, index.search_text(r)).split(mark)
            for r, f in zip(records, facets, strict=True)
        ]

        def render(root: str) -> list[Any]:
            return [Markup(root.join(parts)) for parts in rendered]

        heading = STRINGS[f"kind_{kind}s"]
        self.page(
            f"{folder}.html",
            "list.html",
            folder,
            heading=heading,
            items=render(""),
            filters=filters,
            folder=folder,
            page=f"{folder}.html",
            script=True,
        )
        deep = render("../../../")
        for f in filters:
            by_value: dict[str, list[Any]] = {}
            for html, facet in zip(deep, facets, strict=True):
                for value in facet[f.name]:
                    by_value.setdefault(value, []).append(html)
            for value, text, _ in f.values:
                members = by_value[value]
                self.page(
                    f"browse/{folder}/{f.name}/{value}.html",
                    "browse.html",
                    folder,
                    heading=STRINGS["browse_page_title"].format(
                        kind=heading, facet=STRINGS[f"facet_{f.name}"], value=text
                    ),
                    items=members,
                    folder=folder,
                    kind_plural=heading.lower(),
                )

    def manifest(self) -> str:
        return (
            json.dumps(
                {
                    "generator": f"sarschema {self.meta.tool_version}",
                    "format_version": self.meta.format_version,
                    "records": self.index.counts(),
                    "pages": sum(1 for p in self.written if p.endswith(".html")),
                },
                indent=2,
            )
            + "\n"
        )


#: Below this many tasks, starting processes costs more than it saves.
PARALLEL_MIN_TASKS = 400


@dataclass(frozen=True)
class Task:
    """One step of a build: a `SiteWriter` method and its arguments (plain text, so a
    task costs nothing to hand to a process)."""

    method: str
    kind: str = ""
    ident: str = ""

    def run(self, writer: SiteWriter) -> None:
        args = [a for a in (self.kind, self.ident) if a]
        getattr(writer, self.method)(*args)


#: The writer and tasks of a parallel build, left here for the forked processes to
#: find (they inherit the index instead of receiving a copy of it).
_SHARED: tuple[SiteWriter, list[Task]] | None = None


def _run_share(bounds: tuple[int, int]) -> list[str]:
    assert _SHARED is not None
    writer, tasks = _SHARED
    writer.written = []
    for task in tasks[bounds[0] : bounds[1]]:
        task.run(writer)
    return writer.written


def _in_processes(writer: SiteWriter, tasks: list[Task], jobs: int) -> list[str]:
    """Run the tasks in forked processes, each writing its pages into the folder;
    the paths written come back in task order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _SHARED
    for name in writer.env.list_templates():
        writer.env.get_template(name)  # compiled once, before the fork
    # The lists hold most of the rendering per task: cut small, in order, for an even finish.
    size = max(20, len(tasks) // (jobs * 16))
    bounds = [(i, min(i + size, len(tasks))) for i in range(0, len(tasks), size)]
    _SHARED = (writer, tasks)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            return [path for share in pool.map(_run_share, bounds) for path in share]
    finally:
        _SHARED = None


def _facet_order(facet: str) -> Callable[[tuple[str, str, int]], tuple[Any, ...]]:
    """Steps in the ladder's order, years in time's, everything else by its label."""
    if facet == "status":
        order = {step: n for n, step in enumerate((*LADDER, "unknown"))}
        return lambda item: (order[item[0]],)
    if facet == "year":
        return lambda item: (item[0],)
    return lambda item: (item[1].casefold(), item[0])


@cache
def _favicon() -> str:
    from urllib.parse import quote

    svg = resources.files("sarschema.site").joinpath("assets", "favicon.svg").read_text("utf-8")
    return "data:image/svg+xml," + quote(svg.strip(), safe=" =:/'")


def _browse(kind: str, facet: str, value: str) -> str:
    return f"browse/{FOLDERS[kind]}/{facet}/{value}.html"
