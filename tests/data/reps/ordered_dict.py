from archived.arrays import load_array as _load_array
from collections import OrderedDict as _OrderedDict
value = _OrderedDict(
    {
        'b': 1,
        'a': _load_array('value.h5', 'a0', digest='2cd940638a50e2555d98e4196f516dfe'),
    },
)
del _load_array, _OrderedDict
if __name__ == 'builtins':
    del __builtins__
