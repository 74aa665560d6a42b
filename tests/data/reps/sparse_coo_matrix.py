from archived.arrays import load_array as _load_array
from archived.reps import sparse as _sparse
value = _sparse(
    'coo_matrix',
    [
        _load_array('value.h5', 'a0'),
        _load_array('value.h5', 'a1'),
        _load_array('value.h5', 'a2'),
    ],
    (40, 50),
)
del _load_array, _sparse
if __name__ == 'builtins':
    del __builtins__
