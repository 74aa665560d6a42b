"""help() of a decorated function shows what @archived added to it."""

import pydoc

from archived import archived


def _help_text(obj):
    return pydoc.render_doc(obj, renderer=pydoc.plaintext)


def test_help_of_a_decorated_function_lists_the_methods_archived_adds(tmp_path):
    # help(simulate) showed the function's own docstring alone: nothing told a user
    # that simulate.table(), .where() or .stale() exist
    @archived(str(tmp_path / "s"))
    def simulate(mu, n=100):
        """Energy of a chain of n sites."""
        return mu * n

    text = _help_text(simulate)
    assert "simulate(mu, n=100)" in text
    assert "Energy of a chain of n sites." in text
    for method in ("table(", "where(", "stale(", "is_cached(", "prune_stale(", "clear("):
        assert f"simulate.{method}" in text, method
    assert str(tmp_path / "s") in text


def test_help_of_a_decorated_function_without_a_docstring_lists_them_too(tmp_path):
    @archived(str(tmp_path / "s"))
    def bare(x):
        return x

    text = _help_text(bare)
    assert "bare(x)" in text and "bare.table(" in text and "bare.where(" in text


def test_the_added_text_leaves_the_function_s_own_docstring_alone(tmp_path):
    def plain(x):
        """Doubles x."""
        return 2 * x

    cached = archived(str(tmp_path / "s"))(plain)
    assert plain.__doc__ == "Doubles x."
    assert cached.__doc__.startswith("Doubles x.")
    assert cached.__wrapped__ is plain
