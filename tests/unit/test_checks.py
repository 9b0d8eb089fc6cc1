"""`sarschema.checks.cross_check`: the rules across records, on hand-made summaries.

No YAML here: each test builds the `Summary` objects the per-file pass would give
(ids with positions, references, names with their phonetic keys) and checks the
exact diagnostics of the second pass. Every name and id is fictional.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sarschema.checks import SIMILAR_SHOWN, cross_check
from sarschema.codes import Code, Severity
from sarschema.diagnostics import Diagnostic
from sarschema.markers import PRODUCT
from sarschema.names import name_key
from sarschema.results import Defined, Name, Ref, Summary

ID_POS = (1, 5)
NAME_POS = (3, 7)
PARENT_POS = (6, 9)
UNREFERENCED_HINT = (
    "link it from an incident or response (targets, alleged_operators, by, about), or remove it."
)


def record(kind: str, ident: str, *, folder: str | None = None, **fields: Any) -> Summary:
    """A record's summary, in its kind's folder, named after its id."""
    folder = folder or f"{kind}s"
    fields.setdefault("stem", ident)
    fields.setdefault("id_pos", ID_POS)
    return Summary(f"{folder}/{ident}.yaml", ident, kind, **fields)


def named(kind: str, ident: str, *names: str, **fields: Any) -> Summary:
    """A target or operator with a `name` and any further names as `aliases`."""
    first, *aliases = names
    entries = [Name("name", first, NAME_POS, name_key(first))]
    entries += [
        Name(f"aliases[{i}]", alias, (4, 12 + 10 * i), name_key(alias))
        for i, alias in enumerate(aliases)
    ]
    return record(kind, ident, names=entries, **fields)


def incident(ident: str, *targets: str, refs: Iterable[Ref] = (), **fields: Any) -> Summary:
    """An incident whose `targets` list refers to `targets`, and that makes `refs`."""
    listed = [Ref(f"targets[{i}]", t, "target", (6, 11 + 14 * i)) for i, t in enumerate(targets)]
    return record("incident", ident, refs=[*listed, *refs], **fields)


def ref(field: str, target: str, kind: str, pos: tuple[int, int] = (8, 15)) -> Ref:
    return Ref(field, target, kind, pos)


def parent(target: str) -> Ref:
    return Ref("parent", target, "operator", PARENT_POS)


def codes(diagnostics: Iterable[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


def place(d: Diagnostic) -> tuple[str, str, str | None, int | None, int | None]:
    return (d.code, d.file, d.field, d.line, d.column)


def of(code: Code, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.code == code]


def test_a_consistent_set_gives_nothing() -> None:
    summaries = [
        named("target", "journalist-a", "Journalist A"),
        named("operator", "state-a", "Kingdom of Exampleland"),
        named("operator", "agency-a", "Example Security Service", parent=parent("state-a")),
        named(
            "operator",
            "vendor-a",
            "Example Spyware Ltd",
            products=(Defined("spyware-a", (13, 9)),),
        ),
        incident(
            "incident-a",
            "journalist-a",
            refs=[
                ref("alleged_operators[0].operator", "agency-a", "operator"),
                ref("spyware[0]", "spyware-a", PRODUCT, (9, 11)),
            ],
        ),
    ]
    assert cross_check(summaries) == []


# --- SAR200 duplicate id -----------------------------------------------------------------


def test_a_duplicate_id_is_reported_at_the_later_file_whatever_the_input_order() -> None:
    first = incident("incident-a")
    second = record("incident", "incident-a", folder="incidents/z")  # sorts later
    for summaries in ([first, second], [second, first]):
        (d,) = cross_check(summaries)
        assert place(d) == (Code.DUPLICATE_ID, "incidents/z/incident-a.yaml", "id", 1, 5)
        assert d.message == (
            "the id `incident-a` is already used in incidents/incident-a.yaml:1; ids must be "
            "unique across all records and products."
        )
        assert d.hint == (
            "choose another id, or merge the two records if they describe the same thing."
        )
        assert d.level is Severity.ERROR


def test_a_duplicate_of_an_id_without_position_names_the_file_alone() -> None:
    first = incident("incident-a", id_pos=(None, None))
    second = record("incident", "incident-a", folder="incidents/z")
    (d,) = cross_check([first, second])
    assert d.message.startswith("the id `incident-a` is already used in incidents/incident-a.yaml;")


def test_a_product_that_repeats_an_earlier_record_id() -> None:
    vendor = named("operator", "vendor-a", "Example Spyware Ltd")
    vendor.products = (Defined("spyware-a", (13, 9)),)
    earlier = incident("spyware-a")  # incidents/ sorts before operators/
    out = cross_check([vendor, earlier])
    (d,) = of(Code.DUPLICATE_ID, out)
    assert place(d) == (Code.DUPLICATE_ID, "operators/vendor-a.yaml", "products", 13, 9)
    assert d.message == (
        "the id `spyware-a` is already used in incidents/spyware-a.yaml:1; ids must be "
        "unique across all records and products."
    )


def test_a_record_that_repeats_an_earlier_product_id() -> None:
    vendor = named("operator", "vendor-a", "Example Spyware Ltd")
    vendor.products = (Defined("spyware-a", (13, 9)),)
    later = named("target", "spyware-a", "Spyware Person")  # targets/ sorts after operators/
    out = cross_check([later, vendor, incident("incident-a", "spyware-a")])
    (d,) = of(Code.DUPLICATE_ID, out)
    assert place(d) == (Code.DUPLICATE_ID, "targets/spyware-a.yaml", "id", 1, 5)
    assert "already used in operators/vendor-a.yaml:13;" in d.message


# --- SAR201 dangling reference -----------------------------------------------------------


def test_a_dangling_reference_suggests_a_close_id_of_the_right_kind() -> None:
    summaries = [
        named("target", "journalist-a", "Journalist A"),
        incident("incident-a", "journalist-a", "journalist-x"),
    ]
    (d,) = cross_check(summaries)
    assert place(d) == (Code.DANGLING_REFERENCE, "incidents/incident-a.yaml", "targets[1]", 6, 25)
    assert d.message == "`targets[1]` refers to `journalist-x`, but no target has that id."
    assert d.hint == "did you mean `journalist-a`?"
    assert d.level is Severity.ERROR


def test_a_dangling_reference_without_a_close_id_of_its_kind() -> None:
    # `journalist-b` is close to the target `journalist-a`, but an operator is wanted
    summaries = [
        named("target", "journalist-a", "Journalist A"),
        incident(
            "incident-a",
            "journalist-a",
            refs=[ref("alleged_operators[0].operator", "journalist-b", "operator")],
        ),
    ]
    (d,) = cross_check(summaries)
    assert place(d) == (
        Code.DANGLING_REFERENCE,
        "incidents/incident-a.yaml",
        "alleged_operators[0].operator",
        8,
        15,
    )
    assert d.message == (
        "`alleged_operators[0].operator` refers to `journalist-b`, but no operator has that id."
    )
    assert d.hint == "create the operator record first, or correct the id."


def test_a_dangling_parent() -> None:
    agency = named("operator", "agency-a", "Example Agency", parent=parent("state-x"))
    out = cross_check([agency, incident("incident-a", refs=[ref("x", "agency-a", "operator")])])
    (d,) = out
    assert place(d) == (Code.DANGLING_REFERENCE, "operators/agency-a.yaml", "parent", 6, 9)
    assert d.message == "`parent` refers to `state-x`, but no operator has that id."


def test_no_dangling_reference_to_a_broken_record_or_its_products() -> None:
    broken_target = record("target", "journalist-a", valid=False)
    broken_vendor = record(
        "operator", "vendor-a", valid=False, products=(Defined("spyware-a", (13, 9)),)
    )
    summaries = [
        broken_target,
        broken_vendor,
        incident(
            "incident-a",
            "journalist-a",
            refs=[ref("spyware[0]", "spyware-a", PRODUCT, (9, 11))],
        ),
    ]
    assert cross_check(summaries) == []


def test_no_wrong_kind_for_a_reference_to_a_broken_record() -> None:
    # the broken record's kind may be what is wrong in it
    summaries = [
        record("operator", "journalist-a", valid=False),
        incident("incident-a", "journalist-a"),
    ]
    assert cross_check(summaries) == []


def test_no_dangling_reference_to_the_file_name_of_a_record_whose_id_differs() -> None:
    # SAR024 already says the id and the file name differ
    renamed = named("target", "journalist-a", "Journalist A", stem="journalist-aa")
    summaries = [renamed, incident("incident-a", "journalist-a", "journalist-aa")]
    assert cross_check(summaries) == []


def test_the_references_of_a_broken_record_are_still_checked() -> None:
    broken = incident("incident-a", "journalist-x", valid=False)
    (d,) = cross_check([broken])
    assert place(d) == (Code.DANGLING_REFERENCE, "incidents/incident-a.yaml", "targets[0]", 6, 11)


# --- SAR202 wrong kind -----------------------------------------------------------------


def test_references_to_records_of_the_wrong_kind() -> None:
    vendor = named("operator", "agency-a", "Example Agency")
    vendor.products = (Defined("spyware-a", (13, 9)),)
    summaries = [
        named("target", "journalist-a", "Journalist A"),
        vendor,
        incident(
            "incident-a",
            "agency-a",
            refs=[
                ref("alleged_operators[0].operator", "journalist-a", "operator"),
                ref("spyware[0]", "journalist-a", PRODUCT, (9, 11)),
                ref("targets[1]", "spyware-a", "target", (6, 25)),
            ],
        ),
    ]
    out = cross_check(summaries)
    assert codes(out) == [Code.WRONG_KIND_REFERENCE] * 4
    assert [(d.field, d.line, d.column) for d in out] == [
        ("targets[0]", 6, 11),
        ("alleged_operators[0].operator", 8, 15),
        ("spyware[0]", 9, 11),
        ("targets[1]", 6, 25),
    ]
    assert [d.message for d in out] == [
        "`targets[0]` must refer to a target, but `agency-a` is an operator "
        "(operators/agency-a.yaml).",
        "`alleged_operators[0].operator` must refer to an operator, but `journalist-a` is a "
        "target (targets/journalist-a.yaml).",
        "`spyware[0]` must refer to a product, but `journalist-a` is a target "
        "(targets/journalist-a.yaml).",
        "`targets[1]` must refer to a target, but `spyware-a` is a product "
        "(operators/agency-a.yaml).",
    ]
    assert out[0].hint == "use the id of a target record here."
    assert out[1].hint == "use the id of an operator record here."
    assert out[2].hint == "use the id of a product, as a vendor lists it under `products`, here."
    assert all(d.file == "incidents/incident-a.yaml" for d in out)


# --- SAR203 parent cycle ---------------------------------------------------------------


def test_a_parent_cycle_is_reported_once_at_its_smallest_id() -> None:
    links = [("op-c", "op-a"), ("op-a", "op-b"), ("op-b", "op-c"), ("a-tail", "op-b")]
    summaries = [record("operator", child, parent=parent(up)) for child, up in links]
    summaries.append(incident("incident-a", refs=[ref("x", "a-tail", "operator")]))
    (d,) = cross_check(summaries)
    # `a-tail` sorts first and leads into the cycle, but is not part of it
    assert place(d) == (Code.PARENT_CYCLE, "operators/op-a.yaml", "parent", 6, 9)
    assert d.message == "the `parent` links form a cycle: op-a -> op-b -> op-c -> op-a."
    assert d.hint == "an operator cannot be its own ancestor; remove one of the `parent` lines."
    assert d.level is Severity.ERROR


def test_an_operator_that_is_its_own_parent() -> None:
    (d,) = cross_check([record("operator", "op-a", parent=parent("op-a"))])
    assert place(d) == (Code.PARENT_CYCLE, "operators/op-a.yaml", "parent", 6, 9)
    assert d.message == "the `parent` links form a cycle: op-a -> op-a."


def test_two_cycles_are_two_diagnostics() -> None:
    links = [("op-a", "op-b"), ("op-b", "op-a"), ("op-d", "op-c"), ("op-c", "op-d")]
    out = cross_check([record("operator", child, parent=parent(up)) for child, up in links])
    assert [(d.code, d.file) for d in out] == [
        (Code.PARENT_CYCLE, "operators/op-a.yaml"),
        (Code.PARENT_CYCLE, "operators/op-c.yaml"),
    ]


def test_a_chain_without_cycle_or_through_a_broken_record_is_not_a_cycle() -> None:
    chain = [("op-a", "op-b"), ("op-b", "op-c")]
    summaries = [record("operator", child, parent=parent(up)) for child, up in chain]
    summaries.append(record("operator", "op-c"))
    summaries.append(incident("incident-a", refs=[ref("x", "op-a", "operator")]))
    assert cross_check(summaries) == []
    # op-c -> op-a would close the ring, but op-c has errors of its own
    summaries[2] = record("operator", "op-c", parent=parent("op-a"), valid=False)
    assert cross_check(summaries) == []


# --- SAR401 unreferenced -----------------------------------------------------------------


def test_unreferenced_targets_operators_and_products_are_warned_about() -> None:
    vendor = named("operator", "vendor-a", "Example Spyware Ltd")
    vendor.products = (Defined("spyware-a", (13, 9)), Defined("spyware-b", (15, 9)))
    summaries = [
        named("target", "journalist-a", "Journalist A"),
        named("operator", "agency-a", "Example Agency"),
        vendor,
        record("response", "call-a"),  # incidents and responses are never warned about
        incident("incident-a", refs=[ref("spyware[0]", "spyware-b", PRODUCT, (9, 11))]),
    ]
    out = cross_check(summaries)
    assert [place(d) for d in out] == [
        (Code.UNREFERENCED, "operators/agency-a.yaml", "id", 1, 5),
        (Code.UNREFERENCED, "operators/vendor-a.yaml", "products[0].id", 13, 9),
        (Code.UNREFERENCED, "targets/journalist-a.yaml", "id", 1, 5),
    ]
    assert all(d.level is Severity.WARNING for d in out)
    assert out[0].message == "no other record refers to the operator `agency-a`."
    assert out[0].hint == UNREFERENCED_HINT
    assert out[1].message == (
        "no other record refers to the product `spyware-a` (an incident's `spyware`, "
        "or a response's `about.products` in format 1.1)."
    )
    assert out[1].hint == (
        "link it from an incident's `spyware` or a response's `about.products`, or remove it."
    )
    assert out[2].message == "no other record refers to the target `journalist-a`."


def test_a_parent_link_is_a_reference() -> None:
    summaries = [
        record("operator", "state-a"),
        record("operator", "agency-a", parent=parent("state-a")),
        incident("incident-a", refs=[ref("x", "agency-a", "operator")]),
    ]
    assert cross_check(summaries) == []


def test_a_broken_record_is_not_warned_about() -> None:
    assert cross_check([record("target", "journalist-a", valid=False)]) == []


def test_texts_of_a_broken_record_count_as_references() -> None:
    """A record with errors may hold a reference where it cannot be read as one."""
    target = named("target", "journalist-a", "Journalist A")
    broken = incident("incident-a", valid=False, loose_refs=("An incident", "journalist-a"))
    assert cross_check([target, broken]) == []


def test_texts_of_a_valid_record_do_not_count_as_references() -> None:
    target = named("target", "journalist-a", "Journalist A")
    valid = incident("incident-a", loose_refs=("journalist-a",))
    (d,) = cross_check([target, valid])
    assert place(d) == (Code.UNREFERENCED, "targets/journalist-a.yaml", "id", 1, 5)


# --- SAR402 look-alike names -------------------------------------------------------------

SIMILAR_HINT = (
    "if they are the same, merge the records and keep the other spelling under `aliases`."
)


def referenced(*summaries: Summary) -> list[Summary]:
    """The summaries and an incident referring to each, so that no SAR401 shows."""
    refs = [ref(f"r[{i}]", s.id or "", s.kind or "", (9, 1)) for i, s in enumerate(summaries)]
    return [*summaries, incident("incident-z", refs=refs)]


def test_look_alike_names_give_one_warning_at_the_second_record() -> None:
    assert name_key("Omar Brooksi") == name_key("Omar Brouksy")
    summaries = referenced(
        named("target", "omar-brouksy", "Omar Brouksy"),
        named("target", "omar-brooksi", "Omar Brooksi"),
    )
    (d,) = cross_check(summaries)
    assert place(d) == (Code.SIMILAR_NAMES, "targets/omar-brouksy.yaml", "name", 3, 7)
    assert d.message == (
        "`Omar Brouksy` looks like `Omar Brooksi` of the target `omar-brooksi` "
        "(targets/omar-brooksi.yaml); they may be the same."
    )
    assert d.hint == SIMILAR_HINT
    assert d.level is Severity.WARNING


def test_an_alias_that_looks_like_another_records_name() -> None:
    summaries = referenced(
        named("operator", "agency-a", "Example Agency"),
        named("operator", "agency-b", "Other Service", "Exampel Agency"),
    )
    (d,) = cross_check(summaries)
    assert place(d) == (Code.SIMILAR_NAMES, "operators/agency-b.yaml", "aliases[0]", 4, 12)
    assert d.message == (
        "`Exampel Agency` looks like `Example Agency` of the operator `agency-a` "
        "(operators/agency-a.yaml); they may be the same."
    )


def test_names_that_do_not_look_alike_are_not_warned_about() -> None:
    assert name_key("Hicham Mansouri") != name_key("Ahmed Mansoor")
    summaries = referenced(
        named("target", "person-a", "Hicham Mansouri"),
        named("target", "person-b", "Ahmed Mansoor"),
    )
    assert cross_check(summaries) == []


def test_look_alike_names_within_one_record_are_not_warned_about() -> None:
    summaries = referenced(named("target", "omar-brooksi", "Omar Brooksi", "Omar Brouksy"))
    assert cross_check(summaries) == []


def test_a_phonetic_group_across_records_whose_close_spellings_are_in_one_record() -> None:
    # One phonetic key, three names in two records; only the two names of the
    # first record are spelt alike: nothing to warn about.
    assert name_key("Omar Radi") == name_key("Omar Rady") == name_key("Radi Omar")
    summaries = referenced(
        named("target", "omar-radi", "Omar Radi", "Omar Rady"),
        named("target", "radi-omar", "Radi Omar"),
    )
    assert cross_check(summaries) == []


def test_look_alike_names_of_different_kinds_are_not_warned_about() -> None:
    summaries = referenced(
        named("target", "example-a", "Example Group"),
        named("operator", "example-b", "Example Group"),
    )
    assert cross_check(summaries) == []


def test_look_alike_names_of_a_broken_record_are_not_compared() -> None:
    broken = named("target", "omar-brouksy", "Omar Brouksy", valid=False)
    summaries = referenced(named("target", "omar-brooksi", "Omar Brooksi"))
    assert cross_check([*summaries, broken]) == []


def test_names_without_a_phonetic_key_are_not_compared() -> None:
    assert name_key("A") is None
    a = record("target", "person-a", names=[Name("name", "A", NAME_POS, None)])
    b = record("target", "person-b", names=[Name("name", "A", NAME_POS, None)])
    assert cross_check(referenced(a, b)) == []


def test_a_group_of_three_gives_one_warning_naming_the_other_two() -> None:
    summaries = referenced(
        named("target", "omar-radi-c", "Omar Rady"),
        named("target", "omar-radi-a", "Omar Radi"),
        named("target", "omar-radi-b", "Omar Radi"),
    )
    (d,) = cross_check(summaries)
    assert place(d) == (Code.SIMILAR_NAMES, "targets/omar-radi-b.yaml", "name", 3, 7)
    assert d.message == (
        "`Omar Radi` looks like `Omar Radi` of the target `omar-radi-a` "
        "(targets/omar-radi-a.yaml), `Omar Rady` of the target `omar-radi-c` "
        "(targets/omar-radi-c.yaml); they may be the same."
    )


def test_a_large_group_lists_a_bounded_number_of_names() -> None:
    extra = 3
    ids = [f"person-{i}" for i in range(1 + SIMILAR_SHOWN + extra)]  # 1 warned + listed
    (d,) = cross_check(referenced(*(named("target", i, "Omar Radi") for i in ids)))
    assert d.file == "targets/person-1.yaml"
    listed = [f"`Omar Radi` of the target `{i}` (targets/{i}.yaml)" for i in ids]
    shown = [listed[0], *listed[2 : SIMILAR_SHOWN + 1]]
    assert d.message == (
        f"`Omar Radi` looks like {', '.join(shown)} and {extra} more; they may be the same."
    )


def test_a_name_that_may_not_be_repeated_is_described() -> None:
    long_name = "Organisation for the Documentation of Example Surveillance Worldwide"
    assert len(long_name) > 60  # too long to repeat
    summaries = referenced(
        named("target", "org-a", long_name),
        named("target", "org-b", long_name),
    )
    (d,) = cross_check(summaries)
    assert d.message == (
        "this name looks like a name of the target `org-a` (targets/org-a.yaml); "
        "they may be the same."
    )


# --- size: the output stays linear in the record set --------------------------------------


def test_many_records_give_one_warning_per_group() -> None:
    count = 20_000
    # pairs of records with the same name, each pair its own phonetic group
    pairs = [named("target", f"t-{i:05d}", f"Person {i // 2}") for i in range(count)]
    out = cross_check(referenced(*pairs))
    assert codes(out) == [Code.SIMILAR_NAMES] * (count // 2)
    assert len({d.file for d in out}) == count // 2


def test_one_huge_group_gives_one_warning_with_a_count() -> None:
    count = 20_000
    same = [named("target", f"t-{i:05d}", "Omar Radi") for i in range(count)]
    (d,) = cross_check(referenced(*same))
    assert d.code == Code.SIMILAR_NAMES
    assert d.file == "targets/t-00001.yaml"
    # 19,999 others, SIMILAR_SHOWN of them listed
    assert count - 1 - SIMILAR_SHOWN == 19_994
    assert d.message.endswith(" and 19,994 more; they may be the same.")
    assert d.message.count("`Omar Radi` of the target") == SIMILAR_SHOWN


def test_a_long_chain_into_a_cycle_is_walked_once() -> None:
    """20,000 operators each the parent of the next, the last two a ring: one SAR203.
    (Walking every chain again from each start took cubic time before.)"""
    n = 20_000

    def parent(i: int) -> str:
        return f"op-{i + 1 if i < n - 1 else n - 2:05d}"

    summaries = [
        Summary(
            f"operators/op-{i:05d}.yaml",
            f"op-{i:05d}",
            "operator",
            parent=Ref("parent", parent(i), "operator", (6, 9)),
        )
        for i in range(n)
    ]
    cycles = [d for d in cross_check(summaries) if d.code is Code.PARENT_CYCLE]
    assert [d.message for d in cycles] == [
        f"the `parent` links form a cycle: op-{n - 2:05d} -> op-{n - 1:05d} -> op-{n - 2:05d}."
    ]


def test_did_you_mean_is_offered_for_a_bounded_number_of_dangling_references() -> None:
    """Each suggestion is a pass over every id: only the first 200 get one, so the
    pass stays linear in the record set."""
    targets = [
        Summary(f"targets/t-{i:04d}.yaml", f"journalist-{i:04d}", "target") for i in range(300)
    ]
    incident = Summary(
        "incidents/x.yaml",
        "x-2020",
        "incident",
        refs=[Ref(f"targets[{i}]", f"journalist-{i:04d}x", "target", (5, 3)) for i in range(300)],
    )
    dangling = [d for d in cross_check([*targets, incident]) if d.code is Code.DANGLING_REFERENCE]
    assert len(dangling) == 300
    assert sum((d.hint or "").startswith("did you mean") for d in dangling) == 200


def test_a_summary_travels_between_processes_whole() -> None:
    """Worker processes send summaries back pickled, field by field in order: every
    field arrives, and a field added to the class cannot be forgotten on the way."""
    import dataclasses
    import pickle

    from sarschema.results import Link

    summary = named(
        "target",
        "journalist-a",
        "Amal Example",
        "Amal E.",
        valid=False,
        products=(Defined("spyware-x", (4, 3)),),
        refs=[Ref("targets[0]", "journalist-b", "target", (9, 5))],
        parent=Ref("parent", "group-a", "operator", PARENT_POS),
        loose_refs=("journalist-c",),
        accepted={"SAR400": "checked with the editors"},
        schema_ref="../../schema/record.schema.json",
        schema_ref_column=40,
        links=(Link("journalist-b", "client_of", (12, 7), "related[0]"),),
    )
    back = pickle.loads(pickle.dumps(summary))
    assert back == summary
    for field in dataclasses.fields(Summary):
        assert getattr(back, field.name) == getattr(summary, field.name), field.name
        assert getattr(summary, field.name) != field.default, f"set {field.name} above"


def test_a_file_result_travels_between_processes_whole() -> None:
    """As a summary does: every field of a result arrives, added ones too."""
    import dataclasses
    import pickle

    from sarschema.diagnostics import Diagnostic
    from sarschema.results import FileResult

    summary = named("target", "journalist-a", "Amal Example")
    result = FileResult(
        "records/targets/journalist-a.yaml",
        [
            Diagnostic.at(
                "records/targets/journalist-a.yaml", (3, 1), Code.DUPLICATE_ID, id="x", other="y"
            )
        ],
        summary,
        record=None,
        payload=[("targets", ("journalist-a",))],
        key="0" * 40,
    )
    back = pickle.loads(pickle.dumps(result))
    assert back == result
    for field in dataclasses.fields(FileResult):
        assert getattr(back, field.name) == getattr(result, field.name), field.name
        if field.name != "record":  # a Pydantic model: checked by every export's test
            assert getattr(result, field.name) != field.default, f"set {field.name} above"


# The branches the rules' faster loops rewrote, pinned (from a review).


def _codes(diags: Iterable[Diagnostic]) -> list[tuple[Any, ...]]:
    return [(d.file, d.code.value, d.field, d.line) for d in diags]


def test_a_referenced_vendor_still_reports_its_unreferenced_product() -> None:
    vendor = record("operator", "v", products=(Defined("p1", (5, 7)), Defined("p2", (6, 7))))
    uses = incident(
        "i", refs=[ref("alleged_operators[0]", "v", "operator"), ref("spyware[0]", "p1", PRODUCT)]
    )
    assert _codes(cross_check([uses, vendor])) == [
        ("operators/v.yaml", "SAR401", "products[1].id", 6)
    ]


def test_a_product_named_like_its_own_record_and_twice_in_it_is_a_duplicate_each_time() -> None:
    products = (Defined("v", (5, 7)), Defined("p", (6, 7)), Defined("p", (7, 7)))
    got = _codes(cross_check([record("operator", "v", products=products, parent=parent("v"))]))
    assert got[:2] == [
        ("operators/v.yaml", "SAR200", "products", 5),
        ("operators/v.yaml", "SAR200", "products", 7),
    ]
    assert ("operators/v.yaml", "SAR203", "parent", PARENT_POS[0]) in got  # checked as a reference


def test_a_broken_records_products_and_stem_silence_dangling_references() -> None:
    broken = record(
        "operator", "v", stem="x", valid=False, products=(Defined("p", (5, 7)),), loose_refs=("t",)
    )
    uses = incident(
        "i", refs=[ref("spyware[0]", "p", PRODUCT), ref("alleged_operators[0]", "x", "operator")]
    )
    assert _codes(cross_check([uses, broken, record("target", "t")])) == []
