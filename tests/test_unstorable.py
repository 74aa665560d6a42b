"""What cannot be stored is refused early, and a computed result is never lost: an
unstorable return annotation is refused when the function is decorated; an unstorable
result is returned with the reason, and the failed call record keeps it."""

import sys
from collections.abc import Iterator

import pytest

from archived import UnarchivableError, archived
from archived.errors import ResultNotStoredWarning


def test_a_function_declared_to_return_an_iterator_is_refused_when_decorated(tmp_path):
    runs = []

    def numbers(n) -> Iterator[int]:
        runs.append(n)
        return iter(range(n))

    with pytest.raises(UnarchivableError, match="iterator, which can only be consumed once"):
        archived(str(tmp_path / "s"))(numbers)
    assert runs == []  # nothing ran


def test_a_function_declared_to_return_a_class_of_main_is_refused_when_decorated(tmp_path):
    main = sys.modules["__main__"]
    cls = type("ScriptOnly", (), {"__module__": "__main__"})
    main.ScriptOnly = cls
    try:

        def make() -> cls:  # type: ignore[valid-type]
            return cls()

        with pytest.raises(UnarchivableError, match="defined in __main__"):
            archived(str(tmp_path / "s"))(make)
    finally:
        del main.ScriptOnly


def test_plain_and_unresolvable_annotations_pass(tmp_path):
    def fine(n) -> list[int]:
        return list(range(n))

    def forward(n) -> "NotDefinedYet":  # noqa: F821
        return n

    assert archived(str(tmp_path / "a"))(fine)(3) == [0, 1, 2]
    assert archived(str(tmp_path / "b"))(forward)(3) == 3


def test_an_unstorable_result_is_returned_with_the_reason_and_recorded(tmp_path):
    @archived(str(tmp_path / "s"))
    def closure(k):
        return lambda x: x + k

    with pytest.warns(ResultNotStoredWarning, match="defined inside a function"):
        f = closure(2)
    assert f(1) == 3  # the computed result, not lost
    [failed] = closure.failures()
    assert failed.info["error"] == "UnarchivableError"
    assert "defined inside a function" in failed.info["message"]
    assert not closure.is_cached(2)


def test_a_generator_object_result_is_returned_with_the_reason(tmp_path):
    @archived(str(tmp_path / "s"))
    def lazy(n):
        return (i * i for i in range(n))

    with pytest.warns(ResultNotStoredWarning, match="generator"):
        assert list(lazy(3)) == [0, 1, 4]


def test_a_result_of_a_class_of_main_is_refused_before_writing_and_the_record_says_why(
    tmp_path,
):
    import dataclasses

    main = sys.modules["__main__"]
    cls = dataclasses.make_dataclass("ScriptResult", [("x", float)])
    cls.__module__ = "__main__"
    main.ScriptResult = cls
    try:

        @archived(str(tmp_path / "s"))
        def run(x):
            return cls(x)

        with pytest.warns(ResultNotStoredWarning, match="defined in __main__"):
            assert run(1.5).x == 1.5
        [failed] = run.failures()
        assert "ScriptResult is defined in __main__" in failed.info["message"]
        assert [c.name for c in run.calls()] == []  # no result entry was written
    finally:
        del main.ScriptResult


def test_a_result_of_a_script_class_in_a_worker_says_it_is_defined_in_main(tmp_path):
    # a loky worker runs a script's function rebuilt by cloudpickle: the result's class
    # says __main__ but is not in the worker's __main__, and the reason was pickle's
    # "attribute lookup ScriptResult on __main__ failed", not what to do about it
    import dataclasses

    cls = dataclasses.make_dataclass("WorkerResult", [("x", float)])
    cls.__module__ = "__main__"
    assert not hasattr(sys.modules["__main__"], "WorkerResult")

    @archived(str(tmp_path / "s"))
    def run(x):
        return cls(x)

    with pytest.warns(ResultNotStoredWarning, match="WorkerResult is defined in __main__"):
        assert run(1.5).x == 1.5
    [failed] = run.failures()
    assert "move it into a module" in failed.info["message"]


