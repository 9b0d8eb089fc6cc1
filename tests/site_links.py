"""Reading a built site with the standard library's `html.parser`: each page as a
small tree (elements, attributes, text), and a link checker over the whole folder.

No regular expression reads HTML here: a link hidden in an attribute the parser sees
differently than a browser would is exactly what the checker must not miss.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: Elements that have no end tag.
VOID = frozenset(
    {
        *("area", "base", "br", "col", "embed", "hr", "img", "input", "link"),
        *("meta", "param", "source", "track", "wbr"),
    }
)
#: Attributes whose value a browser follows or fetches.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "poster", "data", "xlink:href", "background"}
)
#: Attributes naming ids of the same page.
ID_REFERENCES = ("aria-labelledby", "aria-describedby", "aria-controls", "aria-owns", "for")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    line: int
    parent: Element | None = None
    children: list[Element | str] = field(default_factory=list)
    #: attribute names given twice on this element
    repeated: list[str] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)

    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def iter(self, tag: str | None = None) -> Iterator[Element]:
        """This element and every element below it, in document order."""
        if tag is None or self.tag == tag:
            yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter(tag)

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Elements below (and including) this one with `tag` and these attribute
        values (`class_` matches one class among several)."""
        wanted = {k.rstrip("_"): v for k, v in attrs.items()}
        found = []
        for element in self.iter(tag):
            ok = True
            for name, value in wanted.items():
                if name == "class":
                    ok = ok and value in element.classes()
                else:
                    ok = ok and element.attrs.get(name) == value
            if ok:
                found.append(element)
        return found

    def find(self, tag: str | None = None, **attrs: str) -> Element:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]

    def text(self) -> str:
        """The text below this element, as one string (entities decoded)."""
        parts: list[str] = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else child.text())
        return "".join(parts)

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.document = Element("#document", {}, 0)
        self.stack = [self.document]
        self.doctype: str | None = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def _element(self, tag: str, attrs: list[tuple[str, str | None]]) -> Element:
        names = Counter(name for name, _ in attrs)
        element = Element(
            tag,
            {name: value or "" for name, value in attrs},
            self.getpos()[0],
            parent=self.stack[-1],
            repeated=[name for name, n in names.items() if n > 1],
        )
        self.stack[-1].children.append(element)
        return element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = self._element(tag, attrs)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(text: str) -> tuple[Element, str | None]:
    """The document tree of `text`, and its doctype declaration."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.document, builder.doctype


@dataclass
class Page:
    path: str  # relative to the site, with "/"
    document: Element
    doctype: str | None

    @property
    def ids(self) -> Counter[str]:
        return Counter(e.attrs["id"] for e in self.document.iter() if "id" in e.attrs)

    def links(self) -> Iterator[tuple[Element, str, str]]:
        """Every (element, attribute, value) a browser would follow or fetch."""
        for element in self.document.iter():
            for name, value in element.attrs.items():
                if name in URL_ATTRIBUTES:
                    yield element, name, value

    def resolve(self, relative: str) -> str:
        """A relative link's path inside the site (it may start with "../" when it
        leaves the site)."""
        return posixpath.normpath(posixpath.join(posixpath.dirname(self.path), relative))


def read_site(folder: Path) -> dict[str, Page]:
    """Every HTML page under `folder`, by its path relative to it."""
    pages = {}
    for path in sorted(folder.rglob("*.html")):
        relative = path.relative_to(folder).as_posix()
        document, doctype = parse(path.read_text(encoding="utf-8"))
        pages[relative] = Page(relative, document, doctype)
    return pages


def is_source_link(element: Element, name: str, value: str) -> bool:
    """The one kind of link that may leave the site: a reader following an `<a>` to a
    source on the web (nothing is fetched until they do)."""
    parts = urlsplit(value)
    return (
        element.tag == "a"
        and name == "href"
        and parts.scheme in ("http", "https")
        and bool(parts.netloc)
    )


def is_inline(element: Element, name: str, value: str) -> bool:
    """A `data:` icon: written into the page, nothing is requested."""
    rel = (element.get("rel") or "").split()
    return element.tag == "link" and "icon" in rel and urlsplit(value).scheme == "data"


def check_links(folder: Path, pages: dict[str, Page]) -> list[str]:
    """Every problem with the links of the site in `folder`, as readable lines:
    a relative link to a file that is not there or to an id its page lacks, a link
    leaving the folder, anything fetched from elsewhere. Empty when all is well."""
    problems = []
    root = folder.resolve()
    for page in pages.values():
        for element, name, value in page.links():
            where = f"{page.path}:{element.line} <{element.tag} {name}={value!r}>"
            parts = urlsplit(value.strip())
            if parts.scheme or parts.netloc:
                if not (is_source_link(element, name, value) or is_inline(element, name, value)):
                    problems.append(f"{where}: points outside the site")
                continue
            if not value.strip():
                problems.append(f"{where}: empty link")
                continue
            if parts.path.startswith("/"):
                problems.append(f"{where}: absolute path (breaks under file:// and a project path)")
                continue
            target = page.resolve(unquote(parts.path)) if parts.path else page.path
            if target == ".." or target.startswith("../"):
                problems.append(f"{where}: leaves the site")
                continue
            file = root / target
            if not file.is_file() or not file.resolve().is_relative_to(root):
                problems.append(f"{where}: no file {target}")
                continue
            if parts.fragment:
                if target not in pages:
                    problems.append(f"{where}: #{parts.fragment} in a file that is not a page")
                elif unquote(parts.fragment) not in pages[target].ids:
                    problems.append(f"{where}: no id {parts.fragment!r} in {target}")
    return problems
