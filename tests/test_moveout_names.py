"""The advice to move an edited entry out of its store names the data files its header
lists, and the header is the store's text: only names shaped as that entry's own data
files are named, so a crafted header cannot have the advice point at a file outside
the store, at another entry's arrays, or carry a terminal's controls."""

import os

from archived.store.moveout import entry_files_text

OWN = "f_1.0a1b2c-1-0a1b2c3d.h5"


def write_entry(folder, name, files):
    path = os.path.join(folder, name + ".py")
    with open(path, "w") as f:
        f.write(f"# archived entry {name!r}, format 1, data files: {files!r}\nvalue = 1\n")
    return path


def test_advice_to_move_an_entry_out_names_only_its_own_data_files(tmp_path):
    hostile = [
        "../../thesis.tex",
        "/home/you/.bashrc",
        "f_2.0a1b2c-1-0a1b2c3d.h5",
        "f_1.\x1b[2J.h5",
    ]
    path = write_entry(str(tmp_path), "f_1", [*hostile, OWN])
    text = entry_files_text(str(tmp_path), "f_1")
    assert text == f"{path} with its data file {OWN} (its arrays: keep them together)"


def test_advice_for_a_header_listing_no_data_file_of_its_own_names_the_entry_file_alone(tmp_path):
    path = write_entry(str(tmp_path), "f_1", ["../../thesis.tex", "f_2.0a1b2c-1-0a1b2c3d.h5"])
    assert entry_files_text(str(tmp_path), "f_1") == path
