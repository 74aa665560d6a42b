"""Write the kept archive and stores of ``tests/data`` (run once, with archived 0.1.0).

    PYTHONPATH=<archived 0.1.0>/src:tests/data python tests/data/make_golden.py tests/data

The files it wrote are committed; tests read them, and never run this script.
``archive_0_1_0_numpy1.py`` is the archive 0.1.0 wrote the same way under numpy 1.26.0
(Python 3.10), saved under that name.
"""

import os
import shutil
import sys


def main(folder: str) -> None:
    import golden_values as g

    from archived import Archive, DataSet, archived

    arch = Archive(array_threshold=100, datafile=os.path.join(folder, "archive_0_1_0.h5"))
    arch.insert(**g.archive_values())
    with open(os.path.join(folder, "archive_0_1_0.py"), "w") as f:
        f.write(str(arch))
    shutil.rmtree(os.path.join(folder, "store_0_1_0"), ignore_errors=True)
    ds = DataSet("store_0_1_0", "w", path=folder)
    for name, (value, info) in g.store_values().items():
        setattr(ds, name, value)
        if info is not None:
            ds[name] = info
    ds._insert([1, 2, 3], info={"inserted": True})
    ds._close()
    shutil.rmtree(os.path.join(folder, "cache_0_1_0"), ignore_errors=True)
    square = archived(os.path.join(folder, "cache_0_1_0"))(g.square)
    for x in (1, 2, 3):
        square(x)
    square(2, power=3)


if __name__ == "__main__":
    main(sys.argv[1])
