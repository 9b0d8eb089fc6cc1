"""A record set of any size made of the shipped records: real-shaped data for the benchmark.

    python benchmarks/shipped_copies.py OUT_DIR --records 10000

The generated set (generate.py) is regular; the shipped records (records/) are what
contributors write: long folded notes, comments, accept lines, quoting as it came.
Copy k of record `X` is `X-c<k>` (k from 1), in a file of that name in the same
folder; its text is the original's, byte for byte, but for every id in a value
position (its own `id`, a product's `id`, and each reference), which becomes the
same copy's. Ids inside prose, URLs, comments and block text are left alone: only
a whole YAML scalar that equals a shipped id (or product id) is rewritten, found by
position with the YAML composer. The same inputs give the same bytes.

When `count` is not a multiple of the shipped count, the last copy is partial: it
takes records in the order operators, targets, incidents, responses (by name), each
with whatever it references, so that no reference dangles. The set validates
with no error. Its warnings, from the 75 records shipped when this was written:
44 SAR402 (a name that looks like another copy's: one warning per name, not per
copy, so 44 at 150, 1,000 and 10,000 records alike), plus a SAR401 for each record
of a partial copy that no record of it references (one at 151 records); the
shipped set's accepted warnings stay accepted.
"""

from __future__ import annotations

import argparse
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("operators", "targets", "incidents", "responses")  # the order of a partial copy
#: The shipped file that states the format version; copied as is.
FORMAT_FILE = "sarschema.yaml"
ID_MAX = 80  # sarschema.types.slug.ID_MAX


@dataclass
class Template:
    """One shipped record, cut at its ids: `parts[i]` comes before `ids[i]`."""

    folder: str
    name: str
    parts: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def render(self, rename: dict[str, str]) -> str:
        out = [self.parts[0]]
        for ident, part in zip(self.ids, self.parts[1:], strict=True):
            out += [rename[ident], part]
        return "".join(out)


def _scalars(node: yaml.Node) -> list[yaml.ScalarNode]:
    """Every scalar that is a value (not a mapping key), in document order."""
    if isinstance(node, yaml.MappingNode):
        return [s for _, value in node.value for s in _scalars(value)]
    if isinstance(node, yaml.SequenceNode):
        return [s for item in node.value for s in _scalars(item)]
    return [node] if isinstance(node, yaml.ScalarNode) else []


def _known_ids(source: Path) -> tuple[list[Path], dict[str, str]]:
    """The record files, and every shipped id (record and product) to the record
    that defines it."""
    files = sorted(p for folder in FOLDERS for p in (source / folder).glob("*.yaml"))
    owner = {p.stem: p.stem for p in files}
    for path in files:
        data = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        for product in data.get("products") or []:
            owner[str(product["id"])] = path.stem
    return files, owner


def templates(source: Path) -> tuple[list[Template], dict[str, str], dict[str, set[str]]]:
    """The shipped records cut at their ids, every id's defining record, and what
    each record references (the records it needs beside it)."""
    files, owner = _known_ids(source)
    out, needs = [], {}
    for path in files:
        text = path.read_bytes().decode("utf-8")
        # The pure-Python composer: its marks count characters of `text`.
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        template = Template(path.parent.name, path.stem)
        at = 0
        for scalar in _scalars(node) if node is not None else []:
            if scalar.value not in owner or scalar.style in ("|", ">"):
                continue
            start, end = scalar.start_mark.index, scalar.end_mark.index
            if scalar.style in ("'", '"'):
                start, end = start + 1, end - 1
            assert text[start:end] == scalar.value, (path, scalar.value)
            template.parts.append(text[at:start])
            template.ids.append(scalar.value)
            at = end
        template.parts.append(text[at:])
        needs[path.stem] = {owner[i] for i in template.ids} - {path.stem}
        out.append(template)
    return out, owner, needs


def _partial(order: list[str], needs: dict[str, set[str]], count: int) -> set[str]:
    """`count` records taken in `order`, each with everything it references."""
    chosen: set[str] = set()
    for name in order:
        if len(chosen) == count:
            break
        closure, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current not in closure and current not in chosen:
                closure.add(current)
                todo += needs[current]
        if len(chosen) + len(closure) <= count:
            chosen |= closure
    if len(chosen) != count:
        raise ValueError(f"no closed set of {count} shipped records")
    return chosen


def copy_shipped(out: Path, count: int, source: Path = ROOT / "records") -> dict[str, int]:
    """Write `count` records made of the shipped ones into `out` (emptied first);
    returns the number per folder."""
    shipped, owner, needs = templates(source)
    whole, rest = divmod(count, len(shipped))
    partial = _partial([t.name for t in shipped], needs, rest) if rest else set()
    if out.exists():
        shutil.rmtree(out)
    for folder in FOLDERS:
        (out / folder).mkdir(parents=True)
    if (source / FORMAT_FILE).is_file():
        shutil.copyfile(source / FORMAT_FILE, out / FORMAT_FILE)
    counts = dict.fromkeys(FOLDERS, 0)
    for k in range(1, whole + 2):
        suffix = f"-c{k}"
        rename = {i: i[: ID_MAX - len(suffix)].rstrip("-") + suffix for i in owner}
        if len(set(rename.values())) != len(rename):
            raise ValueError(f"copy {k}: two ids shortened to the same id")
        for template in shipped:
            if k > whole and template.name not in partial:
                continue
            path = out / template.folder / f"{rename[template.name]}.yaml"
            path.write_bytes(template.render(rename).encode("utf-8"))
            counts[template.folder] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--source", type=Path, default=ROOT / "records")
    args = parser.parse_args()
    counts = copy_shipped(args.out, args.records, args.source)
    print(f"wrote {sum(counts.values())} records to {args.out}: {counts}")


if __name__ == "__main__":
    main()