class BrokenHook:
    """A result whose own archive_1() raises: the value, not the store, is at fault."""

    def __init__(self, v):
        self.v = v

    def archive_1(self):
        raise RuntimeError("the hook broke")


_RUNS: list = []


def adder(k):
    """A result no store can hold: a function defined inside a function."""
    _RUNS.append(k)
    return lambda x: x + k


def hooked(k):
    _RUNS.append(k)
    return BrokenHook(k)


@pytest.mark.parametrize("kind", ["unarchivable", "hook_raises"])
def test_a_result_that_cannot_be_stored_is_returned_recorded_as_computed_and_computed_again(
    tmp_path, kind
):
    make = archived(str(tmp_path / "s"))(adder if kind == "unarchivable" else hooked)
    _RUNS.clear()
    for _ in range(2):
        with pytest.warns(ResultNotStoredWarning, match="computed but not stored"):
            got = make(2)
        assert (got(1) == 3) if kind == "unarchivable" else (got.v == 2)  # not lost
    assert _RUNS == [2, 2]  # the failure is no hit: the second call computed again
    [failed] = make.failures()
    message = failed.info["message"]
    assert message.startswith("the result was computed and returned, but it cannot be stored: ")
    assert ("defined inside a function" if kind == "unarchivable" else "the hook broke") in message
    assert not make.is_cached(2)


def test_a_block_whose_result_cannot_be_stored_is_named_as_the_block_it_is(tmp_path):
    # the warning named '<module>(L=8 beta=0.4)', a call of a function that does not
    # exist, and told of 'the next call'
    with pytest.warns(ResultNotStoredWarning) as caught:
        with archived(str(tmp_path / "s"), L=8) as rec:
            if not rec.cached:
                rec.result = (i for i in range(3))
    assert list(rec.result) == [0, 1, 2]  # not lost
    [warning] = caught
    message = str(warning.message)
    assert message.startswith("the block test_unstorable.")
    assert " with L=8 was computed but not stored (it cannot be stored: " in message
    assert "rec.result holds it, and the block computes it again when run next" in message
    assert "<module>(" not in message and "next call" not in message


def test_an_object_made_before_its_module_was_reloaded_is_refused_saying_so(tmp_path, monkeypatch):
    # a notebook takes in an edit with importlib.reload; an object made before it is of
    # the replaced class, and the refusal said only "cannot pickle it: ... not the same
    # object as reloaded_lab.Run", with no word of the reload or of what to do
    import importlib

    from archived import DataSet

    (tmp_path / "reloaded_lab.py").write_text(
        "import dataclasses\n\n@dataclasses.dataclass\nclass Run:\n    n: int\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        import reloaded_lab

        made_before = reloaded_lab.Run(3)
        importlib.reload(reloaded_lab)
        ds = DataSet("s", "w", path=str(tmp_path))
        with pytest.raises(UnarchivableError, match="its module was reloaded") as err:
            ds.run = made_before
        assert "make the object again with the current reloaded_lab.Run" in str(err.value)
        assert list(ds) == []
        ds.run = reloaded_lab.Run(3)  # the current class's object is stored
        assert ds.run == reloaded_lab.Run(3)
    finally:
        sys.modules.pop("reloaded_lab", None)


def test_a_result_of_a_class_typed_in_a_notebook_is_refused_naming_the_notebook(tmp_path):
    # in a notebook, __main__ is the kernel's: "(the script being run)" named no script
    # the user had, so the message now names a notebook's or prompt's code too
    namespace = {"__name__": "__main__", "archived": archived, "store": str(tmp_path / "s")}
    cell = (
        "import dataclasses\n"
        "@dataclasses.dataclass\nclass Summary:\n    mean: float\n"
        "@archived(store)\ndef summarize(x):\n    return Summary(x)\n"
    )
    exec(compile(cell, "<ipython-input-1>", "exec"), namespace)
    with pytest.warns(ResultNotStoredWarning, match="a notebook's or prompt's code") as caught:
        assert namespace["summarize"](0.5).mean == 0.5
    assert "move it into a module and import it from there" in str(caught[0].message)
