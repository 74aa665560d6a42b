from archived.arrays import load_array as _load_array
from archived.reps import sparse as _sparse
value = _sparse(
    'coo_matrix',
    [
        _load_array('value.h5', 'a0', digest='b9ae6975016e71c063ddda86c766dab0'),
        _load_array('value.h5', 'a1', digest='cb4636af965f5e9001c2c9eb44b92b9a'),
        _load_array('value.h5', 'a2', digest='c398a24984f7bd0b2a48eff3f52e9894'),
    ],
    (40, 50),
)
del _load_array, _sparse
if __name__ == 'builtins':
    del __builtins__
