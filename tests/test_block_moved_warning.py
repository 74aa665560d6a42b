"""A ``with`` block moved by lines added above it (an ``import`` at the top of a script)
says why it computes again: a block is named by its line, so its results were computed
again without a word, while a sweep of a moved function warns (MovedFunctionWarning)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings

from archived import archived

BLOCK = textwrap.dedent(
    """
    import sys
    from archived import archived
    for mu in (1.5, 2.5):
        with archived(sys.argv[1], mu=mu) as rec:
            if not rec.cached:
                rec.result = rec.parameters["mu"] * 2
        print(rec.cached)
    """
)


def run(tmp_path, text):
    script = tmp_path / "study.py"
    script.write_text(text)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run(
        [sys.executable, "-W", "always", str(script), str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return done.stdout.split(), done.stderr


def test_a_block_moved_by_a_line_added_above_names_its_old_line(tmp_path):
    assert run(tmp_path, BLOCK) == (["False", "False"], "")
    cached, err = run(tmp_path, "import math\n" + BLOCK)
    assert cached == ["False", "False"]  # still computed again: its key holds its line
    assert err.count("MovedBlockWarning") == 1  # once per block and version
    assert "the block at line 6 of study.py finds no result" in err
    assert "same code stored one at line 5 (block:study.<module>@5)" in err
    assert "archived prune" in err and "--function 'block:study.<module>@5'" in err
    # moved back, as the warning says: its results answer again
    assert run(tmp_path, BLOCK) == (["True", "True"], "")


def test_a_block_of_the_same_code_still_at_the_old_line_is_another_block(tmp_path):
    # two copies of one block in a script: the second, with parameters the first stored,
    # did not move; the first may read other data set above it
    store = str(tmp_path / "runs")
    twice = textwrap.dedent(
        f"""
        from archived import archived
        def first():
            with archived({store!r}, mu=1.5) as rec:
                if not rec.cached:
                    rec.result = 1
            return rec.result
        def second():
            with archived({store!r}, mu=1.5) as rec:
                if not rec.cached:
                    rec.result = 1
            return rec.result
        """
    )
    (tmp_path / "twice_blocks.py").write_text(twice)
    sys.path.insert(0, str(tmp_path))
    try:
        import twice_blocks

        twice_blocks.first()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            twice_blocks.second()  # another function: never taken for a moved block
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("twice_blocks", None)


def test_a_block_copied_below_itself_is_not_taken_for_a_moved_one(tmp_path):
    copied = BLOCK + BLOCK.split("\n", 3)[3]  # the loop and block again, below
    assert run(tmp_path, BLOCK) == (["False", "False"], "")
    cached, err = run(tmp_path, copied)
    assert cached == ["True", "True", "False", "False"]
    assert "MovedBlockWarning" not in err


def test_a_named_block_never_warns_of_a_move(tmp_path):
    store = str(tmp_path / "runs")
    with archived(store, mu=1.5) as rec:
        rec.result = 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with archived(store, name="fit", mu=1.5) as rec:
            rec.result = 1
    assert not rec.cached
