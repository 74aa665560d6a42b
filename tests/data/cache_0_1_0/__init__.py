"""The DataSet 'cache_0_1_0', a store written by archived.

Each entry is a file <name>.py beside this one (its info record, then its value, as
Python source); big arrays are in <name>.<token>.h5 files.  Importing this module loads
no entry: `cache_0_1_0.x_0` loads entry x_0 when accessed, `_info_dict['x_0'].info` its info
record and `_info_dict['x_0'].load()` its value.  This file is written once, when the
store is created; writing entries never changes it.  Open the store for writing with
archived.DataSet('cache_0_1_0', 'w', path=<the directory holding this one>).
"""

from archived.storemodule import attach as _attach

_info_dict, __getattr__, __dir__ = _attach(__name__, __file__, globals())
