from archived.arrays import load_array as _load_array
from collections import OrderedDict as _OrderedDict
value = _OrderedDict(
    {
        'b': 1,
        'a': _load_array('value.h5', 'a0', digest='051fb42624ce0c01648519ccd5a1a564'),
    },
)
del _load_array, _OrderedDict
if __name__ == 'builtins':
    del __builtins__
